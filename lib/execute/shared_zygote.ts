/**
 * The run's shared kernel zygote (`zygote.py --listen`): one process per preload set that every
 * persistent driver of the run forks its kernels from. The kernel's modules and the preload set
 * are imported once per run instead of once per worker slot, which on a small machine is most of
 * the time before the second slot's first cell.
 *
 * Drivers reach it on a Unix socket (one request per packet, the driver's stderr passed with each
 * fork so that a kernel writes to its own attempt's log). It is a session and process group of
 * its own, and a child subreaper: what its kernels start stays below it. EOF on its stdin (this
 * runner closed it, or died) makes it stop everything below it and exit; a driver that goes away
 * has its kernels and spare kernels stopped by it.
 *
 * @module
 */
import { join } from "node:path";
import { guardOnExit, killProcessSet, type ProcessSet } from "./process_group.ts";
import { sleep } from "../_base/time.ts";
import { spawnDriverChild } from "./driver_files.ts";

const CLOSE_GRACE_MS = 1000;

/** Where and how the shared zygote runs. */
export interface SharedZygoteOptions {
  /** The interpreter of the kernels. */
  python: string;
  /** `zygote.py` (beside `driver.py`). */
  zygotePy: string;
  /** The modules it imports once. */
  preload: readonly string[];
  /** Its working folder (the pipeline's). */
  cwd: string;
  /** Its whole environment: the drivers' own. */
  env: Record<string, string>;
  /** A private folder for its socket. */
  dir: string;
}

let count = 0;

/**
 * A running shared zygote.
 *
 * @example Starting one and closing it
 * ```ts ignore
 * import { SharedZygote } from "./shared_zygote.ts";
 * const zygote = SharedZygote.start({
 *   python: "/usr/bin/python3", zygotePy: "zygote.py", preload: [], cwd: ".", env: {}, dir: "/tmp",
 * });
 * await zygote.close();
 * ```
 */
export class SharedZygote {
  /** The socket drivers connect to. */
  readonly socket: string;
  #child: Deno.ChildProcess;
  #stdin: WritableStreamDefaultWriter<Uint8Array>;
  #set: ProcessSet;
  #release: () => void;
  #status: Deno.CommandStatus | undefined;
  #exited: Promise<Deno.CommandStatus>;
  #drain: Promise<void>;
  /** Resolves once drivers can connect (the socket is bound), or once it exited. */
  readonly listening: Promise<void>;

  /**
   * Starts the zygote; it imports while the caller goes on (drivers that connect meanwhile wait).
   *
   * @param options Interpreter, preload set, folder, environment.
   * @returns The zygote.
   * @throws {Deno.errors.NotFound} When the interpreter cannot be started.
   */
  static start(options: SharedZygoteOptions): SharedZygote {
    const socket = join(options.dir, `zygote-${Deno.pid}-${++count}.sock`);
    const child = spawnDriverChild(
      [options.python, options.zygotePy, "--listen", socket, ...options.preload],
      { cwd: options.cwd, env: options.env },
    );
    return new SharedZygote(child, socket);
  }

  private constructor(child: Deno.ChildProcess, socket: string) {
    this.socket = socket;
    this.#child = child;
    this.#stdin = child.stdin.getWriter(); // held open: EOF tells it that the runner is done
    // It calls setsid() first: its pid is its group and session.
    this.#set = { pids: [child.pid], groups: [child.pid], sessions: [child.pid] };
    this.#release = guardOnExit(this.#set);
    // Its own messages (a failed import is also told to each driver that asks) are not kept.
    let listening = () => {};
    this.listening = new Promise<void>((resolve) => listening = resolve);
    this.#drain = Promise.all([drain(child.stdout, listening), drain(child.stderr)]).then(() => {});
    this.#exited = child.status.then((status) => (this.#status = status));
    void this.#exited.then(listening);
  }

  /** `true` while the process lives. */
  get alive(): boolean {
    return this.#status === undefined;
  }

  /**
   * Has it import more modules now, before the drivers ask (each driver's request names the
   * preload set it needs, which the zygote imports then if it has not yet).
   *
   * @param preload The modules.
   */
  extend(preload: readonly string[]): void {
    if (!this.alive) return;
    const line = new TextEncoder().encode(JSON.stringify({ preload }) + "\n");
    void this.#stdin.write(line).catch(() => {});
  }

  /**
   * Ends it: EOF on its stdin (it stops every process below it and exits), then SIGKILL and a
   * sweep of its group and session if it has not exited within a second.
   */
  async close(): Promise<void> {
    await this.#stdin.close().catch(() => {});
    await Promise.race([this.#exited, sleep(CLOSE_GRACE_MS)]);
    await killProcessSet(this.#set, { graceMs: 0 });
    await this.#exited;
    this.#release();
    await Promise.race([this.#drain, sleep(1000)]);
    await Deno.remove(this.socket).catch(() => {});
  }
}

/** Reads a stream to its end, dropping it (so that the writer never blocks on a full pipe);
 * `onFirst` is called with the first chunk (the zygote's `listening` line). */
async function drain(stream: ReadableStream<Uint8Array>, onFirst?: () => void): Promise<void> {
  try {
    for await (const _ of stream) onFirst?.();
  } catch {
    // Gone.
  } finally {
    onFirst?.();
  }
}
