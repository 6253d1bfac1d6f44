/**
 * Errors of planning: the pipeline validates, but its tasks do not form a runnable DAG, or a
 * selection flag names nothing.
 *
 * @module
 */
import { UserError } from "../errors.ts";

/** More problems than this are summarised. */
const MAX_SHOWN = 50;

/** Where in the pipeline file a planning problem is. */
export interface ProblemSource {
  /** The pipeline file as the user named it. */
  file: string;
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
}

/** One planning problem, with its source position when the pipeline has positions. */
export interface PlanProblem {
  /** What is wrong and how to fix it. */
  message: string;
  /** Where, for a YAML or JSON pipeline. */
  where?: ProblemSource | undefined;
}

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
  /** Every problem, one sentence each, prefixed with `file:line:column: ` where known. */
  readonly problems: readonly string[];
  /** Every problem with its source position kept apart (for editor or CI annotations). */
  readonly details: readonly PlanProblem[];
  /**
   * @param pipeline Name of the pipeline.
   * @param problems At least one problem: a sentence, or a sentence with its position.
   * @param options The underlying cause, if any.
   */
  constructor(
    pipeline: string,
    problems: readonly (string | PlanProblem)[],
    options?: ErrorOptions,
  ) {
    const details = problems.map((p) => typeof p === "string" ? { message: p } : p);
    const lines = details.map(({ message, where }) =>
      where === undefined ? message : `${where.file}:${where.line}:${where.column}: ${message}`
    );
    const shown = lines.slice(0, MAX_SHOWN).map((p) => `  ${p}`);
    if (lines.length > MAX_SHOWN) {
      shown.push(`  ... and ${lines.length - MAX_SHOWN} more problems`);
    }
    super(
      lines.length === 1
        ? `Cannot plan pipeline '${pipeline}': ${lines[0]}`
        : `Cannot plan pipeline '${pipeline}': ${lines.length} problems:\n${shown.join("\n")}`,
      options,
    );
    this.name = "PlanError";
    this.problems = lines;
    this.details = details;
  }
}

/**
 * Tasks whose `needs` form a cycle. The message lists the whole cycle, upstream first:
 * `a -> b -> a` means b needs a and a needs b.
 *
 * @example
 * ```ts
 * import { CycleError } from "./errors.ts";
 * const err = new CycleError("demo", ["a", "b", "a"]);
 * console.assert(err.message.includes("a -> b -> a"));
 * ```
 */
export class CycleError extends PlanError {
  /** The cycle, first task repeated at the end. */
  readonly cycle: readonly string[];
  /**
   * @param pipeline Name of the pipeline.
   * @param cycle The tasks of the cycle, first one repeated at the end.
   * @param where The need that closes the cycle, where the pipeline has positions.
   */
  constructor(pipeline: string, cycle: readonly string[], where?: ProblemSource) {
    super(pipeline, [{
      where,
      message: `the needs of tasks form a cycle: ${cycle.join(" -> ")} ` +
        `(each task needs the one before it); remove one of these needs`,
    }]);
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
