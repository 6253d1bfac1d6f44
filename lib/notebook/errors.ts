/**
 * Errors of the notebook module: both are the user's to fix, so they extend `UserError` and the
 * command line prints them as one message with exit code 2.
 *
 * @module
 */
import { UserError } from "../errors.ts";

/**
 * A notebook that cannot be read, parsed or converted: a missing file, invalid JSON, a cell that
 * breaks nbformat 4, a percent-format header that is not YAML.
 *
 * @example Catching a broken notebook
 * ```ts
 * import { NotebookError } from "./errors.ts";
 * const err = new NotebookError("nb.ipynb", "cells[3].source: expected a string");
 * console.assert(err.message === "Cannot read notebook 'nb.ipynb': cells[3].source: expected a string");
 * console.assert(err.path === "nb.ipynb");
 * ```
 */
export class NotebookError extends UserError {
  /** The notebook file, or `<text>` when it came from a string. */
  readonly path: string;
  /**
   * @param path The notebook file (or `<text>`).
   * @param detail What is wrong and where in the file.
   * @param options The underlying cause, if any.
   */
  constructor(path: string, detail: string, options?: ErrorOptions) {
    super(`Cannot read notebook '${path}': ${detail}`, options);
    this.name = "NotebookError";
    this.path = path;
  }
}

/**
 * A parameter whose name cannot become a Python variable in the injected cell.
 *
 * @example A parameter name with a dash
 * ```ts
 * import { ParameterNameError } from "./errors.ts";
 * const err = new ParameterNameError("learning-rate", "it is not a Python identifier");
 * console.assert(err.parameter === "learning-rate");
 * ```
 */
export class ParameterNameError extends UserError {
  /** The offending parameter name. */
  readonly parameter: string;
  /**
   * @param parameter The parameter name.
   * @param why Why Python cannot take it, and how to fix it.
   */
  constructor(parameter: string, why: string) {
    super(`Cannot inject parameter ${JSON.stringify(parameter)}: ${why}`);
    this.name = "ParameterNameError";
    this.parameter = parameter;
  }
}
