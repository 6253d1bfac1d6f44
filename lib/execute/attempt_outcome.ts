/**
 * How an attempt ended, decided from what its driver said and how it exited: succeeded, a cell
 * error, a dead kernel, a notebook or kernel that could not start, a crashed driver, a timeout or a
 * cancellation; with the error record the run folder keeps. Pure: no process, no file.
 *
 * @module
 */
import type { TaskError } from "../log/schema.ts";
import type { DriverEvent } from "./driver_events.ts";

/** How an attempt ended. */
export interface AttemptResult {
  status: "succeeded" | "failed" | "timeout" | "cancelled";
  startedAt: Date;
  endedAt: Date;
  /**
   * Why it did not succeed: the cell's exception, or `Timeout`, `Cancelled`, `KernelDied`,
   * `NoSuchKernel`, `InvalidNotebook`, `DriverFailed` (with the end of stderr).
   */
  error?: TaskError;
  /** Exit code of the driver; `null` when it was killed by a signal or never started. */
  exitCode: number | null;
}

/** The driver's last event: how the notebook ended, in its own words. */
export type DoneEvent = Extract<DriverEvent, { type: "done" }>;

/** Why the runner stopped an attempt. */
export type StopReason = "timeout" | "cancelled";

/** What is known once the driver of an attempt exited. */
export interface AttemptEnding {
  /** Set when the runner stopped the attempt before the driver reported its end. */
  stopReason?: StopReason | undefined;
  /** The driver's `done` event, if it sent one. */
  done?: DoneEvent | undefined;
  /** The cell running when the attempt ended (index in the notebook). */
  runningCell?: number | undefined;
  /** The driver's exit: its code, or the signal that killed it (then `code` is meaningless). */
  exit: { code: number; signal: string | null };
  /** The last lines of the driver's stderr (kernel and driver messages). */
  stderrTail: string[];
}

/** When the attempt ran, and its limit (for the timeout message). */
export interface AttemptTiming {
  startedAt: Date;
  endedAt: Date;
  /** The attempt's timeout, in seconds. */
  timeoutSeconds: number;
}

/**
 * Classifies how an attempt ended. A stop by the runner wins (timeout, cancelled); then the
 * driver's own `done` event; a driver that exited without one crashed (`DriverFailed`, with the
 * end of its stderr).
 *
 * @param ending What the driver said and how it exited.
 * @param timing Start, end and timeout of the attempt.
 * @returns The attempt's result.
 *
 * @example A notebook stopped at its timeout while running cell 3
 * ```ts
 * import { classifyAttempt } from "./attempt_outcome.ts";
 * const result = classifyAttempt(
 *   { stopReason: "timeout", runningCell: 3, exit: { code: 0, signal: "SIGTERM" }, stderrTail: [] },
 *   { startedAt: new Date(0), endedAt: new Date(5000), timeoutSeconds: 5 },
 * );
 * console.assert(result.status === "timeout" && result.error?.cellIndex === 3);
 * console.assert(result.exitCode === null);
 * ```
 */
