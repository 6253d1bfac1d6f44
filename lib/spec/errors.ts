/**
 * Errors of the pipeline spec: a pipeline file that cannot be read or does not validate, a bad
 * duration, a bad `--param` flag. All are the user's to fix.
 *
 * @module
 */
import { UserError } from "../errors.ts";

/** One problem found in a pipeline file, with its source position where known. */
export interface SpecProblem {
  /** Dotted path of the offending key (`tasks.ingest.timeout`), empty for the whole file. */
  path: string;
  /** 1-based line, or `undefined` where the source has no positions (a `pipeline.ts`). */
  line: number | undefined;
  /** 1-based column, or `undefined` where the source has no positions. */
  column: number | undefined;
  /** What is wrong and how to fix it. */
  message: string;
}

/**
 * A pipeline file that cannot be used: every problem of the file in one message, each with
 * `file:line:column`.
 *
 * @example Catching a spec error
 * ```ts
 * import { PipelineSpecError } from "./errors.ts";
 * const err = new PipelineSpecError("p.yaml", "/abs/p.yaml", [
 *   { path: "name", line: 1, column: 7, message: "must be a string" },
 * ]);
 * console.assert(err.line === 1 && err.message.includes("p.yaml:1:7"));
 * ```
 */
export class PipelineSpecError extends UserError {
  /** Absolute path of the pipeline file. */
  readonly file: string;
  /** Line of the first problem (1-based), `undefined` without source positions. */
  readonly line: number | undefined;
  /** Column of the first problem (1-based), `undefined` without source positions. */
  readonly column: number | undefined;
  /** Every problem found, in source order. */
  readonly problems: readonly SpecProblem[];

  /**
   * @param shownPath The path as the user wrote it, used in the message.
   * @param file Absolute path of the file.
   * @param problems At least one problem.
   * @param options The underlying cause, if any.
   */
  constructor(
    shownPath: string,
    file: string,
    problems: readonly SpecProblem[],
    options?: ErrorOptions,
  ) {
    super(formatProblems(shownPath, problems), options);
    this.name = "PipelineSpecError";
    this.file = file;
    this.problems = problems;
    this.line = problems[0]?.line;
    this.column = problems[0]?.column;
  }
}

/**
 * The pipeline file does not exist, is a folder, or has an extension we cannot read.
 *
 * @example
 * ```ts
 * import { PipelineFileError } from "./errors.ts";
 * const err = new PipelineFileError("p.yml", "/x/p.yml", "no such file");
 * console.assert(err.message === "Cannot load pipeline 'p.yml': no such file");
 * ```
 */
export class PipelineFileError extends PipelineSpecError {
  /**
   * @param shownPath The path as the user wrote it.
   * @param file Absolute path of the file.
   * @param why What is wrong, and how to fix it.
   * @param options The underlying cause, if any.
   */
  constructor(shownPath: string, file: string, why: string, options?: ErrorOptions) {
    super(
      shownPath,
      file,
      [{ path: "", line: undefined, column: undefined, message: why }],
      options,
    );
    this.name = "PipelineFileError";
    this.message = `Cannot load pipeline '${shownPath}': ${why}`;
  }
}

/**
 * A duration that is not a positive number of seconds nor a string like `90s`, `10m`, `1h30m`.
 *
 * @example
 * ```ts
 * import { DurationError } from "./errors.ts";
 * console.assert(new DurationError("10x").value === "10x");
 * ```
 */
export class DurationError extends UserError {
  /** The rejected value. */
  readonly value: unknown;
  /**
   * @param value The rejected value.
   * @param options The underlying cause, if any.
   */
  constructor(value: unknown, options?: ErrorOptions) {
    super(
      `Cannot parse duration ${JSON.stringify(value) ?? String(value)}: write a positive number ` +
        `of seconds or a duration such as 90s, 10m, 1h30m`,
      options,
    );
    this.name = "DurationError";
    this.value = value;
  }
}

/**
 * A `--param name=value` flag that cannot be parsed.
 *
 * @example
 * ```ts
 * import { ParamFlagError } from "./errors.ts";
 * console.assert(new ParamFlagError("x", "no '='").message.startsWith("Cannot parse --param 'x'"));
 * ```
 */
export class ParamFlagError extends UserError {
  /** The flag's text. */
  readonly text: string;
  /**
   * @param text The flag's text.
   * @param why What is wrong.
   * @param options The underlying cause, if any.
   */
  constructor(text: string, why: string, options?: ErrorOptions) {
    super(`Cannot parse --param '${text}': ${why}`, options);
    this.name = "ParamFlagError";
    this.text = text;
  }
}

/** More problems than this are summarised: the first ones are what a person fixes first. */
const MAX_SHOWN = 50;

function formatProblems(shownPath: string, problems: readonly SpecProblem[]): string {
  const lines = problems.slice(0, MAX_SHOWN).map((p) => {
    const where = p.line === undefined ? shownPath : `${shownPath}:${p.line}:${p.column ?? 1}`;
    return `${where}: ${p.path === "" ? "" : `${p.path}: `}${p.message}`;
  });
  if (lines.length === 1) return `Cannot load pipeline: ${lines[0]}`;
  const more = problems.length > MAX_SHOWN
    ? `\n  ... and ${problems.length - MAX_SHOWN} more problems`
    : "";
  return `Cannot load pipeline: ${problems.length} problems in '${shownPath}':\n` +
    lines.map((l) => `  ${l}`).join("\n") + more;
}
