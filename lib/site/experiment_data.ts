/**
 * The compact data file of one experiment (`data/experiments/<task>.js`): every instance of a
 * task over the runs, column by column, for the charts the browser draws. The page itself stays
 * the same size whatever the history's length; this file is loaded once the page has shown.
 *
 * It is a script, not JSON, so that it also loads from the file system (browsers refuse `fetch`
 * of `file:` URLs). Every object key in it is one of ours: names from notebooks are only ever
 * array items, so a name like `__proto__` is just a string.
 *
 * @module
 */
import type { JsonValue } from "../_base/json.ts";
import type { SiteRun } from "./model.ts";

/** Version of the experiment data format. */
export const EXPERIMENT_DATA_VERSION = 1;

/** One scalar cell: numbers stay numbers; anything else is shown as its JSON text. */
export type Cell = number | string | boolean | null;

/** One run that has the task. */
export interface DataRun {
  /** Run id. */
  id: string;
  /** Start, ms since the epoch. */
  at: number;
  /** Branch, or "". */
  branch: string;
  /** Commit SHA (first 12 characters), or "". */
  commit: string;
  /** Pull request number, or 0. */
  pr: number;
  /** Trigger (`schedule`, `pull_request`, ...). */
  trigger: string;
}

/** One instance of the task in one run. */
export interface DataRow {
  /** Index into `runs`. */
  r: number;
  /** Instance id (`train-model[nr_train_images=600]`). */
  id: string;
  /** Link from the experiment page to the instance page. */
  href: string;
  /** Status. */
  status: string;
  /** Duration in seconds, or null. */
  dur: number | null;
  /** Parameter values, in the order of `params`. */
  p: Cell[];
  /** Numeric values and last metric values, in the order of `numbers`. */
  n: (number | null)[];
  /** Step histories, in the order of `steps`: `[steps, values]`, or null. */
  s: ([number[], number[]] | null)[];
}

/** The data file's content. */
export interface ExperimentData {
  /** Format version. */
  v: typeof EXPERIMENT_DATA_VERSION;
  /** Task name. */
  task: string;
  /** Runs, newest first. */
  runs: DataRun[];
  /** Parameter names (all of them, varying first). */
  params: string[];
  /** How many of `params` vary across the instances. */
  varying: number;
  /** Names of numeric values and metrics. */
  numbers: string[];
  /** Names of metrics logged at more than one step. */
  steps: string[];
  /** Instances, newest run first (the order of the page's table). */
  rows: DataRow[];
}

/** One instance as the experiment page knows it. */
export interface ExperimentEntry {
  run: SiteRun;
  id: string;
  status: string;
  startedAt: string;
  duration: number | undefined;
  href: string;
  parameters: Record<string, JsonValue>;
  values: Record<string, JsonValue>;
  metrics: Record<string, number>;
  /** Every metric point logged, in order. */
  history: { name: string; value: number; step: number | null }[];
}

function cell(v: JsonValue | undefined): Cell {
  if (v === undefined) return null;
  if (v === null || typeof v === "number" || typeof v === "boolean") return v;
  if (typeof v === "string") return v;
  return JSON.stringify(v);
}

function stepHistory(e: ExperimentEntry, name: string): [number[], number[]] | null {
  const pts = e.history.filter((m) => m.name === name && m.step !== null);
  if (pts.length < 2) return null;
  return [pts.map((m) => m.step as number), pts.map((m) => m.value)];
}

/**
 * Builds the data of one experiment from its entries. Pure.
 *
 * @param task The task name.
 * @param entries Its instances, newest run first.
 * @returns The data, ready for {@linkcode experimentDataScript}.
 *
 * @example One experiment
 * ```ts ignore
 * const data = experimentData("train-model", entries);
 * ```
 */
export function experimentData(task: string, entries: ExperimentEntry[]): ExperimentData {
  const runIndex = new Map<string, number>();
  const runs: DataRun[] = [];
  for (const e of entries) {
    const s = e.run.summary;
    if (runIndex.has(s.runId)) continue;
    runIndex.set(s.runId, runs.length);
    runs.push({
      id: s.runId,
      at: Date.parse(s.startedAt) || 0,
      branch: s.ci?.branch ?? "",
      commit: s.ci?.commit?.slice(0, 12) ?? "",
      pr: s.ci?.pullRequest ?? 0,
      trigger: s.trigger,
    });
  }
  const names = (pick: (e: ExperimentEntry) => Record<string, unknown>) =>
    [...new Set(entries.flatMap((e) => Object.keys(pick(e))))].sort();
  const allParams = names((e) => e.parameters);
  const varies = (k: string) =>
    new Set(entries.map((e) => JSON.stringify(e.parameters[k] ?? null))).size > 1;
  const params = [...allParams.filter(varies), ...allParams.filter((k) => !varies(k))];
  const valueNames = names((e) => e.values).filter((k) =>
    entries.some((e) => typeof e.values[k] === "number")
  );
  const metricNames = names((e) => e.metrics);
  const numbers = [...valueNames, ...metricNames.filter((k) => !valueNames.includes(k))];
  const steps = metricNames.filter((k) => entries.some((e) => stepHistory(e, k) !== null));
  const rows = entries.map((e): DataRow => ({
    r: runIndex.get(e.run.summary.runId) ?? 0,
    id: e.id,
    href: e.href,
    status: e.status,
    dur: e.duration ?? null,
    p: params.map((k) => cell(e.parameters[k])),
    n: numbers.map((k) => {
      const v = valueNames.includes(k) ? e.values[k] : e.metrics[k];
      return typeof v === "number" && Number.isFinite(v) ? v : null;
    }),
    s: steps.map((k) => stepHistory(e, k)),
  }));
  return {
    v: EXPERIMENT_DATA_VERSION,
    task,
    runs,
    params,
    varying: params.filter(varies).length,
    numbers,
    steps,
    rows,
  };
}

/**
 * The text of the data file: one assignment the page's chart script reads.
 *
 * @param data The experiment's data.
 * @returns JavaScript source (JSON is a valid expression; every key is ours).
 *
 * @example The script
 * ```ts ignore
 * await Deno.writeTextFile("data/experiments/x.js", experimentDataScript(data));
 * ```
 */
export function experimentDataScript(data: ExperimentData): string {
  // U+2028/2029 are valid in JSON strings and, since ES2019, in JS strings too; escape anyway
  // so that older parsers read the file the same way.
  const json = JSON.stringify(data).replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
  return `self.pynbExperimentData=${json};\n`;
}
