/**
 * The instance runner: runs ONE task instance to its final {@linkcode TaskRecord}, given the
 * records of its upstream instances. {@linkcode localInstanceRunner} runs its attempts (with
 * retries) through an {@linkcode AttemptRunner} (`runAttempt` in production: a Jupyter kernel on
 * this machine). Other runners replace it or wrap it: a cache that restores an instance's files
 * instead of running it, a Slurm or CI job that leaves the instance's folder in the run folder.
 * Every runner records its instance through the {@linkcode InstanceRecorder} of its context.
 *
 * @module
 */
import { join } from "node:path";
import { kernelEnv } from "./kernel_env.ts";
import type { PlannedInstance } from "../plan/types.ts";
import type { AttemptRecord, TaskRecord } from "../log/schema.ts";
import { readAttemptValues } from "../log/values.ts";
import { redactAttemptFolder, type Redactor } from "../log/redact/redact.ts";
import { cleanAttemptFolder } from "../log/attempt_cleanup.ts";
import type { AttemptRequest, AttemptResult } from "./attempt.ts";
import { type InstanceRecorder, pendingRecord, seconds } from "./run_recorder.ts";
import { exists } from "../_base/fs.ts";
import { attemptDir, attemptFile, runPath } from "../log/layout.ts";

/** The context of an attempt, as the notebook sees it in `P`: run, task, instance, attempt. */
export type AttemptContext = AttemptRequest["context"];

/** One attempt to run: `runAttempt`'s request without the interpreter, which the CLI adds. */
export type RunnerRequest = Omit<AttemptRequest, "python">;

/** How an attempt ended: `runAttempt`'s result. */
export type RunnerResult = AttemptResult;

/** Runs one attempt to its end; a failing notebook is a result, not an exception. */
export type AttemptRunner = (request: RunnerRequest) => Promise<RunnerResult>;

/**
 * Turns the source notebook of an instance into the `.ipynb` text to execute, parameters
 * injected. It knows where the run's notebooks are (`notebookPreparer(sources)`).
 */
export type NotebookPreparer = (
  instance: PlannedInstance,
  context: AttemptContext,
) => Promise<{
  ipynb: string;
  warnings: string[];
  /** The kernel the notebook asks for (a TypeScript notebook: `deno`). @default the instance's */
  kernel?: string;
}>;

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

/** What an instance runner gets for one instance. */
export interface InstanceContext {
  /** The run id. */
  runId: string;
  /** The run folder, absolute: attempts go to `tasks/<slug>/attempt-<n>/` in it. */
  runFolder: string;
  /** The pipeline file's folder: notebooks are relative to it; kernels run in it. */
  baseDir: string;
  /**
   * A folder of this run outside the run folder (which is published), for files holding paths of
   * this machine (prepared notebooks, upstream files). Removed when the run ends.
   */
  scratchDir: string;
  /** Aborted when the run stops (`--fail-fast`, interrupt); its reason is an `Error` saying why. */
  signal: AbortSignal;
  /** Progress listener (`taskEnded` is called by the executor, not by runners). */
  observer: RunObserver;
  /** Records this instance: task span, attempt spans, end. */
  recorder: InstanceRecorder;
  /** The clock. */
  now: () => Date;
}

/**
 * Runs one instance to its final record: every attempt recorded through `context.recorder`
 * (`start`, `attempt` per attempt, `end`), then the record returned. A failing notebook is a
 * record, not an exception; a throw is an internal error of the runner.
 */
export interface InstanceRunner {
  /**
   * Runs one instance.
   *
   * @param instance The instance.
   * @param upstream The final records of the instances it needs (all succeeded), in `needs` order.
   * @param context Run, folders, signal, observer and recorder.
   * @returns Its final record.
   */
  run(
    instance: PlannedInstance,
    upstream: readonly TaskRecord[],
    context: InstanceContext,
  ): Promise<TaskRecord>;
}

