/**
 * The fast attempt runner: persistent drivers, one per worker slot (`driver.py --serve`), forking
 * fresh kernels from the run's warm zygote of the attempt's preload set (`zygote.py --listen`, one
 * per preload set for all slots: {@linkcode SharedZygote}). An attempt costs a fork and the first
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
import { type DriverFiles, driverFiles } from "./driver_files.ts";
import { PersistentDriver, type ServeOutcome } from "./persistent_driver.ts";
import { SharedZygote } from "./shared_zygote.ts";
import { dirname, join } from "node:path";
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
  /** Idle drivers, with the preload set of their last notebook (their spare kernel's). */
  #idle: { driver: PersistentDriver; preload: string }[] = [];
  #busy = new Set<PersistentDriver>();
  /** The run's zygotes, by preload set; `used` once a notebook asked one for a kernel. */
  #zygotes = new Map<string, { zygote: SharedZygote; used: boolean }>();
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
    // Taken before anything is awaited, in the order the scheduler started the attempts: the
    // first gets the warmest driver.
    let idle = this.#takeIdle(request.preload ?? []);
    try {
      return await withAttemptFiles(request, startedAt, async (opened) => {
        const { stderrFile, files, shared, runtimeDir } = opened;
        const env = kernelEnv(request, files.moduleDir, runtimeDir, shared);
        const log = cappedWriter(stderrFile);
        let driver: PersistentDriver;
        let zygote: SharedZygote;
        try {
          const base = baseEnv(kernelEnv(withoutEnv(request), files.moduleDir, shared, shared));
          zygote = this.#zygote(request, files, base, shared, true);
          driver = idle ?? this.#start(request, files.driver, base);
          idle = undefined;
        } catch (err) {
          const message = `Cannot start the notebook driver with '${request.python}': ${
            (err as Error).message
          }`;
          await log(new TextEncoder().encode(message + "\n"));
          return driverNotStarted(message, { startedAt, endedAt: new Date() });
        }
        await zygote.listening;
        return await this.#supervise(request, driver, env, runtimeDir, log, startedAt, zygote);
      });
    } finally {
      // Not used (the attempt's files could not be made): idle again.
      if (idle !== undefined) {
        this.#idle.push({ driver: idle, preload: key(request.preload ?? []) });
      }
    }
  }

  /**
   * Starts the zygote of `preload` importing now, and `count` drivers, so that the first attempts
   * of a run find them warm. A zygote started earlier without a preload set, that no notebook
   * used yet, takes the set instead of a second zygote importing everything again.
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
    const env = baseEnv(kernelEnv(probe, files.moduleDir, shared, shared));
    try {
      if (!this.#closed) this.#zygote(probe, files, env, shared, false);
    } catch {
      return; // the first attempt reports why the interpreter cannot start
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
    const zygotes = [...this.#zygotes.values()];
    this.#zygotes.clear();
    await Promise.all([
      ...idle.map((d) => d.driver.kill()),
      ...zygotes.map((z) => z.zygote.close()),
    ]);
  }

  /**
   * The running zygote of the request's preload set: started (again) when there is none, or
   * taken over from an unused zygote without a preload set. `use`: a notebook asks it now.
   */
  #zygote(
    request: Pick<AttemptRequest, "python" | "workDir" | "preload">,
    files: DriverFiles,
    env: Record<string, string>,
    shared: string,
    use: boolean,
  ): SharedZygote {
    const wanted = key(request.preload ?? []);
    let entry = this.#zygotes.get(wanted);
    const blank = this.#zygotes.get(key([]));
    if (
      (entry === undefined || !entry.zygote.alive) && blank?.used === false && blank.zygote.alive
    ) {
      blank.zygote.extend(request.preload ?? []);
      this.#zygotes.delete(key([]));
      entry = blank;
    } else if (entry === undefined || !entry.zygote.alive) {
      if (entry !== undefined) void entry.zygote.close();
      entry = {
        zygote: SharedZygote.start({
          python: request.python,
          zygotePy: join(dirname(files.driver), "zygote.py"),
          preload: request.preload ?? [],
          cwd: request.workDir,
          env,
          dir: shared,
        }),
        used: false,
      };
    }
    this.#zygotes.set(wanted, entry);
    if (use) entry.used = true;
    return entry.zygote;
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

  #start(
    request: Pick<AttemptRequest, "python" | "workDir">,
    driverPy: string,
    env: Record<string, string>,
  ) {
    return PersistentDriver.spawn([request.python, driverPy, "--serve"], {
      cwd: request.workDir,
      env,
    });
  }

  async #supervise(
    request: AttemptRequest,
    driver: PersistentDriver,
    env: Record<string, string>,
    runtimeDir: string,
    log: (chunk: Uint8Array) => Promise<void>,
    startedAt: Date,
    zygote: SharedZygote,
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
        zygote: zygote.socket,
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
 * The drivers' and zygotes' own environment: the runner's, without any task's `env` nor the
 * attempt's variables (every notebook gets its whole environment with its request).
 */
function baseEnv(env: Record<string, string>): Record<string, string> {
  const base = { ...env };
  for (const name of Object.keys(base)) if (name.startsWith("PYNB_")) delete base[name];
  return base;
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
