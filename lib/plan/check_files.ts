/**
 * Checking that the notebooks a plan names exist.
 *
 * @module
 */
import { isAbsolute, join } from "node:path";
import { UserError } from "../errors.ts";
import type { Plan } from "./types.ts";

/** One notebook that is missing, and the task that names it. */
export interface MissingNotebook {
  /** Path as written in the pipeline, relative to the pipeline file's folder. */
  notebook: string;
  /** Task that names it (the first, if several do). */
  task: string;
  /** Why it cannot be used: `no such file` or `is a folder`. */
  why: string;
}

/**
 * Notebooks named in a pipeline do not exist (or are folders). Lists all of them.
 *
 * @example
 * ```ts
 * import { MissingNotebookError } from "./check_files.ts";
 * const err = new MissingNotebookError("demo", [{ notebook: "a.py", task: "a", why: "no such file" }]);
 * console.assert(err.message.includes("a.py"));
 * ```
 */
export class MissingNotebookError extends UserError {
  /** Every missing notebook. */
  readonly missing: readonly MissingNotebook[];
  /**
   * @param pipeline Name of the pipeline.
   * @param missing At least one missing notebook.
   * @param options The underlying cause, if any.
   */
  constructor(pipeline: string, missing: readonly MissingNotebook[], options?: ErrorOptions) {
    const lines = missing.map((m) => `${m.notebook} (task ${JSON.stringify(m.task)}): ${m.why}`);
    super(
      missing.length === 1
        ? `Cannot find the notebook of pipeline '${pipeline}': ${lines[0]}; paths are ` +
          `relative to the pipeline file's folder`
        : `Cannot find ${missing.length} notebooks of pipeline '${pipeline}' (paths are ` +
          `relative to the pipeline file's folder):\n${lines.map((l) => `  ${l}`).join("\n")}`,
      options,
    );
    this.name = "MissingNotebookError";
    this.missing = missing;
  }
}

/**
 * The absolute path of every notebook a plan names, by the path written in the pipeline
 * (relative to `plan.baseDir`, or absolute). Pure: the one place a notebook path is resolved.
 *
 * @param plan The plan.
 * @returns Notebook as written to absolute path, in the order of the plan's instances.
 *
 * @example
 * ```ts
 * import { notebookFiles } from "./check_files.ts";
 * const files = notebookFiles({
 *   pipeline: "p", baseDir: "/srv/pipelines", parameters: {}, layers: [["a"]],
 *   instances: [{
 *     id: "a", task: "a", slug: "a", matrix: {}, parameters: {}, needs: [], notebook: "nb/a.py",
 *     timeoutSeconds: 60, retries: 0, kernel: "python3", env: {},
 *   }],
 * });
 * console.assert(files.get("nb/a.py") === "/srv/pipelines/nb/a.py");
 * ```
 */
export function notebookFiles(plan: Plan): Map<string, string> {
  const files = new Map<string, string>();
  for (const { notebook } of plan.instances) {
    if (!files.has(notebook)) {
      files.set(notebook, isAbsolute(notebook) ? notebook : join(plan.baseDir, notebook));
    }
  }
  return files;
}

/**
 * Checks that every notebook of the plan is a file, relative to `plan.baseDir`.
 *
 * @param plan The plan.
 * @returns The absolute path of each notebook, as {@linkcode notebookFiles} gives them.
 * @throws {MissingNotebookError} Listing every missing notebook.
 *
 * @example
 * ```ts
 * import { checkNotebooks } from "./check_files.ts";
 * await checkNotebooks({ pipeline: "empty", baseDir: ".", parameters: {}, instances: [], layers: [] });
 * ```
 */
export async function checkNotebooks(plan: Plan): Promise<Map<string, string>> {
  const files = notebookFiles(plan);
  const missing: MissingNotebook[] = [];
  for (const [notebook, path] of files) {
    const task = () => plan.instances.find((i) => i.notebook === notebook)!.task;
    try {
      const info = await Deno.stat(path);
      if (info.isDirectory) {
        missing.push({ notebook, task: task(), why: "is a folder, not a notebook" });
      } else if (!info.isFile) {
        missing.push({
          notebook,
          task: task(),
          why: "is not a regular file (a device or a pipe?)",
        });
      }
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) {
        missing.push({ notebook, task: task(), why: "no such file" });
      } else if (err instanceof Deno.errors.FilesystemLoop) {
        missing.push({ notebook, task: task(), why: "is a loop of symbolic links" });
      } else throw err;
    }
  }
  if (missing.length > 0) throw new MissingNotebookError(plan.pipeline, missing);
  return files;
}
