/**
 * ipykernel prints a notice at every start-up ("NOTE: When using the `ipython kernel` entry
 * point, Ctrl-C will not work. ...", then "To connect another client to this kernel, use:
 * --existing kernel-<id>.json"): noise in every task's stderr. The instance page's stderr
 * view leaves it out; the stderr file keeps it.
 *
 * @module
 */

// The notice, and the connection hint ipykernel prints right after it.
const NOTICE = new RegExp(
  String.raw`NOTE: When using the \`ipython kernel\` entry point, Ctrl-C will not work\.\s*\n` +
    String.raw`[\s\S]*?issues/2049[^\n]*\n?\s*` +
    String
      .raw`(?:To connect another client to this kernel, use:\s*\n\s*--existing \S+\.json[^\S\n]*\n?\s*)?`,
  "g",
);

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
