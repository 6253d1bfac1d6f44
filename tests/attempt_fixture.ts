/**
 * Helpers of the attempt tests: run a fixture notebook in a real kernel and look for processes
 * left behind.
 *
 * @module
 */
import { join, relative } from "node:path";
import { type AttemptResult, type DriverEvent, runAttempt } from "../lib/execute/attempt.ts";
import { detectPython } from "../lib/execute/python.ts";
import { listProcesses } from "../lib/execute/process_group.ts";
import { ROOT } from "./_helpers.ts";

/** Folder of the fixture notebooks. */
export const NOTEBOOKS = join(ROOT, "tests/fixtures/notebooks");

/** An attempt run for a test, with everything it produced. */
export interface RunFixture {
  result: AttemptResult;
  events: DriverEvent[];
  attemptDir: string;
  notebookPath: string;
  /** The executed notebook, parsed. */
  notebook: { cells: { cell_type: string; outputs?: Record<string, unknown>[] }[] };
  stderr: string;
}

/** Options of {@linkcode runFixture}. */
export interface RunFixtureOptions {
  /** Run from this folder (chdir) with every path given relative to it. */
  relativeTo?: string;
  timeoutSeconds?: number;
  kernel?: string;
  signal?: AbortSignal;
  upstreamFile?: string;
  env?: Record<string, string>;
  onEvent?: (event: DriverEvent) => void;
}

/**
 * Runs `tests/fixtures/notebooks/<name>.ipynb` with `runAttempt` in `dir`.
 *
 * @param name Notebook name without extension.
 * @param dir An empty temporary folder: the attempt folder and the kernel's cwd.
 * @param options Timeout, signal, upstream file.
 * @returns The result, the events, and what was written.
 */
export async function runFixture(
  name: string,
  dir: string,
  options: RunFixtureOptions = {},
): Promise<RunFixture> {
  const python = await detectPython();
  const attemptDir = join(dir, "attempt-1");
  await Deno.mkdir(attemptDir);
  const events: DriverEvent[] = [];
  const notebookPath = join(attemptDir, "notebook.ipynb");
  const cwd = Deno.cwd();
  const path = (p: string) =>
    options.relativeTo === undefined ? p : relative(options.relativeTo, p);
  if (options.relativeTo !== undefined) Deno.chdir(options.relativeTo);
  const result = await runAttempt({
    python: python.path,
    notebookPath: path(join(NOTEBOOKS, `${name}.ipynb`)),
    outputNotebookPath: path(notebookPath),
    attemptDir: path(attemptDir),
    workDir: path(dir),
    kernel: options.kernel ?? "python3",
    timeoutSeconds: options.timeoutSeconds ?? 300,
    context: { runId: "run-1", taskId: name, instanceId: `${name}[k=1]`, attempt: 1 },
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.upstreamFile ? { upstreamFile: options.upstreamFile } : {}),
    ...(options.env ? { env: options.env } : {}),
    onEvent: (event) => {
      events.push(event);
      options.onEvent?.(event);
    },
  }).finally(() => Deno.chdir(cwd));
  return {
    result,
    events,
    attemptDir,
    notebookPath,
    notebook: JSON.parse(await Deno.readTextFile(notebookPath)),
    stderr: await Deno.readTextFile(join(attemptDir, "stderr.txt")),
  };
}

/** The text of every stream output of a cell. */
export function streamText(
  notebook: RunFixture["notebook"],
  cellIndex: number,
  name = "stdout",
): string {
  const outputs = notebook.cells[cellIndex]?.outputs ?? [];
  return outputs
    .filter((o) => o.output_type === "stream" && o.name === name)
    .map((o) => {
      const text = o.text;
      return Array.isArray(text) ? text.join("") : String(text);
    })
    .join("");
}

/**
 * The live (non-zombie) processes in any of the given sessions or groups, or with one of the
 * given pids, as `pid state` strings.
 */
export async function liveProcesses(
  ids: { pids?: number[]; groups?: number[]; sessions?: number[] },
): Promise<string[]> {
  const all = await listProcesses();
  if (all === undefined) throw new Error("this test needs /proc");
  return all
    .filter((p) =>
      p.state !== "Z" &&
      ((ids.pids ?? []).includes(p.pid) || (ids.groups ?? []).includes(p.pgid) ||
        (ids.sessions ?? []).includes(p.sid))
    )
    .map((p) => `${p.pid} ${p.state}`);
}

/** The pids of the driver and the kernel, from the events. */
export function attemptPids(events: DriverEvent[]): { driver: number; kernel: number } {
  const started = events.find((e) => e.type === "started");
  const kernel = events.find((e) => e.type === "kernel_started");
  if (started?.type !== "started" || kernel?.type !== "kernel_started" || kernel.pid === null) {
    throw new Error(`missing started events in ${JSON.stringify(events.slice(0, 3))}`);
  }
  return { driver: started.pid, kernel: kernel.pid };
}
