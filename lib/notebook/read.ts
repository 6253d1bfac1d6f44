/**
 * Reading a notebook file: `.ipynb` (nbformat 4, validated) or a Jupytext percent-format `.py`.
 *
 * @module
 */
import { extname } from "node:path";
import { NotebookError } from "./errors.ts";
import { parseIpynb } from "./ipynb.ts";
import { parsePercent } from "./percent.ts";
import type { Notebook } from "./schema.ts";

export { NotebookError } from "./errors.ts";

/**
 * File extensions {@linkcode readNotebook} understands.
 *
 * @example Checking a path
 * ```ts
 * import { NOTEBOOK_EXTENSIONS } from "./read.ts";
 * console.assert(NOTEBOOK_EXTENSIONS.includes(".py"));
 * ```
 */
export const NOTEBOOK_EXTENSIONS: readonly string[] = [".ipynb", ".py"];

/**
 * Reads and validates a notebook file: `.ipynb` as nbformat 4, `.py` as a Jupytext
 * percent-format script.
 *
 * @param path The notebook file.
 * @returns The notebook, every multi-line string joined into one string.
 * @throws {NotebookError} The file is missing or unreadable, not UTF-8, has another extension,
 * or is not a valid notebook; the message names the file and what is wrong where.
 *
 * @example Reading a percent-format script
 * ```ts
 * import { readNotebook } from "./read.ts";
 * const path = await Deno.makeTempFile({ suffix: ".py" });
 * await Deno.writeTextFile(path, "# %%\nprint('hi')\n");
 * const nb = await readNotebook(path);
 * console.assert(nb.cells[0]?.source === "print('hi')");
 * await Deno.remove(path);
 * ```
 */
export async function readNotebook(path: string): Promise<Notebook> {
  const ext = extname(path).toLowerCase();
  if (!NOTEBOOK_EXTENSIONS.includes(ext)) {
    throw new NotebookError(
      path,
      `unknown extension '${ext || "(none)"}'; a notebook is an .ipynb file or a Jupytext ` +
        "percent-format .py script",
    );
  }
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new NotebookError(path, "no such file", { cause: err });
    }
    if (err instanceof Deno.errors.IsADirectory) {
      throw new NotebookError(path, "it is a directory, not a file", { cause: err });
    }
    if (err instanceof Deno.errors.PermissionDenied) {
      throw new NotebookError(path, "permission denied by the file system", { cause: err });
    }
    throw err;
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (err) {
    throw new NotebookError(path, "the file is not valid UTF-8 text", { cause: err });
  }
  return ext === ".ipynb" ? parseIpynb(text, { path }) : parsePercent(text, { path });
}
