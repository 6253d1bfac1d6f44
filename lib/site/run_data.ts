/**
 * One run's data for the compare page, `runs/<key>/data.js`: the run's header (id, date, branch,
 * commit and their links) and, per task instance, its parameters, values, the last value of each
 * metric and its figures. Written with the run's pages, so it travels with them when a later
 * build carries the run over. A script (not JSON) so that the site also works from the file
 * system.
 *
 * @module
 */
import { join, posix } from "node:path";
import { exists } from "../_base/fs.ts";
import type { JsonValue } from "../_base/json.ts";
import { formatValue } from "./_html.ts";
import { ciLinks } from "./ci_links.ts";
import type { SiteRun } from "./model.ts";
import { instancePages } from "./run_model.ts";

/** Name of the file in each run's folder. */
export const RUN_DATA_FILE = "data.js";
/** Longest text of a non-numeric value. */
const MAX_TEXT = 200;
/** A figure inlined as a data URL is kept only up to this length. */
const MAX_DATA_URL = 100_000;
/** Points kept of a stepped metric's curve (evenly picked, the last one always). */
const MAX_STEP_POINTS = 200;

/** A figure of an instance: its name and where the image is. */
export interface RunFigure {
  /** Artifact name. */
  name: string;
  /**
   * As given to {@linkcode buildRunData}: relative to the run's pages (`files/...`, or
   * `../../<shared folder>/...`), or a `data:image/...` URL. In the data: relative to the site's
   * root (`runs/<key>/files/...`), or the data URL.
   */
  src: string;
}

/** A value as the compare page shows it. */
export type DataCell = string | number | boolean | null;

/** One instance in the run's data. */
export interface RunDataTask {
  /** Instance id. */
  id: string;
  /** Task name. */
  task: string;
  /** Status. */
  status: string;
  /** Instance page, relative to the run's folder. */
  page: string;
  /** Duration in seconds. */
  duration?: number;
  /** Parameters the instance received besides the pipeline's. */
  params: Record<string, DataCell>;
  /** Logged values. */
  values: Record<string, DataCell>;
  /** Last value of each metric. */
  metrics: Record<string, number>;
  /** Curves of the metrics logged at two steps or more: `[step, value]` pairs. */
  steps: Record<string, [number, number][]>;
  /** Image artifacts. */
  figures: RunFigure[];
}

/** The content of `runs/<key>/data.js`. */
export interface RunData {
  /** Format version. */
  v: 1;
  /** Page folder. */
  key: string;
  /** Run id. */
  id: string;
  /** Pipeline name. */
  pipeline: string;
  /** Status. */
  status: string;
  /** Trigger. */
  trigger: string;
  /** Start, ISO 8601. */
  startedAt: string;
  /** Duration in seconds. */
  duration?: number;
  /** Branch or "". */
  branch: string;
  /** Commit or "". */
  commit: string;
  /** Pull request number. */
  pr?: number;
  /** Links of the CI context. */
  commitUrl?: string;
  /** Link to the pull request. */
  prUrl?: string;
  /** The pipeline's parameters. */
  parameters: Record<string, DataCell>;
  /** Instances in run order. */
  tasks: RunDataTask[];
}

function cell(v: JsonValue): DataCell {
  if (v === null || typeof v === "number" || typeof v === "boolean") return v;
  return formatValue(v, MAX_TEXT);
}

function cells(record: Record<string, JsonValue>, skip: (k: string) => boolean) {
  // Own properties only (a name may be `__proto__`).
  return Object.fromEntries(
    Object.entries(record).filter(([k]) => !skip(k)).map(([k, v]) => [k, cell(v)]),
  ) as Record<string, DataCell>;
}

/**
 * Where the compare page finds a figure: an image data URL as it is, a path relative to the run's
 * pages resolved against the site's root (it must stay inside the site); undefined otherwise.
 */
function figureSrc(key: string, src: string): string | undefined {
  if (src.startsWith("data:")) {
    return src.length <= MAX_DATA_URL &&
        /^data:image\/(png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/=]+$/.test(src)
      ? src
      : undefined;
  }
  if (!/^[A-Za-z0-9_.][A-Za-z0-9._/-]*$/.test(src)) return undefined;
  const path = posix.normalize(`runs/${key}/${src}`);
  return path.startsWith("../") || path === ".." || path.startsWith("/") ? undefined : path;
}