export function classifyAttempt(ending: AttemptEnding, timing: AttemptTiming): AttemptResult {
  const exitCode = ending.exit.signal === null ? ending.exit.code : null;
  const base = { startedAt: timing.startedAt, endedAt: timing.endedAt, exitCode };
  const cell = ending.runningCell;
  const where = cell !== undefined ? ` (it was running cell ${cell})` : "";
  const cellIndex = cell !== undefined ? { cellIndex: cell } : {};
  if (ending.stopReason === "timeout") {
    const evalue = `The notebook did not finish within its timeout of ${timing.timeoutSeconds} s` +
      `${where}; it was stopped`;
    return {
      ...base,
      status: "timeout",
      error: { ename: "Timeout", evalue, traceback: [], ...cellIndex },
    };
  }
  if (ending.stopReason === "cancelled") {
    const evalue = `The attempt was cancelled${where}`;
    return { ...base, status: "cancelled", error: { ename: "Cancelled", evalue, traceback: [] } };
  }
  const done = ending.done;
  if (done?.status === "succeeded") return { ...base, status: "succeeded" };
  if ((done?.status === "failed" || done?.status === "error") && done.error) {
    return { ...base, status: "failed", error: done.error };
  }
  if (done?.status === "kernel_died") {
    const why = done.error?.evalue ?? "the kernel process ended";
    const evalue = `The kernel died${where}: ${why}; a kernel dies from os._exit(), a crash in ` +
      "native code, or running out of memory";
    return {
      ...base,
      status: "failed",
      error: { ename: "KernelDied", evalue, traceback: ending.stderrTail, ...cellIndex },
    };
  }
  const how = ending.exit.signal !== null
    ? `was killed by ${ending.exit.signal}`
    : `exited with code ${ending.exit.code}`;
  return {
    ...base,
    status: "failed",
    error: {
      ename: "DriverFailed",
      evalue: `The notebook driver ${how} before the notebook finished${where}`,
      traceback: ending.stderrTail,
      ...cellIndex,
    },
  };
}

/**
 * The result of an attempt cancelled before its driver started.
 *
 * @param startedAt When the attempt was asked to start.
 * @param endedAt Now.
 * @returns A `cancelled` result.
 *
 * @example
 * ```ts
 * import { cancelledBeforeStart } from "./attempt_outcome.ts";
 * const result = cancelledBeforeStart(new Date(), new Date());
 * console.assert(result.status === "cancelled" && result.exitCode === null);
 * ```
 */
export function cancelledBeforeStart(startedAt: Date, endedAt: Date): AttemptResult {
  return {
    status: "cancelled",
    startedAt,
    endedAt,
    error: {
      ename: "Cancelled",
      evalue: "The attempt was cancelled before it started",
      traceback: [],
    },
    exitCode: null,
  };
}

/**
 * The result of an attempt whose driver could not be started at all.
 *
 * @param message Why, as written to the attempt's `stderr.txt`.
 * @param timing Start and end of the attempt.
 * @returns A `failed` result with a `DriverFailed` error.
 *
 * @example
 * ```ts
 * import { driverNotStarted } from "./attempt_outcome.ts";
 * const result = driverNotStarted("Cannot start the notebook driver with 'py': No such file", {
 *   startedAt: new Date(), endedAt: new Date(),
 * });
 * console.assert(result.error?.ename === "DriverFailed" && result.exitCode === null);
 * ```
 */
export function driverNotStarted(
  message: string,
  timing: Omit<AttemptTiming, "timeoutSeconds">,
): AttemptResult {
  return {
    status: "failed",
    startedAt: timing.startedAt,
    endedAt: timing.endedAt,
    error: { ename: "DriverFailed", evalue: message, traceback: [] },
    exitCode: null,
  };
}

/** The line the driver reads on its stdin to stop: it notes `message` in the running cell. */
export interface StopRequest {
  stop: StopReason;
  ename: "Timeout" | "Cancelled";
  message: string;
}

/**
 * What the driver is told when the runner stops an attempt.
 *
 * @param reason Why the attempt is stopped.
 * @param timeoutSeconds The attempt's timeout, quoted in the message of a timeout.
 * @returns The request to send on the driver's stdin.
 *
 * @example A timeout
 * ```ts
 * import { stopRequest } from "./attempt_outcome.ts";
 * console.assert(stopRequest("timeout", 60).message.endsWith("timeout of 60 s"));
 * ```
 */
export function stopRequest(reason: StopReason, timeoutSeconds: number): StopRequest {
  return reason === "timeout"
    ? {
      stop: reason,
      ename: "Timeout",
      message: "pynb-dag-runner stopped the notebook: it did not finish within its timeout of " +
        `${timeoutSeconds} s`,
    }
    : {
      stop: reason,
      ename: "Cancelled",
      message: "pynb-dag-runner stopped the notebook: the run was cancelled",
    };
}
