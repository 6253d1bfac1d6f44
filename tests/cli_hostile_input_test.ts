/**
 * Hostile pipeline and notebook files, through `cli.ts validate`, `plan` and `run` as real
 * subprocesses: recursive aliases, alias bombs, absurd nesting, tens of thousands of unknown
 * keys, symbolic-link loops, pipes, files past the size bounds, NUL bytes. Each is exit 2 with
 * one paragraph naming the file (and line where there is one), no stack trace, and `run` leaves
 * no run folder behind.
 */
import { join } from "node:path";
import { assertEquals, assertOk, assertRejects, assertStringIncludes } from "./_deps.ts";
import { type CliResult, ROOT, runCliProcess, tempDir } from "./_helpers.ts";
import { RUN_PERMISSIONS } from "../lib/cli/run.ts";
import { loadPipeline } from "../lib/spec/load.ts";
import { PipelineFileError } from "../lib/spec/errors.ts";
import { MAX_PIPELINE_BYTES } from "../lib/spec/limits.ts";
import { MAX_NOTEBOOK_BYTES } from "../lib/notebook/limits.ts";
import { NotebookError, readNotebook } from "../lib/notebook/read.ts";

const HOSTILE = join(ROOT, "tests/fixtures/pipelines/hostile");
const RUN_FLAGS = RUN_PERMISSIONS.split(" ");

/** One hostile input: the pipeline file and what the message must say. */
interface Case {
  name: string;
  pipeline: string;
  expect: string[];
}

/** Runs CLI invocations two at a time (the machine has two cores). */
async function runAll(jobs: { args: string[]; flags: string[] }[]): Promise<CliResult[]> {
  const results: CliResult[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await runCliProcess(jobs[i]!.args, { flags: jobs[i]!.flags });
    }
  };
  await Promise.all([worker(), worker()]);
  return results;
}

function assertCleanRefusal(res: CliResult, c: Case, command: string): void {
  const what = `${command} ${c.name}: ${res.stderr}`;
  assertEquals(res.code, 2, what);
  assertEquals(res.stdout, "", what);
  assertEquals(/\n\s+at /.test(res.stderr), false, `stack trace in ${what}`);
  assertEquals(res.stderr.includes("Uncaught"), false, what);
  assertEquals(res.stderr.trim().split("\n").length, 1, `one paragraph expected in ${what}`);
  assertOk(res.stderr.startsWith("error: Cannot "), what);
  for (const text of c.expect) assertStringIncludes(res.stderr, text, what);
}

async function listTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) out.push(e.name);
  return out.sort();
}

/** Every case through validate, plan and run; `run` must leave `--out` empty. */
async function checkCases(t: Deno.TestContext, cases: Case[], out: string): Promise<void> {
  const jobs = cases.flatMap((c) => [
    { args: ["validate", c.pipeline], flags: ["--allow-read"] },
    { args: ["plan", c.pipeline, "--format", "json"], flags: ["--allow-read"] },
    { args: ["run", c.pipeline, "--out", join(out, c.name)], flags: RUN_FLAGS },
  ]);
  const results = await runAll(jobs);
  for (const [i, c] of cases.entries()) {
    await t.step(c.name, async () => {
      assertCleanRefusal(results[3 * i]!, c, "validate");
      assertCleanRefusal(results[3 * i + 1]!, c, "plan");
      assertCleanRefusal(results[3 * i + 2]!, c, "run");
      const left = await Deno.stat(join(out, c.name)).then(() => listTree(join(out, c.name)))
        .catch(() => []);
      assertEquals(left, [], `run ${c.name} left a run folder behind`);
    });
  }
}

Deno.test("cli.ts validate, plan and run refuse hostile YAML with its line and column", async (t) => {
  await using dir = await tempDir();
  const rel = (f: string) => `tests/fixtures/pipelines/hostile/${f}`;
  const cases: Case[] = [
    {
      name: "recursive alias in a mapping",
      pipeline: rel("alias_recursive_map.yaml"),
      expect: ["alias_recursive_map.yaml:3:9:", "alias *p is inside the value it names"],
    },
    {
      name: "recursive alias in a list",
      pipeline: rel("alias_recursive_seq.yaml"),
      expect: ["alias_recursive_seq.yaml:6:20:", "alias *l is inside the value it names"],
    },
    {
      name: "recursive alias of the tasks",
      pipeline: rel("alias_recursive_task.yaml"),
      expect: ["alias_recursive_task.yaml:3:45:", "alias *t is inside"],
    },
    {
      name: "alias to no anchor",
      pipeline: rel("alias_unknown.yaml"),
      expect: ["alias_unknown.yaml:3:41:", "alias *nowhere names no anchor before it"],
    },
    {
      name: "billion laughs",
      pipeline: rel("alias_bomb.yaml"),
      expect: ["alias_bomb.yaml:9:10:", "aliases expand to more than 1000000 values"],
    },
    {
      name: "250 levels of flow lists",
      pipeline: rel("nested_flow.yaml"),
      expect: ["nested_flow.yaml:3:237:", "nested more than 200 levels deep"],
    },
    {
      name: "nesting through a chain of aliases",
      pipeline: rel("nested_aliases.yaml"),
      expect: ["nested_aliases.yaml:32:20:", "200 levels deep once alias *l28 is expanded"],
    },
    {
      name: "NUL byte in a notebook path",
      pipeline: rel("notebook_nul.yaml"),
      expect: ["notebook_nul.yaml:3:18:", '"a\\u0000.py" contains a NUL byte'],
    },
  ];
  await checkCases(t, cases, dir.path);
});

