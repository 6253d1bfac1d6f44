/**
 * The view model of a task-instance page: a pure function of the instance, the run page's model
 * and the instance's files as read by `copyInstanceFiles` (links, notebook text, the
 * end of stderr, artifact views). The notebook, stderr and traceback are rendered to safe HTML
 * here. No I/O.
 *
 * @module
 */
import { hideKernelNotice } from "./kernel_notice.ts";
import type { AttemptRecord, TaskError, TaskRecord } from "../log/schema.ts";
import { safeName } from "./_html.ts";
import { renderLineChart } from "./chart_svg.ts";
import type { ArtifactView, InstanceFiles } from "./instance_files.ts";
import { ansiToHtml, renderNotebook } from "./notebook.ts";
import { cutText } from "./output_cap.ts";
import type { RunCommon } from "./run_model.ts";

/** A metric as shown on an instance page: a chart when it was logged with steps. */
export interface MetricView {
  /** Its name. */
  name: string;
  /** Line chart SVG, for a metric with more than one step. */
  chart?: string;
  /** Values shown as text. */
  values: string[];
}

/** An attempt row of an instance page. */
export interface AttemptView {
  /** The attempt. */
  a: AttemptRecord;
  /** Link to its notebook, when copied. */
  notebookHref?: string;
  /** Link to its stderr, when copied. */
  stderrHref?: string;
  /** Why its notebook was not copied, and where it is kept. */
  notebookElsewhere?: { why: string; url?: string };
}

/** The view model of an instance page. */
export interface InstancePageModel extends RunCommon {
  /** File name of the page in the run's folder. */
  page: string;
  /** Path of the page in the site. */
  path: string;
  /** The page's title. */
  pageTitle: string;
  /** The instance. */
  t: TaskRecord;
  /** Its attempts with their file links. */
  attempts: AttemptView[];
  /** The last attempt's artifacts. */
  artifacts: ArtifactView[];
  /** The last attempt's metrics. */
  metrics: MetricView[];
  /** The last attempt's notebook as safe HTML. */
  notebookHtml: string | undefined;
  /** Why the notebook could not be rendered. */
  notebookError: string | undefined;
  /** The end of the last attempt's stderr as safe HTML (undefined when blank). */
  stderrHtml: string | undefined;
  /** True when only the end of stderr is shown. */
  stderrCut: boolean;
  /** The last error of any attempt. */
  error: TaskError | undefined;
  /** Its traceback as safe HTML. */
  errorHtml: string | undefined;
  /** Link to the task's experiment page. */
  experimentHref: string;
}

/** The error box shows at most this much of an error's message. */
const MAX_EVALUE_CHARS = 4096;

/** The error as shown: a message of megabytes would make a page of megabytes. */
function shownError(error: TaskError | undefined): TaskError | undefined {
  if (error === undefined || error.evalue.length <= MAX_EVALUE_CHARS) return error;
  return { ...error, evalue: `${error.evalue.slice(0, MAX_EVALUE_CHARS)}…` };
}

/**
 * Builds the view model of one instance page. Pure.
 *
 * @param t The instance.
 * @param common What every page of the run shows (from `buildRunPageModel`).
 * @param files The instance's files, as copied and read.
 * @returns The model the `instance` template renders.
 *
 * @example An instance page model
 * ```ts ignore
 * const model = buildInstancePageModel(task, runModel, copyInstanceFiles(run, task, target));
 * ```
 */
export function buildInstancePageModel(
  t: TaskRecord,
  common: RunCommon,
  files: InstanceFiles,
): InstancePageModel {
  const page = common.pages.get(t.id) ?? "x.html";
  let notebookHtml: string | undefined;
  let notebookError: string | undefined;
  if (files.notebook !== undefined) {
    try {
      notebookHtml = renderNotebook(files.notebook.text, {
        ...(files.notebook.href ? { notebookHref: files.notebook.href } : {}),
        ...(files.imageSrc ? { imageSrc: files.imageSrc } : {}),
      }).html;
    } catch (err) {
      notebookError = `The notebook could not be rendered: ${(err as Error).message}`;
    }
  }
  const stderr = files.stderr && { ...files.stderr, text: hideKernelNotice(files.stderr.text) };
  const error = shownError(t.attempts.findLast((a) => a.error)?.error);
  return {
    root: common.root,
    run: common.run,
    s: common.s,
    pages: common.pages,
    counts: common.counts,
    ciUrl: common.ciUrl,
    links: common.links,
    cachedFrom: common.cachedFrom,
    page,
    path: `runs/${common.run.key}/${page}`,
    pageTitle: `${t.id} · ${common.s.runId}`,
    t,
    attempts: t.attempts.map((a, i) => {
      const f = files.attempts[i];
      return {
        a,
        ...(f?.notebookHref === undefined ? {} : { notebookHref: f.notebookHref }),
        ...(f?.stderrHref === undefined ? {} : { stderrHref: f.stderrHref }),
        ...(f?.notebookElsewhere === undefined ? {} : { notebookElsewhere: f.notebookElsewhere }),
      };
    }),
    artifacts: files.artifacts,
    metrics: metricViews(t),
    notebookHtml,
    notebookError,
    stderrHtml: stderr?.text.trim() ? ansiToHtml(stderr.text) : undefined,
    stderrCut: stderr?.cut ?? false,
    error,
    errorHtml: error ? ansiToHtml(cutText(error.traceback.join("\n"), undefined).text) : undefined,
    experimentHref: `${common.root}experiments/${safeName(t.task)}.html`,
  };
}

/** A metric's chart draws at most this many points (evenly picked, the last one always). */
const MAX_CHART_POINTS = 2000;
/** A metric logged without steps lists at most this many values. */
const MAX_METRIC_VALUES = 100;

function evenly<T>(items: T[], max: number): T[] {
  if (items.length <= max) return items;
  const step = (items.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => items[Math.round(i * step)]!);
}

function metricViews(t: TaskRecord): MetricView[] {
  const byName = new Map<string, TaskRecord["metrics"]>();
  for (const m of t.metrics) {
    const list = byName.get(m.name);
    if (list === undefined) byName.set(m.name, [m]);
    else list.push(m);
  }
  return [...byName.entries()].map(([name, ms]) => {
    const stepped = ms.filter((m) => typeof m.step === "number");
    if (stepped.length > 1) {
      return {
        name,
        chart: renderLineChart([{
          name: "",
          points: evenly(stepped, MAX_CHART_POINTS).map((m) => ({
            x: m.step as number,
            y: m.value,
            label: `step ${m.step}: ${m.value}`,
          })),
        }], { title: name }),
        values: [`last ${stepped.at(-1)?.value} at step ${stepped.at(-1)?.step}`],
      };
    }
    const values = ms.slice(0, MAX_METRIC_VALUES).map((m) => String(m.value));
    if (ms.length > MAX_METRIC_VALUES) values.push(`… ${ms.length - MAX_METRIC_VALUES} more`);
    return { name, values };
  });
}
