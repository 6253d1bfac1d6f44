/**
 * TypeScript notebooks end to end, on real Deno kernels (the runner's own Deno): a TypeScript
 * task with a matrix between Python tasks, each reading what the other logged; `const` and `let`
 * defaults kept; a failing cell of a Deno-kernelspec `.ipynb`; a whole-task timeout that leaves
 * no process behind; and no result lost to the kernel's idle race over hundreds of cells.
 */
import { join } from "node:path";
import { assertEquals, assertOk, assertStringIncludes } from "./_deps.ts";
import { processesOfRun, ROOT, runCliProcess, tempDir } from "./_helpers.ts";
import { RUN_PERMISSIONS } from "../lib/cli/run.ts";
import { readAttemptValues } from "../lib/log/values.ts";

const PIPELINE = join(ROOT, "tests/fixtures/pipelines/typescript/pipeline.yaml");
const FLAGS = RUN_PERMISSIONS.split(" ");
const SECRET = "s3cr3t-for-the-ts-kernel";

/** Paths of the files under `dir` that hold `needle`. */
async function filesHolding(dir: string, needle: string): Promise<string[]> {
  const found: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory) found.push(...await filesHolding(path, needle));
    else if (e.isFile && (await Deno.readTextFile(path)).includes(needle)) found.push(path);
  }
  return found;
}

type NbCell = { source: string | string[]; outputs?: Record<string, unknown>[] };
const text = (s: string | string[]) => Array.isArray(s) ? s.join("") : s;

async function cells(path: string): Promise<NbCell[]> {
  return JSON.parse(await Deno.readTextFile(path)).cells;
}

Deno.test("cli.ts run runs TypeScript notebooks on Deno's kernel between Python tasks", async (t) => {
  await using dir = await tempDir();
  const out = join(dir.path, "runs");
  const userData = join(dir.path, "user-data");
  await Deno.mkdir(userData);
  const res = await runCliProcess(
    ["run", PIPELINE, "--out", out, "--run-id", "ts", "--concurrency", "3"],
    // The user's Jupyter data folder: the runner must install its kernelspec elsewhere.
    { flags: FLAGS, env: { TS_FIXTURE_SECRET: SECRET, XDG_DATA_HOME: userData } },
  );
  const run = join(out, "ts");
  const summary = JSON.parse(await Deno.readTextFile(join(run, "run.json")));
  type Task = { status: string; slug: string; attempts: { error?: { evalue: string } }[] };
  const byId = new Map<string, Task>(
    summary.tasks.map((task: { id: string }) => [task.id, task]),
  );
  await t.step("the mixed DAG succeeds; the failing and the slow task end as they should", () => {
    assertEquals(res.code, 1, res.stderr);
    assertEquals(Object.fromEntries([...byId].map(([id, task]) => [id, task.status])), {
      ingest: "succeeded",
      "transform[scale=2]": "succeeded",
      "transform[scale=3]": "succeeded",
      report: "succeeded",
      fail: "failed",
      "error-output": "failed",
      slow: "timeout",
    });
  });
  await t.step(
    "the user's Jupyter setup is left alone: no kernelspec installed there",
    () => {
      assertEquals([...Deno.readDirSync(userData)], []);
    },
  );
  await t.step("parameters keep their defaults' keyword, and values stay values", async () => {
    const rel = join("tasks", byId.get("transform[scale=3]")!.slug, "attempt-1");
    const attempt = join(run, rel);
    const nb = await cells(join(attempt, "notebook.ipynb"));
    const injected = text(nb[2]!.source);
    assertStringIncludes(injected, 'let label = "it\'s \\"quoted\\" ${not_code} `nor this`";');
    assertStringIncludes(injected, "const scale = 3;");
    const printed = JSON.stringify(nb[3]!.outputs);
    assertStringIncludes(printed, 'scale=3 label=it\'s \\"quoted\\" ${not_code} `nor this`');
    assertStringIncludes(printed, "source=from Python");
    const { values, metrics, artifacts } = await readAttemptValues(run, rel);
    assertEquals(values.scaled, [3, 6, 9]);
    assertEquals(values.label, "reassigned, since the defaults cell declared it with let");
    assertEquals(values.P, { run: "ts", instance: "transform[scale=3]" });
    assertEquals(metrics.map((m) => [m.value, m.step]), [[1 / 3, 0], [1 / 4, 1], [1 / 5, 2]]);
    assertEquals(artifacts.map((a) => [a.name, a.mediaType]), [
      ["scaled.json", "application/json"],
      ["bars.svg", "image/svg+xml"],
    ]);
    assertEquals(await Deno.readTextFile(join(attempt, "artifacts/scaled.json")), "[3,6,9]");
    const result = JSON.stringify(nb[5]!.outputs);
    assertStringIncludes(result, "execute_result");
    assertStringIncludes(result, "sum");
  });
  await t.step(
    "a secret reaches the kernel through its environment only, and is redacted",
    async () => {
      const rel = join("tasks", byId.get("transform[scale=2]")!.slug, "attempt-1");
      const { values } = await readAttemptValues(run, rel);
      assertEquals(values.secret_in_env_only, true);
      assertStringIncludes(
        await Deno.readTextFile(join(run, rel, "notebook.ipynb")),
        "secret: ***",
      );
      assertEquals(await filesHolding(run, SECRET), []);
    },
  );
  await t.step("a Python task reads what the TypeScript instances logged", async () => {
    const { values } = await readAttemptValues(run, "tasks/report/attempt-1");
    assertEquals(values.totals, { "2": 12, "3": 18 });
  });
  await t.step(
    "a failing cell fails the task with its error, and later cells never run",
    async () => {
      const fail = byId.get("fail")!;
      assertStringIncludes(fail.attempts[0]?.error?.evalue ?? "", "boom from TypeScript");
      const nb = await cells(join(run, "tasks/fail/attempt-1/notebook.ipynb"));
      assertStringIncludes(JSON.stringify(nb), "before the failure");
      assertEquals(JSON.stringify(nb).includes("never printed\\n"), false);
    },
  );
  await t.step("an error output fails its cell even when the kernel replies ok", async () => {
    const task = byId.get("error-output")!;
    assertStringIncludes(
      task.attempts[0]?.error?.evalue ?? "",
      "an error output behind an ok reply",
    );
    const nb = JSON.stringify(
      await cells(join(run, "tasks/error-output/attempt-1/notebook.ipynb")),
    );
    assertEquals(nb.includes("never printed\\n"), false);
  });
  await t.step("the timeout stopped the kernel and the process its cell started", async () => {
    const nb = await cells(join(run, "tasks/slow/attempt-1/notebook.ipynb"));
    assertStringIncludes(JSON.stringify(nb), "started a child process true");
    assertEquals(await processesOfRun("ts"), []);
  });
});