/** The upstream file entry of an instance: what `pynb_dag_runner.upstream()` returns. */
export interface UpstreamEntry {
  /** Instance id. */
  id: string;
  /** Task name. */
  task: string;
  /** Matrix values. */
  matrix: TaskRecord["matrix"];
  /** Values it logged. */
  values: TaskRecord["values"];
  /** Metrics it logged. */
  metrics: TaskRecord["metrics"];
  /** Artifacts it logged: name to absolute path. */
  artifacts: Record<string, string>;
}

/**
 * The entry of an upstream instance in the upstream file, artifact paths made absolute.
 *
 * @param record The upstream instance's record.
 * @param runFolder The run folder it ran in.
 * @returns The entry.
 *
 * @example An entry
 * ```ts
 * import { upstreamEntry } from "./instance_runner.ts";
 * import { pendingRecord } from "./run_recorder.ts";
 * const record = pendingRecord({
 *   id: "a", task: "a", slug: "a", matrix: {}, parameters: {}, needs: [], notebook: "a.py",
 *   timeoutSeconds: 60, retries: 0, kernel: "python3", env: {},
 * });
 * record.artifacts = [{ name: "x", path: "tasks/a/attempt-1/artifacts/x", size: 1, sha256: "" }];
 * console.assert(upstreamEntry(record, "/runs/r1").artifacts.x === "/runs/r1/tasks/a/attempt-1/artifacts/x");
 * ```
 */
export function upstreamEntry(record: TaskRecord, runFolder: string): UpstreamEntry {
  return {
    id: record.id,
    task: record.task,
    matrix: record.matrix,
    values: record.values,
    metrics: record.metrics,
    artifacts: Object.fromEntries(record.artifacts.map((a) => [a.name, join(runFolder, a.path)])),
  };
}

/**
 * Records an attempt whose files are in the run folder (`tasks/<slug>/attempt-<n>/`): reads its
 * `values.jsonl` (warning the observer of refused lines), writes its span through the recorder and
 * returns its record and what it logged. For every runner that leaves an attempt folder: local,
 * restored from a cache, or brought back from a remote job.
 *
 * @param instance The instance.
 * @param n The attempt number, from 1.
 * @param result How it ended.
 * @param context The instance's context.
 * @returns The attempt record and the attempt's values, metrics and artifacts.
 *
 * @example Recording an attempt that left nothing
 * ```ts
 * import { recordAttemptFolder } from "./instance_runner.ts";
 * const inst = {
 *   id: "a", task: "a", slug: "a", matrix: {}, parameters: {}, needs: [], notebook: "a.py",
 *   timeoutSeconds: 60, retries: 0, kernel: "python3", env: {},
 * };
 * const spans: number[] = [];
 * const { attempt } = await recordAttemptFolder(inst, 1, {
 *   status: "succeeded", startedAt: new Date(), endedAt: new Date(), exitCode: 0,
 * }, {
 *   runId: "r1", runFolder: await Deno.makeTempDir(), baseDir: ".", scratchDir: ".",
 *   signal: new AbortController().signal, observer: {}, now: () => new Date(),
 *   recorder: { start() {}, attempt: (i) => void spans.push(i.attempt), end() {}, ended: false },
 * });
 * console.assert(attempt.status === "succeeded" && spans[0] === 1 && attempt.notebook === undefined);
 * ```
 */
export async function recordAttemptFolder(
  instance: PlannedInstance,
  n: number,
  result: RunnerResult,
  context: InstanceContext,
): Promise<
  { attempt: AttemptRecord; logged: Pick<TaskRecord, "values" | "metrics" | "artifacts"> }
