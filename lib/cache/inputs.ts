/**
 * The files a task declares with `inputs:` (globs relative to the pipeline file), and their
 * content hashes: the part of a cache key that notebooks read from disk.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { glob } from "node:fs/promises";
import { isAbsolute, join, relative, sep } from "node:path";
import type { InputFile } from "./key.ts";

/** The files matched by a task's `inputs:`, and the patterns that matched nothing. */
export interface MatchedInputs {
  /** Every matched file once, sorted by path, with its content hash. */
  files: InputFile[];
  /** Patterns that matched no file (a likely typo, worth a warning). */
  unmatched: string[];
}

/**
 * sha256 of a file's content, read in chunks.
 *
 * @param path The file.
 * @returns 64 lowercase hex digits.
 * @throws {Deno.errors.NotFound} When the file is missing.
 *
 * @example Hashing a file
 * ```ts
 * import { sha256File } from "./inputs.ts";
 * const path = await Deno.makeTempFile();
 * console.assert((await sha256File(path)).startsWith("e3b0c442")); // empty
 * await Deno.remove(path);
 * ```
 */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  using file = await Deno.open(path);
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
}

function toPosix(path: string): string {
  return sep === "/" ? path : path.split(sep).join("/");
}

/** Files of a matched path: the file itself, or every file below a folder. */
async function filesOf(baseDir: string, rel: string): Promise<string[]> {
  const info = await Deno.stat(join(baseDir, rel));
  if (info.isFile) return [rel];
  if (!info.isDirectory) return [];
  const found: string[] = [];
  for await (const f of glob(join(rel, "**", "*"), { cwd: baseDir })) {
    if ((await Deno.stat(join(baseDir, f))).isFile) found.push(f);
  }
  return found;
}

/**
 * Expands `inputs:` globs against the pipeline folder and hashes every matched file. A matched
 * folder counts with every file below it. `hashes` memoises file hashes across the instances of a
 * run.
 *
 * @param baseDir The pipeline file's folder.
 * @param patterns Glob patterns (`data/*.csv`, `src/**\/*.py`), relative to `baseDir`.
 * @param hashes Known hashes by absolute path, filled as files are hashed. @default a new map
 * @returns The files, sorted by path, and the patterns that matched nothing.
 *
 * @example Matching two files
 * ```ts
 * import { matchInputs } from "./inputs.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/data`);
 * await Deno.writeTextFile(`${dir}/data/a.csv`, "x\n1\n");
 * await Deno.writeTextFile(`${dir}/data/b.csv`, "x\n2\n");
 * const got = await matchInputs(dir, ["data/*.csv", "missing/*.txt"]);
 * console.assert(got.files.map((f) => f.path).join() === "data/a.csv,data/b.csv");
 * console.assert(got.unmatched[0] === "missing/*.txt");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function matchInputs(
  baseDir: string,
  patterns: readonly string[],
  hashes: Map<string, Promise<string>> = new Map(),
): Promise<MatchedInputs> {
  const paths = new Set<string>();
  const unmatched: string[] = [];
  for (const pattern of patterns) {
    let any = false;
    const matches = isAbsolute(pattern) ? glob(pattern) : glob(pattern, { cwd: baseDir });
    for await (const match of matches) {
      const rel = isAbsolute(match) ? relative(baseDir, match) : match;
      for (const f of await filesOf(baseDir, rel)) {
        paths.add(toPosix(f));
        any = true;
      }
    }
    if (!any) unmatched.push(pattern);
  }
  const files: InputFile[] = [];
  for (const path of [...paths].sort()) {
    const abs = join(baseDir, path);
    let hash = hashes.get(abs);
    if (hash === undefined) {
      hash = sha256File(abs);
      hashes.set(abs, hash);
    }
    files.push({ path, sha256: await hash });
  }
  return { files, unmatched };
}
