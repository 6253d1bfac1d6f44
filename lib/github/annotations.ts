/**
 * Problems of a pipeline as GitHub Actions workflow commands (`::error file=...,line=...::...`),
 * so `validate --format github` in a workflow marks them on the pull request's diff. The commands
 * and their escaping are `workflow_commands.ts`'s.
 *
 * @module
 */
import { MissingNotebookError } from "../plan/check_files.ts";
import { PlanError } from "../plan/errors.ts";
import { PipelineSpecError } from "../spec/errors.ts";
import { annotation } from "./workflow_commands.ts";

/** One annotation: a message and where it belongs. */
interface Annotation {
  file: string;
  line?: number | undefined;
  column?: number | undefined;
  title: string;
  message: string;
}

/**
 * Turns a pipeline error into GitHub workflow `::error` commands, one per problem. Messages and
 * properties are escaped the way the Actions runner expects, so a problem's text cannot end the
 * command early or inject another one.
 *
 * @param err An error from `loadPipeline`, `planPipeline` or `checkNotebooks` (others give one
 *   annotation on the file).
 * @param file The pipeline path as the user named it (relative to the workspace, ideally).
 * @returns The command lines, without trailing newlines.
 *
 * @example Annotating a schema problem
 * ```ts
 * import { githubAnnotations } from "./annotations.ts";
 * import { PipelineSpecError } from "../spec/errors.ts";
 * const err = new PipelineSpecError("p.yaml", "/w/p.yaml", [
 *   { path: "name", line: 1, column: 7, message: "must be a string" },
 * ]);
 * console.assert(
 *   githubAnnotations(err, "p.yaml")[0] ===
 *     "::error file=p.yaml,line=1,col=7,title=Invalid pipeline::name: must be a string",
 * );
 * ```
 */
export function githubAnnotations(err: Error, file: string): string[] {
  return collect(err, file).map((a) =>
    annotation("error", a.message, { file: a.file, line: a.line, col: a.column, title: a.title })
  );
}

function collect(err: Error, file: string): Annotation[] {
  if (err instanceof PipelineSpecError) {
    return err.problems.map((p) => ({
      file,
      line: p.line,
      column: p.column,
      title: "Invalid pipeline",
      message: p.path === "" ? p.message : `${p.path}: ${p.message}`,
    }));
  }
  if (err instanceof PlanError) {
    return err.details.map((p) => ({
      file: p.where?.file ?? file,
      line: p.where?.line,
      column: p.where?.column,
      title: "Cannot plan pipeline",
      message: p.message,
    }));
  }
  if (err instanceof MissingNotebookError) {
    return err.missing.map((m) => ({
      file,
      title: "Missing notebook",
      message: `${m.notebook} (task ${JSON.stringify(m.task)}): ${m.why}`,
    }));
  }
  return [{ file, title: "Invalid pipeline", message: err.message }];
}
