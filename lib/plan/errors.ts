/**
 * Errors of planning: the pipeline validates, but its tasks do not form a runnable DAG, or a
 * selection flag names nothing.
 *
 * @module
 */
import { UserError } from "../errors.ts";

/** More problems than this are summarised. */
const MAX_SHOWN = 50;

/**
 * A pipeline that cannot be planned (unknown needs, duplicate ids, empty matrix, matrix edges
 * that link nothing, an unknown `--param`). Lists every problem found.
 *
 * @example
 * ```ts
 * import { PlanError } from "./errors.ts";
 * const err = new PlanError("demo", ["task \"a\" needs \"b\", which is not a task"]);
 * console.assert(err.message.startsWith("Cannot plan pipeline 'demo': task"));
 * ```
 */
export class PlanError extends UserError {
  /** Every problem, one sentence each. */
  readonly problems: readonly string[];
  /**
   * @param pipeline Name of the pipeline.
   * @param problems At least one problem.
   * @param options The underlying cause, if any.
   */
  constructor(pipeline: string, problems: readonly string[], options?: ErrorOptions) {
    const shown = problems.slice(0, MAX_SHOWN).map((p) => `  ${p}`);
    if (problems.length > MAX_SHOWN) {
      shown.push(`  ... and ${problems.length - MAX_SHOWN} more problems`);
    }
    super(
      problems.length === 1
        ? `Cannot plan pipeline '${pipeline}': ${problems[0]}`
        : `Cannot plan pipeline '${pipeline}': ${problems.length} problems:\n${shown.join("\n")}`,
      options,
    );
    this.name = "PlanError";
    this.problems = problems;
  }
}

/**
 * Tasks whose `needs` form a cycle. The message lists the whole cycle, upstream first:
 * `a -> b -> a` means b needs a and a needs b.
 *
 * @example
 * ```ts
 * import { CycleError } from "./errors.ts";
 * const err = new CycleError("demo", ["a", "b", "a"], "");
 * console.assert(err.message.includes("a -> b -> a"));
 * ```
 */
export class CycleError extends PlanError {
  /** The cycle, first task repeated at the end. */
  readonly cycle: readonly string[];
  /**
   * @param pipeline Name of the pipeline.
   * @param cycle The tasks of the cycle, first one repeated at the end.
   * @param where `file:line:column: ` of the need that closes the cycle, or empty.
   */
  constructor(pipeline: string, cycle: readonly string[], where: string) {
    super(pipeline, [
      `${where}the needs of tasks form a cycle: ${cycle.join(" -> ")} ` +
      `(each task needs the one before it); remove one of these needs`,
    ]);
    this.name = "CycleError";
    this.cycle = cycle;
  }
}

/**
 * A `--only`, `--from` or `--to` name that is neither a task nor an instance id, or a selection
 * that keeps nothing.
 *
 * @example
 * ```ts
 * import { SelectionError } from "./errors.ts";
 * console.assert(new SelectionError("demo", ["x"]).name === "SelectionError");
 * ```
 */
export class SelectionError extends PlanError {
  /**
   * @param pipeline Name of the pipeline.
   * @param problems What is wrong with the selection.
   */
  constructor(pipeline: string, problems: readonly string[]) {
    super(pipeline, problems);
    this.name = "SelectionError";
  }
}
