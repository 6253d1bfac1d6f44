/**
 * Renders one run's pages: the run page (DAG, Gantt, task table, failures first) and a page per
 * task instance (parameters, values, metrics, artifacts, notebook, stderr, error), and copies
 * the run's notebooks, stderr and artifacts next to them.
 *
 * @module
 */
import { basename, dirname, extname, isAbsolute, join, relative, resolve } from "node:path";
import type { Artifact, TaskRecord } from "../log/schema.ts";
import { formatDuration, formatTime, formatValue, safeName } from "./_html.ts";
import { renderLineChart } from "./chart_svg.ts";
import { type DagNode, renderDagSvg } from "./dag_svg.ts";
import { renderGanttSvg } from "./gantt_svg.ts";
import type { SiteRun } from "./model.ts";
import { ansiToHtml, renderNotebook } from "./notebook.ts";
import type { PageContext } from "./page.ts";

/** Task statuses shown first, in this order. */
const PROBLEM_ORDER = ["failed", "timeout", "cancelled", "running", "pending"];
const IMAGE_EXT = new Set([".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif"]);
const TEXT_EXT = new Set([
  ".txt",
  ".log",
  ".csv",
  ".tsv",
  ".json",
  ".jsonl",
  ".md",
  ".yaml",
  ".yml",
]);
/** Extensions served as they are; anything else gets `.download` so a browser never runs it. */
const SAFE_EXT = new Set([
  ...IMAGE_EXT,
  ...TEXT_EXT,
  ".ipynb",
  ".parquet",
  ".npy",
  ".npz",
  ".pkl",
  ".joblib",
  ".zip",
  ".gz",
  ".tar",
]);
const MAX_TEXT_PREVIEW = 4096;
const MAX_SVG_INLINE = 512 * 1024;
const MAX_STDERR = 256 * 1024;

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
 * import { safeUrl } from "./run_pages.ts";
 * console.assert(safeUrl("javascript:alert(1)") === undefined);
 * console.assert(safeUrl("https://github.com/a/b") === "https://github.com/a/b");
 * ```
 */
export function safeUrl(url: string | undefined): string | undefined {
  return url && /^https?:\/\/[^\s]+$/i.test(url) ? url : undefined;
}

/** Resolves a run-relative path, refusing anything that escapes the run folder. */
function inside(folder: string, rel: string): string | undefined {
  if (isAbsolute(rel)) return undefined;
  const abs = resolve(folder, rel);
  const back = relative(folder, abs);
  return back.startsWith("..") || isAbsolute(back) ? undefined : abs;
}

// Synchronous file calls on purpose: a build touches tens of thousands of small files one after
// the other, and the async variants cost a thread-pool round trip each (2-3x slower here).

/** Reads at most `max` bytes from the start (`head`) or the end of a file. */
function readPart(
  path: string,
  max: number,
  from: "head" | "tail",
): { text: string; cut: boolean } {
  const size = Deno.statSync(path).size;
  if (size <= max) return { text: new TextDecoder().decode(Deno.readFileSync(path)), cut: false };
  using file = Deno.openSync(path, { read: true });
  if (from === "tail") file.seekSync(size - max, Deno.SeekMode.Start);
  const buf = new Uint8Array(max);
  let off = 0;
  while (off < max) {
    const n = file.readSync(buf.subarray(off));
    if (n === null) break;
    off += n;
  }
  return { text: new TextDecoder().decode(buf.subarray(0, off)), cut: true };
}

/** An artifact as shown on an instance page. */
interface ArtifactView {
  name: string;
  size: number;
  sha256: string;
  mediaType: string;
  href?: string;
  image?: string;
  text?: string;
  textCut?: boolean;
  missing?: string;
}

function copyInto(src: string, dest: string, made: Set<string>): void {
  const dir = dirname(dest);
  if (!made.has(dir)) {
    Deno.mkdirSync(dir, { recursive: true });
    made.add(dir);
  }
  Deno.copyFileSync(src, dest);
}

function artifactView(
  run: SiteRun,
  a: Artifact,
  destDir: string,
  hrefDir: string,
  used: Set<string>,
  made: Set<string>,
): ArtifactView {
  const ext = extname(a.name).toLowerCase();
  const view: ArtifactView = {
    name: a.name,
    size: a.size,
    sha256: a.sha256,
    mediaType: a.mediaType ?? "",
  };
  if (!run.folder) return { ...view, missing: "not kept in the published history" };
  const src = inside(run.folder, a.path);
  if (!src) return { ...view, missing: `path '${a.path}' is outside the run folder` };
  let base = safeName(basename(a.name));
  if (!SAFE_EXT.has(extname(base).toLowerCase())) base += ".download";
  while (used.has(base.toLowerCase())) base = `x-${base}`;
  used.add(base.toLowerCase());
  try {
    copyInto(src, join(destDir, base), made);
  } catch (err) {
    return { ...view, missing: `cannot copy '${a.path}': ${(err as Error).message}` };
  }
  view.href = `${hrefDir}/${base}`;
  const media = a.mediaType ?? "";
  if (IMAGE_EXT.has(ext) || /^image\/(png|jpeg|gif|webp|avif)$/.test(media)) {
    view.image = view.href;
  } else if (ext === ".svg" || media === "image/svg+xml") {
    if (a.size <= MAX_SVG_INLINE) {
      const bytes = Deno.readFileSync(src);
      let bin = "";
      for (const b of bytes) bin += String.fromCharCode(b);
      view.image = `data:image/svg+xml;base64,${btoa(bin)}`;
    }
  } else if (TEXT_EXT.has(ext) || media.startsWith("text/") || media === "application/json") {
    const { text, cut } = readPart(src, MAX_TEXT_PREVIEW, "head");
    view.text = text;
    view.textCut = cut;
  }
  return view;
}

function metricViews(t: TaskRecord): { name: string; chart?: string; values: string[] }[] {
  const byName = new Map<string, TaskRecord["metrics"]>();
  for (const m of t.metrics) byName.set(m.name, [...(byName.get(m.name) ?? []), m]);
  return [...byName.entries()].map(([name, ms]) => {
    const stepped = ms.filter((m) => typeof m.step === "number");
    if (stepped.length > 1) {
      return {
        name,
        chart: renderLineChart([{
          name: "",
          points: stepped.map((m) => ({
            x: m.step as number,
            y: m.value,
            label: `step ${m.step}: ${m.value}`,
          })),
        }], { title: name }),
        values: [`last ${stepped.at(-1)?.value} at step ${stepped.at(-1)?.step}`],
      };
    }
    return { name, values: ms.map((m) => String(m.value)) };
  });
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
          ? { detail: formatDuration(t.durationSeconds) }
          : {}),
      });
    }
  }
  return [...nodes.values()];
}

/** Options of {@linkcode renderRunPages}. */
export interface RunPagesOptions {
  /**
   * The previous run of the same pipeline: numeric values are shown with their change since it.
   * @default undefined (no comparison)
   */
  previous?: SiteRun;
  /**
   * Page folder keys of the runs on the site, by run id: a cached instance links to the run that
   * produced it when that run is here.
   * @default none (the producing run is named without a link)
   */
  runKeys?: ReadonlyMap<string, string>;
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
 * import { cachedFrom } from "./run_pages.ts";
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

/** What {@linkcode renderRunPages} wrote. */
export interface RunPagesResult {
  /** Number of pages written. */
  pages: number;
  /** Total bytes of HTML written. */
  bytes: number;
}

/**
 * Renders and writes a run's pages into `<out>/runs/<key>/` (replacing what was there).
 *
 * @param run The run.
 * @param ctx Shared page context (templates, output folder).
 * @param options The previous run of the same pipeline, to compare values with.
 * @returns How many pages were written.
 *
 * @example Rendering one run
 * ```ts ignore
 * await renderRunPages(run, ctx);
 * ```
 */
export async function renderRunPages(
  run: SiteRun,
  ctx: PageContext,
  options: RunPagesOptions = {},
): Promise<RunPagesResult> {
  const dir = join(ctx.out, "runs", run.key);
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  /** Folders created so far, so each is made once. */
  const made = new Set<string>();
  Deno.mkdirSync(dir, { recursive: true });
  const s = run.summary;
  const { pages } = instancePages(s.tasks);
  const runEnd = Date.parse(s.endedAt ?? "") || undefined;
  const dag = renderDagSvg(dagNodes(s.tasks, pages));
  const gantt = renderGanttSvg(s.tasks.map((t) => ({
    id: t.id,
    href: pages.get(t.id) ?? "#",
    bars: t.attempts.flatMap((a) => {
      const start = Date.parse(a.startedAt);
      const end = Date.parse(a.endedAt ?? "") ||
        (a.durationSeconds !== undefined ? start + a.durationSeconds * 1000 : runEnd ?? start);
      return Number.isNaN(start) ? [] : [{ attempt: a.attempt, status: a.status, start, end }];
    }),
  })));
  let bytes = 0;
  const write = (name: string, html: string) => {
    bytes += html.length;
    Deno.writeTextFileSync(join(dir, name), html);
  };
  const root = "../../";
  const common = {
    run,
    s,
    pages,
    counts: statusCounts(s.tasks),
    cachedFrom: (t: TaskRecord) => cachedFrom(t, root, options.runKeys),
    ciUrl: safeUrl(s.ci?.url),
    fmt: { duration: formatDuration, time: formatTime, value: formatValue },
  };
  write(
    "index.html",
    ctx.page("run", {
      root,
      path: `runs/${run.key}/index.html`,
      pageTitle: `${s.pipeline.name} · ${s.runId}`,
      ...common,
      tasks: sortTasks(s.tasks),
      previous: options.previous,
      deltas: valueDeltas(run, options.previous),
      dag,
      gantt,
      experimentHref: (task: string) => `${root}experiments/${safeName(task)}.html`,
    }),
  );
  for (const t of s.tasks) {
    const page = pages.get(t.id) ?? "x.html";
    const slugDir = page.replace(/\.html$/, "");
    const attempts = [];
    for (const a of t.attempts) {
      const rel = `files/${slugDir}/attempt-${a.attempt}`;
      const view: Record<string, unknown> = { a };
      for (const [kind, path] of [["notebook", a.notebook], ["stderr", a.stderr]] as const) {
        if (!run.folder || !path) continue;
        const src = inside(run.folder, path);
        if (!src) continue;
        const name = kind === "notebook" ? "notebook.ipynb" : "stderr.txt";
        try {
          copyInto(src, join(dir, rel, name), made);
          view[`${kind}Href`] = `${rel}/${name}`;
          view[`${kind}Src`] = src;
        } catch {
          // Missing file: the page says so.
        }
      }
      attempts.push(view);
    }
    const last = attempts.at(-1);
    let notebookHtml: string | undefined;
    let notebookError: string | undefined;
    if (typeof last?.notebookSrc === "string") {
      try {
        notebookHtml = renderNotebook(Deno.readTextFileSync(last.notebookSrc)).html;
      } catch (err) {
        notebookError = `The notebook could not be rendered: ${(err as Error).message}`;
      }
    }
    let stderrHtml: string | undefined;
    let stderrCut = false;
    if (typeof last?.stderrSrc === "string") {
      const { text, cut } = readPart(last.stderrSrc, MAX_STDERR, "tail");
      if (text.trim()) stderrHtml = ansiToHtml(text);
      stderrCut = cut;
    }
    const used = new Set<string>();
    const artifacts: ArtifactView[] = [];
    const lastAttempt = t.attempts.at(-1)?.attempt ?? 1;
    const artDir = `files/${slugDir}/attempt-${lastAttempt}/artifacts`;
    for (const a of t.artifacts) {
      artifacts.push(artifactView(run, a, join(dir, artDir), artDir, used, made));
    }
    const error = t.attempts.findLast((a) => a.error)?.error;
    write(
      page,
      ctx.page("instance", {
        root,
        path: `runs/${run.key}/${page}`,
        pageTitle: `${t.id} · ${s.runId}`,
        ...common,
        t,
        attempts,
        artifacts,
        metrics: metricViews(t),
        notebookHtml,
        notebookError,
        stderrHtml,
        stderrCut,
        error,
        errorHtml: error ? ansiToHtml(error.traceback.join("\n")) : undefined,
        experimentHref: `${root}experiments/${safeName(t.task)}.html`,
      }),
    );
  }
  return { pages: s.tasks.length + 1, bytes };
}
