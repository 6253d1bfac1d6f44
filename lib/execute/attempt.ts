/**
 * Runs one attempt of one notebook: the Python driver (`driver.py`) in a process group of its
 * own, which starts a Jupyter kernel in another. A whole-attempt timeout, an abort signal, a dead
 * kernel or a crashed driver all end with both groups killed (SIGTERM, grace, SIGKILL) and nothing
 * left running; pipes held open by stray processes are never waited on for long.
 *
 * @module
 */
import { join, resolve as resolvePath } from "node:path";
import type { TaskError } from "../log/schema.ts";
import { type DriverEvent, parseDriverEvent } from "./driver_events.ts";
import { driverFiles } from "./driver_files.ts";
import { makeScratchDir } from "./scratch.ts";
import {
  findPipeHolders,
  guardOnExit,
  killProcessSet,
  pipeOf,
  type ProcessSet,
} from "./process_group.ts";

export type { DriverEvent } from "./driver_events.ts";

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
}

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

/** Seconds the driver gets after SIGTERM to save the notebook before its group is killed. */
const DRIVER_GRACE_MS = 2000;
/** Grace between SIGTERM and SIGKILL for the remaining processes. */
const KILL_GRACE_MS = 1000;
/** How long to wait for the output pipes to close once every process is gone. */
const PIPE_DRAIN_MS = 1000;
/** `stderr.txt` stops growing past this size. */
const STDERR_LIMIT_BYTES = 10 * 1024 * 1024;
const STDERR_TAIL_LINES = 40;

/** Variables of the CI runner itself that a notebook never needs (unless the task sets them). */
const RUNNER_ONLY_ENV = [
  "ACTIONS_RUNTIME_TOKEN",
  "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
  "ACTIONS_ID_TOKEN_REQUEST_URL",
  "ACTIONS_CACHE_URL",
  "ACTIONS_RESULTS_URL",
  "ACTIONS_RUNTIME_URL",
];

let scratch: Promise<string> | undefined;

/** A temporary folder per runner process for caches shared by kernels (matplotlib fonts). */
function scratchDir(): Promise<string> {
  scratch ??= makeScratchDir("pynb-dag-runner-");
  return scratch;
}

function kernelEnv(
  request: AttemptRequest,
  moduleDir: string,
  runtimeDir: string,
  scratch: string,
): Record<string, string> {
  // Kernels inherit the runner's environment: notebooks need e.g. credentials for their data.
  // Nothing of it is logged.
  const env = Deno.env.toObject();
  for (const name of RUNNER_ONLY_ENV) delete env[name];
  const path = (extra: string | undefined) => extra ? `${moduleDir}:${extra}` : moduleDir;
  Object.assign(env, {
    JUPYTER_RUNTIME_DIR: runtimeDir,
    IPYTHONDIR: join(runtimeDir, "ipython"),
    MPLCONFIGDIR: join(scratch, "matplotlib"),
    PYDEVD_DISABLE_FILE_VALIDATION: "1",
    PYTHONIOENCODING: env.PYTHONIOENCODING ?? "utf-8",
    // No PYTHONPYCACHEPREFIX: with one, Python ignores the installed __pycache__ folders and
    // compiles Jupyter, IPython and every import again, on every run (and on every kernel start
    // where PYTHONDONTWRITEBYTECODE is set): 2.8x slower for an empty notebook.
  });
  Object.assign(env, request.env ?? {});
  env.PYTHONPATH = path(request.env?.PYTHONPATH ?? env.PYTHONPATH);
  env.PYNB_ATTEMPT_DIR = request.attemptDir;
  env.PYNB_RUN_ID = request.context.runId;
  env.PYNB_TASK_ID = request.context.taskId;
  env.PYNB_INSTANCE_ID = request.context.instanceId;
  env.PYNB_ATTEMPT = String(request.context.attempt);
  if (request.upstreamFile !== undefined) env.PYNB_UPSTREAM_FILE = request.upstreamFile;
  else delete env.PYNB_UPSTREAM_FILE;
  return env;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Reads a stream until it ends or `cancel()` is called; never throws. */
function pump(
  stream: ReadableStream<Uint8Array>,
  onChunk: (chunk: Uint8Array) => void | Promise<void>,
): { done: Promise<void>; cancel: () => void } {
  const reader = stream.getReader();
  const done = (async () => {
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) return;
        await onChunk(value);
      }
    } catch {
      // Cancelled, or the pipe broke: the process is gone either way.
    }
  })();
  return { done, cancel: () => void reader.cancel().catch(() => {}) };
}

