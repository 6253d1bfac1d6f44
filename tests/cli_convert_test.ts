import { assertEquals, assertMatch, assertOk, assertStringIncludes } from "./_deps.ts";
import { runCliProcess, tempDir } from "./_helpers.ts";
import { exists } from "../lib/_base/fs.ts";

const FLAGS = ["--allow-read", "--allow-write"];

const SCRIPT = `# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Training
#
# Uses a *parameters* cell.

# %% tags=["parameters"]
n = 10


# %%
def square(x):
    return x * x


# %%
# %time square(n)
print(square(n))
`;

Deno.test("cli.ts convert turns a .py into an .ipynb next to it and back, byte for byte", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/train.py`, SCRIPT);

  const toIpynb = await runCliProcess(["convert", "train.py", "--to", "ipynb"], {
    flags: FLAGS,
    cwd: dir.path,
  });
  assertEquals(toIpynb.stderr, "");
  assertEquals(toIpynb.code, 0);
  assertEquals(toIpynb.stdout.trim(), "train.ipynb");
  const nb = JSON.parse(await Deno.readTextFile(`${dir.path}/train.ipynb`));
  assertEquals(nb.nbformat, 4);
  assertEquals(nb.metadata.kernelspec.name, "python3");
  assertEquals(
    nb.cells.map((c: { cell_type: string; source: string[] }) => [c.cell_type, c.source.join("")]),
    [
      ["markdown", "# Training\n\nUses a *parameters* cell."],
      ["code", "n = 10"],
      ["code", "def square(x):\n    return x * x"],
      ["code", "%time square(n)\nprint(square(n))"],
    ],
  );
  assertEquals(nb.cells[1].metadata.tags, ["parameters"]);

  const back = await runCliProcess(
    ["convert", "train.ipynb", "--to", "py", "--out", "again.py"],
    { flags: FLAGS, cwd: dir.path },
  );
  assertEquals(back.code, 0);
  assertEquals(await Deno.readTextFile(`${dir.path}/again.py`), SCRIPT);
  // No temporary files are left behind.
  const names = [...Deno.readDirSync(dir.path)].map((e) => e.name).sort();
  assertEquals(names, ["again.py", "train.ipynb", "train.py"]);
});

const TS_SCRIPT = `// ---
// jupyter:
//   kernelspec:
//     display_name: Deno
//     language: typescript
//     name: deno
// ---

// %% [markdown]
// # Training in TypeScript

// %% tags=["parameters"]
const n = 10;

// %%
console.log(n * n);
`;

Deno.test("cli.ts convert turns a TypeScript .ts into a Deno .ipynb and back, byte for byte", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/train.ts`, TS_SCRIPT);
  const toIpynb = await runCliProcess(["convert", "train.ts", "--to", "ipynb"], {
    flags: FLAGS,
    cwd: dir.path,
  });
  assertEquals([toIpynb.code, toIpynb.stdout.trim()], [0, "train.ipynb"], toIpynb.stderr);
  const nb = JSON.parse(await Deno.readTextFile(`${dir.path}/train.ipynb`));
  assertEquals(nb.metadata.kernelspec.name, "deno");
  assertEquals(nb.cells[1].metadata.tags, ["parameters"]);
  const back = await runCliProcess(["convert", "train.ipynb", "--to", "ts", "--out", "again.ts"], {
    flags: FLAGS,
    cwd: dir.path,
  });
  assertEquals(back.code, 0, back.stderr);
  assertEquals(await Deno.readTextFile(`${dir.path}/again.ts`), TS_SCRIPT);
});

Deno.test("cli.ts convert --out - prints the conversion and writes nothing", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/train.py`, SCRIPT);
  const res = await runCliProcess(["convert", "train.py", "--to", "py", "--out", "-"], {
    flags: FLAGS,
    cwd: dir.path,
  });
  assertEquals(res.code, 0);
  assertEquals(res.stdout, SCRIPT);
  assertEquals([...Deno.readDirSync(dir.path)].length, 1);
});

Deno.test("cli.ts convert refuses to overwrite its input, exit 2, input intact", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/train.py`, SCRIPT);
  for (const args of [["--to", "py"], ["--to", "ipynb", "--out", "./train.py"]]) {
    const res = await runCliProcess(["convert", "train.py", ...args], {
      flags: FLAGS,
      cwd: dir.path,
    });
    assertEquals(res.code, 2);
    assertMatch(res.stderr, /^error: Cannot write '.*train\.py': it is the input notebook/);
    assertEquals(res.stderr.includes("    at "), false);
  }
  assertEquals(await Deno.readTextFile(`${dir.path}/train.py`), SCRIPT);
});

