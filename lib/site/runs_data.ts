/**
 * The runs table's data, `data/runs.js`: one compact row per run (status, trigger, branch,
 * commit, links, start, duration, task counts) and one column per parameter, numeric value and
 * metric (the last value of a stepped one), named `task.name` where a bare name would be
 * ambiguous. Only what the runs list shows, so that a history of 1,000 runs stays small. A
 * script file (not JSON) so that the site also works opened from the file system.
 *
 * @module
 */
import { join } from "node:path";
import { writeFileAtomic } from "../_base/fs.ts";
import type { JsonValue } from "../_base/json.ts";
import { formatValue } from "./_html.ts";
import { ciLinks } from "./ci_links.ts";
import type { SiteRun } from "./model.ts";
import { statusCounts } from "./run_model.ts";

/** Path of the runs table's data inside a site. */
export const RUNS_DATA_FILE = "data/runs.js";
/** Version of the runs data format. */
export const RUNS_DATA_VERSION = 1;
/** Most columns shown before the user picks. */
const MAX_AUTO = 8;
/** Most parameter columns among the automatic ones. */
const MAX_AUTO_PARAMS = 4;
/** Longest text of a non-numeric cell. */
const MAX_TEXT = 80;

/** A scalar cell of the runs table. */
export type Cell = string | number | boolean | null;

/** One parameter, value or metric column. */
export interface RunsColumn {
  /** The column's name, unique: `name`, or `task.name` where needed. */
  name: string;
  /** Where it comes from. */
  kind: "param" | "value" | "metric";
  /** True when runs disagree on it. */
  varying: boolean;
  /** True when every known cell is a number. */
  numeric: boolean;
}

/** One run, a row of the runs table. */
export interface RunsRow {
  /** Page folder of the run (`runs/<key>/`). */
  key: string;
  /** Run id. */
  id: string;
  /** Pipeline name. */
  pipeline: string;
  /** Status, `interrupted` for a run without summary. */
  status: string;
  /** What started it. */
  trigger: string;
  /** Branch, or "". */
  branch: string;
  /** Commit SHA, or "". */
  commit: string;
  /** Pull request number. */
  pr?: number;
  /** Link to the commit. */
  commitUrl?: string;
  /** Link to the pull request. */
  prUrl?: string;
  /** Start, ISO 8601. */
  startedAt: string;
  /** Duration in seconds. */
  duration?: number;
  /** Task instances by status. */
  counts: Record<string, number>;
  /** Cells, aligned with the columns. */
  x: Cell[];
}

/** The content of `data/runs.js`. */
export interface RunsData {
  /** {@linkcode RUNS_DATA_VERSION}. */
  v: number;
  /** Parameter, value and metric columns: varying ones first. */
  columns: RunsColumn[];
  /** Names of the columns shown until the user picks. */
  auto: string[];
  /** Runs, newest first. */
  runs: RunsRow[];
}

interface Source {
  owner: string; // "" for the pipeline's parameters, else the instance id
  name: string;
  kind: RunsColumn["kind"];
}

function cell(value: JsonValue | undefined): Cell {
  if (value === undefined || value === null) return null;
  if (typeof value === "number" || typeof value === "boolean") return value;
  return formatValue(value, MAX_TEXT);
}

/** The cells of one run, by source key (`kind owner name`). */
function runCells(run: SiteRun, sources: Map<string, Source>): Map<string, Cell> {
  const cells = new Map<string, Cell>();
  const put = (src: Source, value: JsonValue | undefined) => {
    const k = `${src.kind}\u0000${src.owner}\u0000${src.name}`;
    if (!sources.has(k)) sources.set(k, src);
    cells.set(k, cell(value));
  };
  const s = run.summary;
  for (const [name, v] of Object.entries(s.parameters)) put({ owner: "", name, kind: "param" }, v);
  for (const t of s.tasks) {
    for (const [name, v] of Object.entries(t.parameters)) {
      // Every task receives the pipeline's parameters; a matrix value is in the instance id.
      if (name in s.parameters || name in t.matrix) continue;
      put({ owner: t.id, name, kind: "param" }, v);
    }
    for (const [name, v] of Object.entries(t.values)) {
      if (typeof v === "number") put({ owner: t.id, name, kind: "value" }, v);
    }
    const last = new Map<string, number>();
    for (const m of t.metrics) last.set(m.name, m.value); // the last one logged wins
    for (const [name, v] of last) {
      if (typeof t.values[name] !== "number") put({ owner: t.id, name, kind: "metric" }, v);
    }
  }
  return cells;
}

