/**
 * `cli.ts workflow`: the generated GitHub Actions workflows are actionlint-clean, mirror the DAG,
 * stay in step with the repository's own workflows, and run: their jobs, executed here in
 * topological order as separate processes in separate folders (each seeing only the parts its job
 * downloads), give the same statuses and values as a local run once merged. The demo's committed
 * workflow is checked for staleness.
 *
 * @module
 */
import { join } from "node:path";
import { parseDocument } from "../deps.ts";
import { readRunFolder } from "../lib/log/read.ts";
import type { RunSummary } from "../lib/log/schema.ts";
import { assertEquals, assertOk, assertStringIncludes, createLinter } from "./_deps.ts";
import { ROOT, runCliProcess, tempDir } from "./_helpers.ts";
import { simulateWorkflow } from "./_actions_sim.ts";

const FIXTURE = "tests/fixtures/pipelines/scale/pipeline.yaml";
const DEMO = "examples/mnist-digits-demo-pipeline/pipeline.yaml";
const DEMO_WORKFLOW = ".github/workflows/demo-pipeline-jobs.yml";
/** The flags the demo's workflow was generated with (its header repeats them). */
const DEMO_FLAGS = [
  "--group",
  "task",
  "--name",
  "demo-pipeline-jobs",
  "--apt",
  "jupyter-client",
  "python3-ipykernel",
  "python3-joblib",
  "python3-matplotlib",
  "python3-nbclient",
  "python3-nbformat",
  "python3-sklearn",
];
const RUN_FLAGS = ["--allow-read", "--allow-write", "--allow-run", "--allow-env"];

interface Wf {
  jobs: Record<
    string,
    { needs?: string[]; steps: { uses?: string; run?: string; with?: Record<string, unknown> }[] }
  >;
}

async function generate(pipeline: string, args: string[]): Promise<string> {
  const out = await runCliProcess(["workflow", pipeline, ...args]);
  assertEquals(out.code, 0, out.stderr);
  return out.stdout;
}

Deno.test("cli.ts workflow: every grouping is actionlint-clean, deterministic, and mirrors the DAG", async (t) => {
  for (const group of ["instance", "task", "layer"]) {
    await t.step(group, async () => {
      const text = await generate(DEMO, ["--group", group]);
      assertEquals(await generate(DEMO, ["--group", group]), text, "not deterministic");
      const lint = await createLinter();
      assertEquals(lint(text, `${group}.yml`).map((f) => `${f.line}: ${f.message}`), []);
      const wf = parseDocument(text).toJS() as Wf;
      for (const [id, job] of Object.entries(wf.jobs)) {
        for (const step of job.steps.filter((s) => s.run !== undefined)) {
          const res = await new Deno.Command("bash", {
            args: ["-n", "-c", step.run!.replace(/\$\{\{[^}]*\}\}/g, "X")],
            stderr: "piped",
          }).output();
          assertEquals(new TextDecoder().decode(res.stderr), "", `${id}: bash -n`);
        }
      }
      const needs = Object.fromEntries(
        Object.entries(wf.jobs).filter(([id]) => id !== "merge").map((
          [id, j],
        ) => [id, j.needs ?? []]),
      );
      const expected = {
        instance: {
          "run-ingest": [],
          "run-eda": ["run-ingest"],
          "run-split-train-test": ["run-ingest"],
          "run-train-model_nr_train_images-600": ["run-split-train-test"],
          "run-benchmark-model_nr_train_images-600": [
            "run-train-model_nr_train_images-600",
            "run-split-train-test",
          ],
          "run-summary": [
            "run-benchmark-model_nr_train_images-600",
            "run-benchmark-model_nr_train_images-800",
            "run-benchmark-model_nr_train_images-1000",
            "run-benchmark-model_nr_train_images-1200",
          ],
        },
        task: {
          "task-ingest": [],
          "task-eda": ["task-ingest"],
          "task-split-train-test": ["task-ingest"],
          "task-train-model": ["task-split-train-test"],
          "task-benchmark-model": ["task-train-model", "task-split-train-test"],
          "task-summary": ["task-benchmark-model"],
        },
        layer: {
          "layer-1": [],
          "layer-2": ["layer-1"],
          "layer-3": ["layer-2"],
          "layer-4": ["layer-3", "layer-2"],
          "layer-5": ["layer-4"],
        },
      }[group]!;
      for (const [id, want] of Object.entries(expected)) assertEquals(needs[id], want, id);
      if (group !== "instance") assertEquals(Object.keys(needs), Object.keys(expected));
      else assertEquals(Object.keys(needs).length, 12);
      assertEquals(wf.jobs.merge?.needs, Object.keys(needs));
    });
  }
});

Deno.test("cli.ts workflow --check: the demo's committed workflow is up to date, a stale one exits 1", async () => {
  const ok = await runCliProcess(["workflow", DEMO, ...DEMO_FLAGS, "--check", DEMO_WORKFLOW]);
  assertEquals([ok.code, ok.stderr], [0, ""]);
  const committed = await Deno.readTextFile(join(ROOT, DEMO_WORKFLOW));
  assertStringIncludes(committed, `deno task workflow ${DEMO} ${DEMO_FLAGS.join(" ")}`);
  await using dir = await tempDir();
  const stale = join(dir.path, "stale.yml");
  await Deno.writeTextFile(stale, committed.replace("timeout-minutes: 18", "timeout-minutes: 19"));
  const bad = await runCliProcess(["workflow", DEMO, ...DEMO_FLAGS, "--check", stale]);
  assertEquals(bad.code, 1);
  assertStringIncludes(bad.stderr, "is stale");
  const missing = await runCliProcess(["workflow", DEMO, "--check", join(dir.path, "none.yml")]);
  assertEquals(missing.code, 2);
});

