/**
 * Renders one experiment page per task (`experiments/<task>.html`) and its data file. The page
 * has a fixed size whatever the history's length: the newest instances in a table, small
 * server-drawn charts of the newest runs and sentences stating the data (what a reader without
 * scripts gets); the browser draws the interactive charts from `data/experiments/<task>.js`.
 *
 * @module
 */
import { join } from "node:path";
import { formatTime, formatValue, safeName } from "./_html.ts";
import { type ChartSeries, renderLineChart } from "./chart_svg.ts";
import { experimentData, experimentDataScript, type ExperimentEntry } from "./experiment_data.ts";
import type { SiteRun } from "./model.ts";
import type { PageContext } from "./page.ts";
import { instancePages } from "./run_model.ts";
import { formatElapsedPage } from "../_base/time.ts";

const fmt = { duration: formatElapsedPage, time: formatTime, value: formatValue };
/** Instances in the page's table (the newest): the rest are in the data file. */
export const MAX_TABLE_ROWS = 50;
/** Runs drawn by the server-side charts (the newest). */
export const MAX_STATIC_RUNS = 60;

/** Collects the instances of every task, newest run first. */
function entriesByTask(runs: SiteRun[]): Map<string, ExperimentEntry[]> {
  const byTask = new Map<string, ExperimentEntry[]>();
  for (const run of runs) {
    const { pages } = instancePages(run.summary.tasks);
    for (const t of run.summary.tasks) {
      const metrics: Record<string, number> = {};
      for (const m of t.metrics) metrics[m.name] = m.value; // the last one logged wins
      const list = byTask.get(t.task) ?? [];
      list.push({
        run,
        id: t.id,
        status: t.status,
        startedAt: t.startedAt ?? run.summary.startedAt,
        duration: t.durationSeconds,
        href: `../runs/${run.key}/${pages.get(t.id)}`,
        parameters: t.parameters,
        values: t.values,
        metrics,
        history: t.metrics.map((m) => ({ name: m.name, value: m.value, step: m.step ?? null })),
      });
      byTask.set(t.task, list);
    }
  }
  return byTask;
}

/** A sentence stating one number's data over runs: the text alternative of its charts. */
export function describeNumber(
  name: string,
  points: { value: number; runId: string; id: string }[],
): string {
  if (!points.length) return `${name}: no value logged.`;
  const latest = points[0]!;
  let lo = latest;
  let hi = latest;
  for (const p of points) {
    if (p.value < lo.value) lo = p;
    if (p.value > hi.value) hi = p;
  }
  const n = (v: number) => String(Number(v.toPrecision(6)));
  return `${name} over ${points.length} instances: latest ${n(latest.value)} (${latest.id}, ` +
    `run ${latest.runId}); lowest ${n(lo.value)} (run ${lo.runId}); highest ${n(hi.value)} ` +
    `(run ${hi.runId}).`;
}

function staticCharts(entries: ExperimentEntry[], numbers: string[], valueNames: Set<string>) {
  const newestRuns = new Set<string>();
  for (const e of entries) {
    if (newestRuns.size >= MAX_STATIC_RUNS) break;
    newestRuns.add(e.run.summary.runId);
  }
  return numbers.map((name) => {
    const get = (e: ExperimentEntry) => valueNames.has(name) ? e.values[name] : e.metrics[name];
    const series = new Map<string, ChartSeries>();
    const points: { value: number; runId: string; id: string }[] = [];
    for (const e of entries) {
      const y = get(e);
      if (typeof y !== "number" || !Number.isFinite(y)) continue;
      points.push({ value: y, runId: e.run.summary.runId, id: e.id });
      const x = Date.parse(e.run.summary.startedAt);
      if (!newestRuns.has(e.run.summary.runId) || Number.isNaN(x)) continue;
      const s = series.get(e.id) ?? { name: e.id, points: [] };
      s.points.push({ x, y, label: `${y} (${e.run.summary.runId})`, href: e.href });
      series.set(e.id, s);
    }
    return {
      name,
      text: describeNumber(name, points),
      svg: renderLineChart([...series.values()], { timeAxis: true, title: name }),
    };
  });
}

/**
 * Writes `experiments/<task>.html` and `data/experiments/<task>.js` for every task in the runs.
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
  const byTask = entriesByTask(runs);
  await Deno.mkdir(join(ctx.out, "experiments"), { recursive: true });
  await Deno.mkdir(join(ctx.out, "data", "experiments"), { recursive: true });
  for (const [task, entries] of byTask) {
    const data = experimentData(task, entries);
    const name = safeName(task);
    await Deno.writeTextFile(
      join(ctx.out, "data", "experiments", `${name}.js`),
      experimentDataScript(data),
    );
    const valueNames = new Set(
      entries.flatMap((e) => Object.keys(e.values).filter((k) => typeof e.values[k] === "number")),
    );
    const shown = entries.slice(0, MAX_TABLE_ROWS).map((e, i) => ({ ...e, col: `c${i}` }));
    const html = ctx.page("experiment", {
      root: "../",
      path: `experiments/${name}.html`,
      pageTitle: `${task} · experiments`,
      task,
      total: entries.length,
      runCount: data.runs.length,
      entries: shown,
      compare: shown,
      paramKeys: data.params,
      varying: data.params.slice(0, data.varying),
      valueKeys: [...valueNames].sort(),
      metricKeys: [...new Set(entries.flatMap((e) => Object.keys(e.metrics)))].sort(),
      charts: staticCharts(entries, data.numbers, valueNames),
      staticRuns: Math.min(MAX_STATIC_RUNS, data.runs.length),
      dataSrc: `../data/experiments/${name}.js`,
      fmt,
    });
    await Deno.writeTextFile(join(ctx.out, "experiments", `${name}.html`), html);
  }
  return byTask.size;
}
