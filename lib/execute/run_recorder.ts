/**
 * The run recorder: writes what a run leaves in its run folder. The run and plan spans when the
 * run starts, each instance's task span (linked to its upstream instances) and attempt spans as
 * they end (`spans.jsonl`, through {@linkcode SpanLog}), the records of instances that never ran
 * or failed inside the runner, and `run.json` at the end.
 *
 * It runs nothing and decides nothing: the scheduler decides, instance runners run, and both tell
 * the recorder what happened.
 *
 * @module
 */
import { resolve } from "node:path";
import type { PlannedInstance } from "../plan/types.ts";
import type { RunOrigin } from "../log/ci/ci_context.ts";
import {
  RUN_FORMAT_VERSION,
  type RunStatus,
  type RunSummary,
  type TaskRecord,
} from "../log/schema.ts";
import { type AttemptSpanInfo, SpanLog, type TaskSpanHandle } from "../log/spans/spans.ts";
import { writeRunSummary } from "../log/write_summary.ts";
import { RUN_LAYOUT, runPath } from "../log/layout.ts";
import { derivedTaskContext } from "../log/spans/span_ids.ts";
import { runSpanInfo } from "../log/spans/run_span_info.ts";

/** What a run recorder needs to open a run folder. */
export interface RunRecorderOptions {
  /** The run folder; created with its parent folders if missing. */
  runFolder: string;
  /** The run id. */
  runId: string;
  /** The pipeline file, for the record. @default none */
  pipelineFile?: string;
  /** Trigger and CI context. @default `{ trigger: "local" }` */
  origin?: RunOrigin;
  /** Start of the run. */
  startedAt: Date;
  /**
   * The whole plan, when this run is one part of a run that runs the plan's instances only:
   * span ids are derived from the run id, and the plan span lists the whole plan.
   * @default a whole run
   */
  partOf?: PlannedInstance[];
}

/**
 * Records one instance: its task span, its attempts' spans, and the end of its task span. Handed to
 * an instance runner in its context; every runner (local, cached, remote) records through it.
 *
 * `start` opens the task span, linked to the spans of the upstream instances; `attempt` writes the
 * span of an attempt that has ended, a child of the task span; `end` closes the task span with the
 * record's status and reason. `attempt` and `end` open the task span first if `start` was not
 * called (at the attempt's or record's start), and `end` does nothing the second time.
 */
export interface InstanceRecorder {
  /** Opens the task span. @param at Start of the instance. */
  start(at: Date): void;
  /** Writes the span of one ended attempt. @param info The attempt, its values and error. */
  attempt(info: AttemptSpanInfo): void;
  /** Closes the task span. @param record The final record (its `endedAt` is the span's end). */
  end(record: TaskRecord): void;
  /** Whether `end` was called. */
  readonly ended: boolean;
}

function iso(d: Date): string {
  return d.toISOString();
}

/**
 * Seconds from `a` to `b`, never negative.
 *
 * @example Two and a half seconds
 * ```ts
 * import { seconds } from "./run_recorder.ts";
 * console.assert(seconds(new Date(0), new Date(2500)) === 2.5);
 * ```
 */
export function seconds(a: Date, b: Date): number {
  return Math.max(0, (b.getTime() - a.getTime()) / 1000);
}

/**
 * The record of an instance before it ran: status `pending`, no attempts, nothing logged.
 *
 * @param inst The planned instance.
 * @returns A fresh {@linkcode TaskRecord} to fill in.
 *
 * @example A pending record
 * ```ts
 * import { pendingRecord } from "./run_recorder.ts";
 * const record = pendingRecord({
 *   id: "a", task: "a", slug: "a", matrix: {}, parameters: {}, needs: [], notebook: "a.py",
 *   timeoutSeconds: 60, retries: 0, kernel: "python3", env: {},
 * });
 * console.assert(record.status === "pending" && record.timeoutSeconds === 60);
 * ```
 */
export function pendingRecord(inst: PlannedInstance): TaskRecord {
  return {
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
  };
}

