/**
 * Renders the pages that span runs: the runs list, one experiment page per task (every run of the
 * task side by side, values over runs, a comparison of selected runs) and the problems page.
 *
 * @module
 */
import { join } from "node:path";
import { formatTime, formatValue, safeName } from "./_html.ts";
import type { SiteProblem, SiteRun } from "./model.ts";
import type { PageContext } from "./page.ts";
import { instancePages, safeUrl, statusCounts } from "./run_model.ts";
import { formatElapsedPage } from "../_base/time.ts";
import { ciLinks } from "./ci_links.ts";

// The experiment pages have their own module; build.ts finds every cross-run page here.
export { renderExperiments } from "./experiment_page.ts";

const fmt = { duration: formatElapsedPage, time: formatTime, value: formatValue };
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
