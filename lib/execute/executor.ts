/**
 * The executor: runs the instances of a plan on a local pool, with retries, skips downstream of a
 * failure, `--fail-fast` and interruption, and writes the run folder (`spans.jsonl` as spans end,
 * `run.json` at the end).
 *
 * It starts no process itself: an {@linkcode AttemptRunner} runs one attempt (in production
 * `runAttempt`, which runs the notebook in a Jupyter kernel), so scheduling can be tested with a
 * deterministic fake and other runners can place attempts elsewhere.
 *
 * @module
 */
import { join, resolve } from "node:path";
import type { Plan, PlannedInstance } from "../plan/types.ts";
import type { RunOrigin } from "../log/ci_context.ts";
import {
  type AttemptRecord,
  RUN_FORMAT_VERSION,
  type RunStatus,
  type RunSummary,
  type TaskRecord,
} from "../log/schema.ts";
import { SpanLog, type TaskSpanHandle } from "../log/spans.ts";
import { readAttemptValues } from "../log/values.ts";
import { writeRunSummary } from "../log/write_summary.ts";
import type { AttemptRequest, AttemptResult } from "./attempt.ts";
import { Pool, PoolAbortedError } from "./pool.ts";
import { makeScratchDir } from "./scratch.ts";

/** The context of an attempt, as the notebook sees it in `P`: run, task, instance, attempt. */
export type AttemptContext = AttemptRequest["context"];

/** One attempt to run: `runAttempt`'s request without the interpreter, which the CLI adds. */
export type RunnerRequest = Omit<AttemptRequest, "python">;

/** How an attempt ended: `runAttempt`'s result. */
export type RunnerResult = AttemptResult;

/** Runs one attempt to its end; a failing notebook is a result, not an exception. */
export type AttemptRunner = (request: RunnerRequest) => Promise<RunnerResult>;

/** Turns a source notebook into the `.ipynb` text to execute, parameters injected. */
export type NotebookPreparer = (
  source: string,
  instance: PlannedInstance,
  context: AttemptContext,
) => Promise<{ ipynb: string; warnings: string[] }>;

/** Hears about the progress of a run (progress display, logs). Every method is optional. */
export interface RunObserver {
  /** An attempt starts. */
  attemptStarted?(instance: PlannedInstance, attempt: number, at: Date): void;
  /** A code cell of a running attempt started: `cell` of `cells` (both counting from 1). */
  cellStarted?(instance: PlannedInstance, attempt: number, cell: number, cells: number): void;
  /** An attempt ended. */
  attemptEnded?(instance: PlannedInstance, record: AttemptRecord, willRetry: boolean): void;
  /** An instance reached its final status. */
  taskEnded?(record: TaskRecord): void;
  /** Something the user should know that did not stop the run. */
  warning?(message: string): void;
}

/** Options of {@linkcode executePlan}. */
export interface ExecuteOptions {
  /** Runs one attempt. */
  runner: AttemptRunner;
  /** Prepares the notebook of an attempt. */
  prepare: NotebookPreparer;
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
}

function iso(d: Date): string {
  return d.toISOString();
}
function seconds(a: Date, b: Date): number {
  return Math.max(0, (b.getTime() - a.getTime()) / 1000);
}
async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

function describe(record: TaskRecord): string {
  switch (record.status) {
    case "failed":
      return "failed";
    case "timeout":
      return "timed out";
    case "skipped":
      return "was skipped";
    case "cancelled":
      return "was cancelled";
    default:
      return record.status;
  }
}

/** The upstream file entry of an instance: what `pynb_dag_runner.upstream()` returns. */
interface UpstreamEntry {
  id: string;
  task: string;
  matrix: TaskRecord["matrix"];
  values: TaskRecord["values"];
  metrics: TaskRecord["metrics"];
  artifacts: Record<string, string>;
}