> {
  const attemptRel = attemptDir(instance.slug, n);
  const notebookRel = attemptFile(instance.slug, n, "notebook");
  const stderrRel = attemptFile(instance.slug, n, "stderr");
  const logged = await readAttemptValues(context.runFolder, attemptRel);
  for (const w of logged.warnings) context.observer.warning?.(w);
  const attempt: AttemptRecord = {
    attempt: n,
    status: result.status,
    startedAt: result.startedAt.toISOString(),
    endedAt: result.endedAt.toISOString(),
    durationSeconds: seconds(result.startedAt, result.endedAt),
  };
  if (await exists(runPath(context.runFolder, notebookRel))) attempt.notebook = notebookRel;
  if (await exists(runPath(context.runFolder, stderrRel))) attempt.stderr = stderrRel;
  if (result.error !== undefined) attempt.error = result.error;
  context.recorder.attempt({
    attempt: n,
    status: result.status,
    startedAt: result.startedAt,
    endedAt: result.endedAt,
    ...(attempt.notebook === undefined ? {} : { notebook: attempt.notebook }),
    ...(attempt.stderr === undefined ? {} : { stderr: attempt.stderr }),
    ...(result.error === undefined ? {} : { error: result.error }),
    values: logged.lines,
  });
  return {
    attempt,
    logged: { values: logged.values, metrics: logged.metrics, artifacts: logged.artifacts },
  };
}

/** The reason of a cancelled instance: why the run stopped, from the context's signal. */
function cancelReason(signal: AbortSignal): string {
  const reason: unknown = signal.aborted ? signal.reason : undefined;
  return reason instanceof Error && reason.message !== ""
    ? reason.message
    : "the attempt was cancelled";
}

/** Options of {@linkcode localInstanceRunner}. */
export interface LocalInstanceRunnerOptions {
  /** Runs one attempt (`runAttempt` with an interpreter, in production). */
  runner: AttemptRunner;
  /** Prepares the notebook of an attempt. */
  prepare: NotebookPreparer;
  /** Secret values by name: a kernel's environment gets those its instance names. @default none */
  secrets?: Readonly<Record<string, string>>;
  /** Redacts each attempt's folder and error as soon as it ends. @default none */
  redactor?: Redactor;
}

