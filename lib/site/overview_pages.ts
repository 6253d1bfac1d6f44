/**
 * Renders the pages that span runs: the runs list, one experiment page per task (every run of the
 * task side by side, values over runs, a comparison of selected runs) and the problems page.
 *
 * @module
 */
import { join } from "node:path";
import type { JsonValue } from "../_base/json.ts";
import { formatTime, formatValue, safeName } from "./_html.ts";
import { type ChartSeries, renderLineChart } from "./chart_svg.ts";
import type { SiteProblem, SiteRun } from "./model.ts";
import type { PageContext } from "./page.ts";
import { instancePages, safeUrl, statusCounts } from "./run_model.ts";
import { formatElapsedPage } from "../_base/time.ts";
import { ciLinks } from "./ci_links.ts";

const fmt = { duration: formatElapsedPage, time: formatTime, value: formatValue };
/** Most runs in an experiment's comparison table (the newest). */
const MAX_COMPARE = 60;
/** Runs listed in the runs page's HTML (the newest); the script shows every run. */
const STATIC_ROWS = 50;

/**
 * Writes `index.html`: runs newest first with status, trigger, branch, commit, start, duration
 * and task counts, filterable by status, trigger and branch.
 *
 * @param runs Runs, newest first.
 * @param ctx The page context.
 * @returns Bytes written.
 *
 * @example Runs list
 * ```ts ignore
 * await renderIndex(runs, ctx);
 * ```
 */
export async function renderIndex(runs: SiteRun[], ctx: PageContext): Promise<number> {
  // Without scripts the page lists the newest runs; the table of every run is drawn from
  // data/runs.js, so the page's weight does not grow with the history.
  const rows = runs.slice(0, STATIC_ROWS).map((run) => ({
    run,
    links: ciLinks(run.summary.ci),
    s: run.summary,
    counts: statusCounts(run.summary.tasks),
    branch: run.summary.ci?.branch ?? "",
    commit: run.summary.ci?.commit?.slice(0, 7) ?? "",
    ciUrl: safeUrl(run.summary.ci?.url),
  }));
  const uniq = (xs: string[]) => [...new Set(xs.filter((x) => x))].sort();
  const tasks = new Map<string, number>();
  for (const r of runs) {
    for (const t of new Set(r.summary.tasks.map((t) => t.task))) {
      tasks.set(t, (tasks.get(t) ?? 0) + 1);
    }
  }
  // The newest run, with what failed in it: the first question anyone opening the site has.
  const newest = runs[0];
  const latest = newest && {
    run: newest,
    failures: (() => {
      const { pages } = instancePages(newest.summary.tasks);
      return newest.summary.tasks.filter((t) =>
        ["failed", "timeout", "cancelled"].includes(t.status)
      )
        .map((t) => ({
          t,
          href: `runs/${newest.key}/${pages.get(t.id)}`,
          error: t.attempts.findLast((a) => a.error)?.error,
        }));
    })(),
  };
  const html = ctx.page("index", {
    root: "",
    path: "index.html",
    latest,
    pageTitle: ctx.title,
    rows,
    fmt,
    statuses: uniq(runs.map((r) => r.interrupted ? "interrupted" : r.summary.status)),
    triggers: uniq(runs.map((r) => r.summary.trigger)),
    total: runs.length,
    branches: uniq(runs.map((r) => r.summary.ci?.branch ?? "")),
    tasks: [...tasks.entries()].sort((a, b) => a[0] < b[0] ? -1 : 1).map(([name, n]) => ({
      name,
      runs: n,
      href: `experiments/${safeName(name)}.html`,
    })),
  });
  await Deno.writeTextFile(join(ctx.out, "index.html"), html);
  return html.length;
}

/** One instance of the task in one run, a row of the experiment page. */
interface ExperimentEntry {
  run: SiteRun;
  col: string;
  id: string;
  status: string;
  startedAt: string;
  duration: number | undefined;
  href: string;
  parameters: Record<string, JsonValue>;
  values: Record<string, JsonValue>;
  metrics: Record<string, number>;
}