Deno.test("cli.ts validate, plan and run refuse hostile files and links", async (t) => {
  await using dir = await tempDir();
  const p = (f: string) => join(dir.path, f);
  await Deno.copyFile(join(HOSTILE, "a.py"), p("a.py"));
  const pipelineOf = (nb: string) => `name: files\ntasks:\n  a: { notebook: ${nb} }\n`;

  await Deno.symlink(p("loop-b.yaml"), p("loop-a.yaml"));
  await Deno.symlink(p("loop-a.yaml"), p("loop-b.yaml"));
  await Deno.symlink(p("nb-b.py"), p("nb-a.py"));
  await Deno.symlink(p("nb-a.py"), p("nb-b.py"));
  await Deno.writeTextFile(p("nb_loop.yaml"), pipelineOf("nb-a.py"));
  await new Deno.Command("mkfifo", { args: [p("fifo.yaml"), p("fifo.py")] }).output();
  await Deno.writeTextFile(p("nb_fifo.yaml"), pipelineOf("fifo.py"));
  // Sparse files: their size is what is checked, before a byte is read.
  await Deno.writeTextFile(p("huge.yaml"), "# a comment\n");
  await Deno.truncate(p("huge.yaml"), MAX_PIPELINE_BYTES + 1);
  await Deno.writeTextFile(p("huge.py"), "# %%\n");
  await Deno.truncate(p("huge.py"), MAX_NOTEBOOK_BYTES + 1);
  await Deno.writeTextFile(p("nb_huge.yaml"), pipelineOf("huge.py"));
  const nested = "[".repeat(100_000) + "]".repeat(100_000);
  await Deno.writeTextFile(
    p("stack.yaml"),
    `name: deep\ntasks:\n  a: { notebook: a.py, parameters: { x: ${nested} } }\n`,
  );

  const cases: Case[] = [
    { name: "pipeline symlink loop", pipeline: p("loop-a.yaml"), expect: ["loop of symbolic"] },
    { name: "pipeline is a pipe", pipeline: p("fifo.yaml"), expect: ["not a regular file"] },
    { name: "pipeline past 10 MB", pipeline: p("huge.yaml"), expect: ["more than the 10 MB"] },
    {
      name: "100000 levels of nesting",
      pipeline: p("stack.yaml"),
      expect: ["stack.yaml:3:", "nested more than 200 levels deep"],
    },
  ];
  await checkCases(t, cases, join(dir.path, "runs"));

  // validate and plan only look for the notebook; run reads it before starting anything.
  const notebooks: Case[] = [
    {
      name: "notebook symlink loop",
      pipeline: p("nb_loop.yaml"),
      expect: ["nb-a.py", "loop of symbolic links"],
    },
    { name: "notebook is a pipe", pipeline: p("nb_fifo.yaml"), expect: ["not a regular file"] },
  ];
  await checkCases(t, notebooks, join(dir.path, "runs"));
  const [huge] = await runAll([
    { args: ["run", p("nb_huge.yaml"), "--out", p("runs/huge")], flags: RUN_FLAGS },
  ]);
  await t.step("run refuses a notebook past 100 MB", async () => {
    const c = { name: "huge notebook", pipeline: "", expect: ["huge.py", "more than the 100 MB"] };
    assertCleanRefusal(huge!, c, "run");
    assertEquals(await listTree(p("runs/huge")).catch(() => []), []);
  });
});

Deno.test("cli.ts validate lists 50000 unknown keys (found in time linear in the file)", async () => {
  await using dir = await tempDir();
  const keys = Array.from({ length: 50_000 }, (_, i) => `    k${i}: ${i}`);
  const file = join(dir.path, "keys.yaml");
  await Deno.writeTextFile(
    file,
    ["name: k", "tasks:", "  a:", "    notebook: a.py", ...keys].join("\n"),
  );
  const res = await runCliProcess(["validate", file]);
  assertEquals(res.code, 2, res.stderr);
  assertStringIncludes(res.stderr, "Cannot load pipeline: 50000 problems in");
  assertStringIncludes(res.stderr, `keys.yaml:5:5: tasks.a: unknown key "k0"`);
  assertStringIncludes(res.stderr, "... and 49950 more problems");
});

Deno.test("cli.ts validate lists 20000 needs that are not tasks (suggestions for the first ones)", async () => {
  await using dir = await tempDir();
  const tasks = Array.from(
    { length: 20_000 },
    (_, i) => `  t${i}: { notebook: a.py, needs: [t${i}x] }`,
  );
  const file = join(dir.path, "needs.yaml");
  await Deno.writeTextFile(file, ["name: n", "tasks:", ...tasks].join("\n"));
  const res = await runCliProcess(["validate", file]);
  assertEquals(res.code, 2, res.stderr);
  assertStringIncludes(
    res.stderr,
    `task "t0" needs "t0x", which is not a task; did you mean "t0"?`,
  );
  assertStringIncludes(res.stderr, "... and 19950 more problems");
});

Deno.test("loadPipeline() and readNotebook() refuse paths with a NUL byte", async () => {
  const err = await assertRejects(() => loadPipeline("pipe\0line.yaml"), PipelineFileError);
  assertEquals(
    err.message,
    "Cannot load pipeline 'pipe\\u0000line.yaml': the path contains a NUL byte, which no file name can hold",
  );
  const nb = await assertRejects(() => readNotebook("note\0book.py"), NotebookError);
  assertEquals(
    nb.message,
    "Cannot read notebook 'note\\u0000book.py': the path contains a NUL byte",
  );
});
