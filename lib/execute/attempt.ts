/**
 * Runs one attempt of one notebook, the seam where a notebook is placed on this machine: the
 * Python driver (`driver.py`) in a process group of its own, which starts a Jupyter kernel in
 * another. This module prepares the attempt (paths, the kernel's environment, `stderr.txt`) and
 * applies its timeout and abort signal; the {@linkcode DriverProcess} runs and kills the processes
 * (nothing is left running, whatever happens) and `classifyAttempt` decides how the attempt ended.
 *
 * @module
 */
import type { DriverEvent } from "./driver_events.ts";
import type { DriverFiles } from "./driver_files.ts";
import { type DriverExit, DriverProcess } from "./driver_process.ts";
import {
  type AttemptResult,
  classifyAttempt,
  driverNotStarted,
  type StopReason,
  stopRequest,
} from "./attempt_outcome.ts";
import { cappedWriter, kernelEnv, resolveRequest, withAttemptFiles } from "./attempt_setup.ts";

export type { DriverEvent } from "./driver_events.ts";
export type { AttemptResult } from "./attempt_outcome.ts";

/** What to run: one prepared notebook, in one kernel, with its limits. */
export interface AttemptRequest {
  /** Interpreter path from `detectPython()`. */
  python: string;
  /** Prepared (parameters already injected) `.ipynb` to execute. */
  notebookPath: string;
  /** Executed notebook, saved after every cell (also on failure and timeout). */
  outputNotebookPath: string;
  /** Existing folder: `stderr.txt`, `values.jsonl` and `artifacts/` are written here. */
  attemptDir: string;
  /** Working directory of the kernel (the pipeline file's folder). */
  workDir: string;
  /** Kernel name, e.g. `python3`. */
  kernel: string;
  /** Whole-attempt timeout in seconds (`Infinity`, or more than 24 days: none). */
  timeoutSeconds: number;
  /** Extra environment variables for the kernel (the task's `env`). */
  env?: Record<string, string>;
  /** JSON file of upstream results read by `pynb_dag_runner.upstream()`. */
  upstreamFile?: string;
  /** Identifies the attempt to the notebook (`PYNB_RUN_ID`, ...). */
  context: { runId: string; taskId: string; instanceId: string; attempt: number };
  /** Abort to cancel: everything is killed and the status is `cancelled`. */
  signal?: AbortSignal;
  /** Live events (cell start and end, printed text, errors) for progress display. */
  onEvent?: (event: DriverEvent) => void;
  /**
   * Fork the kernel from a warm process where its spec allows it (`ForkServer`); `runAttempt`
   * always spawns. @default true
   */
  fast?: boolean;
  /** Modules the warm process imports once (`kernel: { preload }`). @default none */
  preload?: string[];
}

/**
 * The command line of an attempt's driver, given the request (every path in it absolute) and
 * where the runner's Python files are. It must speak the driver protocol and call `setsid()`
 * (see {@linkcode DriverProcess}); its environment is the kernel's.
 */
export type DriverCommand = (request: AttemptRequest, files: DriverFiles) => string[];

/**
 * The driver of this machine: `python driver.py <notebook> <output> --cwd <workDir> --kernel
 * <kernel> --watch-stdin`, which starts a new Jupyter kernel.
 *
 * @param request The attempt, paths absolute.
 * @param files Where `driver.py` is.
 * @returns The command and its arguments.
 *
 * @example The command line
 * ```ts
 * import { localDriverCommand } from "./attempt.ts";
 * const argv = localDriverCommand({
 *   python: "/usr/bin/python3", notebookPath: "/s/in.ipynb", outputNotebookPath: "/r/out.ipynb",
 *   attemptDir: "/r", workDir: "/p", kernel: "python3", timeoutSeconds: 60,
 *   context: { runId: "r", taskId: "t", instanceId: "t", attempt: 1 },
 * }, { driver: "/x/driver.py", moduleDir: "/x/python" });
 * console.assert(argv.join(" ").startsWith("/usr/bin/python3 /x/driver.py /s/in.ipynb"));
 * ```
 */
export function localDriverCommand(request: AttemptRequest, files: DriverFiles): string[] {
  return [request.python, files.driver, request.notebookPath, request.outputNotebookPath]
    .concat(["--cwd", request.workDir, "--kernel", request.kernel, "--watch-stdin"]);
}

