/**
 * The notebook module `pynb_dag_runner`, run in a plain Python process (no kernel needed): what it
 * writes, and the clear errors of its misuse.
 */
import { join } from "node:path";
import { assertEquals, assertMatch, assertOk, assertStringIncludes } from "./_deps.ts";
import { tempDir } from "./_helpers.ts";
import { detectPython } from "../lib/execute/python.ts";
import { driverFiles } from "../lib/execute/driver_files.ts";
import { ValueLineSchema } from "../lib/log/schema.ts";

async function python(
  code: string,
  cwd: string,
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { moduleDir } = await driverFiles();
  const out = await new Deno.Command((await detectPython()).path, {
    args: ["-c", code],
    cwd,
    clearEnv: true,
    env: {
      PATH: Deno.env.get("PATH") ?? "",
      PYTHONPATH: moduleDir,
      PYTHONDONTWRITEBYTECODE: "1",
      ...env,
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

const ERROR_CASES = `
import json, math, pathlib
import pynb_dag_runner as pdr
cases = {
    "nan": lambda: pdr.log_value("a", float("nan")),
    "nested_inf": lambda: pdr.log_value("a", {"x": [1, math.inf]}),
    "object": lambda: pdr.log_value("a", object()),
    "int_key": lambda: pdr.log_value("a", {1: "x"}),
    "empty_name": lambda: pdr.log_value("", 1),
    "duplicate": lambda: (pdr.log_value("dup", 1), pdr.log_value("dup", 2)),
    "metric_str": lambda: pdr.log_metric("m", "0.5"),
    "metric_nan": lambda: pdr.log_metric("m", float("nan")),
    "metric_bool": lambda: pdr.log_metric("m", True),
    "dotdot": lambda: pdr.log_artifact("../escape.txt", b"x"),
    "inner_dotdot": lambda: pdr.log_artifact("a/../../b", b"x"),
    "absolute": lambda: pdr.log_artifact("/etc/passwd", b"x"),
    "artifact_empty": lambda: pdr.log_artifact("", b"x"),
    "backslash": lambda: pdr.log_artifact("..\\\\x", b"x"),
    "artifact_dup": lambda: (pdr.log_artifact("a.txt", "1"), pdr.log_artifact("a.txt", "2")),
    "artifact_type": lambda: pdr.log_artifact("b.txt", 42),
    "artifact_missing": lambda: pdr.log_artifact("c.txt", pathlib.Path("no-such-file")),
    "figure_type": lambda: pdr.log_figure("fig", "not a figure"),
    "upstream_unknown": lambda: pdr.upstream("nope"),
}
result = {}
for name, fn in cases.items():
    try:
        fn()
        result[name] = None
    except Exception as err:
        result[name] = [[c.__name__ for c in type(err).__mro__], str(err)]
print(json.dumps(result))
`;

Deno.test("pynb_dag_runner raises clear errors for values, metrics and artifacts it cannot log", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(
    join(dir.path, "up.json"),
    JSON.stringify([{
      id: "a",
      task: "ingest",
      matrix: {},
      values: {},
      metrics: [],
      artifacts: {},
    }]),
  );
  const out = await python(ERROR_CASES, dir.path, {
    PYNB_ATTEMPT_DIR: dir.path,
    PYNB_UPSTREAM_FILE: join(dir.path, "up.json"),
  });
  assertEquals(out.code, 0, out.stderr);
  const result: Record<string, [string[], string] | null> = JSON.parse(out.stdout);
  const expect = (name: string, errorClass: string, message: RegExp) => {
    const got = result[name];
    assertOk(got, `${name}: no error raised`);
    assertOk(got[0].includes(errorClass), `${name}: ${got[0].join(" < ")}`);
    assertOk(got[0].includes("PynbDagRunnerError") || errorClass.endsWith("Error"));
    assertMatch(got[1], message, name);
  };
  expect("nan", "NotJsonError", /Cannot log value 'a': value is nan, which JSON cannot hold/);
  expect("nested_inf", "NotJsonError", /value\['x'\]\[1\] is inf/);
  expect("object", "NotJsonError", /object is not JSON/);
  expect("int_key", "NotJsonError", /key 1, but JSON object keys are strings/);
  expect("empty_name", "InvalidNameError", /non-empty string/);
  expect("duplicate", "DuplicateNameError", /Cannot log value 'dup': .* already logged/);
  expect(
    "metric_str",
    "NotJsonError",
    /Cannot log metric 'm': its value must be a number, got str/,
  );
  expect("metric_nan", "NotJsonError", /only finite numbers/);
  expect("metric_bool", "NotJsonError", /got bool/);
  for (const name of ["dotdot", "inner_dotdot", "absolute", "backslash"]) {
    expect(name, "InvalidNameError", /must be a relative path inside the artifacts folder/);
  }
  expect("artifact_empty", "InvalidNameError", /non-empty string/);
  expect("artifact_dup", "DuplicateNameError", /Cannot log artifact 'a.txt'/);
  expect("artifact_type", "TypeError", /bytes, str or pathlib.Path, got int/);
  expect("artifact_missing", "FileNotFoundError", /'no-such-file' does not exist/);
  expect("figure_type", "TypeError", /expected a matplotlib Figure, got str/);
  expect("upstream_unknown", "UpstreamError", /'nope': .*\(upstream tasks: ingest\)/);
  // Only the first 'dup' and the first 'a.txt' were written; nothing escaped the folder.
  const lines = (await Deno.readTextFile(join(dir.path, "values.jsonl"))).trim().split("\n")
    .map((l) => ValueLineSchema.parse(JSON.parse(l)));
  assertEquals(lines.map((l) => [l.kind, l.name]), [["value", "dup"], ["artifact", "a.txt"]]);
  assertEquals(await Deno.readTextFile(join(dir.path, "artifacts/a.txt")), "1");
  assertEquals(await Deno.stat(join(dir.path, "..", "escape.txt")).catch(() => "none"), "none");
});

Deno.test("pynb_dag_runner converts numpy values and writes one valid line per call", async () => {
  await using dir = await tempDir();
  const out = await python(
    `
import numpy as np
import pynb_dag_runner as pdr
pdr.log_value("array", np.arange(3))
pdr.log_value("scalar", np.float32(0.5))
pdr.log_value("text", "line\\nbreak \\u2603")
pdr.log_metric("acc", np.float64(0.75), step=np.int64(2))
pdr.log_metric("count", 3)
open("file.txt", "w").write("data")
pdr.log_artifact("file.txt", "file.txt")  # a path given as str: stored as text, with a warning
`,
    dir.path,
    { PYNB_ATTEMPT_DIR: dir.path },
  );
  assertEquals(out.code, 0, out.stderr);
  assertStringIncludes(out.stderr, "to copy that file, pass pathlib.Path('file.txt')");
  assertEquals(await Deno.readTextFile(join(dir.path, "artifacts/file.txt")), "file.txt");
  const lines = (await Deno.readTextFile(join(dir.path, "values.jsonl"))).trim().split("\n")
    .map((l) => ValueLineSchema.parse(JSON.parse(l))).filter((l) => l.kind !== "artifact");
  assertEquals(
    lines.map((
      l,
    ) => [l.kind, l.name, "value" in l ? l.value : null, "step" in l ? l.step : undefined]),
    [
      ["value", "array", [0, 1, 2], undefined],
      ["value", "scalar", 0.5, undefined],
      ["value", "text", "line\nbreak ☃", undefined],
      ["metric", "acc", 0.75, 2],
      ["metric", "count", 3, null],
    ],
  );
  assertOk(lines.every((l) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(l.timestamp)));
});

Deno.test("pynb_dag_runner outside the runner logs to a local folder with one warning", async () => {
  await using dir = await tempDir();
  const out = await python(
    `
import pynb_dag_runner as pdr
pdr.log_value("x", 1)
pdr.log_value("x", 2)  # re-running a cell in Jupyter Lab is not an error here
pdr.log_metric("m", 1.5)
try:
    pdr.upstream("ingest")
except pdr.UpstreamError as err:
    print(err)
`,
    dir.path,
    {},
  );
  assertEquals(out.code, 0, out.stderr);
  assertEquals(out.stderr.match(/not running inside pynb-dag-runner/g)?.length, 1, out.stderr);
  assertStringIncludes(out.stderr, "value 'x' logged again");
  assertStringIncludes(out.stdout, "set PYNB_UPSTREAM_FILE");
  const folders = [...Deno.readDirSync(join(dir.path, ".pynb-dag-runner-local"))];
  assertEquals(folders.length, 1);
  const text = await Deno.readTextFile(
    join(dir.path, ".pynb-dag-runner-local", folders[0]!.name, "values.jsonl"),
  );
  assertEquals(text.trim().split("\n").length, 3);
});
