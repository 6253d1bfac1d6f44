/**
 * `cli.ts run` starts its Python side (the interpreter detection, a persistent driver and its
 * zygote) before it loads the rest of the runner and plans the pipeline: whatever happens next,
 * no process of it is left when the command has exited.
 */
import { join } from "node:path";
import { assertEquals, assertOk, assertRejects, assertStringIncludes } from "./_deps.ts";
import { runCliProcess, tempDir } from "./_helpers.ts";
import { runPipeline } from "../lib/run/run_pipeline.ts";
import { UserError } from "../lib/errors.ts";

const RUN_FLAGS = ["--allow-read", "--allow-write", "--allow-run", "--allow-env"];

/** Live processes whose environment holds `MARK=<mark>` (the driver and zygote inherit it). */
async function processesMarked(mark: string): Promise<string[]> {
  const found: string[] = [];
  const needle = new TextEncoder().encode(`STARTUP_TEST_MARK=${mark}\0`);
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const environ = await Deno.readFile(`/proc/${entry.name}/environ`);
      if (includes(environ, needle)) {
        found.push(`${entry.name}: ${await Deno.readTextFile(`/proc/${entry.name}/cmdline`)}`);
      }
    } catch {
      // Gone, or not ours to read.
    }
  }
  return found;
}

function includes(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

const NOTEBOOK = JSON.stringify({
  nbformat: 4,
  nbformat_minor: 5,
  metadata: { kernelspec: { name: "python3", display_name: "Python 3", language: "python" } },
  cells: [{
    id: "c",
    cell_type: "code",
    metadata: {},
    execution_count: null,
    outputs: [],
    // The zygote imports ipykernel without its debugger; a cell can still import debugpy.
    source: "import debugpy\nprint(6 * 7)",
  }],
});

Deno.test("cli.ts run warms its Python side early and leaves no process on any end", async (t) => {
  await using dir = await tempDir();
  await Deno.writeTextFile(join(dir.path, "nb.ipynb"), NOTEBOOK);
  const run = async (pipeline: string, mark: string, ext = "yaml") => {
    await Deno.writeTextFile(join(dir.path, `${mark}.${ext}`), pipeline);
    const timeline = join(dir.path, `${mark}.jsonl`);
    const result = await runCliProcess(["run", `${mark}.${ext}`, "--out", "runs"], {
      flags: RUN_FLAGS,
      cwd: dir.path,
      env: { STARTUP_TEST_MARK: mark, PYNB_TIMELINE: timeline },
    });
    const marks = (await Deno.readTextFile(timeline)).trim().split("\n")
      .map((line) => (JSON.parse(line) as { mark: string }).mark);
    return { ...result, marks, left: await processesMarked(mark) };
  };

  await t.step("a run that succeeds", async () => {
    const r = await run("name: ok\ntasks:\n  a: { notebook: nb.ipynb }\n", "ok");
    assertEquals(r.code, 0, r.stderr);
    assertOk(r.marks.includes("python detected (early)"), r.marks.join(", "));
    assertOk(r.marks.includes("driver ready"), r.marks.join(", "));
    const cells = await Deno.readTextFile(
      join(dir.path, r.stdout.trim(), "tasks", "a", "attempt-1", "notebook.ipynb"),
    );
    assertStringIncludes(cells, "42");
    assertEquals(r.left, []);
  });

  await t.step("a pipeline that fails to load after the driver was started", async () => {
    // A pipeline module that waits for the driver to be ready, then throws.
    const pipeline = `const file = Deno.env.get("PYNB_TIMELINE")!;
for (let i = 0; i < 1200; i++) {
  try { if (Deno.readTextFileSync(file).includes('"driver ready"')) break; } catch { /* not yet */ }
  await new Promise((r) => setTimeout(r, 50));
}
throw new Error("this pipeline cannot be loaded");
`;
    const r = await run(pipeline, "bad", "ts");
    assertEquals(r.code, 2, r.stderr);
    assertStringIncludes(r.stderr, "this pipeline cannot be loaded");
    assertOk(r.marks.includes("driver ready"), r.marks.join(", "));
    assertEquals(r.left, []);
  });
});

Deno.test("runPipeline() stops the driver it warmed when the pipeline fails to load", async () => {
  await using dir = await tempDir();
  const mark = `lib-${crypto.randomUUID()}`;
  // The pipeline module waits until the warmed driver (which inherits STARTUP_TEST_MARK) runs.
  // Nothing of the run may be left after it fails: no driver, no zygote, no interpreter probe.
  const pipeline = join(dir.path, "pipeline.ts");
  await Deno.writeTextFile(
    pipeline,
    `const needle = "STARTUP_TEST_MARK=${mark}\\0";
const started = () => {
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\\d+$/.test(e.name) || Number(e.name) === Deno.pid) continue;
    try {
      const proc = "/proc/" + e.name;
      const driver = Deno.readTextFileSync(proc + "/cmdline").includes("driver.py");
      if (driver && Deno.readTextFileSync(proc + "/environ").includes(needle)) return true;
    } catch { /* gone */ }
  }
  return false;
};
for (let i = 0; i < 1200 && !started(); i++) await new Promise((r) => setTimeout(r, 50));
throw new Error("this pipeline cannot be loaded");
`,
  );
  Deno.env.set("STARTUP_TEST_MARK", mark);
  try {
    const err = await assertRejects(
      () => runPipeline(pipeline, { out: join(dir.path, "runs") }),
      UserError,
    );
    assertStringIncludes(err.message, "this pipeline cannot be loaded");
  } finally {
    Deno.env.delete("STARTUP_TEST_MARK");
  }
  // This process still runs: the driver and its zygote must be gone now, not at its exit.
  assertEquals(await processesMarked(mark), []);
});
