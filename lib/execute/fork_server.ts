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
import { type AttemptRequest, type AttemptResult, runAttempt } from "./attempt.ts";
import {
  attemptScratchDir,
  cappedWriter,
  kernelEnv,
  resolveRequest,
  withAttemptFiles,
} from "./attempt_setup.ts";
import {
  classifyAttempt,
  driverNotStarted,
  type StopReason,
  stopRequest,
} from "./attempt_outcome.ts";
import { driverFiles } from "./driver_files.ts";
import { PersistentDriver, type ServeOutcome } from "./persistent_driver.ts";
import type { Plan } from "../plan/types.ts";

/** Options of {@linkcode ForkServer}. */
export interface ForkServerOptions {
  /**
   * Runs the attempts that must not be forked (`fast: false`).
   * @default runAttempt
   */
  spawn?: (request: AttemptRequest) => Promise<AttemptResult>;
}

/** A preload set as a map key. */
function key(preload: string[]): string {
  return JSON.stringify(preload);
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
  /** Idle drivers, with the preload set of the zygote each started at once. */
  #idle: { driver: PersistentDriver; preload: string }[] = [];
  #busy = new Set<PersistentDriver>();
  #closed = false;
  #warming: Promise<void> = Promise.resolve();
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
    return await withAttemptFiles(request, startedAt, async (opened) => {
      const { stderrFile, files, shared, runtimeDir } = opened;
      const env = kernelEnv(request, files.moduleDir, runtimeDir, shared);
      const log = cappedWriter(stderrFile);
      let driver: PersistentDriver;
      try {
        driver = this.#takeIdle(request.preload ?? []) ??
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
    });
  }

  /**
   * Starts `count` drivers now, each with the zygote of `preload` importing at once, so that the
   * first attempts of a run find them warm.
   *
   * @param count How many (the run's concurrency, at most its number of instances).
   * @param request What the attempts will look like: interpreter, working folder, preload; or
   *   the promise of it (an interpreter still being found), which {@linkcode ForkServer.close}
   *   waits for.
   */
  prewarm(
    count: number,
    request:
      | Pick<AttemptRequest, "python" | "workDir" | "preload">
      | Promise<Pick<AttemptRequest, "python" | "workDir" | "preload">>,
  ): Promise<void> {
    // One at a time: a second call counts the drivers the first one started; close() waits for
    // them (an interpreter probe still running included), so none is left behind.
    const run = this.#warming.then(async () => this.#prewarm(count, await request));
    this.#warming = run.catch(() => {});
    return run;
  }

  async #prewarm(
    count: number,
    request: Pick<AttemptRequest, "python" | "workDir" | "preload">,
  ): Promise<void> {
    const files = await driverFiles();
    const shared = await attemptScratchDir();
    const probe = resolveRequest({
      ...request,
      notebookPath: "",
      outputNotebookPath: "",
      attemptDir: "",
      kernel: "",
      timeoutSeconds: 0,
      context: { runId: "", taskId: "", instanceId: "", attempt: 0 },
    });
    const env = kernelEnv(probe, files.moduleDir, shared, shared);
    // A driver started before the pipeline was read has a zygote without its preload set: it
    // takes the set (its zygote imported the kernel's modules already).
    const wanted = key(request.preload ?? []);
    for (const entry of this.#idle) {
      if (entry.preload === wanted || !entry.driver.alive) continue;
      entry.driver.warm(request.preload ?? []);
      entry.preload = wanted;
    }
    for (let i = this.#idle.length + this.#busy.size; i < count && !this.#closed; i++) {
      try {
        const driver = this.#start(probe, files.driver, env);
        this.#idle.push({ driver, preload: key(request.preload ?? []) });
      } catch {
        return; // the first attempt reports why the driver cannot start
      }
    }
  }

  /**
   * Ends every idle driver at once (SIGKILL, then a sweep of its process group and session: an
   * idle driver and its zygotes hold nothing that needs a graceful end); drivers still running an
   * attempt are stopped by that attempt.
   */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#warming;
    const idle = this.#idle.splice(0);
    await Promise.all(idle.map((d) => d.driver.kill()));
  }

  /**
   * An idle driver whose zygote has this preload set, else any idle one: the one idle since the
   * shortest time first, whose zygote is warm and holds a spare kernel.
   */
  #takeIdle(preload: string[]): PersistentDriver | undefined {
    const live = this.#idle.filter((d) => d.driver.alive);
    for (const d of this.#idle) if (!d.driver.alive) void d.driver.close();
    this.#idle = live;
    const matching = live.findLastIndex((d) => d.preload === key(preload));
    const i = matching >= 0 ? matching : live.length - 1;
    return live.splice(i, 1)[0]?.driver;
  }

  #start(request: AttemptRequest, driverPy: string, env: Record<string, string>) {
    // The driver's and zygote's own environment: the runner's, without any task's `env` nor
    // the attempt's variables (every notebook gets its whole environment with its request).
    const base = { ...env };
    for (const name of Object.keys(base)) if (name.startsWith("PYNB_")) delete base[name];
    const preload = (request.preload ?? []).flatMap((m) => ["--preload", m]);
    const argv = [request.python, driverPy, "--serve", "--prestart", ...preload];
    return PersistentDriver.spawn(argv, {
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
    if (driver.alive && stopping === undefined && !this.#closed) {
      this.#idle.push({ driver, preload: key(request.preload ?? []) });
    } else if (driver.alive && stopping === undefined) await driver.kill();
    else await driver.close();
    const { done, runningCell, stderrTail } = outcome;
    return classifyAttempt(
      { stopReason, done, runningCell, exit: exitOf(outcome), stderrTail },
      { startedAt, endedAt: new Date(), timeoutSeconds: request.timeoutSeconds },
    );
  }
}

/**
 * Warms a fork server for a plan: as many drivers as attempts can run at once (at most one per
 * instance that forks its kernel), each starting the zygote of the plan's most common preload set.
 * Never throws: an attempt reports a driver that cannot start.
 *
 * @param server The fork server of the run.
 * @param plan The plan to run.
 * @param options Interpreter and concurrency of the run.
 * @returns When the drivers are started (not yet ready).
 *
 * @example Warming before a run
 * ```ts ignore
 * import { ForkServer, prewarmForPlan } from "./fork_server.ts";
 * const server = new ForkServer();
 * void prewarmForPlan(server, plan, { python: "/usr/bin/python3", concurrency: 2 });
 * ```
 */
export async function prewarmForPlan(
  server: ForkServer,
  plan: Plan,
  options: { python: string; concurrency: number },
): Promise<void> {
  const forked = plan.instances.filter((i) => i.fast !== false);
  const counts = new Map<string, number>();
  for (const inst of forked) {
    const k = key(inst.preload ?? []);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const common = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
  if (common === undefined) return;
  const preload = JSON.parse(common) as string[];
  await server.prewarm(Math.min(options.concurrency, forked.length), {
    python: options.python,
    workDir: plan.baseDir,
    ...(preload.length > 0 ? { preload } : {}),
  }).catch(() => {});
}
