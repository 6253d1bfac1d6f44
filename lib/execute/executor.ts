/**
 * The executor: runs the instances of a plan and writes the run folder, composed of three parts.
 * The {@linkcode Scheduler} decides what may start (dependencies, a local pool, skips downstream of
 * a failure, `--fail-fast`, interruption); an {@linkcode InstanceRunner} runs one instance (the
 * local one: attempts and retries through an {@linkcode AttemptRunner}, in production `runAttempt`
 * in a Jupyter kernel); the {@linkcode RunRecorder} writes `spans.jsonl` as spans end and `run.json`
 * at the end (also when interrupted).
 *
 * It starts no process itself, so scheduling can be tested with a deterministic fake runner and
 * other runners can place instances elsewhere.
 *
 * @module
 */
import { join, relative } from "node:path";
import type { Plan, PlannedInstance } from "../plan/types.ts";
import type { RunOrigin } from "../log/ci/ci_context.ts";
import type { RunSummary, TaskRecord } from "../log/schema.ts";
import type { InstanceRunner, RunObserver } from "./instance_runner.ts";
import type { RunPart } from "../log/part/part.ts";
import { RunRecorder, runStatus } from "./run_recorder.ts";
import { describeEnd, Scheduler } from "./scheduler.ts";
import { makeScratchDir } from "./scratch.ts";

export type {
  AttemptContext,
  AttemptRunner,
  NotebookPreparer,
  RunnerRequest,
  RunnerResult,
  RunObserver,
} from "./instance_runner.ts";

/** Options of {@linkcode executePlan}. */
export interface ExecuteOptions {
  /**
   * Runs one instance: its attempts, retries and files. `localInstanceRunner({ runner, prepare })`
   * runs them here; a cache or a placement wraps it.
   */
  instanceRunner: InstanceRunner;
  /** The run folder; created with its parent folders if missing. */
  runFolder: string;
  /** The run id. */
  runId: string;
  /**
   * Attempts running at once.
   * @default navigator.hardwareConcurrency
   */
  concurrency?: number;
  /**
   * Cancel everything still pending or running after the first instance fails for good.
   * @default false
   */
  failFast?: boolean;
  /** Aborting it interrupts the run: attempts are cancelled, the run is `cancelled`. */
  signal?: AbortSignal;
  /** Progress listener. @default none */
  observer?: RunObserver;
  /** The pipeline file, for the record. @default none */
  pipelineFile?: string;
  /** Trigger and CI context. @default `{ trigger: "local" }` */
  origin?: RunOrigin;
  /** The clock. @default `() => new Date()` */
  now?: () => Date;
  /**
   * Run as one part of a run: span ids derived from the run id, the whole plan recorded, upstream
   * records from other parts.
   * @default a whole run
   */
  part?: RunPart;
}

