/**
 * Figures of `fast_bench.ts` read from run folders: when the first cell started, and the ideal
 * bound of a run (critical path and summed cell time, from the executed notebooks' timings).
 *
 * @module
 */
import { join } from "node:path";

interface Cell {
  metadata?: { execution?: Record<string, string> };
}

interface RunJson {
  durationSeconds: number;
  tasks: { id: string; needs: string[]; attempts: { notebook?: string }[] }[];
}

/** The only run folder under `out` (`cli.ts run --out out` creates one). */
async function runFolder(out: string): Promise<string> {
  for await (const entry of Deno.readDir(out)) if (entry.isDirectory) return join(out, entry.name);
  throw new Error(`Cannot find a run folder in '${out}'`);
}

async function cells(folder: string, notebook: string): Promise<Cell[]> {
  return JSON.parse(await Deno.readTextFile(join(folder, notebook))).cells ?? [];
}

function epoch(iso: string | undefined): number {
  return iso === undefined ? NaN : Date.parse(iso) / 1000;
}

/**
 * Seconds from `start` (epoch seconds) to the first cell's `iopub.execute_input`, over every
 * executed notebook of the run.
 *
 * @param out The `--out` folder of one `cli.ts run`.
 * @param start When the command was started, in epoch seconds.
 * @returns The delay in seconds.
 */
export async function firstCellDelay(out: string, start: number): Promise<number> {
  const folder = await runFolder(out);
  const run: RunJson = JSON.parse(await Deno.readTextFile(join(folder, "run.json")));
  let first = Infinity;
  for (const task of run.tasks) {
    for (const attempt of task.attempts) {
      if (attempt.notebook === undefined) continue;
      for (const cell of await cells(folder, attempt.notebook)) {
        const t = epoch(cell.metadata?.execution?.["iopub.execute_input"]);
        if (t < first) first = t;
      }
    }
  }
  return first - start;
}

/** The demo's figures: wall time and its ideal bound. */
export interface IdealBound {
  wall: number;
  ideal: number;
  criticalPath: number;
  cellSeconds: number;
}

/**
 * The run's wall time against max(critical path, summed cell time / concurrency), where an
 * instance's time is the sum of its cells' busy times (`iopub.status.busy` to `.idle`).
 *
 * @param out The `--out` folder of one `cli.ts run`.
 * @param concurrency The run's `--concurrency`.
 * @returns Wall, ideal bound and its two terms, in seconds.
 */
export async function demoIdealBound(out: string, concurrency: number): Promise<IdealBound> {
  const folder = await runFolder(out);
  const run: RunJson = JSON.parse(await Deno.readTextFile(join(folder, "run.json")));
  const own = new Map<string, number>();
  for (const task of run.tasks) {
    let seconds = 0;
    const last = task.attempts.at(-1);
    if (last?.notebook !== undefined) {
      for (const cell of await cells(folder, last.notebook)) {
        const e = cell.metadata?.execution ?? {};
        const busy = epoch(e["iopub.status.idle"]) - epoch(e["iopub.status.busy"]);
        if (Number.isFinite(busy)) seconds += busy;
      }
    }
    own.set(task.id, seconds);
  }
  const path = new Map<string, number>();
  for (const task of run.tasks) { // run.json lists instances in plan (topological) order
    const before = Math.max(0, ...task.needs.map((n) => path.get(n) ?? 0));
    path.set(task.id, before + own.get(task.id)!);
  }
  const criticalPath = Math.max(0, ...path.values());
  const cellSeconds = [...own.values()].reduce((a, b) => a + b, 0);
  return {
    wall: run.durationSeconds,
    ideal: Math.max(criticalPath, cellSeconds / concurrency),
    criticalPath,
    cellSeconds,
  };
}
