/**
 * File helpers of the cache: listing a folder's files and copying a file while hashing it.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";

/**
 * Files below a folder, relative with `/` separators, sorted; symlinks and others skipped.
 *
 * @param root The folder.
 * @param rel A sub-folder to start from. @default the folder itself
 * @returns The relative paths.
 * @throws {Deno.errors.NotFound} When the folder is missing.
 *
 * @example Listing
 * ```ts
 * import { listFiles } from "./_files.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/a`);
 * await Deno.writeTextFile(`${dir}/a/x.txt`, "x");
 * console.assert((await listFiles(dir)).join() === "a/x.txt");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function listFiles(root: string, rel = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(join(root, rel))) {
    const path = rel === "" ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory) out.push(...await listFiles(root, path));
    else if (e.isFile) out.push(path);
  }
  return out.sort();
}

/**
 * Copies a file to a new file (its folders created) while hashing it: one read of the source.
 *
 * @param from The file.
 * @param to The copy; it must not exist.
 * @returns The size and sha256 of what was copied.
 * @throws {Deno.errors.NotFound} When `from` is missing.
 *
 * @example Copying
 * ```ts
 * import { copyHashed } from "./_files.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/a.txt`, "");
 * const got = await copyHashed(`${dir}/a.txt`, `${dir}/b/a.txt`);
 * console.assert(got.size === 0 && got.sha256.startsWith("e3b0c442"));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function copyHashed(
  from: string,
  to: string,
): Promise<{ size: number; sha256: string }> {
  await Deno.mkdir(dirname(to), { recursive: true });
  const hash = createHash("sha256");
  let size = 0;
  using src = await Deno.open(from);
  using dst = await Deno.open(to, { write: true, createNew: true });
  for await (const chunk of src.readable) {
    hash.update(chunk);
    size += chunk.length;
    let written = 0;
    while (written < chunk.length) written += await dst.write(chunk.subarray(written));
  }
  return { size, sha256: hash.digest("hex") };
}