/**
 * Runs a plan and writes its run folder: `spans.jsonl` while it runs, `tasks/<slug>/attempt-<n>/`
 * for every attempt, and `run.json` at the end (also when interrupted).
 *
 * @param plan The plan, instances in topological order.
 * @param options Runner, preparer, run folder and id, concurrency, fail-fast, interruption.
 * @returns The run summary, as written to `run.json`.
 * @throws {Error} When the run folder cannot be written.
 *
 * @example Running a plan with a fake runner
 * ```ts
 * import { executePlan } from "./executor.ts";
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
 *   prepare: () => Promise.resolve({ ipynb: "{}", warnings: [] }),
 *   runner: () => Promise.resolve({
 *     status: "succeeded", startedAt: new Date(), endedAt: new Date(), exitCode: 0,
 *   }),
 * });
 * console.assert(summary.status === "succeeded" && summary.tasks[0]?.attempts.length === 1);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function executePlan(plan: Plan, options: ExecuteOptions): Promise<RunSummary> {
  const now = options.now ?? (() => new Date());
  const runFolder = resolve(options.runFolder);
  await Deno.mkdir(runFolder, { recursive: true });
  const observer = options.observer ?? {};
  const origin = options.origin ?? { trigger: "local" };
  const startedAt = now();

  const spans = new SpanLog(join(runFolder, "spans.jsonl"), {
    runId: options.runId,
    pipeline: plan.pipeline,
    ...(options.pipelineFile === undefined ? {} : { pipelineFile: options.pipelineFile }),
    trigger: origin.trigger,
    ...(origin.ci === undefined ? {} : { ci: origin.ci }),
    parameters: plan.parameters,
    startedAt,
  });
  // Written at once: a run killed before any other span ended still tells what it was doing.
  spans.recordPlan(plan.instances, startedAt);
  // Prepared notebooks and upstream files hold absolute paths of this machine: they stay out of
  // the run folder, which is published. A runner killed before it removes them leaves them to be
  // swept by the next runner.
  const workFolder = await makeScratchDir("pynb-dag-runner-work-");

  // One controller stops everything: the caller's interrupt, or --fail-fast.
  const stop = new AbortController();
  let stopReason = "";
  let interrupted = false;
  const onInterrupt = () => {
    interrupted = true;
    if (!stop.signal.aborted) {
      stopReason = "the run was interrupted";
      stop.abort(new Error(stopReason));
    }
  };
  if (options.signal?.aborted) onInterrupt();
  options.signal?.addEventListener("abort", onInterrupt, { once: true });

  const pool = new Pool(options.concurrency ?? navigator.hardwareConcurrency ?? 1);
  const handles = new Map<string, TaskSpanHandle>();
  const done = new Map<string, Promise<TaskRecord>>();

  const baseRecord = (inst: PlannedInstance): TaskRecord => ({
    id: inst.id,
    task: inst.task,
    slug: inst.slug,
    matrix: inst.matrix,
    parameters: inst.parameters,
    needs: inst.needs,
    notebook: inst.notebook,
    status: "pending",
    ...(inst.timeoutSeconds > 0 ? { timeoutSeconds: inst.timeoutSeconds } : {}),
    attempts: [],
    values: {},
    metrics: [],
    artifacts: [],
  });

  const links = (inst: PlannedInstance) =>
    inst.needs.flatMap((id) => {
      const h = handles.get(id);
      return h === undefined ? [] : [h.context];
    });

  /** Records an instance that never ran: skipped or cancelled. */
  const notRun = (inst: PlannedInstance, status: "skipped" | "cancelled", reason: string) => {
    const at = now();
    const handle = spans.startTask(inst, at, links(inst));
    handles.set(inst.id, handle);
    spans.endTask(handle, { status, reason }, at);
    const record: TaskRecord = {
      ...baseRecord(inst),
      status,
      reason,
      startedAt: iso(at),
      endedAt: iso(at),
      durationSeconds: 0,
    };
    observer.taskEnded?.(record);
    return record;
  };

  const runInstance = async (inst: PlannedInstance, index: number): Promise<TaskRecord> => {
    const upstream: TaskRecord[] = [];
    for (const id of inst.needs) {
      const need = done.get(id);
      if (need === undefined) {
        throw new Error(
          `Cannot run '${inst.id}': it needs '${id}', which is not planned before it`,
        );
      }
      upstream.push(await need);
    }
    if (stop.signal.aborted) return notRun(inst, "cancelled", stopReason);
    const bad = upstream.find((u) => u.status !== "succeeded");
    if (bad !== undefined) return notRun(inst, "skipped", `upstream '${bad.id}' ${describe(bad)}`);

    let release: () => void;
    try {
      release = await pool.acquire(index, stop.signal);
    } catch (err) {
      if (err instanceof PoolAbortedError) return notRun(inst, "cancelled", stopReason);
      throw err;
    }
    try {
      return await attempts(inst, upstream);
    } finally {
      release();
    }
  };

  const attempts = async (inst: PlannedInstance, upstream: TaskRecord[]): Promise<TaskRecord> => {
    const record = baseRecord(inst);
    const taskStart = now();
    const handle = spans.startTask(inst, taskStart, links(inst));
    handles.set(inst.id, handle);
    record.startedAt = iso(taskStart);

    const instWork = join(workFolder, inst.slug);
    await Deno.mkdir(instWork, { recursive: true });
    let upstreamFile: string | undefined;
    if (inst.needs.length > 0) {
      upstreamFile = join(instWork, "upstream.json");
      await Deno.writeTextFile(upstreamFile, JSON.stringify(upstream.map(upstreamEntry)));
    }

    const maxAttempts = 1 + Math.max(0, inst.retries);
    for (let n = 1; n <= maxAttempts; n++) {
      const attemptRel = `tasks/${inst.slug}/attempt-${n}`;
      const attemptDir = join(runFolder, attemptRel);
      await Deno.mkdir(attemptDir, { recursive: true });
      const context: AttemptContext = {
        runId: options.runId,
        taskId: inst.task,
        instanceId: inst.id,
        attempt: n,
      };
      observer.attemptStarted?.(inst, n, now());
      const outputNotebookPath = join(attemptDir, "notebook.ipynb");
      let result: RunnerResult;
      let retryable = true;
      let codeCells = 0;
      try {
        const prepared = await options.prepare(resolve(plan.baseDir, inst.notebook), inst, context);
        if (n === 1) { for (const w of prepared.warnings) observer.warning?.(`${inst.id}: ${w}`); }
        const notebookPath = join(instWork, `attempt-${n}.ipynb`);
        await Deno.writeTextFile(notebookPath, prepared.ipynb);
        result = await options.runner({
          notebookPath,
          outputNotebookPath,
          attemptDir,
          workDir: plan.baseDir,
          kernel: inst.kernel,
          timeoutSeconds: inst.timeoutSeconds,
          ...(Object.keys(inst.env).length > 0 ? { env: inst.env } : {}),
          ...(upstreamFile === undefined ? {} : { upstreamFile }),
          context,
          signal: stop.signal,
          onEvent: (event) => {
            if (event.type === "started") codeCells = event.codeCellCount;
            else if (event.type === "cell_started" && event.codeCellNumber !== null) {
              observer.cellStarted?.(inst, n, event.codeCellNumber, codeCells);
            }
          },
        });
      } catch (err) {
        // A notebook that cannot be prepared will not get better on retry; a runner that throws
        // is a bug, recorded with its stack so the run folder still tells what happened.
        retryable = false;
        const e = err instanceof Error ? err : new Error(String(err));
        const at = now();
        result = {
          status: "failed",
          startedAt: at,
          endedAt: at,
          exitCode: null,
          error: {
            ename: e.name,
            evalue: e.message,
            traceback: (e.stack ?? e.message).split("\n"),
          },
        };
        observer.warning?.(`${inst.id} attempt ${n}: ${e.message}`);
      }
      const logged = await readAttemptValues(runFolder, attemptRel);
      for (const w of logged.warnings) observer.warning?.(w);
      const attempt: AttemptRecord = {
        attempt: n,
        status: result.status,
        startedAt: iso(result.startedAt),
        endedAt: iso(result.endedAt),
        durationSeconds: seconds(result.startedAt, result.endedAt),
      };
      if (await exists(outputNotebookPath)) attempt.notebook = `${attemptRel}/notebook.ipynb`;
      if (await exists(join(attemptDir, "stderr.txt"))) attempt.stderr = `${attemptRel}/stderr.txt`;
      if (result.error !== undefined) attempt.error = result.error;
      spans.recordAttempt(handle, {
        attempt: n,
        status: result.status,
        startedAt: result.startedAt,
        endedAt: result.endedAt,
        ...(attempt.notebook === undefined ? {} : { notebook: attempt.notebook }),
        ...(attempt.stderr === undefined ? {} : { stderr: attempt.stderr }),
        ...(result.error === undefined ? {} : { error: result.error }),
        values: logged.lines,
      });
      record.attempts.push(attempt);
      record.status = result.status;
      record.values = logged.values;
      record.metrics = logged.metrics;
      record.artifacts = logged.artifacts;
      const willRetry = retryable && n < maxAttempts && !stop.signal.aborted &&
        (result.status === "failed" || result.status === "timeout");
      observer.attemptEnded?.(inst, attempt, willRetry);
      if (!willRetry) break;
    }
    await Deno.remove(instWork, { recursive: true }).catch(() => {});

    const end = now();
    if (record.status === "cancelled") record.reason = stopReason || "the attempt was cancelled";
    record.endedAt = iso(end);
    record.durationSeconds = seconds(taskStart, end);
    spans.endTask(handle, {
      status: record.status,
      ...(record.reason === undefined ? {} : { reason: record.reason }),
    }, end);
    if ((record.status === "failed" || record.status === "timeout") && options.failFast) {
      if (!stop.signal.aborted) {
        stopReason = `cancelled by --fail-fast after '${inst.id}' ${describe(record)}`;
        stop.abort(new Error(stopReason));
      }
    }
    observer.taskEnded?.(record);
    return record;
  };

  const upstreamEntry = (u: TaskRecord): UpstreamEntry => ({
    id: u.id,
    task: u.task,
    matrix: u.matrix,
    values: u.values,
    metrics: u.metrics,
    artifacts: Object.fromEntries(u.artifacts.map((a) => [a.name, join(runFolder, a.path)])),
  });

  /** A bug in one instance must not lose the run: it is recorded, with its stack on stderr. */
  const internalFailure = (inst: PlannedInstance, err: unknown): TaskRecord => {
    const e = err instanceof Error ? err : new Error(String(err));
    observer.warning?.(`internal error in '${inst.id}': ${e.stack ?? e.message}`);
    const at = now();
    const record: TaskRecord = {
      ...baseRecord(inst),
      status: "failed",
      reason: `internal error: ${e.message}`,
      startedAt: iso(at),
      endedAt: iso(at),
      durationSeconds: 0,
    };
    observer.taskEnded?.(record);
    return record;
  };

  plan.instances.forEach((inst, index) =>
    done.set(inst.id, runInstance(inst, index).catch((err) => internalFailure(inst, err)))
  );
  let tasks: TaskRecord[];
  try {
    tasks = await Promise.all(plan.instances.map((inst) => done.get(inst.id)!));
  } finally {
    options.signal?.removeEventListener("abort", onInterrupt);
    await Deno.remove(workFolder, { recursive: true }).catch(() => {});
  }

  const endedAt = now();
  const status: RunStatus = interrupted
    ? "cancelled"
    : tasks.every((t) => t.status === "succeeded")
    ? "succeeded"
    : "failed";
  spans.endRun(status, endedAt);
  const summary: RunSummary = {
    formatVersion: RUN_FORMAT_VERSION,
    runId: options.runId,
    traceId: spans.traceId,
    pipeline: {
      name: plan.pipeline,
      ...(options.pipelineFile === undefined ? {} : { file: options.pipelineFile }),
    },
    status,
    trigger: origin.trigger,
    startedAt: iso(startedAt),
    endedAt: iso(endedAt),
    durationSeconds: seconds(startedAt, endedAt),
    parameters: plan.parameters,
    ...(origin.ci === undefined ? {} : { ci: origin.ci }),
    tasks,
  };
  await writeRunSummary(runFolder, summary);
  return summary;
}
