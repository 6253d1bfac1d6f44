/**
 * Builds the static website from run folders: read and validate the runs, merge them into the
 * history of a previously published site, prune, render the pages that changed, write the
 * history file and the assets.
 *
 * @module
 */
import { join, resolve } from "node:path";
import { exists } from "../_base/fs.ts";
import { VERSION } from "../version.ts";
import { safeName } from "./_html.ts";
import { loadRuns } from "./load.ts";
import { readHistory, writeHistory } from "./history.ts";
import { carryBlobs, removeUnusedBlobs } from "./blob_store.ts";
import {
  type History,
  HISTORY_FORMAT_VERSION,
  type SiteProblem,
  type SiteRun,
  sortRuns,
} from "./model.ts";
import { renderExperiments, renderIndex, renderProblems } from "./overview_pages.ts";
import { type PageContext, pageContext } from "./page.ts";
import { writeRunPages } from "./run_pages.ts";
import { writeRunsData } from "./runs_data.ts";
import { ensureRunData } from "./run_data.ts";
import { renderCompare } from "./compare_page.ts";
import { DEFAULT_SITE_BASE, loadSiteFiles } from "./templates.ts";

/** Options of {@linkcode buildSite}. */
export interface BuildSiteOptions {
  /** Output folder; created if needed. */
  out: string;
  /**
   * Site title.
   * @default "Pipeline runs"
   */
  title?: string;
  /**
   * Public base URL of the site (`/repo/` or `https://owner.github.io/repo/`); links stay relative.
   * @default ""
   */
  baseUrl?: string;
  /** Folder of a previously published site whose `data/history.json` is extended. */
  previous?: string;
  /** Keep only the newest N runs. */
  keepRuns?: number;
  /** Keep only runs started within the last D days (relative to `now`). */
  keepDays?: number;
  /**
   * Artifacts larger than this many bytes are not copied into the site; their page links to
   * the workflow run that keeps them.
   * @default undefined (every artifact is copied)
   */
  maxArtifactBytes?: number;
  /**
   * The current time, for `keepDays`.
   * @default new Date()
   */
  now?: Date;
  /**
   * URL of the `site/` folder holding templates and assets.
   * @default the `site/` folder next to `lib/`
   */
  siteBase?: URL;
}

/** What a build did. */
export interface BuildReport {
  /** Output folder. */
  out: string;
  /** Runs in the site. */
  runs: number;
  /** Runs whose pages were rendered in this build. */
  rendered: number;
  /** Runs carried over from the previous site without re-rendering. */
  carried: number;
  /** Runs removed by `keepRuns` / `keepDays`. */
  pruned: number;
  /** Pages written. */
  pages: number;
  /** Unreadable or duplicate run folders. */
  problems: SiteProblem[];
  /**
   * Files of the runs that were not read: links, special files, recorded paths that leave their
   * run folder. One sentence each, naming the file.
   */
  warnings: string[];
}

function prune(runs: SiteRun[], options: BuildSiteOptions): SiteRun[] {
  let kept = sortRuns(runs);
  if (options.keepDays !== undefined) {
    const limit = (options.now ?? new Date()).getTime() - options.keepDays * 86_400_000;
    kept = kept.filter((r) => (Date.parse(r.summary.startedAt) || 0) >= limit);
  }
  if (options.keepRuns !== undefined) kept = kept.slice(0, options.keepRuns);
  return kept;
}

async function copyDir(src: string, dest: string): Promise<void> {
  await Deno.mkdir(dest, { recursive: true });
  for await (const e of Deno.readDir(src)) {
    if (e.isDirectory) await copyDir(join(src, e.name), join(dest, e.name));
    else if (e.isFile) await Deno.copyFile(join(src, e.name), join(dest, e.name));
  }
}

