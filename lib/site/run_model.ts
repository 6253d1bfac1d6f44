/**
 * The view model of a run page: a pure function of the run (and the previous run of its
 * pipeline) giving everything the `run` template shows (DAG and Gantt SVG, tasks failures first,
 * value changes), and the names of the instance pages. No I/O.
 *
 * @module
 */
import type { RunSummary, TaskRecord } from "../log/schema.ts";
import { safeName } from "./_html.ts";
import { type CiLinks, ciLinks } from "./ci_links.ts";
import { type DagNode, renderDagSvg } from "./dag_svg.ts";
import { renderGanttSvg } from "./gantt_svg.ts";
import type { SiteRun } from "./model.ts";
import { formatElapsedPage } from "../_base/time.ts";

/** Task statuses shown first, in this order. */
const PROBLEM_ORDER = ["failed", "timeout", "cancelled", "running", "pending"];

/** Where a run's pages live and how they link to each other. */
export interface RunLinks {
  /** Instance id -> page file name inside `runs/<key>/`. */
  pages: Map<string, string>;
}

/**
 * Gives each instance of a run a unique, safe page name (`<slug>.html`).
 *
 * @param tasks The run's task instances.
 * @returns Page names by instance id.
 *
 * @example Page names
 * ```ts ignore
 * const { pages } = instancePages(run.summary.tasks);
 * ```
 */
export function instancePages(tasks: TaskRecord[]): RunLinks {
  const pages = new Map<string, string>();
  const used = new Set<string>(["index"]);
  for (const t of tasks) {
    let name = safeName(t.slug || t.id);
    for (let i = 2; used.has(name.toLowerCase()); i++) name = `${safeName(t.slug || t.id)}-${i}`;
    used.add(name.toLowerCase());
    pages.set(t.id, `${name}.html`);
  }
  return { pages };
}

function sortTasks(tasks: TaskRecord[]): TaskRecord[] {
  const rank = (s: string) => {
    const i = PROBLEM_ORDER.indexOf(s);
    return i === -1 ? PROBLEM_ORDER.length : i;
  };
  return tasks.map((t, i) => ({ t, i })).sort((a, b) =>
    rank(a.t.status) - rank(b.t.status) || a.i - b.i
  ).map((x) => x.t);
}

/**
 * Counts of task instances by status.
 *
 * @param tasks The instances.
 * @returns Number of instances per status, in order of first appearance.
 *
 * @example Counting
 * ```ts ignore
 * statusCounts(run.summary.tasks); // { succeeded: 5, failed: 1 }
 * ```
 */
export function statusCounts(tasks: TaskRecord[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const t of tasks) counts[t.status] = (counts[t.status] ?? 0) + 1;
  return counts;
}

/**
 * Returns the URL if it is http(s), else undefined: links from run data never run script.
 *
 * @param url A URL from run data (the CI link).
 * @returns The URL, or undefined.
 *
 * @example Only http(s)
 * ```ts
 * import { safeUrl } from "./run_model.ts";
 * console.assert(safeUrl("javascript:alert(1)") === undefined);
 * console.assert(safeUrl("https://github.com/a/b") === "https://github.com/a/b");
 * ```
 */
export function safeUrl(url: string | undefined): string | undefined {
  return url && /^https?:\/\/[^\s]+$/i.test(url) ? url : undefined;
}

/** Above this many instances of one task, the DAG shows the task as one node. */
const GROUP_MATRIX_OVER = 12;
const STATUS_RANK = [
  "failed",
  "timeout",
  "cancelled",
  "running",
  "pending",
  "skipped",
  "succeeded",
];

/**
 * The DAG's nodes: one per instance, except that a task with many matrix instances becomes one
 * node (worst status, counts) so that wide runs stay readable and the page stays small.
 */
