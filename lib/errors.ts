/**
 * The base of every error that is the user's to fix (a bad pipeline, a missing file, a wrong
 * flag). The command line prints its message alone and exits 2; any other error is a bug and
 * keeps its stack.
 *
 * @module
 */

/**
 * An error caused by input from the user, reported as one clear message without a stack trace.
 *
 * @example Throwing a user error
 * ```ts
 * import { UserError } from "./errors.ts";
 * const err = new UserError("Cannot read 'x.yaml': no such file");
 * console.assert(err.name === "UserError");
 * ```
 */
export class UserError extends Error {
  /**
   * @param message What went wrong, where, and how to fix it.
   * @param options The underlying cause, if any.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "UserError";
  }
}