/** Which runs a build shows, and what it does with each: built from the inputs and history. */
export interface SitePlan {
  /** Every run known (history and inputs), by run id. */
  all: Map<string, SiteRun>;
  /** The runs shown after pruning, newest first. */
  kept: SiteRun[];
  /** Ids of the runs read from run folders in this build. */
  fresh: Set<string>;
  /** The previous run of the same pipeline, by run id (for value changes). */
  previousOf: Map<string, SiteRun>;
}

/**
 * Plans a build: merges the runs read now into the previous site's history (a run keeps its
 * key across builds), prunes, and pairs each run with the previous complete run of its
 * pipeline. Pure.
 *
 * @param loaded Runs read from the run folders, with keys.
 * @param history The previous site's history, if any.
 * @param options `keepRuns`, `keepDays`, `now`.
 * @returns The plan.
 *
 * @example Planning without history
 * ```ts ignore
 * const plan = planSite(loaded.runs, undefined, { out: "_site" });
 * ```
 */
export function planSite(
  loaded: SiteRun[],
  history: History | undefined,
  options: BuildSiteOptions,
): SitePlan {
  const all = new Map<string, SiteRun>();
  const usedKeys = new Set<string>();
  for (const h of history?.runs ?? []) {
    all.set(h.summary.runId, { key: h.key, summary: h.summary, interrupted: h.interrupted });
    usedKeys.add(h.key.toLowerCase());
  }
  const fresh = new Set<string>();
  for (const run of loaded) {
    const prev = all.get(run.summary.runId);
    let key = prev?.key ?? safeName(run.summary.runId);
    if (!prev) {
      for (let i = 2; usedKeys.has(key.toLowerCase()); i++) {
        key = `${safeName(run.summary.runId)}-${i}`;
      }
      usedKeys.add(key.toLowerCase());
    }
    all.set(run.summary.runId, { ...run, key });
    fresh.add(run.summary.runId);
  }
  const kept = prune([...all.values()], options);
  // Each run is compared with the previous run of the same pipeline (kept is newest first).
  const previousOf = new Map<string, SiteRun>();
  kept.forEach((run, i) => {
    const prev = kept.slice(i + 1).find((r) =>
      r.summary.pipeline.name === run.summary.pipeline.name && !r.interrupted
    );
    if (prev) previousOf.set(run.summary.runId, prev);
  });
  return { all, kept, fresh, previousOf };
}

/** What {@linkcode writeRuns} did. */
export interface RunsWritten {
  /** Pages rendered. */
  pages: number;
  /** Runs rendered. */
  rendered: number;
  /** Runs whose pages were kept from the previous site. */
  carried: number;
}

/**
 * Writes the pages of every kept run: renders the runs read now (and old ones whose pages are
 * gone), carries the pages of the others over from the previous site, and removes the pages of
 * pruned runs.
 *
 * @param plan The build's plan.
 * @param ctx The page context.
 * @param previous The previous site's folder and history, if any, and the artifact size cap.
 * @returns Counts of what was written.
 *
 * @example Writing the runs
 * ```ts ignore
 * const counts = await writeRuns(planSite(runs, undefined, options), ctx);
 * ```
 */
