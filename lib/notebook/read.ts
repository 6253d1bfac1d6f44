/**
 * Reading a notebook file: `.ipynb` (nbformat 4, validated) or a Jupytext percent-format `.py`.
 *
 * @module
 */
import { extname } from "node:path";
import { NotebookError } from "./errors.ts";
import { parseIpynb } from "./ipynb.ts";
import { parsePercent } from "./percent.ts";
import { parsePercentTs } from "./percent_ts.ts";
import type { Notebook } from "./schema.ts";
import { MAX_NOTEBOOK_BYTES } from "./limits.ts";

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
export const NOTEBOOK_EXTENSIONS: readonly string[] = [".ipynb", ".py", ".ts"];

/**
 * Reads and validates a notebook file: `.ipynb` as nbformat 4, `.py` as a Jupytext
 * percent-format script.
 *
 * @param path The notebook file.
 * @returns The notebook, every multi-line string joined into one string.
 * @throws {NotebookError} The file is missing or unreadable, a loop of symbolic links, not a
 * regular file, larger than {@linkcode MAX_NOTEBOOK_BYTES}, not UTF-8, has another extension,
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
  if (path.includes("\0")) {
    throw new NotebookError(JSON.stringify(path).slice(1, -1), "the path contains a NUL byte");
  }
  const ext = extname(path).toLowerCase();
  if (!NOTEBOOK_EXTENSIONS.includes(ext)) {
    throw new NotebookError(
      path,
      `unknown extension '${ext || "(none)"}'; a notebook is an .ipynb file or a Jupytext ` +
        "percent-format .py (Python) or .ts (TypeScript, Deno's kernel) script",
    );
  }
  let bytes: Uint8Array;
  try {
    await checkNotebookFile(path);
    bytes = await Deno.readFile(path);
  } catch (err) {
    throw readError(path, err);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (err) {
    throw new NotebookError(path, "the file is not valid UTF-8 text", { cause: err });
  }
  if (ext === ".ts") return parsePercentTs(text, { path });
  return ext === ".ipynb" ? parseIpynb(text, { path }) : parsePercent(text, { path });
}

/**
 * Refuses what cannot be a notebook before reading it: a FIFO or a device would never end, and
 * a file past {@linkcode MAX_NOTEBOOK_BYTES} would be read whole into memory.
 *
 * @param path The notebook file.
 * @throws {NotebookError} The file is not a regular file or is too large.
 *
 * @example Checking a file
 * ```ts
 * import { checkNotebookFile } from "./read.ts";
 * const path = await Deno.makeTempFile({ suffix: ".py" });
 * await checkNotebookFile(path);
 * await Deno.remove(path);
 * ```
 */
export async function checkNotebookFile(path: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (err) {
    throw readError(path, err);
  }
  if (info.isDirectory) throw new NotebookError(path, "it is a directory, not a file");
  if (!info.isFile) {
    throw new NotebookError(path, "it is not a regular file (a device or a pipe?)");
  }
  if (info.size > MAX_NOTEBOOK_BYTES) {
    throw new NotebookError(
      path,
      `the file is ${(info.size / 1e6).toFixed(1)} MB, more than the ` +
        `${MAX_NOTEBOOK_BYTES / 1e6} MB a notebook may hold; clear its outputs ` +
        "(jupyter nbconvert --clear-output) or keep data in files beside it",
    );
  }
}

function readError(path: string, err: unknown): Error {
  if (err instanceof NotebookError) return err;
  if (err instanceof Deno.errors.NotFound) {
    return new NotebookError(path, "no such file", { cause: err });
  }
  if (err instanceof Deno.errors.IsADirectory) {
    return new NotebookError(path, "it is a directory, not a file", { cause: err });
  }
  if (err instanceof Deno.errors.FilesystemLoop) {
    return new NotebookError(path, "it is a loop of symbolic links", { cause: err });
  }
  if (err instanceof Deno.errors.PermissionDenied) {
    return new NotebookError(path, "permission denied by the file system", { cause: err });
  }
  return err instanceof Error ? err : new Error(String(err));
}