/** Options of {@linkcode runAttempt}. */
export interface RunAttemptOptions {
  /**
   * The driver's command line: another way to start the same driver protocol (e.g. through a
   * process that keeps Jupyter imported).
   * @default localDriverCommand
   */
  command?: DriverCommand;
}

/**
 * Runs one notebook attempt to its end: success, cell error, timeout, cancellation, dead kernel
 * or crashed driver. Whatever happens, no process of the attempt is left when it returns.
 *
 * @param request The notebook, folders, limits and context of the attempt.
 * @param options How the driver is started.
 * @returns The status, timing, error and exit code. Failures of the notebook are results, not
 *   exceptions.
 * @throws {Deno.errors.NotFound} When `attemptDir` does not exist.
 *
 * @example Running a prepared notebook with a 60 s timeout
 * ```ts ignore
 * import { detectPython } from "./python.ts";
 * import { runAttempt } from "./attempt.ts";
 * const python = await detectPython();
 * const result = await runAttempt({
 *   python: python.path,
 *   notebookPath: "prepared.ipynb",
 *   outputNotebookPath: "runs/r1/tasks/ingest/attempt-1/notebook.ipynb",
 *   attemptDir: "runs/r1/tasks/ingest/attempt-1",
 *   workDir: ".",
 *   kernel: "python3",
 *   timeoutSeconds: 60,
 *   context: { runId: "r1", taskId: "ingest", instanceId: "ingest", attempt: 1 },
 *   onEvent: (e) => e.type === "cell_started" && console.log(`cell ${e.cellIndex}`),
 * });
 * console.log(result.status, result.error?.ename);
 * ```
 */
export async function runAttempt(
  request: AttemptRequest,
  options: RunAttemptOptions = {},
): Promise<AttemptResult> {
  const startedAt = new Date();
  const resolved = resolveRequest(request);
  return await withAttemptFiles(
    resolved,
    startedAt,
    ({ stderrFile, files, shared, runtimeDir }) => {
      const env = kernelEnv(resolved, files.moduleDir, runtimeDir, shared);
      const argv = (options.command ?? localDriverCommand)(resolved, files);
      return supervise(resolved, argv, env, stderrFile, startedAt);
    },
  );
}

/** Runs the driver under the attempt's timeout and signal, then classifies how it ended. */
async function supervise(
  request: AttemptRequest,
  argv: string[],
  env: Record<string, string>,
  stderrFile: Deno.FsFile,
  startedAt: Date,
): Promise<AttemptResult> {
  const log = cappedWriter(stderrFile);
  let driver: DriverProcess;
  try {
    driver = DriverProcess.spawn(argv, {
      cwd: request.workDir,
      env,
      log,
      ...(request.onEvent ? { onEvent: request.onEvent } : {}),
    });
  } catch (err) {
    const message = `Cannot start the notebook driver with '${argv[0]}': ${(err as Error).message}`;
    await log(new TextEncoder().encode(message + "\n"));
    return driverNotStarted(message, { startedAt, endedAt: new Date() });
  }
  let stopReason: StopReason | undefined;
  let stopping = false;
  const stop = (reason: StopReason) => {
    if (stopping || !driver.running) return;
    stopping = true;
    // Once the notebook reported its end, its outcome stands; the driver is only made to exit.
    if (driver.done === undefined) stopReason = reason;
    void driver.stop(stopRequest(reason, request.timeoutSeconds));
  };
  // Timers take at most 2^31-1 ms (24.8 days); longer fire at once, so longer means "none".
  const timeoutMs = request.timeoutSeconds * 1000;
  const timer = Number.isFinite(timeoutMs) && timeoutMs < 2 ** 31
    ? setTimeout(() => stop("timeout"), Math.max(0, timeoutMs))
    : undefined;
  const onAbort = () => stop("cancelled");
  request.signal?.addEventListener("abort", onAbort, { once: true });
  if (request.signal?.aborted) stop("cancelled"); // aborted while the driver was starting
  let exit: DriverExit;
  try {
    exit = await driver.wait();
  } finally {
    clearTimeout(timer);
    request.signal?.removeEventListener("abort", onAbort);
  }
  const { status, done, runningCell, stderrTail } = exit;
  return classifyAttempt(
    { stopReason, done, runningCell, exit: status, stderrTail },
    { startedAt, endedAt: new Date(), timeoutSeconds: request.timeoutSeconds },
  );
}