/** Keeps the last lines of a text stream. */
class Tail {
  #text = "";
  #decoder = new TextDecoder();
  add(chunk: Uint8Array): void {
    this.#text = (this.#text + this.#decoder.decode(chunk, { stream: true })).slice(-16384);
  }
  lines(): string[] {
    return this.#text.split("\n").filter((l) => l.trim() !== "").slice(-STDERR_TAIL_LINES);
  }
}

/**
 * Runs one notebook attempt to its end: success, cell error, timeout, cancellation, dead kernel
 * or crashed driver. Whatever happens, no process of the attempt is left when it returns.
 *
 * @param request The notebook, folders, limits and context of the attempt.
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
export async function runAttempt(request: AttemptRequest): Promise<AttemptResult> {
  const startedAt = new Date();
  // The driver and the kernel run in `workDir`: every path they get must not depend on our cwd.
  // (Resolved against Deno.cwd() explicitly: node:path's own notion of the cwd can be stale.)
  const cwd = Deno.cwd();
  const resolve = (path: string) => resolvePath(cwd, path);
  request = {
    ...request,
    python: request.python.includes("/") ? resolve(request.python) : request.python,
    notebookPath: resolve(request.notebookPath),
    outputNotebookPath: resolve(request.outputNotebookPath),
    attemptDir: resolve(request.attemptDir),
    workDir: resolve(request.workDir),
    ...(request.upstreamFile === undefined ? {} : { upstreamFile: resolve(request.upstreamFile) }),
  };
  const stderrFile = await Deno.open(join(request.attemptDir, "stderr.txt"), {
    write: true,
    create: true,
    truncate: true,
  });
  let runtimeDir: string | undefined;
  try {
    if (request.signal?.aborted) {
      return cancelledBeforeStart(startedAt);
    }
    const files = await driverFiles();
    const shared = await scratchDir();
    runtimeDir = await Deno.makeTempDir({ dir: shared, prefix: "attempt-" });
    const env = kernelEnv(request, files.moduleDir, runtimeDir, shared);
    return await supervise(request, files.driver, env, stderrFile, startedAt);
  } finally {
    stderrFile.close();
    if (runtimeDir !== undefined) {
      await Deno.remove(runtimeDir, { recursive: true }).catch(() => {});
    }
  }
}

function cancelledBeforeStart(startedAt: Date): AttemptResult {
  return {
    status: "cancelled",
    startedAt,
    endedAt: new Date(),
    error: {
      ename: "Cancelled",
      evalue: "The attempt was cancelled before it started",
      traceback: [],
    },
    exitCode: null,
  };
}

async function supervise(
  request: AttemptRequest,
  driver: string,
  env: Record<string, string>,
  stderrFile: Deno.FsFile,
  startedAt: Date,
): Promise<AttemptResult> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(request.python, {
      args: [
        driver,
        request.notebookPath,
        request.outputNotebookPath,
        "--cwd",
        request.workDir,
        "--kernel",
        request.kernel,
        "--watch-stdin",
      ],
      cwd: request.workDir,
      env,
      clearEnv: true,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (err) {
    const message = `Cannot start the notebook driver with '${request.python}': ${
      (err as Error).message
    }`;
    await stderrFile.write(new TextEncoder().encode(message + "\n"));
    return {
      status: "failed",
      startedAt,
      endedAt: new Date(),
      error: { ename: "DriverFailed", evalue: message, traceback: [] },
      exitCode: null,
    };
  }

  // The driver calls setsid(): its pid is its group and session. The kernel's come with
  // `kernel_started`; descendants are found through /proc while the driver lives.
  const set: ProcessSet = { pids: [child.pid], groups: [child.pid], sessions: [child.pid] };
  const release = guardOnExit(set);
  const stdin = child.stdin.getWriter(); // held open: EOF tells the driver that we died

  let done: Extract<DriverEvent, { type: "done" }> | undefined;
  // The driver's stderr, which the kernel and whatever forks from it inherit. Read now, while
  // the driver surely lives: a driver stopped at once can die before it says `started`, and
  // this pipe is then the only way to find a kernel it was launching.
  let stderrPipe: Promise<string | undefined> = pipeOf(child.pid, 2);
  let runningCell: number | undefined;
  const tail = new Tail();
  let stderrBytes = 0;
  const encoder = new TextEncoder();
  const writeStderr = async (chunk: Uint8Array) => {
    if (stderrBytes >= STDERR_LIMIT_BYTES) return;
    stderrBytes += chunk.length;
    await stderrFile.write(chunk);
    if (stderrBytes >= STDERR_LIMIT_BYTES) {
      await stderrFile.write(encoder.encode("\n[stderr.txt truncated at 10 MB]\n"));
    }
  };

  const handle = (event: DriverEvent) => {
    switch (event.type) {
      case "started":
        stderrPipe = stderrPipe.then((pipe) => pipe ?? pipeOf(event.pid, 2));
        break;
      case "kernel_started":
        if (event.pid !== null) set.pids.push(event.pid), set.sessions.push(event.pid);
        if (event.pgid !== null) set.groups.push(event.pgid);
        break;
      case "cell_started":
        runningCell = event.cellIndex;
        break;
      case "cell_done":
        runningCell = undefined;
        break;
      case "done":
        done = event;
        break;
    }
    try {
      request.onEvent?.(event);
    } catch {
      // A failing progress display must not break the attempt.
    }
  };

  const decoder = new TextDecoder();
  let pending = "";
  const stdoutPump = pump(child.stdout, async (chunk) => {
    pending += decoder.decode(chunk, { stream: true });
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      if (line.trim() === "") continue;
      const event = parseDriverEvent(line);
      if (event) handle(event);
      else await writeStderr(encoder.encode(`[driver stdout] ${line}\n`));
    }
  });
  const stderrPump = pump(child.stderr, async (chunk) => {
    tail.add(chunk);
    await writeStderr(chunk);
  });

  const exitsWithin = (ms: number) =>
    Promise.race([child.status.then(() => true), sleep(ms).then(() => false)]);
  let stopReason: "timeout" | "cancelled" | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (reason: "timeout" | "cancelled") => {
    if (stopping !== undefined) return;
    // Once the notebook reported its end, its outcome stands; the driver is only made to exit.
    if (done === undefined) stopReason = reason;
    stopping = (async () => {
      // The driver first: asked on stdin, it notes why in the running cell, saves the partial
      // notebook and kills its kernel; SIGTERM if it does not answer; then both groups.
      const ename = reason === "timeout" ? "Timeout" : "Cancelled";
      const message = reason === "timeout"
        ? `pynb-dag-runner stopped the notebook: it did not finish within its timeout of ` +
          `${request.timeoutSeconds} s`
        : "pynb-dag-runner stopped the notebook: the run was cancelled";
      const line = JSON.stringify({ stop: reason, ename, message }) + "\n";
      await Promise.race([stdin.write(encoder.encode(line)).catch(() => {}), sleep(500)]);
      if (await exitsWithin(DRIVER_GRACE_MS)) return;
      try {
        Deno.kill(child.pid, "SIGTERM");
      } catch {
        // Already gone.
      }
      await exitsWithin(DRIVER_GRACE_MS);
      await killProcessSet(set, { graceMs: KILL_GRACE_MS });
    })();
  };
  // Timers take at most 2^31-1 ms (24.8 days); longer fire at once, so longer means "none".
  const timeoutMs = request.timeoutSeconds * 1000;
  const timer = Number.isFinite(timeoutMs) && timeoutMs < 2 ** 31
    ? setTimeout(() => stop("timeout"), Math.max(0, timeoutMs))
    : undefined;
  const onAbort = () => stop("cancelled");
  request.signal?.addEventListener("abort", onAbort, { once: true });
  if (request.signal?.aborted) stop("cancelled"); // aborted while the driver was starting

  let status: Deno.CommandStatus;
  try {
    status = await child.status;
    await stopping;
    // Whatever a cell left behind (a background process, a kernel the driver could not stop).
    await killProcessSet(set, { graceMs: KILL_GRACE_MS });
  } finally {
    clearTimeout(timer);
    request.signal?.removeEventListener("abort", onAbort);
    release();
  }
  // Every process is gone, so the pipes close now, unless a process escaped to a session of its
  // own (a daemon forked off by a cell) and holds them: find it by the pipe, kill it, move on.
  const drained = () =>
    Promise.race([
      Promise.all([stdoutPump.done, stderrPump.done]).then(() => true),
      sleep(PIPE_DRAIN_MS).then(() => false),
    ]);
  if (!await drained()) {
    const pipe = await stderrPipe;
    const holders = pipe === undefined ? [] : await findPipeHolders([pipe]);
    if (holders.length > 0) {
      await killProcessSet({ pids: holders, groups: [], sessions: [] }, { graceMs: KILL_GRACE_MS });
      await writeStderr(
        encoder.encode(`[pynb-dag-runner] killed escaped processes ${holders.join(", ")}\n`),
      );
    }
    if (holders.length === 0 || !await drained()) {
      stdoutPump.cancel();
      stderrPump.cancel();
      await writeStderr(
        encoder.encode(
          "[pynb-dag-runner] output pipes still open after the attempt; closed them\n",
        ),
      );
    }
  }
  await stdin.close().catch(() => {});
  if (pending.trim() !== "") {
    const event = parseDriverEvent(pending);
    if (event) handle(event);
  }

  const exitCode = status.signal === null ? status.code : null;
  const base = { startedAt, endedAt: new Date(), exitCode };
  const where = runningCell !== undefined ? ` (it was running cell ${runningCell})` : "";
  const cellIndex = runningCell !== undefined ? { cellIndex: runningCell } : {};
  if (stopReason === "timeout") {
    return {
      ...base,
      status: "timeout",
      error: {
        ename: "Timeout",
        evalue: `The notebook did not finish within its timeout of ${request.timeoutSeconds} s` +
          `${where}; it was stopped`,
        traceback: [],
        ...cellIndex,
      },
    };
  }
  if (stopReason === "cancelled") {
    return {
      ...base,
      status: "cancelled",
      error: { ename: "Cancelled", evalue: `The attempt was cancelled${where}`, traceback: [] },
    };
  }
  const finished = done as Extract<DriverEvent, { type: "done" }> | undefined;
  if (finished?.status === "succeeded") return { ...base, status: "succeeded" };
  if (finished?.status === "failed" && finished.error) {
    return { ...base, status: "failed", error: finished.error };
  }
  if (finished?.status === "kernel_died") {
    return {
      ...base,
      status: "failed",
      error: {
        ename: "KernelDied",
        evalue: `The kernel died${where}: ${
          finished.error?.evalue ?? "the kernel process ended"
        }; a kernel dies from os._exit(), a crash in native code, or running out of memory`,
        traceback: tail.lines(),
        ...cellIndex,
      },
    };
  }
  if (finished?.status === "error" && finished.error) {
    return { ...base, status: "failed", error: finished.error };
  }
  const how = status.signal !== null
    ? `was killed by ${status.signal}`
    : `exited with code ${status.code}`;
  return {
    ...base,
    status: "failed",
    error: {
      ename: "DriverFailed",
      evalue: `The notebook driver ${how} before the notebook finished${where}`,
      traceback: tail.lines(),
      ...cellIndex,
    },
  };
}
