/**
 * ipykernel prints a notice at every start-up ("NOTE: When using the `ipython kernel` entry
 * point, Ctrl-C will not work. ..."): noise in every task's stderr. The instance page's stderr
 * view leaves it out; the stderr file keeps it.
 *
 * @module
 */

const NOTICE =
  /NOTE: When using the `ipython kernel` entry point, Ctrl-C will not work\.\s*\n[\s\S]*?issues\/2049[^\n]*\n?\s*/g;

/**
 * Removes ipykernel's Ctrl-C notice from captured stderr.
 *
 * @param text Stderr text.
 * @returns The text without the notice (unchanged when it has none).
 *
 * @example Hiding the notice
 * ```ts
 * import { hideKernelNotice } from "./kernel_notice.ts";
 * const text = "NOTE: When using the `ipython kernel` entry point, Ctrl-C will not work.\n\n" +
 *   "To read more about this, see https://github.com/ipython/ipython/issues/2049\n\nboom\n";
 * console.assert(hideKernelNotice(text) === "boom\n");
 * ```
 */
export function hideKernelNotice(text: string): string {
  return text.replace(NOTICE, "");
}