Deno.test("cli.ts convert reports a broken notebook in one line naming the place", async (t) => {
  await using dir = await tempDir();
  await t.step("invalid cell", async () => {
    await Deno.writeTextFile(
      `${dir.path}/bad.ipynb`,
      JSON.stringify({
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {},
        cells: [
          { cell_type: "markdown", id: "a", metadata: {}, source: "ok" },
          { cell_type: "code", id: "b", metadata: {}, source: 42, outputs: [] },
        ],
      }),
    );
    const res = await runCliProcess(["convert", "bad.ipynb", "--to", "py"], {
      flags: FLAGS,
      cwd: dir.path,
    });
    assertEquals(res.code, 2);
    assertEquals(
      res.stderr.trim(),
      "error: Cannot read notebook 'bad.ipynb': cells[1].source: expected a string or a list " +
        "of strings",
    );
    assertOk(!(await exists(`${dir.path}/bad.py`)));
  });
  await t.step("missing file", async () => {
    const res = await runCliProcess(["convert", "nope.py", "--to", "ipynb"], {
      flags: FLAGS,
      cwd: dir.path,
    });
    assertEquals(res.code, 2);
    assertEquals(res.stderr.trim(), "error: Cannot read notebook 'nope.py': no such file");
  });
  await t.step("unknown format", async () => {
    const res = await runCliProcess(["convert", "nope.py", "--to", "md"], {
      flags: FLAGS,
      cwd: dir.path,
    });
    assertEquals(res.code, 2);
    assertStringIncludes(res.stderr, "Allowed choices are ipynb, py");
  });
});

Deno.test("cli.ts convert without --allow-write fails cleanly, exit 2", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/train.py`, SCRIPT);
  const res = await runCliProcess(["convert", "train.py", "--to", "ipynb"], {
    flags: ["--allow-read"],
    cwd: dir.path,
  });
  assertEquals(res.code, 2);
  assertMatch(res.stderr, /Requires write access/);
  assertStringIncludes(res.stderr, "permission flags listed in its --help");
  assertEquals(res.stderr.includes("    at "), false);
  assertEquals([...Deno.readDirSync(dir.path)].map((e) => e.name), ["train.py"]);
});

Deno.test("cli.ts convert takes several notebooks and writes nothing if one is broken", async (t) => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/a.py`, SCRIPT);
  await Deno.writeTextFile(`${dir.path}/b.py`, "# %%\nprint(1)\n");
  await t.step("each next to itself", async () => {
    const res = await runCliProcess(["convert", "a.py", "b.py", "--to", "ipynb"], {
      flags: FLAGS,
      cwd: dir.path,
    });
    assertEquals(res.code, 0);
    assertEquals(res.stdout.trim().split("\n"), ["a.ipynb", "b.ipynb"]);
    const b = JSON.parse(await Deno.readTextFile(`${dir.path}/b.ipynb`));
    assertEquals(b.cells[0].source, ["print(1)"]);
  });
  await t.step("--out with several inputs is refused", async () => {
    const res = await runCliProcess(["convert", "a.py", "b.py", "--to", "ipynb", "--out", "x"], {
      flags: FLAGS,
      cwd: dir.path,
    });
    assertEquals(res.code, 2);
    assertMatch(res.stderr, /^error: Cannot convert 2 notebooks to one --out "x": --out takes/);
  });
  await t.step("a broken input stops everything before any write", async () => {
    await Deno.writeTextFile(`${dir.path}/c.ipynb`, "{ not json");
    const before = await Deno.readTextFile(`${dir.path}/a.ipynb`);
    await Deno.remove(`${dir.path}/b.ipynb`);
    const res = await runCliProcess(["convert", "b.py", "c.ipynb", "--to", "ipynb"], {
      flags: FLAGS,
      cwd: dir.path,
    });
    assertEquals(res.code, 2);
    assertMatch(
      res.stderr,
      /^error: Cannot read notebook 'c\.ipynb': not valid JSON: syntax error at line 1, column 3/,
    );
    assertOk(!(await exists(`${dir.path}/b.ipynb`)), "b.ipynb must not be written");
    assertEquals(await Deno.readTextFile(`${dir.path}/a.ipynb`), before);
  });
});