/**
 * The instance runner of this machine: attempts one after another through `runner`, until one
 * succeeds, the retries are used up, the run stops, or the notebook cannot be prepared (which no
 * retry mends). Writes the upstream file of an instance that needs others, in the scratch folder.
 *
 * @param options The attempt runner and the notebook preparer.
 * @returns The runner.
 *
 * @example Running one instance with a fake attempt runner
 * ```ts
 * import { localInstanceRunner } from "./instance_runner.ts";
 * const dir = await Deno.makeTempDir();
 * const runner = localInstanceRunner({
 *   prepare: () => Promise.resolve({ ipynb: "{}", warnings: [] }),
 *   runner: () => Promise.resolve({
 *     status: "succeeded", startedAt: new Date(), endedAt: new Date(), exitCode: 0,
 *   }),
 * });
 * const inst = {
 *   id: "a", task: "a", slug: "a", matrix: {}, parameters: {}, needs: [], notebook: "a.py",
 *   timeoutSeconds: 60, retries: 0, kernel: "python3", env: {},
 * };
 * const record = await runner.run(inst, [], {
 *   runId: "r1", runFolder: dir, baseDir: dir, scratchDir: dir,
 *   signal: new AbortController().signal, observer: {}, now: () => new Date(),
 *   recorder: { start() {}, attempt() {}, end() {}, ended: false },
 * });
 * console.assert(record.status === "succeeded" && record.attempts.length === 1);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function localInstanceRunner(options: LocalInstanceRunnerOptions): InstanceRunner {
  return {
    async run(inst, upstream, context) {
      const record = pendingRecord(inst);
      const taskStart = context.now();
      context.recorder.start(taskStart);
      record.startedAt = taskStart.toISOString();
      const work = join(context.scratchDir, inst.slug);
      await Deno.mkdir(work, { recursive: true });
      let upstreamFile: string | undefined;
      if (inst.needs.length > 0) {
        upstreamFile = join(work, "upstream.json");
        const entries = upstream.map((u) => upstreamEntry(u, context.runFolder));
        await Deno.writeTextFile(upstreamFile, JSON.stringify(entries));
      }
      const maxAttempts = 1 + Math.max(0, inst.retries);
      for (let n = 1; n <= maxAttempts; n++) {
        const { result, retryable } = await oneAttempt(
          options,
          inst,
          n,
          work,
          upstreamFile,
          context,
        );
        const dir = runPath(context.runFolder, attemptDir(inst.slug, n));
        for (const said of await cleanAttemptFolder(dir, options.redactor)) {
          context.observer.warning?.(`${inst.id}: ${said}`);
        }
        if (options.redactor?.active) {
          await redactAttemptFolder(dir, options.redactor);
          if (result.error !== undefined) result.error = options.redactor.redactValue(result.error);
        }
        const { attempt, logged } = await recordAttemptFolder(inst, n, result, context);
        Object.assign(record, { status: result.status, ...logged });
        record.attempts.push(attempt);
        const willRetry = retryable && n < maxAttempts && !context.signal.aborted &&
          (result.status === "failed" || result.status === "timeout");
        context.observer.attemptEnded?.(inst, attempt, willRetry);
        if (!willRetry) break;
      }
      await Deno.remove(work, { recursive: true }).catch(() => {});
      const end = context.now();
      if (record.status === "cancelled") record.reason = cancelReason(context.signal);
      record.endedAt = end.toISOString();
      record.durationSeconds = seconds(taskStart, end);
      context.recorder.end(record);
      return record;
    },
  };
}

/** Prepares and runs attempt `n`; a preparer or runner that throws is a failed attempt. */
async function oneAttempt(
  options: LocalInstanceRunnerOptions,
  inst: PlannedInstance,
  n: number,
  work: string,
  upstreamFile: string | undefined,
  ctx: InstanceContext,
): Promise<{ result: RunnerResult; retryable: boolean }> {
  const folder = runPath(ctx.runFolder, attemptDir(inst.slug, n));
  await Deno.mkdir(folder, { recursive: true });
  const context: AttemptContext = {
    runId: ctx.runId,
    taskId: inst.task,
    instanceId: inst.id,
    attempt: n,
  };
  ctx.observer.attemptStarted?.(inst, n, ctx.now());
  let codeCells = 0;
  try {
    const prepared = await options.prepare(inst, context);
    if (n === 1) { for (const w of prepared.warnings) ctx.observer.warning?.(`${inst.id}: ${w}`); }
    const notebookPath = join(work, `attempt-${n}.ipynb`);
    await Deno.writeTextFile(notebookPath, prepared.ipynb);
    const kernel = prepared.kernel ?? inst.kernel;
    const env = await kernelEnv(inst, kernel, { secrets: options.secrets, baseDir: ctx.baseDir });
    const result = await options.runner({
      notebookPath,
      outputNotebookPath: runPath(ctx.runFolder, attemptFile(inst.slug, n, "notebook")),
      attemptDir: folder,
      workDir: ctx.baseDir,
      kernel,
      ...(inst.preload === undefined ? {} : { preload: inst.preload }),
      ...(inst.fast === false ? { fast: false } : {}),
      timeoutSeconds: inst.timeoutSeconds,
      ...(Object.keys(env).length > 0 ? { env } : {}),
      ...(upstreamFile === undefined ? {} : { upstreamFile }),
      context,
      signal: ctx.signal,
      onEvent: (event) => {
        if (event.type === "started") codeCells = event.codeCellCount;
        else if (event.type === "cell_started" && event.codeCellNumber !== null) {
          ctx.observer.cellStarted?.(inst, n, event.codeCellNumber, codeCells);
        }
      },
    });
    return { result, retryable: true };
  } catch (err) {
    // A notebook that cannot be prepared will not get better on retry; a runner that throws is a
    // bug, recorded with its stack so the run folder still tells what happened.
    const e = err instanceof Error ? err : new Error(String(err));
    const at = ctx.now();
    ctx.observer.warning?.(`${inst.id} attempt ${n}: ${e.message}`);
    return {
      retryable: false,
      result: {
        status: "failed",
        startedAt: at,
        endedAt: at,
        exitCode: null,
        error: { ename: e.name, evalue: e.message, traceback: (e.stack ?? e.message).split("\n") },
      },
    };
  }
}
