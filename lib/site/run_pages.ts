/**
 * Renders and writes one run's pages: the run page (DAG, Gantt, task table, failures first) and
 * a page per task instance (parameters, values, metrics, artifacts, notebook, stderr, error),
 * with the run's notebooks, stderr and artifacts copied next to them. Three parts: the view
 * models are built by pure functions (`run_model.ts`, `instance_model.ts`), rendered here by the
 * templates, and written by {@linkcode writeRunPages}, which also copies the files
 * (`instance_files.ts`).
 *
 * @module
 */
import { join } from "node:path";
import { formatTime, formatValue, safeName } from "./_html.ts";
import { BLOB_LIST, BlobStore } from "./blob_store.ts";
import { copyInstanceFiles } from "./instance_files.ts";
import { buildInstancePageModel, type InstancePageModel } from "./instance_model.ts";
import type { SiteRun } from "./model.ts";
import { buildRunData, RUN_DATA_FILE, runDataScript, type RunFigure } from "./run_data.ts";
import type { PageContext } from "./page.ts";
import { buildRunPageModel, type RunPageModel, type RunPagesOptions } from "./run_model.ts";
import { formatElapsedPage } from "../_base/time.ts";

const FMT = { duration: formatElapsedPage, time: formatTime, value: formatValue };

/**
 * Renders a run's index page from its view model.
 *
 * @param model The model from `buildRunPageModel`.
 * @param ctx The page context (templates).
 * @returns The page's HTML.
 *
 * @example Rendering a run page
 * ```ts ignore
 * const html = renderRunPage(buildRunPageModel(run), ctx);
 * ```
 */
export function renderRunPage(model: RunPageModel, ctx: PageContext): string {
  return ctx.page("run", {
    ...model,
    fmt: FMT,
    experimentHref: (task: string) => `${model.root}experiments/${safeName(task)}.html`,
  });
}

/**
 * Renders an instance page from its view model.
 *
 * @param model The model from `buildInstancePageModel`.
 * @param ctx The page context (templates).
 * @returns The page's HTML.
 *
 * @example Rendering an instance page
 * ```ts ignore
 * const html = renderInstancePage(buildInstancePageModel(task, runModel, files), ctx);
 * ```
 */
export function renderInstancePage(model: InstancePageModel, ctx: PageContext): string {
  return ctx.page("instance", { ...model, fmt: FMT });
}

/** What {@linkcode writeRunPages} wrote. */
export interface RunPagesResult {
  /** Number of pages written. */
  pages: number;
  /** Total bytes of HTML written. */
  bytes: number;
}

/**
 * Writes a run's pages into `<out>/runs/<key>/` (replacing what was there), with the files they
 * link. One instance at a time: its files are read, its model built, rendered and written, so a
 * run of many instances never holds all their notebooks at once.
 *
 * @param run The run.
 * @param ctx Shared page context (templates, output folder).
 * @param options The previous run of the same pipeline, to compare values with.
 * @returns How many pages were written.
 *
 * @example Writing one run's pages
 * ```ts ignore
 * await writeRunPages(run, ctx);
 * ```
 */
export async function writeRunPages(
  run: SiteRun,
  ctx: PageContext,
  options: RunPagesOptions = {},
): Promise<RunPagesResult> {
  const dir = join(ctx.out, "runs", run.key);
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  Deno.mkdirSync(dir, { recursive: true });
  const made = new Set<string>([dir]);
  let bytes = 0;
  // Synchronous writes on purpose: many small files one after the other (see RunFiles).
  const write = (name: string, html: string) => {
    bytes += html.length;
    Deno.writeTextFileSync(join(dir, name), html);
  };
  const model = buildRunPageModel(run, options);
  const blobs = new BlobStore(ctx.out);
  write("index.html", renderRunPage(model, ctx));
  const figures = new Map<string, RunFigure[]>();
  for (const t of run.summary.tasks) {
    const page = model.pages.get(t.id) ?? "x.html";
    const files = copyInstanceFiles(run, t, {
      dir,
      page: page.replace(/\.html$/, ""),
      made,
      maxArtifactBytes: options.maxArtifactBytes,
      blobs,
    });
    write(page, renderInstancePage(buildInstancePageModel(t, model, files), ctx));
    figures.set(
      t.id,
      files.artifacts.flatMap((a) => a.image ? [{ name: a.name, src: a.image }] : []),
    );
  }
  write(RUN_DATA_FILE, runDataScript(buildRunData(run, model.pages, figures)));
  // The blobs this run links, so later builds carry them with the run and keep them.
  Deno.writeTextFileSync(join(dir, BLOB_LIST), blobs.take().join("\n"));
  return { pages: run.summary.tasks.length + 1, bytes };
}
