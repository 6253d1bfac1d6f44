/**
 * What happens to an attempt folder as soon as its attempt ends, before anything reads, caches
 * or uploads it: it is made to hold only regular files and folders (a link or a FIFO a notebook
 * left there is removed: `actions/upload-artifact` would follow a link to `/etc/passwd` when it
 * zips the run folder), and, when secrets are listed, no file or folder name holds one (the
 * name is redacted like the contents, so `values.jsonl`, `run.json`, the cache's manifest and
 * the files on disk all say `roc-***.png`).
 *
 * @module
 */
import { basename, dirname, join } from "node:path";
import { UnsafeEntryError, walkInside } from "../_base/safe_tree.ts";
import type { Redactor } from "./redact/redact.ts";

/**
 * Removes links and special files from an attempt folder and redacts secrets out of the names
 * of its files and folders.
 *
 * @param dir The attempt folder (`tasks/<slug>/attempt-<n>`).
 * @param redactor The run's redactor, if the pipeline lists secrets.
 * @returns One sentence for each entry removed or renamed, naming it.
 *
 * @example A link a notebook left
 * ```ts
 * import { cleanAttemptFolder } from "./attempt_cleanup.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.symlink("/etc/passwd", `${dir}/passwd`);
 * const said = await cleanAttemptFolder(dir);
 * console.assert(said[0]!.includes("passwd") && said[0]!.includes("symbolic link"));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function cleanAttemptFolder(dir: string, redactor?: Redactor): Promise<string[]> {
  const said: string[] = [];
  let listing;
  try {
    listing = await walkInside(dir);
  } catch (err) {
    if (!(err instanceof UnsafeEntryError)) throw err;
    // The attempt folder itself was replaced by a link or a special file: it goes, whole.
    await Deno.remove(dir);
    return [`removed the attempt folder: ${err.why}`];
  }
  for (const refused of listing.refused) {
    await Deno.remove(join(dir, ...refused.rel.split("/")));
    said.push(`removed '${refused.rel}' from the attempt folder: ${refused.why}`);
  }
  if (redactor === undefined || !redactor.active) return said;
  // Deepest first: renaming a folder after its entries keeps every path found valid.
  const paths = [...listing.files.map((f) => f.rel), ...listing.dirs]
    .sort((a, b) => b.split("/").length - a.split("/").length || (a < b ? -1 : 1));
  for (const rel of paths) {
    const name = basename(rel);
    const clean = redactor.redact(name);
    if (clean === name) continue;
    const from = join(dir, ...rel.split("/"));
    const to = join(dirname(from), clean);
    const shown = redactor.redact(rel);
    if (await Deno.lstat(to).then(() => true, () => false)) {
      await Deno.remove(from, { recursive: true });
      said.push(`removed '${shown}' (a name with a secret): '${shown}' exists already`);
    } else {
      await Deno.rename(from, to);
      said.push(`renamed '${shown}': its name held a secret`);
    }
  }
  return said;
}
