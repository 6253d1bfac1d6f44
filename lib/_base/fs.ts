/**
 * File helpers every stage needs: whether a path exists, and writing a file so that a reader
 * never sees half of it.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";

/** Options of {@linkcode exists}. */
export interface ExistsOptions {
  /**
   * Look at a symbolic link itself rather than what it points to (a dangling link exists).
   * @default false
   */
  lstat?: boolean;
}

/**
 * Whether something exists at `path`. Only "not found" (or a parent that is not a folder) reads
 * as absent: any other failure, such as a missing permission, is thrown rather than mistaken for
 * absence.
 *
 * @param path The path.
 * @param options Whether to follow a symbolic link.
 * @returns `true` when the path exists.
 * @throws {Deno.errors.PermissionDenied} Or any other error of `stat` but "not found".
 *
 * @example Checking a path
 * ```ts
 * import { exists } from "./fs.ts";
 * console.assert(await exists(import.meta.dirname ?? "."));
 * console.assert(!(await exists("/no/such/path")));
 * ```
 */
export async function exists(path: string, options: ExistsOptions = {}): Promise<boolean> {
  try {
    await (options.lstat ? Deno.lstat(path) : Deno.stat(path));
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory) {
      return false;
    }
    throw err;
  }
}

/**
 * Writes a file through a temporary file in the same folder and a rename, so that a reader sees
 * the old content or the new one, never a half-written file; the temporary file is removed when
 * the write fails.
 *
 * @param path The file to write.
 * @param data Its content: text (written as UTF-8) or bytes.
 * @throws {Deno.errors.NotFound} When the folder does not exist, or any other write error.
 *
 * @example Writing a summary
 * ```ts
 * import { join } from "node:path";
 * import { writeFileAtomic } from "./fs.ts";
 * const dir = await Deno.makeTempDir();
 * await writeFileAtomic(join(dir, "run.json"), "{}\n");
 * console.assert(await Deno.readTextFile(join(dir, "run.json")) === "{}\n");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${crypto.randomUUID().slice(0, 8)}.tmp`);
  try {
    if (typeof data === "string") await Deno.writeTextFile(tmp, data);
    else await Deno.writeFile(tmp, data);
    await Deno.rename(tmp, path);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
}
