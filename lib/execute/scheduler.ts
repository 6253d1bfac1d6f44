/**
 * The scheduler: decides what may start now. An instance starts once every instance it needs has
 * ended and a pool slot is free (the one with the longest chain of instances below it first, then
 * first in plan order: see {@linkcode startPriorities}); it is skipped when an upstream instance
 * did not succeed, and cancelled once the run stops (`--fail-fast` after a failure, or an
 * interrupt). The decisions are pure functions; {@linkcode Scheduler} applies them to a plan.
 *
 * It runs and records nothing itself: the caller's {@linkcode InstanceWork} does.
 *
 * @module
 */
import type { PlannedInstance } from "../plan/types.ts";
import type { TaskRecord } from "../log/schema.ts";
import { Pool, PoolAbortedError } from "./pool.ts";

/** What to do with an instance whose upstream instances have ended. */
export type StartDecision =
  | { action: "run" }
  | { action: "skip"; reason: string }
  | { action: "cancel"; reason: string };

/** The reason given to instances cancelled by an interrupt. */
export const INTERRUPTED_REASON = "the run was interrupted";

/**
 * How an instance ended, as a reason downstream says it: `failed`, `timed out`, `was skipped`,
 * `was cancelled`.
 *
 * @param record The upstream instance's record.
 * @returns The phrase.
 *
 * @example A timeout
 * ```ts
 * import { describeEnd } from "./scheduler.ts";
 * console.assert(describeEnd({ status: "timeout" }) === "timed out");
 * ```
 */
