/**
 * Builds the static website from run folders: read and validate the runs, merge them into the
 * history of a previously published site, prune, render the pages that changed, write the
 * history file and the assets.
 *
 * @module
 */
import { join, resolve } from "node:path";
import { UserError } from "../errors.ts";
import { VERSION } from "../version.ts";
import { safeName } from "./_html.ts";
import { loadRuns } from "./load.ts";
import {
  type History,
  HISTORY_FORMAT_VERSION,
  HistorySchema,
  type SiteProblem,
  type SiteRun,
  sortRuns,
} from "./model.ts";
import { renderExperiments, renderIndex, renderProblems } from "./overview_pages.ts";
import { pageContext } from "./page.ts";
import { renderRunPages } from "./run_pages.ts";
import { DEFAULT_SITE_BASE, loadSiteFiles } from "./templates.ts";

/**
 * The published site given to `--previous` cannot be used.
 *
 * @example Catching it
 * ```ts
 * import { PreviousSiteError } from "./build.ts";
 * const err = new PreviousSiteError("old-site", "Cannot read the previous site 'old-site'");
 * console.assert(err.name === "PreviousSiteError" && err.folder === "old-site");
 * ```
 */
export class PreviousSiteError extends UserError {
  /** The folder. */
  folder: string;
  /**
   * @param folder The previous site's folder.
   * @param message What is wrong.
   * @param options The cause.
   */
  constructor(folder: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PreviousSiteError";
    this.folder = folder;
  }
}

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
}

/** Path of the history file inside a site. */
export const HISTORY_FILE = "data/history.json";

/**
 * Reads `data/history.json` of a published site.
 *
 * @param folder The site's folder.
 * @returns The history, or undefined when the folder does not exist (a first publication).
 * @throws {PreviousSiteError} When the folder exists but its history is missing or invalid.
 *
 * @example Reading a history
 * ```ts ignore
 * const history = await readHistory("previous-site");
 * ```
 */
export async function readHistory(folder: string): Promise<History | undefined> {
  try {
    await Deno.stat(folder);
  } catch {
    return undefined;
  }
  const path = join(folder, HISTORY_FILE);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    throw new PreviousSiteError(
      folder,
      `Cannot read the previous site '${folder}': it has no ${HISTORY_FILE}. Pass the folder of ` +
        `a site built by 'cli.ts site', or leave out --previous.`,
      { cause: err },
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new PreviousSiteError(
      folder,
      `Cannot read '${path}': it is not valid JSON (${(err as Error).message})`,
      { cause: err },
    );
  }
  const parsed = HistorySchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PreviousSiteError(
      folder,
      `Cannot read '${path}': it does not match the history format at ${
        issue?.path.join(".") || "the top level"
      }: ${issue?.message}`,
      { cause: parsed.error },
    );
  }
  return parsed.data;
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

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function copyDir(src: string, dest: string): Promise<void> {
  await Deno.mkdir(dest, { recursive: true });
  for await (const e of Deno.readDir(src)) {
    if (e.isDirectory) await copyDir(join(src, e.name), join(dest, e.name));
    else if (e.isFile) await Deno.copyFile(join(src, e.name), join(dest, e.name));
  }
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

  const all = new Map<string, SiteRun>();
  const usedKeys = new Set<string>();
  for (const h of history?.runs ?? []) {
    all.set(h.summary.runId, { key: h.key, summary: h.summary, interrupted: h.interrupted });
    usedKeys.add(h.key.toLowerCase());
  }
  const fresh = new Set<string>();
  for (const run of loaded.runs) {
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
  const keptIds = new Set(kept.map((r) => r.summary.runId));
  // Cached instances link to the run that produced them, when the site shows it.
  const runKeys = new Map(kept.map((r) => [r.summary.runId, r.key]));

  await Deno.mkdir(join(out, "assets"), { recursive: true });
  await Deno.mkdir(join(out, "data"), { recursive: true });
  const ctx = pageContext(files.eta, {
    out,
    title,
    baseUrl: options.baseUrl ?? "",
    problemCount: loaded.problems.length,
  });
  let pages = 0;
  let rendered = 0;
  let carried = 0;
  // Each run is compared with the previous run of the same pipeline (kept is newest first).
  const previousOf = new Map<string, SiteRun>();
  kept.forEach((run, i) => {
    const prev = kept.slice(i + 1).find((r) =>
      r.summary.pipeline.name === run.summary.pipeline.name && !r.interrupted
    );
    if (prev) previousOf.set(run.summary.runId, prev);
  });
  for (const run of kept) {
    const runDir = join(out, "runs", run.key);
    if (!fresh.has(run.summary.runId)) {
      const prevRunDir = previousDir ? join(previousDir, "runs", run.key) : undefined;
      if (prevRunDir && resolve(prevRunDir) === resolve(runDir) && await exists(runDir)) {
        carried++;
        continue;
      }
      if (prevRunDir && await exists(prevRunDir)) {
        await Deno.remove(runDir, { recursive: true }).catch(() => {});
        await copyDir(prevRunDir, runDir);
        carried++;
        continue;
      }
    }
    // New runs, and old ones whose pages are gone: render from the summary.
    const previous = previousOf.get(run.summary.runId);
    pages += (await renderRunPages(run, ctx, { ...(previous ? { previous } : {}), runKeys }))
      .pages;
    rendered++;
  }
  for (const [id, run] of all) {
    if (!keptIds.has(id) && history?.runs.some((h) => h.key === run.key)) {
      await Deno.remove(join(out, "runs", run.key), { recursive: true }).catch(() => {});
    }
  }
  await renderIndex(kept, ctx);
  pages += 1 + await renderExperiments(kept, ctx);
  await renderProblems(loaded.problems, ctx);
  pages += 1;
  for (const [name, text] of Object.entries(files.assets)) {
    await Deno.writeTextFile(join(out, "assets", name), text);
  }
  const newHistory: History = {
    historyFormatVersion: HISTORY_FORMAT_VERSION,
    generator: `pynb-dag-runner ${VERSION}`,
    title,
    builtAt: (options.now ?? new Date()).toISOString(),
    runs: kept.map((r) => ({ key: r.key, interrupted: r.interrupted, summary: r.summary })),
  };
  const tmp = join(out, `${HISTORY_FILE}.tmp`);
  await Deno.writeTextFile(tmp, JSON.stringify(newHistory));
  await Deno.rename(tmp, join(out, HISTORY_FILE));
  await Deno.writeTextFile(join(out, ".nojekyll"), "");
  return {
    out,
    runs: kept.length,
    rendered,
    carried,
    pruned: all.size - kept.length,
    pages,
    problems: loaded.problems,
  };
}