/** Column names: the bare name where only one source has it, else `owner.name`. */
function columnNames(sources: Source[]): string[] {
  const owners = new Map<string, Set<string>>();
  for (const s of sources) owners.set(s.name, (owners.get(s.name) ?? new Set()).add(s.owner));
  const used = new Set<string>();
  return sources.map((s) => {
    let name = (owners.get(s.name)?.size ?? 0) > 1 && s.owner ? `${s.owner}.${s.name}` : s.name;
    for (let i = 2; used.has(name); i++) name = `${s.owner ? `${s.owner}.` : ""}${s.name} (${i})`;
    used.add(name);
    return name;
  });
}

/**
 * Builds the runs table's data from the runs the site shows. Pure.
 *
 * @param runs Runs, newest first.
 * @returns Columns (varying first), the automatic choice and one row per run.
 *
 * @example The table of no runs
 * ```ts
 * import { buildRunsData } from "./runs_data.ts";
 * console.assert(buildRunsData([]).runs.length === 0);
 * ```
 */
export function buildRunsData(runs: SiteRun[]): RunsData {
  const sources = new Map<string, Source>();
  const perRun = runs.map((r) => runCells(r, sources));
  const keys = [...sources.keys()];
  const names = columnNames(keys.map((k) => sources.get(k)!));
  const stats = keys.map((k) => {
    const seen = new Set<string>();
    let numeric = true;
    for (const cells of perRun) {
      const c = cells.get(k);
      if (c === undefined || c === null) continue;
      seen.add(JSON.stringify(c));
      if (typeof c !== "number") numeric = false;
    }
    return { varying: seen.size > 1, numeric: numeric && seen.size > 0 };
  });
  const rank = (i: number) =>
    (stats[i]!.varying ? 0 : 2) + (sources.get(keys[i]!)!.kind === "param" ? 0 : 1);
  const order = keys.map((_, i) => i).sort((a, b) =>
    rank(a) - rank(b) || (names[a]! < names[b]! ? -1 : names[a]! > names[b]! ? 1 : 0)
  );
  const columns: RunsColumn[] = order.map((i) => ({
    name: names[i]!,
    kind: sources.get(keys[i]!)!.kind,
    ...stats[i]!,
  }));
  const varying = columns.filter((c) => c.varying);
  const params = varying.filter((c) => c.kind === "param").slice(0, MAX_AUTO_PARAMS);
  const numbers = varying.filter((c) => c.kind !== "param");
  const auto = [...params, ...numbers].slice(0, MAX_AUTO).map((c) => c.name);
  return {
    v: RUNS_DATA_VERSION,
    columns,
    auto,
    runs: runs.map((run, r) => runsRow(run, order.map((i) => perRun[r]!.get(keys[i]!) ?? null))),
  };
}

function runsRow(run: SiteRun, x: Cell[]): RunsRow {
  const s = run.summary;
  const links = ciLinks(s.ci);
  while (x.length && x.at(-1) === null) x.pop(); // trailing empty cells cost bytes
  return {
    key: run.key,
    id: s.runId,
    pipeline: s.pipeline.name,
    status: run.interrupted ? "interrupted" : s.status,
    trigger: s.trigger,
    branch: s.ci?.branch ?? "",
    commit: s.ci?.commit ?? "",
    ...(s.ci?.pullRequest !== undefined ? { pr: s.ci.pullRequest } : {}),
    ...(links.commitUrl ? { commitUrl: links.commitUrl } : {}),
    ...(links.prUrl ? { prUrl: links.prUrl } : {}),
    startedAt: s.startedAt,
    ...(s.durationSeconds !== undefined ? { duration: s.durationSeconds } : {}),
    counts: statusCounts(s.tasks),
    x,
  };
}

/**
 * The script text of `data/runs.js`: it sets `self.pynbRuns` to a string given to `JSON.parse`
 * (no object literal, so a name such as `__proto__` stays a name; and V8 parses JSON faster),
 * so nothing in the data can run.
 *
 * @param data The runs data.
 * @returns The script.
 *
 * @example A script
 * ```ts
 * import { buildRunsData, runsDataScript } from "./runs_data.ts";
 * console.assert(runsDataScript(buildRunsData([])).startsWith("self.pynbRuns="));
 * ```
 */
export function runsDataScript(data: RunsData): string {
  return `self.pynbRuns=JSON.parse(${JSON.stringify(JSON.stringify(data))});\n`;
}

/**
 * Writes `data/runs.js` into a site, atomically.
 *
 * @param out The site's folder.
 * @param runs Runs, newest first.
 * @returns Bytes written.
 *
 * @example Writing the runs data
 * ```ts ignore
 * await writeRunsData("_site", plan.kept);
 * ```
 */
export async function writeRunsData(out: string, runs: SiteRun[]): Promise<number> {
  const text = runsDataScript(buildRunsData(runs));
  await writeFileAtomic(join(out, RUNS_DATA_FILE), text);
  return text.length;
}