export async function writeRuns(
  plan: SitePlan,
  ctx: PageContext,
  previous: {
    dir?: string | undefined;
    history?: History | undefined;
    maxArtifactBytes?: number | undefined;
  } = {},
): Promise<RunsWritten> {
  const counts: RunsWritten = { pages: 0, rendered: 0, carried: 0 };
  // Cached instances link to the run that produced them, when the site shows it.
  const runKeys = new Map(plan.kept.map((r) => [r.summary.runId, r.key]));
  for (const run of plan.kept) {
    const runDir = join(ctx.out, "runs", run.key);
    if (!plan.fresh.has(run.summary.runId)) {
      const prevRunDir = previous.dir ? join(previous.dir, "runs", run.key) : undefined;
      if (prevRunDir && resolve(prevRunDir) === resolve(runDir) && await exists(runDir)) {
        counts.carried++;
        continue;
      }
      if (prevRunDir && await exists(prevRunDir)) {
        await Deno.remove(runDir, { recursive: true }).catch(() => {});
        await copyDir(prevRunDir, runDir);
        await carryBlobs(runDir, previous.dir!, ctx.out);
        counts.carried++;
        continue;
      }
    }
    // New runs, and old ones whose pages are gone: render from the summary.
    const prev = plan.previousOf.get(run.summary.runId);
    counts.pages += (await writeRunPages(run, ctx, {
      ...(prev ? { previous: prev } : {}),
      ...(previous.maxArtifactBytes !== undefined
        ? { maxArtifactBytes: previous.maxArtifactBytes }
        : {}),
      runKeys,
    })).pages;
    counts.rendered++;
  }
  const keptIds = new Set(plan.kept.map((r) => r.summary.runId));
  for (const [id, run] of plan.all) {
    if (!keptIds.has(id) && previous.history?.runs.some((h) => h.key === run.key)) {
      await Deno.remove(join(ctx.out, "runs", run.key), { recursive: true }).catch(() => {});
    }
  }
  return counts;
}

/**
 * Builds the website.
 *
 * @param inputs Run folders or folders of run folders.
 * @param options Output folder, title, history and pruning options.
 * @returns What was built.
 * @throws {UserError} When an input or the previous site cannot be used (nothing is written).
 *
 * @example Building a site
 * ```ts ignore
 * import { buildSite } from "./build.ts";
 * const report = await buildSite(["runs"], { out: "_site" });
 * console.log(`${report.runs} runs`);
 * ```
 */
export async function buildSite(inputs: string[], options: BuildSiteOptions): Promise<BuildReport> {
  const out = resolve(options.out);
  // Everything that can fail because of the user's input happens before the first write.
  const previousDir = options.previous ? resolve(options.previous) : undefined;
  const loaded = await loadRuns(inputs, { skip: previousDir ? [out, previousDir] : [out] });
  const history = previousDir ? await readHistory(previousDir) : undefined;
  const files = await loadSiteFiles(options.siteBase ?? DEFAULT_SITE_BASE);
  const title = options.title ?? history?.title ?? "Pipeline runs";
  const plan = planSite(loaded.runs, history, options);

  await Deno.mkdir(join(out, "assets"), { recursive: true });
  await Deno.mkdir(join(out, "data"), { recursive: true });
  const ctx = pageContext(files.eta, {
    out,
    title,
    baseUrl: options.baseUrl ?? "",
    problemCount: loaded.problems.length,
  });
  const written = await writeRuns(plan, ctx, {
    dir: previousDir,
    history,
    maxArtifactBytes: options.maxArtifactBytes,
  });
  await renderIndex(plan.kept, ctx);
  await writeRunsData(out, plan.kept);
  await ensureRunData(out, plan.kept);
  await renderCompare(ctx);
  const pages = written.pages + 2 + await renderExperiments(plan.kept, ctx);
  await renderProblems(loaded.problems, ctx);
  await removeUnusedBlobs(out, plan.kept.map((r) => r.key));
  for (const [name, text] of Object.entries(files.assets)) {
    await Deno.writeTextFile(join(out, "assets", name), text);
  }
  await writeHistory(out, {
    historyFormatVersion: HISTORY_FORMAT_VERSION,
    generator: `pynb-dag-runner ${VERSION}`,
    title,
    builtAt: (options.now ?? new Date()).toISOString(),
    runs: plan.kept.map((r) => ({ key: r.key, interrupted: r.interrupted, summary: r.summary })),
  });
  await Deno.writeTextFile(join(out, ".nojekyll"), "");
  return {
    out,
    runs: plan.kept.length,
    rendered: written.rendered,
    carried: written.carried,
    pruned: plan.all.size - plan.kept.length,
    pages: pages + 1,
    problems: loaded.problems,
    warnings: loaded.runs.flatMap((r) => r.files?.warnings ?? []),
  };
}
