/**
 * Helpers of the fork-server and escape tests: notebooks written from cell sources, attempts run
 * through a {@linkcode ForkServer} (or `runAttempt`), and processes looked up by pid.
 *
 * @module
 */
import { join } from "node:path";
import { type AttemptResult, type DriverEvent, runAttempt } from "../lib/execute/attempt.ts";
import type { ForkServer } from "../lib/execute/fork_server.ts";
import { detectPython } from "../lib/execute/python.ts";

/** Writes a notebook of code cells (a `python3` kernelspec) and returns its path. */
export async function writeNotebook(dir: string, name: string, cells: string[]): Promise<string> {
  const path = join(dir, `${name}.ipynb`);
  const notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "python3", display_name: "Python 3", language: "python" } },
    cells: cells.map((source, i) => ({
      id: `cell-${i}`,
      cell_type: "code",
      metadata: {},
      execution_count: null,
      outputs: [],
      source,
    })),
  };
  await Deno.writeTextFile(path, JSON.stringify(notebook));
  return path;
}

/** One attempt's result, events and what it wrote. */
export interface Ran {
  result: AttemptResult;
  events: DriverEvent[];
  attemptDir: string;
  /** The executed notebook, parsed. */
  notebook: {
    cells: {
      metadata: Record<string, unknown>;
      execution_count: number | null;
      outputs: Record<string, unknown>[];
    }[];
  };
  /** Every stdout stream text of every cell, joined. */
  stdout: string;
  stderr: string;
  /** The `kernel_started` event. */
  kernel: Extract<DriverEvent, { type: "kernel_started" }> | undefined;
}

/** Options of {@linkcode runNotebook}. */
export interface RunNotebookOptions {
  /** The fork server; without one, `runAttempt` spawns the kernel. */
  server?: ForkServer;
  env?: Record<string, string>;
  preload?: string[];
  timeoutSeconds?: number;
  signal?: AbortSignal;
  workDir?: string;
  onEvent?: (event: DriverEvent) => void;
}

let counter = 0;

/** Runs a notebook of `cells` in `dir` (a folder per attempt). */
export async function runNotebook(
  dir: string,
  cells: string[],
  options: RunNotebookOptions = {},
): Promise<Ran> {
  const python = (await detectPython()).path;
  const n = ++counter;
  const attemptDir = join(dir, `attempt-${n}`);
  await Deno.mkdir(attemptDir, { recursive: true });
  const notebookPath = await writeNotebook(dir, `nb-${n}`, cells);
  const events: DriverEvent[] = [];
  const request = {
    python,
    notebookPath,
    outputNotebookPath: join(attemptDir, "notebook.ipynb"),
    attemptDir,
    workDir: options.workDir ?? dir,
    kernel: "python3",
    timeoutSeconds: options.timeoutSeconds ?? 120,
    context: { runId: "r", taskId: `t${n}`, instanceId: `t${n}`, attempt: 1 },
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.preload === undefined ? {} : { preload: options.preload }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    onEvent: (event: DriverEvent) => {
      events.push(event);
      options.onEvent?.(event);
    },
  };
  const result = options.server ? await options.server.run(request) : await runAttempt(request);
  const notebook = JSON.parse(await Deno.readTextFile(request.outputNotebookPath));
  const stdout = notebook.cells.flatMap((c: Ran["notebook"]["cells"][number]) =>
    c.outputs.filter((o) => o.output_type === "stream" && o.name === "stdout")
      .map((o) => Array.isArray(o.text) ? o.text.join("") : String(o.text))
  ).join("");
  const kernel = events.find((e) => e.type === "kernel_started") as Ran["kernel"];
  return {
    result,
    events,
    attemptDir,
    notebook,
    stdout,
    stderr: await Deno.readTextFile(join(attemptDir, "stderr.txt")),
    kernel,
  };
}

/** `true` while `pid` names a live (not zombie) process. */
export async function isAlive(pid: number): Promise<boolean> {
  try {
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** The pids among `pids` still alive, after waiting up to `ms` for them to go. */
export async function survivors(pids: number[], ms = 0): Promise<number[]> {
  const deadline = Date.now() + ms;
  while (true) {
    const alive = [];
    for (const pid of pids) if (await isAlive(pid)) alive.push(pid);
    if (alive.length === 0 || Date.now() >= deadline) return alive;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Kills the given pids (only those): the clean-up of a test that failed. */
export function killPids(pids: number[]): void {
  for (const pid of pids) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch {
      // Gone.
    }
  }
}