function stepCurves(metrics: { name: string; value: number; step?: number | null | undefined }[]) {
  // A Map, then own properties: a metric may be called `__proto__`.
  const curves = new Map<string, [number, number][]>();
  for (const m of metrics) {
    if (typeof m.step !== "number") continue;
    const list = curves.get(m.name);
    if (list) list.push([m.step, m.value]);
    else curves.set(m.name, [[m.step, m.value]]);
  }
  return Object.fromEntries(
    [...curves].filter(([, points]) => points.length > 1).map((
      [name, points],
    ) => {
      if (points.length <= MAX_STEP_POINTS) return [name, points];
      const every = (points.length - 1) / (MAX_STEP_POINTS - 1);
      return [
        name,
        Array.from({ length: MAX_STEP_POINTS }, (_, i) => points[Math.round(i * every)]!),
      ];
    }),
  );
}

/**
 * Builds a run's data for the compare page. Pure.
 *
 * @param run The run.
 * @param pages Instance page names by instance id.
 * @param figures Image artifacts by instance id, as copied next to the pages.
 * @returns The data.
 *
 * @example A run's data
 * ```ts ignore
 * const data = buildRunData(run, model.pages, figures);
 * ```
 */
export function buildRunData(
  run: SiteRun,
  pages: Map<string, string>,
  figures: Map<string, RunFigure[]>,
): RunData {
  const s = run.summary;
  const { commitUrl, prUrl } = ciLinks(s.ci);
  return {
    v: 1,
    key: run.key,
    id: s.runId,
    pipeline: s.pipeline.name,
    status: run.interrupted ? "interrupted" : s.status,
    trigger: s.trigger,
    startedAt: s.startedAt,
    ...(s.durationSeconds !== undefined ? { duration: s.durationSeconds } : {}),
    branch: s.ci?.branch ?? "",
    commit: s.ci?.commit ?? "",
    ...(s.ci?.pullRequest !== undefined ? { pr: s.ci.pullRequest } : {}),
    ...(commitUrl ? { commitUrl } : {}),
    ...(prUrl ? { prUrl } : {}),
    parameters: cells(s.parameters, () => false),
    tasks: s.tasks.map((t) => {
      // The last one logged wins.
      const metrics = Object.fromEntries(t.metrics.map((m) => [m.name, m.value])) as Record<
        string,
        number
      >;
      return {
        id: t.id,
        task: t.task,
        status: t.status,
        page: pages.get(t.id) ?? "index.html",
        ...(t.durationSeconds !== undefined ? { duration: t.durationSeconds } : {}),
        params: cells(t.parameters, (k) => k in s.parameters || k in t.matrix),
        values: cells(t.values, () => false),
        metrics,
        steps: stepCurves(t.metrics),
        figures: (figures.get(t.id) ?? []).flatMap((f) => {
          const src = figureSrc(run.key, f.src);
          return src === undefined ? [] : [{ name: f.name, src }];
        }),
      };
    }),
  };
}

/**
 * The script text of `runs/<key>/data.js`: it adds the data to `self.pynbRunData` under the
 * run's key. The data is a string given to `JSON.parse` (no object literal: a name such as
 * `__proto__` stays a name), so nothing in it can run.
 *
 * @param data The run's data.
 * @returns The script.
 *
 * @example A script
 * ```ts ignore
 * Deno.writeTextFileSync("runs/r1/data.js", runDataScript(data));
 * ```
 */
export function runDataScript(data: RunData): string {
  return `(self.pynbRunData=self.pynbRunData||{})[${JSON.stringify(data.key)}]=JSON.parse(${
    JSON.stringify(JSON.stringify(data))
  });\n`;
}

/**
 * Writes `runs/<key>/data.js` for every run whose pages lack it (carried over from a site built
 * by an older release), from its summary: without figures, which only a render knows.
 *
 * @param out The site's folder.
 * @param runs The runs the site shows.
 * @returns How many files were written.
 *
 * @example After writing the runs' pages
 * ```ts ignore
 * await ensureRunData("_site", plan.kept);
 * ```
 */
export async function ensureRunData(out: string, runs: SiteRun[]): Promise<number> {
  let written = 0;
  for (const run of runs) {
    const file = join(out, "runs", run.key, RUN_DATA_FILE);
    if (await exists(file) || !await exists(join(out, "runs", run.key))) continue;
    const { pages } = instancePages(run.summary.tasks);
    await Deno.writeTextFile(file, runDataScript(buildRunData(run, pages, new Map())));
    written++;
  }
  return written;
}