Deno.test("generated workflows use the actions and Node.js of the repository's own workflows", async () => {
  const own = await Deno.readTextFile(join(ROOT, ".github/workflows/demo-pipeline.yml"));
  const generated = await Deno.readTextFile(join(ROOT, DEMO_WORKFLOW));
  const pins = (text: string) =>
    new Set([...text.matchAll(/uses: (actions\/[\w-]+@\S+)/g)].map((m) => m[1]!));
  const ownPins = pins(own);
  for (const pin of pins(generated)) {
    const action = pin.replace(/@.*/, "");
    const same = [...ownPins].find((p) => p.startsWith(`${action}@`));
    if (same !== undefined) assertEquals(pin, same, `${action} is pinned differently`);
  }
  const node = (text: string) =>
    new Set([...text.matchAll(/node-version: (\S+)/g)].map((m) => m[1]));
  assertEquals(node(generated), node(own));
});

function outcome(summary: RunSummary) {
  return summary.tasks.map((t) => ({
    id: t.id,
    status: t.status,
    reason: t.reason ?? null,
    values: t.values,
    artifacts: t.artifacts.map((a) => [a.name, a.sha256]),
  }));
}

async function localRun(dir: string, params: string[], pipeline = FIXTURE): Promise<RunSummary> {
  const out = await runCliProcess(
    ["run", pipeline, "--out", join(dir, "local"), "--run-id", "local", ...params],
    { flags: RUN_FLAGS },
  );
  assertOk(out.code === 0 || out.code === 1, out.stderr);
  return (await readRunFolder(join(dir, "local", "local"))).summary;
}

Deno.test("a generated workflow's jobs, run apart and merged, equal a local run", async (t) => {
  await using dir = await tempDir();
  for (
    const [group, params, jobs] of [
      ["task", [], {
        "task-source": "success",
        "task-square": "success",
        "task-total": "success",
        merge: "success",
      }],
      ["instance", ["--param", "fail_n=2"], {
        "run-source": "success",
        "run-square_n-1": "success",
        "run-square_n-2": "failure",
        "run-square_n-3": "success",
        "run-total": "skipped",
        // merge exits 1: the run failed.
        merge: "failure",
      }],
    ] as const
  ) {
    await t.step(`one job per ${group}${params.length ? " with a failure" : ""}`, async () => {
      const here = join(dir.path, group);
      const text = await generate(FIXTURE, ["--group", group, ...params]);
      const sim = await simulateWorkflow(text, here);
      assertEquals(sim.jobs, jobs);
      const merged = (await readRunFolder(join(here, "jobs", "merge", "runs", "gh-4242"))).summary;
      const local = await localRun(here, [...params]);
      assertEquals(outcome(merged), outcome(local));
      assertEquals(merged.status, local.status);
      assertStringIncludes(sim.summaries.merge ?? "", "run `gh-4242`");
      // Each job saw only the parts of its upstream jobs.
      const seen = async (job: string) => {
        const names: string[] = [];
        for await (const e of Deno.readDir(join(here, "jobs", job, "parts"))) names.push(e.name);
        return names.sort();
      };
      if (group === "task") {
        assertEquals(await seen("task-square-1"), ["pynb-part-01-source"]);
        assertEquals(await seen("task-total"), [
          "pynb-part-02-square_n-1",
          "pynb-part-02-square_n-2",
          "pynb-part-02-square_n-3",
        ]);
      }
    });
  }
});

Deno.test("a TypeScript task placed as its own Actions job runs as it does locally", async () => {
  // Deno's kernel in a job: the runner installs its kernelspec in the job's own folder, and the
  // TypeScript task's values cross the job boundary to the Python task after it.
  await using dir = await tempDir();
  const pipeline = "examples/typescript-between-python/pipeline.yaml";
  const text = await generate(pipeline, ["--group", "task"]);
  const sim = await simulateWorkflow(text, dir.path);
  assertEquals(sim.jobs, {
    "task-make-data": "success",
    "task-histogram": "success",
    "task-compare": "success",
    merge: "success",
  });
  const merged = (await readRunFolder(join(dir.path, "jobs", "merge", "runs", "gh-4242"))).summary;
  const local = await localRun(dir.path, [], pipeline);
  const values = (s: RunSummary) => s.tasks.map((t) => [t.id, t.status, t.values]);
  assertEquals(values(merged), values(local));
  // The TypeScript notebook logged values of its own, and the last Python task read them.
  for (const t of merged.tasks) {
    assertOk(Object.keys(t.values).length > 0, `${t.id} logged nothing`);
  }
  assertEquals(merged.tasks.map((t) => t.id), [
    "make-data",
    "histogram[bins=5]",
    "histogram[bins=10]",
    "compare",
  ]);
});