/**
 * The status of a finished run: `cancelled` when interrupted, `succeeded` when every instance
 * succeeded, else `failed`.
 *
 * @param tasks The final records.
 * @param interrupted Whether the run was interrupted.
 * @returns The run's status.
 *
 * @example One failure fails the run
 * ```ts
 * import { runStatus } from "./run_recorder.ts";
 * console.assert(runStatus([{ status: "succeeded" }, { status: "failed" }], false) === "failed");
 * ```
 */
export function runStatus(
  tasks: readonly Pick<TaskRecord, "status">[],
  interrupted: boolean,
): RunStatus {
  if (interrupted) return "cancelled";
  return tasks.every((t) => t.status === "succeeded") ? "succeeded" : "failed";
}

/**
 * Writes a run folder: `spans.jsonl` as spans end, `run.json` at the end.
 *
 * @example Recording a run of one instance that was skipped
 * ```ts
 * import { RunRecorder, runStatus } from "./run_recorder.ts";
 * const dir = await Deno.makeTempDir();
 * const a = {
 *   id: "a", task: "a", slug: "a", matrix: {}, parameters: {}, needs: [], notebook: "a.py",
 *   timeoutSeconds: 60, retries: 0, kernel: "python3", env: {},
 * };
 * const plan = { pipeline: "demo", baseDir: dir, parameters: {}, layers: [["a"]], instances: [a] };
 * const recorder = await RunRecorder.open(plan, {
 *   runFolder: `${dir}/r1`, runId: "r1", startedAt: new Date(),
 * });
 * const record = recorder.notRun(a, "skipped", "no reason", new Date());
 * const summary = await recorder.finish([record], runStatus([record], false), new Date());
 * console.assert(summary.status === "failed" && summary.tasks[0]?.reason === "no reason");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class RunRecorder {
  /** The run folder, absolute. */
  readonly runFolder: string;
  #spans: SpanLog;
  #handles = new Map<string, TaskSpanHandle>();
  #options: RunRecorderOptions;
  #pipeline: { name: string; parameters: RunSummary["parameters"] };

  private constructor(
    runFolder: string,
    spans: SpanLog,
    options: RunRecorderOptions,
    pipeline: { name: string; parameters: RunSummary["parameters"] },
  ) {
    this.runFolder = runFolder;
    this.#spans = spans;
    this.#options = options;
    this.#pipeline = pipeline;
  }

  /**
   * Creates the run folder and writes the plan span at once: a run killed before any other span
   * ended still tells what it was doing.
   *
   * @param plan The plan (its name, parameters and instances).
   * @param options The run folder, id, pipeline file, origin and start.
   * @returns The recorder.
   * @throws {Error} When the run folder cannot be created.
   */
  static async open(
    plan: { pipeline: string; parameters: RunSummary["parameters"]; instances: PlannedInstance[] },
    options: RunRecorderOptions,
  ): Promise<RunRecorder> {
    const runFolder = resolve(options.runFolder);
    await Deno.mkdir(runFolder, { recursive: true });
    const spans = new SpanLog(
      runPath(runFolder, RUN_LAYOUT.spans),
      runSpanInfo(plan, options),
      { derivedIds: options.partOf !== undefined },
    );
    if (options.partOf === undefined) spans.recordPlan(plan.instances, options.startedAt);
    else {
      spans.recordPlan(options.partOf, options.startedAt, plan.instances.map((i) => i.id));
    }
    return new RunRecorder(runFolder, spans, options, {
      name: plan.pipeline,
      parameters: plan.parameters,
    });
  }

  /** The run's OpenTelemetry trace id. */
  get traceId(): string {
    return this.#spans.traceId;
  }

  /**
   * The recorder of one instance, for its instance runner.
   *
   * @param inst The instance.
   * @returns Its {@linkcode InstanceRecorder}.
   */
  instance(inst: PlannedInstance): InstanceRecorder {
    let handle: TaskSpanHandle | undefined;
    let ended = false;
    const open = (at: Date) => {
      if (handle !== undefined) return handle;
      // Upstream instances ended before this one starts: their spans are known.
      const links = inst.needs.flatMap((id) => {
        // An upstream instance of another part: its span id is derived from the run id.
        const context = this.#handles.get(id)?.context ??
          (this.#options.partOf === undefined
            ? undefined
            : derivedTaskContext(this.#options.runId, id));
        return context === undefined ? [] : [context];
      });
      handle = this.#spans.startTask(inst, at, links);
      this.#handles.set(inst.id, handle);
      return handle;
    };
    return {
      start: (at) => void open(at),
      attempt: (info) => this.#spans.recordAttempt(open(info.startedAt), info),
      end: (record) => {
        if (ended) return;
        const at = record.endedAt === undefined ? new Date() : new Date(record.endedAt);
        const start = record.startedAt === undefined ? at : new Date(record.startedAt);
        this.#spans.endTask(open(start), {
          status: record.status,
          ...(record.reason === undefined ? {} : { reason: record.reason }),
          ...(record.cacheKey === undefined ? {} : { cacheKey: record.cacheKey }),
          ...(record.cachedFrom === undefined ? {} : { cachedFrom: record.cachedFrom }),
        }, at);
        ended = true;
      },
      get ended() {
        return ended;
      },
    };
  }

  /**
   * Records an instance that never ran: skipped after an upstream failure, or cancelled.
   *
   * @param inst The instance.
   * @param status `skipped` or `cancelled`.
   * @param reason Why, naming the upstream instance or the cause of the stop.
   * @param at When it was decided.
   * @returns Its final record.
   */
  notRun(
    inst: PlannedInstance,
    status: "skipped" | "cancelled",
    reason: string,
    at: Date,
  ): TaskRecord {
    const record: TaskRecord = {
      ...pendingRecord(inst),
      status,
      reason,
      startedAt: iso(at),
      endedAt: iso(at),
      durationSeconds: 0,
    };
    this.instance(inst).end(record);
    return record;
  }

  /**
   * Records an instance whose runner threw: a bug, which must not lose the run.
   *
   * @param inst The instance.
   * @param err What was thrown.
   * @param at When it was caught.
   * @returns Its final record, `failed` with the error as reason.
   */
  internalFailure(inst: PlannedInstance, err: unknown, at: Date): TaskRecord {
    const e = err instanceof Error ? err : new Error(String(err));
    return {
      ...pendingRecord(inst),
      status: "failed",
      reason: `internal error: ${e.message}`,
      startedAt: iso(at),
      endedAt: iso(at),
      durationSeconds: 0,
    };
  }

  /**
   * Ends the run span (and any task span left open) and writes `run.json`.
   *
   * @param tasks The final records, in plan order.
   * @param status The run's status (see {@linkcode runStatus}).
   * @param endedAt End of the run.
   * @returns The summary, as written.
   * @throws {Error} When `run.json` cannot be written.
   */
  async finish(tasks: TaskRecord[], status: RunStatus, endedAt: Date): Promise<RunSummary> {
    const { runId, pipelineFile, startedAt } = this.#options;
    const origin = this.#options.origin ?? { trigger: "local" };
    this.#spans.endRun(status, endedAt);
    const summary: RunSummary = {
      formatVersion: RUN_FORMAT_VERSION,
      runId,
      traceId: this.#spans.traceId,
      pipeline: {
        name: this.#pipeline.name,
        ...(pipelineFile === undefined ? {} : { file: pipelineFile }),
      },
      status,
      trigger: origin.trigger,
      startedAt: iso(startedAt),
      endedAt: iso(endedAt),
      durationSeconds: seconds(startedAt, endedAt),
      parameters: this.#pipeline.parameters,
      ...(origin.ci === undefined ? {} : { ci: origin.ci }),
      tasks,
    };
    await writeRunSummary(this.runFolder, summary);
    return summary;
  }
}
