/**
 * The driver process of an attempt: a command that speaks the driver protocol (`driver.py`:
 * JSON events on stdout, a stop request on stdin, EOF on stdin meaning the runner died), started
 * in a process group and session of its own, with the kernel it reports in another. It knows how
 * to stop it (ask, SIGTERM, then kill both groups and sessions) and how to end it with nothing
 * left: processes that escaped to a session of their own are found by the pipes they hold.
 *
 * It decides nothing about the attempt's outcome: {@linkcode DriverExit} is what
 * `classifyAttempt` reads.
 *
 * @module
 */
import { type DriverEvent, parseDriverEvent } from "./driver_events.ts";
import type { DoneEvent } from "./attempt_outcome.ts";
import {
  findPipeHolders,
  guardOnExit,
  killProcessSet,
  pipeOf,
  type ProcessSet,
} from "./process_group.ts";
import { sleep } from "../_base/time.ts";
import { spawnDriverChild } from "./driver_files.ts";

/** Milliseconds the driver gets to exit after a stop request, and again after SIGTERM. */
const DRIVER_GRACE_MS = 2000;
/** Grace between SIGTERM and SIGKILL for the remaining processes. */
const KILL_GRACE_MS = 1000;
/** How long to wait for the output pipes to close once every process is gone. */
const PIPE_DRAIN_MS = 1000;
const STDERR_TAIL_LINES = 40;

/** Options of {@linkcode DriverProcess.attach}: who hears the driver. */
export interface DriverProcessOptions {
  /** Each event of the driver, as it arrives. A listener that throws is ignored. @default none */
  onEvent?: (event: DriverEvent) => void;
  /**
   * Receives the driver's stderr as it comes, the stdout lines that are not events (prefixed
   * `[driver stdout] `) and notes of the runner (`[pynb-dag-runner] ...`). @default dropped
   */
  log?: (chunk: Uint8Array) => void | Promise<void>;
}

/** Options of {@linkcode DriverProcess.spawn}. */
export interface DriverSpawnOptions extends DriverProcessOptions {
  /** Working directory of the command. */
  cwd: string;
  /** The command's whole environment (nothing else is inherited). */
  env: Record<string, string>;
}

/**
 * A started driver: what {@linkcode DriverProcess.attach} needs of it. A `Deno.ChildProcess`
 * spawned with piped stdio is one; a driver started by another process (a fork server) can be
 * attached through its pid, pipes and a promise of its exit.
 */
export interface DriverChild {
  /** Its pid, which is also its process group and session (it called `setsid()`). */
  readonly pid: number;
  /** Its stdin: stop requests go there; closing it tells the driver that the runner died. */
  readonly stdin: WritableStream<Uint8Array>;
  /** Its stdout: one JSON event per line. */
  readonly stdout: ReadableStream<Uint8Array>;
  /** Its stderr (inherited by the kernel and what cells start). */
  readonly stderr: ReadableStream<Uint8Array>;
  /** Resolves when it exited. */
  readonly status: Promise<Deno.CommandStatus>;
}

