/**
 * A persistent driver process (`driver.py --serve`): it imports nbclient once and runs one notebook
 * after another, each in a fresh kernel forked from a warm zygote (or spawned, for kernel specs
 * that cannot be forked). One per worker slot. Between notebooks it is idle; a notebook that is
 * stopped (timeout, cancellation) ends the driver, and the next attempt starts a new one.
 *
 * Like {@linkcode DriverProcess}, it runs in a process group and session of its own and knows the
 * kernel of the notebook running now; unlike it, it outlives an attempt, so it never keeps the
 * pids of earlier kernels (a pid can be reused by another process).
 *
 * @module
 */
import type { DoneEvent } from "./attempt_outcome.ts";
import { type DriverEvent, parseDriverEvent } from "./driver_events.ts";
import { guardOnExit, killProcessSet, type ProcessSet } from "./process_group.ts";
import { sleep } from "../_base/time.ts";
import { spawnDriverChild } from "./driver_files.ts";
import { mark } from "../_base/timeline.ts";

const DRIVER_GRACE_MS = 2000;
const KILL_GRACE_MS = 1000;
const STDERR_TAIL_LINES = 40;

/** One notebook for the driver: what `driver.py --serve` reads as `{"run": ...}`. */
export interface ServeRequest {
  /** Prepared `.ipynb` to execute. */
  notebook: string;
  /** Where the executed notebook is saved. */
  output: string;
  /** Working folder of the kernel. */
  cwd: string;
  /** Kernel name. */
  kernel: string;
  /** The kernel's whole environment. */
  env: Record<string, string>;
  /** Folder for the kernel's connection file. */
  runtimeDir: string;
  /** Fork the kernel from a zygote when its spec allows it. */
  fast: boolean;
  /** Modules the zygote imports once. */
  preload: string[];
  /** The socket of the run's zygote of that preload set (`SharedZygote`). */
  zygote: string;
}

/** Who hears one notebook's events and output. */
export interface ServeListener {
  /** Each event of the notebook. */
  onEvent(event: DriverEvent): void;
  /** The driver's stderr (kernel output on fd 1 and 2, driver messages) while it runs. */
  log(chunk: Uint8Array): void | Promise<void>;
}

/** How one notebook ended, as the driver told it. */
export interface ServeOutcome {
  /** Its `done` event; absent when the driver exited first. */
  done: DoneEvent | undefined;
  /** The cell running when it ended. */
  runningCell: number | undefined;
  /** The driver's exit, when it exited (a stop, a crash). */
  exit: Deno.CommandStatus | undefined;
  /** The last lines of the driver's stderr during this notebook. */
  stderrTail: string[];
}

/**
 * A running `driver.py --serve`. {@linkcode PersistentDriver.run} one notebook at a time; stop
 * the running one with {@linkcode PersistentDriver.stop}; end it with
 * {@linkcode PersistentDriver.close}.
 *
 * @example Starting a driver and closing it
 * ```ts ignore
 * import { PersistentDriver } from "./persistent_driver.ts";
 * const driver = PersistentDriver.spawn(["python3", "driver.py", "--serve"], { cwd: ".", env: {} });
 * await driver.close();
 * ```
 */
export class PersistentDriver {
  #child: Deno.ChildProcess;
  #stdin: WritableStreamDefaultWriter<Uint8Array>;
  #set: ProcessSet;
  #release: () => void;
  #listener: ServeListener | undefined;
  #outcome: ((outcome: ServeOutcome) => void) | undefined;
  #running: number | undefined;
  #tail = "";
  #pending = "";
  #status: Deno.CommandStatus | undefined;
  #exited: Promise<Deno.CommandStatus>;
  #pumps: Promise<void>[];
  #encoder = new TextEncoder();
  #decoder = new TextDecoder();