/**
 * Writes `experiments/<task>.html` for every task name found in the runs.
 *
 * @param runs Runs, newest first.
 * @param ctx The page context.
 * @returns Number of pages written.
 *
 * @example Experiments
 * ```ts ignore
 * await renderExperiments(runs, ctx);
 * ```
 */
export async function renderExperiments(runs: SiteRun[], ctx: PageContext): Promise<number> {
  const byTask = new Map<string, ExperimentEntry[]>();
  for (const run of runs) {
    const { pages } = instancePages(run.summary.tasks);
    for (const t of run.summary.tasks) {
      const metrics: Record<string, number> = {};
      for (const m of t.metrics) metrics[m.name] = m.value; // the last one logged wins
      const list = byTask.get(t.task) ?? [];
      list.push({
        run,
        col: `c${list.length}`,
        id: t.id,
        status: t.status,
        startedAt: t.startedAt ?? run.summary.startedAt,
        duration: t.durationSeconds,
        href: `../runs/${run.key}/${pages.get(t.id)}`,
        parameters: t.parameters,
        values: t.values,
        metrics,
      });
      byTask.set(t.task, list);
    }
  }
  await Deno.mkdir(join(ctx.out, "experiments"), { recursive: true });
  for (const [task, entries] of byTask) {
    const keys = (pick: (e: ExperimentEntry) => Record<string, unknown>) =>
      [...new Set(entries.flatMap((e) => Object.keys(pick(e))))].sort();
    const paramKeys = keys((e) => e.parameters);
    const varying = paramKeys.filter((k) =>
      new Set(entries.map((e) => JSON.stringify(e.parameters[k] ?? null))).size > 1
    );
    const valueKeys = keys((e) => e.values);
    const metricKeys = keys((e) => e.metrics);
    const numeric = [
      ...valueKeys.filter((k) => entries.some((e) => typeof e.values[k] === "number")).map((k) => ({
        name: k,
        get: (e: ExperimentEntry) => e.values[k],
      })),
      ...metricKeys.filter((k) => !valueKeys.includes(k)).map((k) => ({
        name: k,
        get: (e: ExperimentEntry) => e.metrics[k],
      })),
    ];
    const charts = numeric.map(({ name, get }) => {
      const series = new Map<string, ChartSeries>();
      for (const e of entries) {
        const y = get(e);
        const x = Date.parse(e.run.summary.startedAt);
        if (typeof y !== "number" || Number.isNaN(x)) continue;
        const s = series.get(e.id) ?? { name: e.id, points: [] };
        s.points.push({ x, y, label: `${y} (${e.run.summary.runId})`, href: e.href });
        series.set(e.id, s);
      }
      return { name, svg: renderLineChart([...series.values()], { timeAxis: true, title: name }) };
    });
    const compare = entries.slice(0, MAX_COMPARE);
    const html = ctx.page("experiment", {
      root: "../",
      path: `experiments/${safeName(task)}.html`,
      pageTitle: `${task} · experiments`,
      task,
      entries,
      compare,
      paramKeys,
      varying,
      valueKeys,
      metricKeys,
      charts,
      fmt,
    });
    await Deno.writeTextFile(join(ctx.out, "experiments", `${safeName(task)}.html`), html);
  }
  return byTask.size;
}

/**
 * Writes `problems.html`: run folders that could not be read or were duplicates, and why.
 *
 * @param problems The problems.
 * @param ctx The page context.
 *
 * @example Problems
 * ```ts ignore
 * await renderProblems(problems, ctx);
 * ```
 */
export async function renderProblems(problems: SiteProblem[], ctx: PageContext): Promise<void> {
  const html = ctx.page("problems", {
    root: "",
    path: "problems.html",
    pageTitle: "Problems",
    problems,
  });
  await Deno.writeTextFile(join(ctx.out, "problems.html"), html);
}