export function describeEnd(record: Pick<TaskRecord, "status">): string {
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

/**
 * Decides whether an instance runs, once its upstream instances have ended: cancelled when the run
 * has stopped, skipped when an upstream instance did not succeed (naming the first), else run.
 *
 * @param upstream The records of the instances it needs, in its `needs` order.
 * @param stopReason Why the run stopped, or `undefined` while it goes on.
 * @returns The decision.
 *
 * @example Skipped after a failure upstream
 * ```ts
 * import { decideStart } from "./scheduler.ts";
 * const d = decideStart([{ id: "a", status: "succeeded" }, { id: "b", status: "failed" }], undefined);
 * console.assert(d.action === "skip" && d.reason === "upstream 'b' failed");
 * ```
 */
export function decideStart(
  upstream: readonly Pick<TaskRecord, "id" | "status">[],
  stopReason: string | undefined,
): StartDecision {
  if (stopReason !== undefined) return { action: "cancel", reason: stopReason };
  const bad = upstream.find((u) => u.status !== "succeeded");
  if (bad !== undefined) {
    return { action: "skip", reason: `upstream '${bad.id}' ${describeEnd(bad)}` };
  }
  return { action: "run" };
}

/**
 * Whether an instance that ended stops the run under `--fail-fast`, and why.
 *
 * @param record The instance's final record.
 * @param failFast Whether `--fail-fast` is on.
 * @returns The reason given to the instances it cancels, or `undefined`.
 *
 * @example A failure with fail-fast
 * ```ts
 * import { failFastReason } from "./scheduler.ts";
 * console.assert(
 *   failFastReason({ id: "a", status: "failed" }, true) ===
 *     "cancelled by --fail-fast after 'a' failed",
 * );
 * console.assert(failFastReason({ id: "a", status: "failed" }, false) === undefined);
 * ```
 */
export function failFastReason(
  record: Pick<TaskRecord, "id" | "status">,
  failFast: boolean,
): string | undefined {
  if (!failFast || (record.status !== "failed" && record.status !== "timeout")) return undefined;
  return `cancelled by --fail-fast after '${record.id}' ${describeEnd(record)}`;
}

/**
 * The pool priorities of a plan's instances (lower starts first): the instance with the longest
 * chain of instances that need it, directly or not, goes first, as on a critical path; equal
 * chains keep the plan's order. The first of several instances ready at once also takes the
 * warmest worker.
 *
 * @param instances The plan's instances, in topological order.
 * @returns Each instance's priority, by index.
 *
 * @example A chain goes before a leaf planned before it
 * ```ts
 * import { startPriorities } from "./scheduler.ts";
 * const p = startPriorities([
 *   { id: "a", needs: [] }, { id: "leaf", needs: ["a"] }, { id: "b", needs: ["a"] },
 *   { id: "c", needs: ["b"] },
 * ]);
 * console.assert(p[2]! < p[1]!);
 * ```
 */
export function startPriorities(
  instances: readonly Pick<PlannedInstance, "id" | "needs">[],
): number[] {
  const chain = new Map<string, number>(); // the longest chain from an instance down, itself included
  for (const inst of instances) chain.set(inst.id, 1);
  for (let i = instances.length - 1; i >= 0; i--) {
    const inst = instances[i]!;
    for (const need of inst.needs) {
      chain.set(need, Math.max(chain.get(need) ?? 1, chain.get(inst.id)! + 1));
    }
  }
  const longest = Math.max(1, ...chain.values());
  return instances.map((inst, index) => (longest - chain.get(inst.id)!) * instances.length + index);
}

/** What the scheduler has done with the instances it decides about. */
export interface InstanceWork {
  /** Runs an instance that may start, in a pool slot; resolves to its final record. */
  run(instance: PlannedInstance, upstream: TaskRecord[], signal: AbortSignal): Promise<TaskRecord>;
  /** Records an instance that never ran. */
  notRun(instance: PlannedInstance, status: "skipped" | "cancelled", reason: string): TaskRecord;
  /** Records an instance whose scheduling or run threw (a bug): its final record. */
  failed(instance: PlannedInstance, err: unknown): TaskRecord;
  /** Hears of every final record, once `--fail-fast` has acted on it. */
  settled?(record: TaskRecord): void;
}

/** Options of {@linkcode Scheduler}. */
export interface SchedulerOptions {
  /** Instances running at once (at least 1). */
  concurrency: number;
  /** Stop the run after the first instance that fails for good. @default false */
  failFast?: boolean;
  /** Aborting it interrupts the run. @default none */
  signal?: AbortSignal;
}

/**
 * Runs the instances of a plan in dependency order on a pool, skipping and cancelling as
 * {@linkcode decideStart} and {@linkcode failFastReason} say.
 *
 * @example Skipping downstream of a failure
 * ```ts
 * import { Scheduler } from "./scheduler.ts";
 * import { pendingRecord } from "./run_recorder.ts";
 * const inst = (id: string, needs: string[] = []) => ({
 *   id, task: id, slug: id, matrix: {}, parameters: {}, needs, notebook: `${id}.py`,
 *   timeoutSeconds: 60, retries: 0, kernel: "python3", env: {},
 * });
 * const records = await new Scheduler({ concurrency: 2 }).schedule([inst("a"), inst("b", ["a"])], {
 *   run: (i) => Promise.resolve({ ...pendingRecord(i), status: "failed" }),
 *   notRun: (i, status, reason) => ({ ...pendingRecord(i), status, reason }),
 *   failed: (i) => ({ ...pendingRecord(i), status: "failed" }),
 * });
 * console.assert(records[1]?.reason === "upstream 'a' failed");
 * ```
 */
export class Scheduler {
  #pool: Pool;
  #failFast: boolean;
  #interrupt: AbortSignal | undefined;
  #stop = new AbortController();
  #stopReason: string | undefined;
  #interrupted = false;

  /**
   * Creates a scheduler for one run.
   *
   * @param options Concurrency, fail-fast and the interrupt signal.
   * @throws {RangeError} When `concurrency` is not a positive integer.
   */
  constructor(options: SchedulerOptions) {
    this.#pool = new Pool(options.concurrency);
    this.#failFast = options.failFast ?? false;
    this.#interrupt = options.signal;
  }

  /** Aborted when the run stops (fail-fast or interrupt); its reason is an `Error` saying why. */
  get signal(): AbortSignal {
    return this.#stop.signal;
  }

  /** Why the run stopped, or `undefined` while it goes on. */
  get stopReason(): string | undefined {
    return this.#stopReason;
  }

  /** Whether the run was interrupted (not merely stopped by `--fail-fast`). */
  get interrupted(): boolean {
    return this.#interrupted;
  }

  /**
   * Runs every instance to its final record.
   *
   * @param instances The plan's instances, in topological order.
   * @param work Runs and records them.
   * @returns Their final records, in plan order.
   */
  async schedule(instances: readonly PlannedInstance[], work: InstanceWork): Promise<TaskRecord[]> {
    const onInterrupt = () => {
      this.#interrupted = true;
      this.#halt(INTERRUPTED_REASON);
    };
    if (this.#interrupt?.aborted) onInterrupt();
    this.#interrupt?.addEventListener("abort", onInterrupt, { once: true });
    const done = new Map<string, Promise<TaskRecord>>();
    const priorities = startPriorities(instances);
    try {
      instances.forEach((inst, index) => {
        const record = this.#one(inst, priorities[index]!, done, work)
          .catch((err) => work.failed(inst, err));
        done.set(inst.id, record.then((r) => (work.settled?.(r), r)));
      });
      return await Promise.all(instances.map((inst) => done.get(inst.id)!));
    } finally {
      this.#interrupt?.removeEventListener("abort", onInterrupt);
    }
  }

  #halt(reason: string): void {
    if (this.#stop.signal.aborted) return;
    this.#stopReason = reason;
    this.#stop.abort(new Error(reason));
  }

  async #one(
    inst: PlannedInstance,
    priority: number,
    done: Map<string, Promise<TaskRecord>>,
    work: InstanceWork,
  ): Promise<TaskRecord> {
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
    const decision = decideStart(upstream, this.#stopReason);
    if (decision.action === "skip") return work.notRun(inst, "skipped", decision.reason);
    if (decision.action === "cancel") return work.notRun(inst, "cancelled", decision.reason);
    let release: () => void;
    try {
      release = await this.#pool.acquire(priority, this.#stop.signal);
    } catch (err) {
      if (err instanceof PoolAbortedError) {
        return work.notRun(inst, "cancelled", this.#stopReason ?? INTERRUPTED_REASON);
      }
      throw err;
    }
    try {
      const record = await work.run(inst, upstream, this.#stop.signal);
      // Stopped before the slot is given back: no waiter may start in it.
      const reason = failFastReason(record, this.#failFast);
      if (reason !== undefined) this.#halt(reason);
      return record;
    } finally {
      release();
    }
  }
}