Deno.test("cli.ts run loses no result of Deno's kernel to the idle race, over 200 cells", async () => {
  await using dir = await tempDir();
  const cellsText = ['// %% tags=["parameters"]\nconst offset = 0;'];
  for (let i = 0; i < 200; i++) cellsText.push(`// %%\n${i} + offset`);
  await Deno.writeTextFile(join(dir.path, "many.ts"), cellsText.join("\n\n") + "\n");
  await Deno.writeTextFile(
    join(dir.path, "pipeline.yaml"),
    "name: race\ntasks:\n  many: { notebook: many.ts, timeout: 300s, parameters: { offset: 1000 } }\n",
  );
  const out = join(dir.path, "runs");
  const res = await runCliProcess(
    ["run", join(dir.path, "pipeline.yaml"), "--out", out, "--run-id", "race"],
    { flags: FLAGS },
  );
  assertEquals(res.code, 0, res.stderr);
  const nb = await cells(join(out, "race/tasks/many/attempt-1/notebook.ipynb"));
  const results = nb.slice(2).map((c) =>
    (c.outputs ?? []).filter((o) => o.output_type === "execute_result")
      .map((o) => text((o.data as Record<string, string | string[]>)["text/plain"]!))
  );
  assertEquals(results.length, 200);
  const wrong = results.flatMap((r, i) =>
    r.length === 1 && r[0]!.includes(String(1000 + i)) ? [] : [`cell ${i}: ${JSON.stringify(r)}`]
  );
  assertEquals(wrong, [], `${wrong.length} of 200 results lost or misplaced`);
  assertOk(results.length > 0);
});

Deno.test("cli.ts run runs a TypeScript notebook also when its kernel is spawned (fast: false)", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(
    join(dir.path, "one.ts"),
    '// %% tags=["parameters"]\nlet n = 1;\n\n// %%\nimport * as pdr from "pynb_dag_runner";\n' +
      'pdr.logValue("n", n);\npdr.logValue("cwd", Deno.cwd());\n',
  );
  await Deno.writeTextFile(
    join(dir.path, "pipeline.yaml"),
    "name: spawned\ndefaults: { fast: false }\ntasks:\n  one: { notebook: one.ts, parameters: { n: 7 } }\n",
  );
  const out = join(dir.path, "runs");
  const res = await runCliProcess(
    ["run", join(dir.path, "pipeline.yaml"), "--out", out, "--run-id", "spawned"],
    { flags: FLAGS },
  );
  assertEquals(res.code, 0, res.stderr);
  const { values } = await readAttemptValues(join(out, "spawned"), "tasks/one/attempt-1");
  // The kernel started in the runner's folder, then moved to the pipeline's.
  assertEquals(values, { n: 7, cwd: await Deno.realPath(dir.path) });
});
