/**
 * The fast attempt runner: persistent drivers, one per worker slot, each forking fresh kernels
 * from a warm zygote (`driver.py --serve`, `zygote.py`). An attempt costs a fork and the first
 * reply of the kernel instead of a new interpreter, nbclient's imports and a kernel start.
 *
 * Attempts with `fast: false`, and kernel specs that cannot be forked (any kernel that is not
 * ipykernel run by the runner's interpreter, decided by the driver from the spec's argv), take
 * the spawn path: `runAttempt` for the former, a spawned kernel inside the persistent driver for
 * the latter. Outcomes are classified exactly as for spawned attempts.
 *
 * @module
 */
import { join } from "node:path";
import { type AttemptRequest, type AttemptResult, runAttempt } from "./attempt.ts";
import { attemptScratchDir, cappedWriter, kernelEnv, resolveRequest } from "./attempt_setup.ts";
import {
  cancelledBeforeStart,
  classifyAttempt,
  driverNotStarted,
  type StopReason,
  stopRequest,
} from "./attempt_outcome.ts";
import { driverFiles } from "./driver_files.ts";
import { PersistentDriver, type ServeOutcome } from "./persistent_driver.ts";

/** Options of {@linkcode ForkServer}. */
export interface ForkServerOptions {
  /**
   * Runs the attempts that must not be forked (`fast: false`).
   * @default runAttempt
   */
  spawn?: (request: AttemptRequest) => Promise<AttemptResult>;
}

/** The request without the task's own environment variables. */
function withoutEnv(request: AttemptRequest): AttemptRequest {
  const { env: _env, ...rest } = request;
  return rest;
}

/** The exit code a one-shot driver would have had for this `done` status. */
function exitOf(outcome: ServeOutcome): { code: number; signal: string | null } {
  if (outcome.exit !== undefined) return outcome.exit;
  const status = outcome.done?.status;
  return { code: status === "succeeded" ? 0 : status === "error" ? 2 : 1, signal: null };
}

/**
 * Runs attempts in persistent drivers with forked kernels; {@linkcode ForkServer.close} ends the
 * idle drivers (their zygotes with them). A driver is reused only after a notebook that ended by
 * itself; one that was stopped, or crashed, is replaced.
 *
 * @example Running attempts through the fork server
 * ```ts ignore
 * import { ForkServer } from "./fork_server.ts";
 * import { detectPython } from "./python.ts";
 * const python = (await detectPython()).path;
 * const server = new ForkServer();
 * try {
 *   const result = await server.run({
 *     python, notebookPath: "prepared.ipynb", outputNotebookPath: "out/notebook.ipynb",
 *     attemptDir: "out", workDir: ".", kernel: "python3", timeoutSeconds: 60,
 *     context: { runId: "r1", taskId: "t", instanceId: "t", attempt: 1 },
 *   });
 *   console.log(result.status);
 * } finally {
 *   await server.close();
 * }
 * ```
 */
export class ForkServer {
  #idle: PersistentDriver[] = [];
  #busy = new Set<PersistentDriver>();
  #spawn: (request: AttemptRequest) => Promise<AttemptResult>;

  /** @param options How attempts that are not forked run. */
  constructor(options: ForkServerOptions = {}) {
    this.#spawn = options.spawn ?? runAttempt;
  }