/**
 * Runs a plan and writes its run folder: `spans.jsonl` while it runs, `tasks/<slug>/attempt-<n>/`
 * for every attempt, and `run.json` at the end (also when interrupted).
 *
 * @param plan The plan, instances in topological order.
 * @param options Instance runner, run folder and id, concurrency, fail-fast, interruption.
 * @returns The run summary, as written to `run.json`.
 * @throws {Error} When the run folder cannot be written.
 *
 * @example Running a plan with a fake runner
 * ```ts
 * import { executePlan } from "./executor.ts";
 * import { localInstanceRunner } from "./instance_runner.ts";
 * const dir = await Deno.makeTempDir();
 * const plan = {
 *   pipeline: "demo", baseDir: dir, parameters: {}, layers: [["a"]],
 *   instances: [{
 *     id: "a", task: "a", slug: "a", matrix: {}, parameters: {}, needs: [], notebook: "a.py",
 *     timeoutSeconds: 60, retries: 0, kernel: "python3", env: {},
 *   }],
 * };
 * const summary = await executePlan(plan, {
 *   runFolder: `${dir}/runs/r1`, runId: "r1",
 *   instanceRunner: localInstanceRunner({
 *     prepare: () => Promise.resolve({ ipynb: "{}", warnings: [] }),
 *     runner: () => Promise.resolve({
 *       status: "succeeded", startedAt: new Date(), endedAt: new Date(), exitCode: 0,
 *     }),
 *   }),
 * });
 * console.assert(summary.status === "succeeded" && summary.tasks[0]?.attempts.length === 1);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function executePlan(plan: Plan, options: ExecuteOptions): Promise<RunSummary> {
  const now = options.now ?? (() => new Date());
  const observer = options.observer ?? {};
  const recorder = await RunRecorder.open(plan, {
    ...(options.part === undefined ? {} : { partOf: options.part.plan }),
    runFolder: options.runFolder,
    runId: options.runId,
    ...(options.pipelineFile === undefined ? {} : { pipelineFile: options.pipelineFile }),
    ...(options.origin === undefined ? {} : { origin: options.origin }),
    startedAt: now(),
  });
  const { instanceRunner } = options;
  const scheduler = new Scheduler({
    concurrency: options.concurrency ?? navigator.hardwareConcurrency ?? 1,
    failFast: options.failFast ?? false,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  // Prepared notebooks and upstream files hold absolute paths of this machine: they stay out of
  // the run folder, which is published. A runner killed before it removes them leaves them to be
  // swept by the next runner.
  const scratchDir = await makeScratchDir("pynb-dag-runner-work-");
  let tasks;
  try {
    const part = partScheduling(plan, options.part, recorder.runFolder);
    tasks = await scheduler.schedule(part.scheduled, {
      run: async (scheduledInst, inside, signal) => {
        const inst = part.original(scheduledInst);
        const upstream = part.upstream(inst, inside);
        const bad = upstream.find((u) => u.status !== "succeeded");
        if (bad !== undefined) {
          return recorder.notRun(
            inst,
            "skipped",
            `upstream '${bad.id}' ${describeEnd(bad)}`,
            now(),
          );
        }
        const instanceRecorder = recorder.instance(inst);
        const record = await instanceRunner.run(inst, upstream, {
          runId: options.runId,
          runFolder: recorder.runFolder,
          baseDir: plan.baseDir,
          scratchDir,
          signal,
          observer,
          recorder: instanceRecorder,
          now,
        });
        instanceRecorder.end(record); // in case the runner did not
        return record;
      },
      notRun: (inst, status, reason) => recorder.notRun(part.original(inst), status, reason, now()),
      failed: (inst, err) => {
        // A bug in one instance must not lose the run: it is recorded, with its stack on stderr.
        const e = err instanceof Error ? err : new Error(String(err));
        observer.warning?.(`internal error in '${inst.id}': ${e.stack ?? e.message}`);
        return recorder.internalFailure(inst, e, now());
      },
      settled: (record) => observer.taskEnded?.(record),
    });
  } finally {
    await Deno.remove(scratchDir, { recursive: true }).catch(() => {});
  }
  return await recorder.finish(tasks, runStatus(tasks, scheduler.interrupted), now());
}

/**
 * What the scheduler sees of a part: the needs inside it (those outside are settled already), and
 * each instance's upstream records from inside and outside, artifact paths of the outside ones
 * made relative to this run folder (the upstream file the notebook reads joins them with it).
 */
function partScheduling(plan: Plan, part: RunPart | undefined, runFolder: string) {
  const outside: TaskRecord[] = (part?.upstream ?? []).map(({ record, runFolder: from }) => ({
    ...record,
    artifacts: record.artifacts.map((a) => ({
      ...a,
      path: relative(runFolder, join(from, a.path)),
    })),
  }));
  const inPart = new Set(plan.instances.map((i) => i.id));
  const byId = new Map(plan.instances.map((i) => [i.id, i]));
  return {
    scheduled: plan.instances.map((i) => ({ ...i, needs: i.needs.filter((n) => inPart.has(n)) })),
    original: (inst: PlannedInstance) => byId.get(inst.id) ?? inst,
    upstream: (inst: PlannedInstance, inside: readonly TaskRecord[]) => {
      const records = new Map([...inside, ...outside].map((r) => [r.id, r]));
      return inst.needs.flatMap((n) => records.get(n) ?? []);
    },
  };
}
