import { assertEquals, assertMatch, assertRejects, assertThrows } from "../../tests/_deps.ts";
import { tempDir } from "../../tests/_helpers.ts";
import { runPython } from "../../tests/notebook_helpers.ts";
import { NotebookError } from "./errors.ts";
import { parseIpynb, pyFloatRepr, serializeIpynb } from "./ipynb.ts";
import { readNotebook } from "./read.ts";

/** A notebook with every kind of output and the awkward characters. */
const RICH = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: {
    kernelspec: { display_name: "Python 3", language: "python", name: "python3" },
    "10": "numeric-looking keys sort as strings",
    "9": 9,
    zebra: { b: [1, 2.5, 1e-7, 1e22, true, null], a: "ünïcödé 🎉" },
    signature: "transient, dropped",
  },
  cells: [
    {
      cell_type: "markdown",
      id: "md",
      metadata: { trusted: true, tags: [] },
      source: "# Title\r\nline\u2028sep\n",
      attachments: { "a.png": { "image/png": "iVBORw0KGgo=\n" } },
    },
    {
      cell_type: "code",
      id: "code-1",
      metadata: { custom: { nested: "x" } },
      source: ["print('a')\n", "print('b')"],
      execution_count: 3,
      outputs: [
        { output_type: "stream", name: "stdout", text: ["a\n", "b\n"] },
        {
          output_type: "display_data",
          data: {
            "text/html": "<b>x</b>\n<i>y</i>",
            "image/png": "AAAA\nBBBB\n",
            "application/json": { k: [1, 2] },
            "application/vnd.custom+json": { z: 1 },
            "image/svg+xml": "<svg>\n</svg>",
          },
          metadata: {},
          transient: { display_id: "d1" },
        },
        {
          output_type: "execute_result",
          execution_count: 3,
          data: { "text/plain": "42" },
          metadata: {},
        },
        {
          output_type: "error",
          ename: "ValueError",
          evalue: 'bad "value"',
          traceback: ["\u001b[0;31mValueError\u001b[0m", "line 2"],
        },
      ],
    },
    { cell_type: "raw", id: "raw", metadata: {}, source: "", unknown_key: [1] },
  ],
};

Deno.test("serializeIpynb() writes what nbformat.write writes, byte for byte", async () => {
  const text = JSON.stringify(RICH);
  const ours = serializeIpynb(parseIpynb(text));
  const theirs = await runPython(
    `import sys, nbformat
nb = nbformat.reads(sys.stdin.read(), as_version=nbformat.NO_CONVERT)
s = nbformat.writes(nb)
sys.stdout.write(s if s.endswith("\\n") else s + "\\n")`,
    text,
  );
  assertEquals(ours, theirs);
  // Reading our output back changes nothing.
  assertEquals(serializeIpynb(parseIpynb(ours)), ours);
});

Deno.test("parseIpynb() joins multi-line strings and keeps unknown keys", () => {
  const nb = parseIpynb(JSON.stringify(RICH));
  const code = nb.cells[1]!;
  assertEquals(code.source, "print('a')\nprint('b')");
  if (code.cell_type !== "code") throw new Error("expected a code cell");
  const stream = code.outputs[0]!;
  assertEquals(stream.output_type === "stream" && stream.text, "a\nb\n");
  assertEquals((nb.cells[2] as Record<string, unknown>).unknown_key, [1]);
});

Deno.test("parseIpynb() reads the NaN and Infinity that Python writes, as null", () => {
  const text = '{"nbformat": 4, "nbformat_minor": 5, "cells": [], "metadata": ' +
    '{"papermill": {"parameters": {"a": NaN, "b": -Infinity, "c": "NaN stays", "d": [Infinity]}}}}';
  assertEquals(parseIpynb(text).metadata.papermill, {
    parameters: { a: null, b: null, c: "NaN stays", d: [null] },
  });
});