  /**
   * Runs one attempt to its end, like `runAttempt`: no process of it is left when it returns.
   *
   * @param request The attempt; `fast: false` sends it to the spawn path.
   * @returns Its status, timing, error and exit code.
   */
  async run(request: AttemptRequest): Promise<AttemptResult> {
    if (request.fast === false) return await this.#spawn(request);
    const startedAt = new Date();
    request = resolveRequest(request);
    const stderrFile = await Deno.open(join(request.attemptDir, "stderr.txt"), {
      write: true,
      create: true,
      truncate: true,
    });
    let runtimeDir: string | undefined;
    try {
      if (request.signal?.aborted) return cancelledBeforeStart(startedAt, new Date());
      const files = await driverFiles();
      const shared = await attemptScratchDir();
      runtimeDir = await Deno.makeTempDir({ dir: shared, prefix: "attempt-" });
      const env = kernelEnv(request, files.moduleDir, runtimeDir, shared);
      const log = cappedWriter(stderrFile);
      let driver: PersistentDriver;
      try {
        driver = this.#idle.pop() ??
          this.#start(
            request,
            files.driver,
            kernelEnv(withoutEnv(request), files.moduleDir, runtimeDir, shared),
          );
      } catch (err) {
        const message = `Cannot start the notebook driver with '${request.python}': ${
          (err as Error).message
        }`;
        await log(new TextEncoder().encode(message + "\n"));
        return driverNotStarted(message, { startedAt, endedAt: new Date() });
      }
      return await this.#supervise(request, driver, env, runtimeDir, log, startedAt);
    } finally {
      stderrFile.close();
      if (runtimeDir !== undefined) {
        await Deno.remove(runtimeDir, { recursive: true }).catch(() => {});
      }
    }
  }

  /** Ends every idle driver; waits for drivers still running an attempt to be stopped first. */
  async close(): Promise<void> {
    const idle = this.#idle.splice(0);
    await Promise.all(idle.map((d) => d.close()));
  }

  #start(request: AttemptRequest, driverPy: string, env: Record<string, string>) {
    // The driver's and zygote's own environment: the runner's, without any task's `env` nor
    // the attempt's variables (every notebook gets its whole environment with its request).
    const base = { ...env };
    for (const name of Object.keys(base)) if (name.startsWith("PYNB_")) delete base[name];
    return PersistentDriver.spawn([request.python, driverPy, "--serve"], {
      cwd: request.workDir,
      env: base,
    });
  }

  async #supervise(
    request: AttemptRequest,
    driver: PersistentDriver,
    env: Record<string, string>,
    runtimeDir: string,
    log: (chunk: Uint8Array) => Promise<void>,
    startedAt: Date,
  ): Promise<AttemptResult> {
    this.#busy.add(driver);
    let stopReason: StopReason | undefined;
    let stopping: Promise<void> | undefined;
    let ended = false;
    const stop = (reason: StopReason) => {
      if (stopping !== undefined || ended) return;
      stopReason = reason;
      stopping = driver.stop(stopRequest(reason, request.timeoutSeconds));
    };
    const timeoutMs = request.timeoutSeconds * 1000;
    const timer = Number.isFinite(timeoutMs) && timeoutMs < 2 ** 31
      ? setTimeout(() => stop("timeout"), Math.max(0, timeoutMs))
      : undefined;
    const onAbort = () => stop("cancelled");
    request.signal?.addEventListener("abort", onAbort, { once: true });
    let outcome: ServeOutcome;
    try {
      const running = driver.run({
        notebook: request.notebookPath,
        output: request.outputNotebookPath,
        cwd: request.workDir,
        kernel: request.kernel,
        env,
        runtimeDir,
        fast: true,
        preload: request.preload ?? [],
      }, { onEvent: (event) => request.onEvent?.(event), log });
      if (request.signal?.aborted) stop("cancelled");
      outcome = await running;
      ended = true;
      await stopping;
    } finally {
      clearTimeout(timer);
      request.signal?.removeEventListener("abort", onAbort);
      this.#busy.delete(driver);
    }
    // The notebook's end stands once the driver said it; a stop that came later changes nothing.
    if (outcome.done !== undefined && outcome.done.status !== "terminated") stopReason = undefined;
    if (driver.alive && stopping === undefined) this.#idle.push(driver);
    else await driver.close();
    const { done, runningCell, stderrTail } = outcome;
    return classifyAttempt(
      { stopReason, done, runningCell, exit: exitOf(outcome), stderrTail },
      { startedAt, endedAt: new Date(), timeoutSeconds: request.timeoutSeconds },
    );
  }
}
