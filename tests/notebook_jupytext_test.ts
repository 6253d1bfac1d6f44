/**
 * Jupytext's own test pairs (tests/fixtures/jupytext: `percent/X.py` is what Jupytext writes for
 * `ipynb/X.ipynb`) as a compatibility suite for the percent-format reader and writer.
 */
import { assertEquals, assertOk } from "./_deps.ts";
import { ROOT } from "./_helpers.ts";
import { runPython } from "./notebook_helpers.ts";
import { parseIpynb, serializeIpynb } from "../lib/notebook/ipynb.ts";
import { parsePercent, writePercent } from "../lib/notebook/percent.ts";
import { injectParameters } from "../lib/notebook/inject.ts";
import { IGNORE_CELL_METADATA } from "../lib/notebook/_metadata.ts";
import { filterMetadata } from "../lib/notebook/_metadata_filter.ts";
import type { Cell } from "../lib/notebook/schema.ts";

const DIR = `${ROOT}/tests/fixtures/jupytext`;
const NAMES = [...Deno.readDirSync(`${DIR}/percent`)]
  .map((e) => e.name.replace(/\.py$/, ""))
  .sort();

/**
 * Pairs expected to fail, by name, with the reason. Each listed pair is still run and must
 * still fail (so a fix shows up); none is skipped.
 */
const EXPECTED_READ_FAILURES: Record<string, string> = {};
const EXPECTED_WRITE_FAILURES: Record<string, string> = {};

/** What the percent format carries of a cell: type, source, and metadata Jupytext writes. */
function carried(cell: Cell) {
  return {
    cell_type: cell.cell_type,
    source: cell.source,
    metadata: filterMetadata(cell.metadata, undefined, IGNORE_CELL_METADATA),
  };
}

function check(
  direction: string,
  expectedFailures: Record<string, string>,
  compare: (name: string) => string | undefined,
): void {
  const failures: Record<string, string> = {};
  for (const name of NAMES) {
    const problem = compare(name);
    if (problem !== undefined) failures[name] = problem;
  }
  const passed = NAMES.length - Object.keys(failures).length;
  console.log(`Jupytext percent fixtures, ${direction}: ${passed}/${NAMES.length} pass`);
  for (const [name, reason] of Object.entries(expectedFailures)) {
    console.log(`  expected failure: ${name}: ${reason}`);
  }
  assertEquals(
    Object.keys(failures).sort(),
    Object.keys(expectedFailures).sort(),
    "unexpected results:\n" + Object.entries(failures).map(([n, p]) => `${n}: ${p}`).join("\n"),
  );
}

Deno.test("parsePercent() reads every Jupytext fixture into the cells of its .ipynb", () => {
  assertOk(NAMES.length >= 16, `found only ${NAMES.length} fixtures`);
  check("reading percent/X.py gives the cells of ipynb/X.ipynb", EXPECTED_READ_FAILURES, (name) => {
    const nb = parsePercent(Deno.readTextFileSync(`${DIR}/percent/${name}.py`));
    const ref = parseIpynb(Deno.readTextFileSync(`${DIR}/ipynb/${name}.ipynb`));
    const got = JSON.stringify(nb.cells.map(carried));
    const want = JSON.stringify(ref.cells.map(carried));
    return got === want ? undefined : `got ${got}\nwant ${want}`;
  });
});

Deno.test("writePercent() writes every Jupytext fixture .ipynb as Jupytext does", () => {
  check("writing ipynb/X.ipynb reproduces percent/X.py", EXPECTED_WRITE_FAILURES, (name) => {
    const ref = parseIpynb(Deno.readTextFileSync(`${DIR}/ipynb/${name}.ipynb`));
    const want = Deno.readTextFileSync(`${DIR}/percent/${name}.py`);
    const got = writePercent(ref);
    return got === want ? undefined : `got:\n${got}`;
  });
});

Deno.test("a canonical .py converts to .ipynb text and back byte for byte", () => {
  for (const name of NAMES) {
    const py = Deno.readTextFileSync(`${DIR}/percent/${name}.py`);
    const ipynb = serializeIpynb(parsePercent(py));
    assertEquals(writePercent(parseIpynb(ipynb)), py, name);
    // And the .ipynb text is itself stable.
    assertEquals(serializeIpynb(parseIpynb(ipynb)), ipynb, name);
  }
});

Deno.test("serializeIpynb() writes the fixtures byte for byte as nbformat does", async () => {
  const texts = NAMES.map((name) => Deno.readTextFileSync(`${DIR}/ipynb/${name}.ipynb`));
  const out = await runPython(
    `
import json, sys, nbformat
texts = json.load(sys.stdin)
written = []
for text in texts:
    s = nbformat.writes(nbformat.reads(text, as_version=nbformat.NO_CONVERT))
    written.append(s if s.endswith("\\n") else s + "\\n")
print(json.dumps(written))
`,
    JSON.stringify(texts),
  );
  const expected = JSON.parse(out) as string[];
  NAMES.forEach((name, i) => {
    assertEquals(serializeIpynb(parseIpynb(texts[i]!)), expected[i], name);
  });
});

Deno.test("parsePercent() and injectParameters() give notebooks nbformat.validate accepts", async () => {
  const notebooks = NAMES.map((name) => {
    const nb = parsePercent(Deno.readTextFileSync(`${DIR}/percent/${name}.py`));
    const context = { runId: "r", taskId: "t", instanceId: "t", attempt: 1 };
    return serializeIpynb(injectParameters(nb, { n: 1, s: "x\ny" }, context).notebook);
  });
  const out = await runPython(
    `
import json, sys, warnings, nbformat
warnings.simplefilter("error")  # e.g. MissingIDFieldWarning fails the case
problems = []
for text in json.load(sys.stdin):
    try:
        nbformat.validate(nbformat.reads(text, as_version=nbformat.NO_CONVERT))
        problems.append(None)
    except Exception as err:
        problems.append(str(err)[:300])
print(json.dumps(problems))
`,
    JSON.stringify(notebooks),
  );
  assertEquals(JSON.parse(out), NAMES.map(() => null));
});
