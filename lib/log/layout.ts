/**
 * The run-folder layout: the one place that knows where each file of a run lives.
 *
 * ```
 * <run folder>/
 *   run.json          summary, written atomically at the end
 *   spans.jsonl       OpenTelemetry spans, appended as they end
 *   tasks/<slug>/attempt-<n>/
 *     notebook.ipynb  stderr.txt  values.jsonl  artifacts/<name>
 * ```
 *
 * Paths returned here are relative to the run folder, with `/` separators: they are what
 * `run.json` and the spans record. Join them to the run folder with {@linkcode runPath}.
 *
 * @module
 */
import { join, posix } from "node:path";

/** Files and folders at the top of a run folder. */
export const RUN_LAYOUT = {
  /** The summary, written atomically when the run ends. */
  summary: "run.json",
  /** The spans, one OTLP/JSON request per line. */
  spans: "spans.jsonl",
  /** The folder of the instances' attempt folders. */
  tasks: "tasks",
} as const;

/** Files and folders of an attempt folder (`tasks/<slug>/attempt-<n>/`). */
export const ATTEMPT_LAYOUT = {
  /** The executed (possibly partial) notebook. */
  notebook: "notebook.ipynb",
  /** What the driver and kernel wrote on stderr. */
  stderr: "stderr.txt",
  /** Values, metrics and artifacts logged by the notebook. */
  values: "values.jsonl",
  /** The artifact files. */
  artifacts: "artifacts",
} as const;

/** A file of an attempt folder named by {@linkcode ATTEMPT_LAYOUT}. */
export type AttemptFileKind = "notebook" | "stderr" | "values";

/**
 * The folder of one attempt, relative to the run folder.
 *
 * @param slug The instance's slug.
 * @param attempt The attempt number, from 1.
 * @returns `tasks/<slug>/attempt-<n>`.
 *
 * @example An attempt folder
 * ```ts
 * import { attemptDir } from "./layout.ts";
 * console.assert(attemptDir("train", 2) === "tasks/train/attempt-2");
 * ```
 */
export function attemptDir(slug: string, attempt: number): string {
  return `${RUN_LAYOUT.tasks}/${slug}/attempt-${attempt}`;
}

/**
 * A named file of one attempt, relative to the run folder.
 *
 * @param slug The instance's slug.
 * @param attempt The attempt number.
 * @param kind Which file.
 * @returns `tasks/<slug>/attempt-<n>/<file>`.
 *
 * @example The executed notebook
 * ```ts
 * import { attemptFile } from "./layout.ts";
 * console.assert(attemptFile("eda", 1, "notebook") === "tasks/eda/attempt-1/notebook.ipynb");
 * ```
 */
export function attemptFile(slug: string, attempt: number, kind: AttemptFileKind): string {
  return `${attemptDir(slug, attempt)}/${ATTEMPT_LAYOUT[kind]}`;
}

/**
 * An artifact of one attempt, relative to the run folder.
 *
 * @param slug The instance's slug.
 * @param attempt The attempt number.
 * @param name The artifact's name (may hold `/`).
 * @returns `tasks/<slug>/attempt-<n>/artifacts/<name>`.
 *
 * @example An artifact
 * ```ts
 * import { artifactPath } from "./layout.ts";
 * console.assert(artifactPath("eda", 1, "plots/a.png") === "tasks/eda/attempt-1/artifacts/plots/a.png");
 * ```
 */
export function artifactPath(slug: string, attempt: number, name: string): string {
  return `${attemptDir(slug, attempt)}/${ATTEMPT_LAYOUT.artifacts}/${name}`;
}

/**
 * The attempt number of an attempt folder's name.
 *
 * @param name A folder name under `tasks/<slug>/`.
 * @returns The number (1 or more), or undefined when it is not an attempt folder.
 *
 * @example Parsing
 * ```ts
 * import { parseAttemptDirName } from "./layout.ts";
 * console.assert(parseAttemptDirName("attempt-3") === 3);
 * console.assert(parseAttemptDirName("attempt-0") === undefined);
 * ```
 */
export function parseAttemptDirName(name: string): number | undefined {
  const n = Number(/^attempt-(\d+)$/.exec(name)?.[1]);
  return Number.isSafeInteger(n) && n >= 1 ? n : undefined;
}

/**
 * The slug of the instance a run-relative path belongs to.
 *
 * @param rel A path under `tasks/` (an attempt's notebook, say).
 * @returns The slug, or undefined when the path is not under `tasks/<slug>/`.
 *
 * @example The slug of a notebook path
 * ```ts
 * import { slugOfRunPath } from "./layout.ts";
 * console.assert(slugOfRunPath("tasks/eda/attempt-1/notebook.ipynb") === "eda");
 * console.assert(slugOfRunPath("run.json") === undefined);
 * ```
 */
export function slugOfRunPath(rel: string): string | undefined {
  const [top, slug, ...rest] = rel.split("/");
  return top === RUN_LAYOUT.tasks && slug && rest.length > 0 ? slug : undefined;
}

/**
 * Why a path recorded in a run (in `run.json`, the spans or `values.jsonl`) cannot name a file
 * of the run folder, if it cannot: absolute, leaving the folder with `..`, backslashes or NUL.
 *
 * @param rel The recorded path.
 * @returns The reason, or undefined when the path stays inside the run folder.
 *
 * @example Refused paths
 * ```ts
 * import { unsafeRelPath } from "./layout.ts";
 * console.assert(unsafeRelPath("tasks/a/attempt-1/stderr.txt") === undefined);
 * console.assert(unsafeRelPath("../secret") !== undefined);
 * console.assert(unsafeRelPath("/etc/passwd") !== undefined);
 * ```
 */
export function unsafeRelPath(rel: string): string | undefined {
  if (rel === "" || rel.includes("\0")) return "it is empty or holds a NUL byte";
  if (rel.includes("\\")) return "it holds a backslash";
  if (posix.isAbsolute(rel) || /^[A-Za-z]:/.test(rel)) return "it is absolute";
  const normal = posix.normalize(rel);
  if (normal === ".." || normal.startsWith("../") || rel.split("/").includes("..")) {
    return "it leaves the run folder with '..'";
  }
  return undefined;
}

/**
 * Joins a path relative to the run folder to the run folder.
 *
 * @param folder The run folder.
 * @param rel A path from this module (or recorded in the run).
 * @returns The path on disk.
 *
 * @example Where the summary is
 * ```ts
 * import { RUN_LAYOUT, runPath } from "./layout.ts";
 * console.assert(runPath("runs/r1", RUN_LAYOUT.summary) === "runs/r1/run.json");
 * ```
 */
export function runPath(folder: string, rel: string): string {
  return join(folder, ...rel.split("/"));
}