Deno.test("parseIpynb() names what is wrong and where", async (t) => {
  const cases: [string, unknown, RegExp][] = [
    [
      "a bad source",
      { ...RICH, cells: [{ cell_type: "code", source: 1 }] },
      /cells\[0\]\.source: expected a string or a list of strings/,
    ],
    [
      "a bad cell type",
      { ...RICH, cells: [{ cell_type: "cod", source: "" }] },
      /cells\[0\]\.cell_type: expected cell_type 'code', 'markdown' or 'raw'/,
    ],
    [
      "a bad output",
      {
        ...RICH,
        cells: [{
          cell_type: "code",
          source: "",
          outputs: [{ output_type: "stream", name: "stdout" }],
        }],
      },
      /cells\[0\]\.outputs\[0\]\.text: expected a string or a list of strings/,
    ],
    [
      "no cells",
      { nbformat: 4, nbformat_minor: 5, metadata: {} },
      /^Cannot read notebook 'nb\.ipynb': cells: expected a list of cells$/,
    ],
    [
      "nbformat 3",
      { nbformat: 3, nbformat_minor: 0, worksheets: [] },
      /nbformat 3 is not supported; convert it .*nbconvert --to notebook --nbformat 4/,
    ],
    ["an array", [], /expected a JSON object/],
    [
      "a duplicate id",
      { ...RICH, cells: [RICH.cells[2], RICH.cells[2]] },
      /cells\[1\]\.id: "raw" is already the id of cells\[0\]/,
    ],
  ];
  for (const [name, value, message] of cases) {
    await t.step(name, () => {
      const err = assertThrows(
        () => parseIpynb(JSON.stringify(value), { path: "nb.ipynb" }),
        NotebookError,
      );
      assertMatch(err.message, /^Cannot read notebook 'nb\.ipynb': /);
      assertMatch(err.message, message);
    });
  }
  await t.step("absurdly deep nesting", () => {
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    const text = `{"nbformat": 4, "nbformat_minor": 5, "metadata": {"x": ${deep}}, "cells": []}`;
    const err = assertThrows(() => parseIpynb(text, { path: "nb.ipynb" }), NotebookError);
    assertMatch(err.message, /nested too deeply/);
  });
  await t.step("invalid JSON, with line and column", () => {
    const err = assertThrows(
      () => parseIpynb('{\n "cells": [\n  1,,\n ]\n}', { path: "nb.ipynb" }),
      NotebookError,
    );
    assertMatch(err.message, /not valid JSON: syntax error at line 3, column 5/);
  });
});

Deno.test("readNotebook() reads .ipynb and .py files and reports unreadable ones", async (t) => {
  await using dir = await tempDir();
  const p = (name: string) => `${dir.path}/${name}`;
  await Deno.writeTextFile(p("a.ipynb"), JSON.stringify(RICH));
  await Deno.writeTextFile(p("b.py"), "# %%\nx = 1\n");
  await t.step("both formats", async () => {
    assertEquals((await readNotebook(p("a.ipynb"))).cells.length, 3);
    assertEquals((await readNotebook(p("b.py"))).cells[0]!.source, "x = 1");
  });
  await t.step("missing file", async () => {
    await assertRejects(
      () => readNotebook(p("none.py")),
      NotebookError,
      `Cannot read notebook '${p("none.py")}': no such file`,
    );
  });
  await t.step("unknown extension", async () => {
    await assertRejects(() => readNotebook(p("c.md")), NotebookError, "unknown extension '.md'");
  });
  await t.step("a directory", async () => {
    await Deno.mkdir(p("d.py"));
    await assertRejects(() => readNotebook(p("d.py")), NotebookError, "it is a directory");
  });
  await t.step("not UTF-8", async () => {
    await Deno.writeFile(p("e.py"), new Uint8Array([0x23, 0x20, 0xff, 0xfe, 0x0a]));
    await assertRejects(() => readNotebook(p("e.py")), NotebookError, "not valid UTF-8");
  });
});

Deno.test("pyFloatRepr() writes floats as Python's repr does", async () => {
  const values = [
    0.1,
    1 / 3,
    1e-5,
    0.0001,
    123456789.125,
    1e15 + 0.5,
    1e16,
    1.5e300,
    5e-324,
    -2.5,
    3,
  ];
  const out = await runPython(
    `import json, sys\nprint(json.dumps([repr(float(v)) for v in json.load(sys.stdin)]))`,
    JSON.stringify(values),
  );
  assertEquals(values.map(pyFloatRepr), JSON.parse(out));
});