/** How a driver process ended, once every process of it is gone and its pipes are closed. */
export interface DriverExit {
  /** Exit code, or the signal that killed it. */
  status: Deno.CommandStatus;
  /** Its `done` event, if it sent one. */
  done: DoneEvent | undefined;
  /** The cell that was running (a `cell_started` without its `cell_done`). */
  runningCell: number | undefined;
  /** The last (up to 40) non-empty lines of its stderr. */
  stderrTail: string[];
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

/** The pipe a process has on a file descriptor, read synchronously (see `pipeOf`). */
function pipeOfNow(pid: number, fd: number): string | undefined {
  try {
    const target = Deno.readLinkSync(`/proc/${pid}/fd/${fd}`);
    return target.startsWith("pipe:") ? target : undefined;
  } catch {
    return undefined;
  }
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
 * A running driver process. Start it with {@linkcode DriverProcess.spawn}, optionally
 * {@linkcode DriverProcess.stop} it, and always {@linkcode DriverProcess.wait} for it: that is
 * where leftovers are killed.
 *
 * The command must call `setsid()` at once (as `driver.py` does): its pid is then its group and
 * session. A driver whose `started` event names another pid (a process forked for it) has that
 * process's group and session added, and its kernel is added by the `kernel_started` event, to
 * {@linkcode DriverProcess.processes}; descendants are found through `/proc` by session.
 *
 * @example Running a command that prints one event and exits
 * ```ts
 * import { DriverProcess } from "./driver_process.ts";
 * const line = JSON.stringify({ type: "done", time: 0, status: "succeeded" });
 * const driver = DriverProcess.spawn(["sh", "-c", `echo '${line}'`], { cwd: ".", env: {} });
 * const exit = await driver.wait();
 * console.assert(exit.done?.status === "succeeded" && exit.status.code === 0);
 * ```
 */
export class DriverProcess {
  #child: DriverChild;
  #options: DriverProcessOptions;
  #set: ProcessSet;
  #release: () => void;
  #stdin: WritableStreamDefaultWriter<Uint8Array>;
  #stderrPipe: Promise<string | undefined>;
  #tail = new Tail();
  #pending = "";
  #pumps: { done: Promise<void>; cancel: () => void }[];
  #done: DoneEvent | undefined;
  #runningCell: number | undefined;
  #exited = false;
  #stopping: Promise<void> | undefined;
  #encoder = new TextEncoder();

  /**
   * Starts a driver command.
   *
   * @param argv The command and its arguments, e.g. `[python, "driver.py", ...]`.
   * @param options Working directory, environment, event listener and log.
   * @returns The running driver.
   * @throws {Deno.errors.NotFound} (or another `Deno.errors` class) When the command cannot be
   *   started.
   */
  static spawn(argv: readonly string[], options: DriverSpawnOptions): DriverProcess {
    return new DriverProcess(spawnDriverChild(argv, options), options);
  }

  /**
   * Supervises a driver that is already running: from now on it is killed if this process exits,
   * and its pipes are read.
   *
   * @param child The driver: pid, stdio and exit.
   * @param options Event listener and log.
   * @returns The supervised driver.
   *
   * @example Attaching a child process
   * ```ts
   * import { DriverProcess } from "./driver_process.ts";
   * const child = new Deno.Command("setsid", {
   *   args: ["sh", "-c", "echo '{\"type\":\"done\",\"time\":0,\"status\":\"succeeded\"}'"],
   *   stdin: "piped", stdout: "piped", stderr: "piped",
   * }).spawn();
   * const exit = await DriverProcess.attach(child, {}).wait();
   * console.assert(exit.done?.status === "succeeded");
   * ```
   */
  static attach(child: DriverChild, options: DriverProcessOptions): DriverProcess {
    return new DriverProcess(child, options);
  }

  private constructor(child: DriverChild, options: DriverProcessOptions) {
    this.#child = child;
    this.#options = options;
    this.#set = { pids: [child.pid], groups: [child.pid], sessions: [child.pid] };
    this.#release = guardOnExit(this.#set);
    this.#stdin = child.stdin.getWriter(); // held open: EOF tells the driver that we died
    // The driver's stderr, which the kernel and whatever forks from it inherit. Read now,
    // synchronously, while the driver surely lives (a driver that exited has no fds left): a
    // driver stopped at once can die before it says `started`, and this pipe is then the only
    // way to find a kernel it was launching.
    this.#stderrPipe = Promise.resolve(pipeOfNow(child.pid, 2));
    const decoder = new TextDecoder();
    this.#pumps = [
      pump(child.stdout, (chunk) => this.#readStdout(decoder.decode(chunk, { stream: true }))),
      pump(child.stderr, (chunk) => {
        this.#tail.add(chunk);
        return this.#log(chunk);
      }),
    ];
    child.status.finally(() => this.#exited = true).catch(() => {});
  }

  /** The driver's pid (its process group and session too). */
  get pid(): number {
    return this.#child.pid;
  }

  /** Every process known to belong to it: the driver, and the kernel once it started. */
  get processes(): Readonly<ProcessSet> {
    return this.#set;
  }

  /** Its `done` event, once it sent it. */
  get done(): DoneEvent | undefined {
    return this.#done;
  }

  /** `true` until the driver process exited. */
  get running(): boolean {
    return !this.#exited;
  }

  /**
   * Writes one JSON line on the driver's stdin; gives up after 500 ms (a driver that does not
   * read). Never throws.
   *
   * @param message The message, e.g. a `StopRequest`.
   */
  async send(message: unknown): Promise<void> {
    const line = this.#encoder.encode(JSON.stringify(message) + "\n");
    await Promise.race([this.#stdin.write(line).catch(() => {}), sleep(500)]);
  }

  /**
   * Stops the driver: `request` is sent on its stdin (it saves the notebook, with the request's
   * message in the running cell, and kills its kernel); SIGTERM if it has not exited within 2 s;
   * then, 2 s later, every process of it (SIGTERM, grace, SIGKILL). Only the first call acts.
   *
   * @param request The stop line, e.g. `stopRequest("timeout", 60)`.
   * @returns When the stop is done (awaited by `wait()` too).
   */
  stop(request: unknown): Promise<void> {
    this.#stopping ??= (async () => {
      await this.send(request);
      if (await this.#exitsWithin(DRIVER_GRACE_MS)) return;
      try {
        Deno.kill(this.#child.pid, "SIGTERM");
      } catch {
        // Already gone.
      }
      await this.#exitsWithin(DRIVER_GRACE_MS);
      await killProcessSet(this.#set, { graceMs: KILL_GRACE_MS });
    })();
    return this.#stopping;
  }

  /**
   * Waits for the driver to exit, kills whatever it left (a background process of a cell, a
   * kernel it could not stop), waits for its pipes to close (killing processes that escaped to a
   * session of their own and hold them), then closes its stdin.
   *
   * @returns How it ended.
   */
  async wait(): Promise<DriverExit> {
    let status: Deno.CommandStatus;
    try {
      status = await this.#child.status;
      this.#exited = true;
      await this.#stopping;
      await killProcessSet(this.#set, { graceMs: KILL_GRACE_MS });
    } finally {
      this.#release();
    }
    await this.#drainPipes();
    await this.#stdin.close().catch(() => {});
    if (this.#pending.trim() !== "") {
      const event = parseDriverEvent(this.#pending);
      if (event) this.#handle(event);
    }
    return {
      status,
      done: this.#done,
      runningCell: this.#runningCell,
      stderrTail: this.#tail.lines(),
    };
  }

  /** Every process is gone, so the pipes close now, unless an escaped process holds them. */
  async #drainPipes(): Promise<void> {
    const drained = () =>
      Promise.race([
        Promise.all(this.#pumps.map((p) => p.done)).then(() => true),
        sleep(PIPE_DRAIN_MS).then(() => false),
      ]);
    if (await drained()) return;
    const pipe = await this.#stderrPipe;
    const holders = pipe === undefined ? [] : await findPipeHolders([pipe]);
    if (holders.length > 0) {
      await killProcessSet({ pids: holders, groups: [], sessions: [] }, { graceMs: KILL_GRACE_MS });
      await this.#note(`killed escaped processes ${holders.join(", ")}`);
    }
    if (holders.length === 0 || !await drained()) {
      for (const p of this.#pumps) p.cancel();
      await this.#note("output pipes still open after the attempt; closed them");
    }
  }

  #exitsWithin(ms: number): Promise<boolean> {
    return Promise.race([this.#child.status.then(() => true), sleep(ms).then(() => false)]);
  }

  async #readStdout(text: string): Promise<void> {
    const lines = (this.#pending + text).split("\n");
    this.#pending = lines.pop() ?? "";
    for (const line of lines) {
      if (line.trim() === "") continue;
      const event = parseDriverEvent(line);
      if (event) this.#handle(event);
      else await this.#log(this.#encoder.encode(`[driver stdout] ${line}\n`));
    }
  }

  #handle(event: DriverEvent): void {
    switch (event.type) {
      case "started":
        this.#stderrPipe = this.#stderrPipe.then((pipe) => pipe ?? pipeOf(event.pid, 2));
        if (event.pid !== this.#child.pid) {
          // The driver proper is another process (forked by a server, or under a wrapper): its
          // group and session are the attempt's too.
          this.#set.pids.push(event.pid);
          this.#set.groups.push(event.pgid);
          this.#set.sessions.push(event.pgid);
        }
        break;
      case "kernel_started":
        if (event.pid !== null) this.#set.pids.push(event.pid), this.#set.sessions.push(event.pid);
        if (event.pgid !== null) this.#set.groups.push(event.pgid);
        break;
      case "cell_started":
        this.#runningCell = event.cellIndex;
        break;
      case "cell_done":
        this.#runningCell = undefined;
        break;
      case "done":
        this.#done = event;
        break;
    }
    try {
      this.#options.onEvent?.(event);
    } catch {
      // A failing progress display must not break the attempt.
    }
  }

  async #log(chunk: Uint8Array): Promise<void> {
    await this.#options.log?.(chunk);
  }

  #note(text: string): Promise<void> {
    return this.#log(this.#encoder.encode(`[pynb-dag-runner] ${text}\n`));
  }
}
