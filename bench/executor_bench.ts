/**
 * Overhead of the executor and the run log per task instance, with a runner that does no work
 * (no kernel), against a baseline measured in the same run: the same attempt folders and files
 * written in a plain loop, without scheduling, spans or run.json. The difference is what the
 * executor adds to each instance; compare it with a kernel start-up (about 1.1 s, see
 * `attempt_bench.ts`).
 *
 *     deno bench -A bench/executor_bench.ts
 *
 * The plan is 200 instances in 10 layers of 20, each needing two instances of the layer before.
 *
 * @module
 */
import { join } from "node:path";
import { type AttemptRunner, executePlan, type RunnerRequest } from "../lib/execute/executor.ts";
import { localInstanceRunner } from "../lib/execute/instance_runner.ts";
import type { Plan, PlannedInstance } from "../lib/plan/types.ts";

const WIDTH = 20;
const DEPTH = 10;
const work = await Deno.makeTempDir({ prefix: "pynb-bench-executor-" });
globalThis.addEventListener("unload", () => Deno.removeSync(work, { recursive: true }));

const instances: PlannedInstance[] = [];
for (let layer = 0; layer < DEPTH; layer++) {
  for (let i = 0; i < WIDTH; i++) {
    const id = `t${layer}[i=${i}]`;
    const needs = layer === 0
      ? []
      : [`t${layer - 1}[i=${i}]`, `t${layer - 1}[i=${(i + 1) % WIDTH}]`];
    instances.push({
      id,
      task: `t${layer}`,
      slug: `t${layer}_i-${i}`,
      matrix: { i },
      parameters: { i, layer, label: "bench" },
      needs,
      notebook: "nb.py",
      timeoutSeconds: 60,
      retries: 0,
      kernel: "python3",
      env: {},
    });
  }
}
const plan: Plan = {
  pipeline: "bench",
  baseDir: work,
  parameters: { label: "bench" },
  instances,
  layers: [],
};

/** What a real attempt leaves behind, minus the kernel: a notebook, stderr and two values. */
async function writeAttempt(req: Pick<RunnerRequest, "attemptDir" | "outputNotebookPath">) {
  await Deno.writeTextFile(req.outputNotebookPath, '{"cells": []}');
  await Deno.writeTextFile(join(req.attemptDir, "stderr.txt"), "");
  const t = new Date().toISOString();
  await Deno.writeTextFile(
    join(req.attemptDir, "values.jsonl"),
    `{"kind":"value","name":"v","value":1,"timestamp":"${t}"}\n` +
      `{"kind":"metric","name":"m","value":0.5,"step":null,"timestamp":"${t}"}\n`,
  );
}

const runner: AttemptRunner = async (req) => {
  const startedAt = new Date();
  await writeAttempt(req);
  return { status: "succeeded", startedAt, endedAt: new Date(), exitCode: 0 };
};

let n = 0;
Deno.bench({
  name: "files of 200 attempts in a plain loop",
  group: "200 instances",
  baseline: true,
  async fn() {
    const folder = join(work, `plain-${n++}`);
    for (const inst of instances) {
      const attemptDir = join(folder, "tasks", inst.slug, "attempt-1");
      await Deno.mkdir(attemptDir, { recursive: true });
      await Deno.writeTextFile(join(folder, `${inst.slug}.ipynb`), "{}");
      await writeAttempt({ attemptDir, outputNotebookPath: join(attemptDir, "notebook.ipynb") });
    }
  },
});

Deno.bench({
  name: "executePlan() of 200 instances (pool of 2, spans, run.json)",
  group: "200 instances",
  async fn() {
    const id = `run-${n++}`;
    await executePlan(plan, {
      instanceRunner: localInstanceRunner({
        runner,
        prepare: () => Promise.resolve({ ipynb: "{}", warnings: [] }),
      }),
      runFolder: join(work, id),
      runId: id,
      concurrency: 2,
    });
  },
});