function dagNodes(tasks: TaskRecord[], pages: Map<string, string>): DagNode[] {
  const byTask = new Map<string, TaskRecord[]>();
  for (const t of tasks) byTask.set(t.task, [...(byTask.get(t.task) ?? []), t]);
  const grouped = new Set(
    [...byTask].filter(([, ts]) => ts.length > GROUP_MATRIX_OVER).map(([k]) => k),
  );
  const nodeOf = new Map<string, string>();
  for (const t of tasks) {
    nodeOf.set(t.id, grouped.has(t.task) ? `${t.task}[×${byTask.get(t.task)!.length}]` : t.id);
  }
  const nodes = new Map<string, DagNode>();
  for (const t of tasks) {
    const id = nodeOf.get(t.id)!;
    const needs = t.needs.map((n) => nodeOf.get(n) ?? n).filter((n) => n !== id);
    const seen = nodes.get(id);
    if (seen) {
      seen.needs = [...new Set([...seen.needs, ...needs])];
      continue;
    }
    if (grouped.has(t.task)) {
      const all = byTask.get(t.task)!;
      const status = STATUS_RANK.find((st) => all.some((x) => x.status === st)) ?? t.status;
      const bad = all.filter((x) => x.status !== "succeeded").length;
      nodes.set(id, {
        id,
        status,
        href: "#tasks",
        needs,
        detail: bad ? `${bad} of ${all.length} not succeeded` : `${all.length} instances`,
      });
    } else {
      nodes.set(id, {
        id,
        status: t.status,
        href: pages.get(t.id) ?? "#",
        needs,
        ...(t.durationSeconds !== undefined && t.attempts.length > 0
          ? { detail: formatElapsedPage(t.durationSeconds) }
          : {}),
      });
    }
  }
  return [...nodes.values()];
}

/** Options of {@linkcode buildRunPageModel}. */
export interface RunPagesOptions {
  /**
   * The previous run of the same pipeline: numeric values are shown with their change since it.
   * @default undefined (no comparison)
   */
  previous?: SiteRun;
  /**
   * Artifacts larger than this many bytes are listed with a link to the workflow run that keeps
   * them, not copied into the site.
   * @default undefined (every artifact is copied)
   */
  maxArtifactBytes?: number;
  /**
   * Page folder keys of the runs on the site, by run id: a cached instance links to the run that
   * produced it when that run is here.
   * @default none (the producing run is named without a link)
   */
  runKeys?: ReadonlyMap<string, string>;
}

/** Where a cached instance's result came from, for its badge. */
export interface CachedFrom {
  /** The run that produced it. */
  runId: string;
  /** Its run page, when the site shows that run. */
  href?: string;
}

/**
 * The producing run of a cached instance, linked when the site has its pages.
 *
 * @param t The instance.
 * @param root Path from the page to the site root (`../../`).
 * @param runKeys Page folder keys of the site's runs, by run id.
 * @returns `undefined` for an instance that ran.
 *
 * @example A cached instance whose run is on the site
 * ```ts
 * import { cachedFrom } from "./run_model.ts";
 * const got = cachedFrom({ cached: true, cachedFrom: "r1" }, "../../", new Map([["r1", "r1"]]));
 * console.assert(got?.href === "../../runs/r1/index.html");
 * ```
 */
export function cachedFrom(
  t: Pick<TaskRecord, "cached" | "cachedFrom">,
  root: string,
  runKeys: ReadonlyMap<string, string> | undefined,
): CachedFrom | undefined {
  if (t.cached !== true || t.cachedFrom === undefined) return undefined;
  const key = runKeys?.get(t.cachedFrom);
  return key === undefined
    ? { runId: t.cachedFrom }
    : { runId: t.cachedFrom, href: `${root}runs/${key}/index.html` };
}

/** A numeric value's change since the previous run, for display. */
export interface ValueDelta {
  /** `+0.02`, `-3`. */
  text: string;
  /** `up`, `down` or `same` (a CSS class). */
  dir: "up" | "down" | "same";
}