  /**
   * Starts `driver.py --serve`.
   *
   * @param argv The command, e.g. `[python, "driver.py", "--serve"]`.
   * @param options Working folder and whole environment of the driver.
   * @returns The driver, ready for {@linkcode PersistentDriver.run}.
   * @throws {Deno.errors.NotFound} When the command cannot be started.
   */
  static spawn(
    argv: readonly string[],
    options: { cwd: string; env: Record<string, string> },
  ): PersistentDriver {
    return new PersistentDriver(spawnDriverChild(argv, options));
  }

  private constructor(child: Deno.ChildProcess) {
    this.#child = child;
    this.#stdin = child.stdin.getWriter(); // held open: EOF tells the driver that we died
    // The driver calls setsid(): its pid is its group and session.
    this.#set = { pids: [child.pid], groups: [child.pid], sessions: [child.pid] };
    this.#release = guardOnExit(this.#set);
    this.#pumps = [
      this.#pump(child.stdout, (chunk) => this.#readStdout(chunk)),
      this.#pump(child.stderr, (chunk) => this.#readStderr(chunk)),
    ];
    this.#exited = child.status.then((status) => {
      this.#status = status;
      return status;
    });
    // Events still in the pipe when it exits are read first (briefly: a stray process may hold it).
    this.#exited.then(() => Promise.race([Promise.all(this.#pumps), sleep(1000)]))
      .then(() => this.#finish(undefined));
  }

  /** The driver's pid (its process group and session too). */
  get pid(): number {
    return this.#child.pid;
  }

  /** `true` while the driver process lives and can take a notebook. */
  get alive(): boolean {
    return this.#status === undefined;
  }

  /**
   * Runs one notebook; resolves when the driver reports its end (then the driver is idle again)
   * or exits.
   *
   * @param request The notebook and its kernel's environment.
   * @param listener Receives the notebook's events and the driver's stderr meanwhile.
   * @returns How the notebook ended.
   */
  run(request: ServeRequest, listener: ServeListener): Promise<ServeOutcome> {
    if (this.#listener !== undefined) throw new Error("Cannot run two notebooks in one driver");
    this.#listener = listener;
    this.#running = undefined;
    this.#tail = "";
    const outcome = new Promise<ServeOutcome>((resolve) => this.#outcome = resolve);
    if (this.#status !== undefined) this.#finish(undefined);
    else void this.#send({ run: request });
    return outcome;
  }

  /**
   * Stops the running notebook: `request` on stdin (the driver saves the notebook with its
   * message, stops every process below it and exits), SIGTERM after 2 s, then every process of
   * the driver and the current kernel.
   *
   * @param request The stop line, e.g. `stopRequest("timeout", 60)`.
   */
  async stop(request: unknown): Promise<void> {
    await this.#send(request);
    if (await this.#exitsWithin(DRIVER_GRACE_MS)) return await this.#sweep();
    try {
      Deno.kill(this.#child.pid, "SIGTERM");
    } catch {
      // Already gone.
    }
    await this.#exitsWithin(DRIVER_GRACE_MS);
    await this.#sweep();
  }

  /** Ends an idle driver: EOF on stdin makes it stop its zygotes and exit; then a sweep. */
  async close(): Promise<void> {
    await this.#stdin.close().catch(() => {});
    if (!await this.#exitsWithin(DRIVER_GRACE_MS)) {
      try {
        Deno.kill(this.#child.pid, "SIGTERM");
      } catch {
        // Already gone.
      }
      await this.#exitsWithin(DRIVER_GRACE_MS);
    }
    await this.#sweep();
  }

  /**
   * Ends an idle driver at once: SIGKILL to it, its zygotes and anything else of its process
   * group and session, then a sweep until none is left. Nothing of an idle driver needs a
   * graceful end (its last kernel was swept before it said `done`), and the end of a run waits
   * for this.
   */
  async kill(): Promise<void> {
    // The driver's group holds its zygotes: one signal ends them all, the sweep checks.
    try {
      Deno.kill(-this.#child.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
    await killProcessSet(this.#set, { graceMs: 0 });
    await this.#exited;
    this.#release();
    await Promise.race([Promise.all(this.#pumps), sleep(1000)]);
  }

  async #sweep(): Promise<void> {
    await killProcessSet(this.#set, { graceMs: KILL_GRACE_MS });
    await this.#exited;
    this.#release();
    await Promise.race([Promise.all(this.#pumps), sleep(1000)]);
  }

  #exitsWithin(ms: number): Promise<boolean> {
    return Promise.race([this.#exited.then(() => true), sleep(ms).then(() => false)]);
  }

  async #send(message: unknown): Promise<void> {
    const line = this.#encoder.encode(JSON.stringify(message) + "\n");
    await Promise.race([this.#stdin.write(line).catch(() => {}), sleep(500)]);
  }

  #pump(stream: ReadableStream<Uint8Array>, onChunk: (c: Uint8Array) => Promise<void>) {
    return (async () => {
      try {
        for await (const chunk of stream) await onChunk(chunk);
      } catch {
        // The pipe broke: the driver is gone.
      }
    })();
  }

  async #readStderr(chunk: Uint8Array): Promise<void> {
    this.#tail = (this.#tail + this.#decoder.decode(chunk, { stream: true })).slice(-16384);
    await this.#listener?.log(chunk);
  }

  async #readStdout(chunk: Uint8Array): Promise<void> {
    const lines = (this.#pending + new TextDecoder().decode(chunk)).split("\n");
    this.#pending = lines.pop() ?? "";
    for (const line of lines) {
      if (line.trim() === "") continue;
      const event = parseDriverEvent(line);
      if (event) this.#handle(event);
      else await this.#listener?.log(this.#encoder.encode(`[driver stdout] ${line}\n`));
    }
  }

  #handle(event: DriverEvent): void {
    markEvent(event);
    switch (event.type) {
      case "kernel_started":
        // Only this notebook's kernel: an earlier one's pid may belong to another process now.
        this.#set.pids = [this.#child.pid, ...(event.pid === null ? [] : [event.pid])];
        this.#set.sessions = [this.#child.pid, ...(event.pid === null ? [] : [event.pid])];
        this.#set.groups = [this.#child.pid, ...(event.pgid === null ? [] : [event.pgid])];
        break;
      case "spare":
        // Below the driver's zygote but in a session of its own: swept with the driver too.
        this.#set.pids = [...this.#set.pids, event.pid];
        this.#set.sessions = [...this.#set.sessions, event.pid];
        this.#set.groups = [...this.#set.groups, event.pid];
        break;
      case "cell_started":
        this.#running = event.cellIndex;
        break;
      case "cell_done":
        this.#running = undefined;
        break;
    }
    try {
      this.#listener?.onEvent(event);
    } catch {
      // A failing progress display must not break the attempt.
    }
    if (event.type === "done") this.#finish(event);
  }

  #finish(done: DoneEvent | undefined): void {
    const resolve = this.#outcome;
    if (resolve === undefined) return;
    this.#outcome = undefined;
    this.#listener = undefined;
    if (done !== undefined) {
      // The kernel is gone (the driver swept it before saying `done`).
      this.#set.pids = [this.#child.pid];
      this.#set.sessions = [this.#child.pid];
      this.#set.groups = [this.#child.pid];
    }
    const lines = this.#tail.split("\n").filter((l) => l.trim() !== "");
    resolve({
      done,
      runningCell: this.#running,
      exit: this.#status,
      stderrTail: lines.slice(-STDERR_TAIL_LINES),
    });
  }
}

/** The benchmark's marks of a driver's events, at the time the driver gave. */
function markEvent(event: DriverEvent): void {
  const names: Partial<Record<DriverEvent["type"], string>> = {
    ready: "driver ready",
    kernel_started: "kernel forked",
    cell_started: "cell started",
    cell_done: "cell done",
    done: "notebook done",
  };
  const name = names[event.type];
  if (name !== undefined) mark(name, event.time * 1000);
}