/** Numeric value changes by instance id and value name. */
function valueDeltas(
  run: SiteRun,
  previous: SiteRun | undefined,
): Map<string, Map<string, ValueDelta>> {
  const out = new Map<string, Map<string, ValueDelta>>();
  if (!previous) return out;
  const before = new Map(previous.summary.tasks.map((t) => [t.id, t.values]));
  for (const t of run.summary.tasks) {
    const old = before.get(t.id);
    if (!old) continue;
    const m = new Map<string, ValueDelta>();
    for (const [k, v] of Object.entries(t.values)) {
      const p = old[k];
      if (typeof v !== "number" || typeof p !== "number") continue;
      const d = Number((v - p).toPrecision(4));
      if (d === 0) continue;
      // Neutral colours: whether up is good depends on the value (accuracy vs loss).
      m.set(k, {
        text: d > 0 ? `▲ +${d}` : d < 0 ? `▼ ${d}` : "= 0",
        dir: d > 0 ? "up" : d < 0 ? "down" : "same",
      });
    }
    out.set(t.id, m);
  }
  return out;
}

/** What every page of a run shows about the run. */
export interface RunCommon {
  /** Relative path from a run page to the site root. */
  root: string;
  /** The run. */
  run: Pick<SiteRun, "key" | "interrupted" | "summary">;
  /** Its summary. */
  s: RunSummary;
  /** Instance id -> page file name. */
  pages: Map<string, string>;
  /** Instances by status. */
  counts: Record<string, number>;
  /** The CI run's link, when it is http(s). */
  ciUrl: string | undefined;
  /** Links to the commit and the pull request on GitHub. */
  links: CiLinks;
  /** Where a cached instance came from (`undefined` for one that ran). */
  cachedFrom: (t: TaskRecord) => CachedFrom | undefined;
}

/** The view model of a run's index page. */
export interface RunPageModel extends RunCommon {
  /** Path of the page in the site. */
  path: string;
  /** The page's title. */
  pageTitle: string;
  /** Instances, failures first. */
  tasks: TaskRecord[];
  /** The previous run of the pipeline, values are compared with. */
  previous: SiteRun | undefined;
  /** Changes of numeric values since `previous`, by instance id and value name. */
  deltas: Map<string, Map<string, ValueDelta>>;
  /** The DAG, as SVG. */
  dag: string;
  /** The Gantt timeline, as SVG. */
  gantt: string;
}

/**
 * Builds the view model of a run's index page. Pure.
 *
 * @param run The run.
 * @param options The previous run of the same pipeline.
 * @returns The model the `run` template renders.
 *
 * @example A run page model
 * ```ts ignore
 * const model = buildRunPageModel(run, { previous });
 * console.log(model.pages.get("eda")); // "eda.html"
 * ```
 */
export function buildRunPageModel(run: SiteRun, options: RunPagesOptions = {}): RunPageModel {
  const s = run.summary;
  const { pages } = instancePages(s.tasks);
  return {
    root: "../../",
    path: `runs/${run.key}/index.html`,
    pageTitle: `${s.pipeline.name} · ${s.runId}`,
    run: { key: run.key, interrupted: run.interrupted, summary: s },
    s,
    pages,
    counts: statusCounts(s.tasks),
    ciUrl: safeUrl(s.ci?.url),
    links: ciLinks(s.ci),
    cachedFrom: (t) => cachedFrom(t, "../../", options.runKeys),
    tasks: sortTasks(s.tasks),
    previous: options.previous,
    deltas: valueDeltas(run, options.previous),
    dag: renderDagSvg(dagNodes(s.tasks, pages)),
    gantt: ganttSvg(s, pages),
  };
}

function ganttSvg(s: RunSummary, pages: Map<string, string>): string {
  const runEnd = Date.parse(s.endedAt ?? "") || undefined;
  return renderGanttSvg(s.tasks.map((t) => ({
    id: t.id,
    href: pages.get(t.id) ?? "#",
    bars: t.attempts.flatMap((a) => {
      const start = Date.parse(a.startedAt);
      const end = Date.parse(a.endedAt ?? "") ||
        (a.durationSeconds !== undefined ? start + a.durationSeconds * 1000 : runEnd ?? start);
      return Number.isNaN(start) ? [] : [{ attempt: a.attempt, status: a.status, start, end }];
    }),
  })));
}
