/**
 * The one reader of folders that come from someone else: run folders, run parts, cache entries,
 * `--resume` folders. Every entry is `lstat`ed, never followed: a symbolic link, a FIFO, a
 * device or a socket is refused, so is any folder on the way that is a link, and so is a path
 * that is absolute, holds `..`, a backslash or a NUL. Nothing read through it lies outside its
 * root, and nothing written or removed through it either.
 *
 * The checks assume the folder does not change while it is read: a race needs write access to
 * the folder during the run, and whoever has that can write the files themselves.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { dirname, isAbsolute, join, posix } from "node:path";

/** A path through an untrusted folder was refused. */
export class UnsafeEntryError extends Error {
  /** The root the path was read from. */
  readonly root: string;
  /** The path, relative to the root. */
  readonly rel: string;
  /** Why, as a clause (`it is a symbolic link`). */
  readonly why: string;

  /**
   * @param root The root.
   * @param rel The path under it.
   * @param why Why it is refused.
   */
  constructor(root: string, rel: string, why: string) {
    super(`Cannot read '${rel === "" ? root : `${root.replace(/\/+$/, "")}/${rel}`}': ${why}`);
    this.name = "UnsafeEntryError";
    this.root = root;
    this.rel = rel;
    this.why = why;
  }
}

/**
 * Why a relative path may not be followed from a root, if it may not.
 *
 * @param rel A path relative to a root, `/`-separated (`""` is the root itself).
 * @returns The reason, or `undefined` when the path stays inside.
 *
 * @example
 * ```ts
 * import { unsafeRel } from "./safe_tree.ts";
 * console.assert(unsafeRel("tasks/a/attempt-1/notebook.ipynb") === undefined);
 * console.assert(unsafeRel("tasks/../../x") !== undefined && unsafeRel("/etc") !== undefined);
 * ```
 */
export function unsafeRel(rel: string): string | undefined {
  if (rel === "") return undefined;
  if (rel.includes("\0")) return "the path holds a NUL byte";
  if (rel.includes("\\")) return "the path holds a backslash";
  if (isAbsolute(rel) || posix.isAbsolute(rel) || /^[A-Za-z]:/.test(rel)) {
    return "the path is absolute";
  }
  const parts = rel.split("/");
  if (parts.some((p) => p === ".." || p === "." || p === "")) {
    return "the path holds '..', '.' or an empty part";
  }
  return undefined;
}

/** What {@linkcode entryInside} found. */
export type EntryKind = "file" | "dir";

/**
 * Checks that `root/rel` is a regular file or a real folder reached through real folders only,
 * the root included.
 *
 * @param root The untrusted folder.
 * @param rel The path under it (`""`: the root).
 * @returns Its kind and size, or `undefined` when nothing is there.
 * @throws {UnsafeEntryError} When the path, the entry or a folder on the way is refused.
 *
 * @example
 * ```ts
 * import { entryInside } from "./safe_tree.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.symlink("/etc/passwd", `${dir}/x`);
 * await entryInside(dir, "x").then(() => console.assert(false), (e) => console.assert(e.why.includes("link")));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function entryInside(
  root: string,
  rel: string,
): Promise<{ kind: EntryKind; size: number } | undefined> {
  const unsafe = unsafeRel(rel);
  if (unsafe !== undefined) throw new UnsafeEntryError(root, rel, unsafe);
  const parts = rel === "" ? [] : rel.split("/");
  let info: Deno.FileInfo | undefined;
  for (let i = 0; i <= parts.length; i++) {
    const here = parts.slice(0, i).join("/");
    try {
      info = await Deno.lstat(i === 0 ? root : join(root, ...parts.slice(0, i)));
    } catch (err) {
      if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory) {
        return undefined;
      }
      throw err;
    }
    if (info.isSymlink) throw new UnsafeEntryError(root, here, "it is a symbolic link");
    if (i < parts.length && !info.isDirectory) return undefined;
    if (!info.isDirectory && !info.isFile) {
      throw new UnsafeEntryError(root, here, "it is not a regular file or folder");
    }
  }
  return { kind: info!.isDirectory ? "dir" : "file", size: info!.size };
}

/**
 * Reads a regular file inside an untrusted folder.
 *
 * @param root The folder.
 * @param rel The file under it.
 * @returns Its bytes, or `undefined` when it is not there (or is a folder).
 * @throws {UnsafeEntryError} When it or a folder on the way is refused.
 *
 * @example
 * ```ts
 * import { readFileInside } from "./safe_tree.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/a.txt`, "hi");
 * console.assert((await readFileInside(dir, "a.txt"))?.length === 2);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readFileInside(root: string, rel: string): Promise<Uint8Array | undefined> {
  const found = await entryInside(root, rel);
  if (found?.kind !== "file") return undefined;
  return await Deno.readFile(join(root, ...rel.split("/")));
}

/** One entry found by {@linkcode walkInside}. */
export interface TreeFile {
  /** Its path under the root, `/`-separated. */
  rel: string;
  /** Its size in bytes. */
  size: number;
}

/** What {@linkcode walkInside} found. */
export interface TreeListing {
  /** Regular files, sorted by path. */
  files: TreeFile[];
  /** Real folders, sorted by path (the start folder not included). */
  dirs: string[];
  /** Links and special files found (and not followed), with why: `path: why`. */
  refused: UnsafeEntryError[];
}

/**
 * Lists a folder inside an untrusted root: its regular files and real folders, every entry
 * `lstat`ed, links and special files refused (listed, never followed).
 *
 * @param root The untrusted folder.
 * @param rel The folder under it to list (`""`: the root).
 * @returns Files, folders and refusals; empty when the folder is not there.
 * @throws {UnsafeEntryError} When `rel` itself or a folder on the way to it is refused.
 *
 * @example
 * ```ts
 * import { walkInside } from "./safe_tree.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/a.txt`, "hi");
 * await Deno.symlink("/etc/passwd", `${dir}/b.txt`);
 * const got = await walkInside(dir);
 * console.assert(got.files.length === 1 && got.refused[0]!.rel === "b.txt");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function walkInside(root: string, rel = ""): Promise<TreeListing> {
  const out: TreeListing = { files: [], dirs: [], refused: [] };
  const start = await entryInside(root, rel);
  if (start?.kind !== "dir") return out;
  await walk(root, rel, out);
  out.files.sort((a, b) => a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0);
  out.dirs.sort();
  return out;
}

async function walk(root: string, rel: string, out: TreeListing): Promise<void> {
  const here = rel === "" ? root : join(root, ...rel.split("/"));
  for await (const e of Deno.readDir(here)) {
    const path = rel === "" ? e.name : `${rel}/${e.name}`;
    if (unsafeRel(path) !== undefined) {
      out.refused.push(new UnsafeEntryError(root, path, "its name is unsafe"));
      continue;
    }
    // lstat, not the entry's type alone: some file systems report no type in a listing.
    const info = await Deno.lstat(join(here, e.name));
    if (info.isSymlink) out.refused.push(new UnsafeEntryError(root, path, "it is a symbolic link"));
    else if (info.isDirectory) {
      out.dirs.push(path);
      await walk(root, path, out);
    } else if (info.isFile) out.files.push({ rel: path, size: info.size });
    else out.refused.push(new UnsafeEntryError(root, path, "it is not a regular file or folder"));
  }
}

/**
 * Copies a regular file from inside an untrusted root to a new file, hashing it on the way:
 * one read, and the file opened is the one checked (no link at the last step either).
 *
 * @param root The untrusted folder.
 * @param rel The file under it.
 * @param to The new file (its folders are created; it must not exist).
 * @returns Its size and sha256, or `undefined` when it is not there.
 * @throws {UnsafeEntryError} When it or a folder on the way is refused.
 *
 * @example
 * ```ts
 * import { copyFileInside } from "./safe_tree.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/a.txt`, "");
 * const got = await copyFileInside(dir, "a.txt", `${dir}/out/a.txt`);
 * console.assert(got?.size === 0 && got.sha256.startsWith("e3b0c442"));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function copyFileInside(
  root: string,
  rel: string,
  to: string,
): Promise<{ size: number; sha256: string } | undefined> {
  const found = await entryInside(root, rel);
  if (found?.kind !== "file") return undefined;
  await Deno.mkdir(dirname(to), { recursive: true });
  const hash = createHash("sha256");
  let size = 0;
  using src = await Deno.open(join(root, ...rel.split("/")));
  if (!(await src.stat()).isFile) throw new UnsafeEntryError(root, rel, "it changed while read");
  using dst = await Deno.open(to, { write: true, createNew: true });
  for await (const chunk of src.readable) {
    hash.update(chunk);
    size += chunk.length;
    let written = 0;
    while (written < chunk.length) written += await dst.write(chunk.subarray(written));
  }
  return { size, sha256: hash.digest("hex") };
}

/**
 * Copies a folder from inside an untrusted root: regular files and real folders only.
 *
 * @param root The untrusted folder.
 * @param rel The folder under it.
 * @param to Where the copy goes (created).
 * @returns What was refused (links, special files), not copied.
 * @throws {UnsafeEntryError} When `rel` or a folder on the way is refused.
 *
 * @example
 * ```ts
 * import { copyTreeInside } from "./safe_tree.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/a`);
 * await Deno.symlink("/etc/passwd", `${dir}/a/p`);
 * const refused = await copyTreeInside(dir, "a", `${dir}/b`);
 * console.assert(refused.length === 1);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function copyTreeInside(
  root: string,
  rel: string,
  to: string,
): Promise<UnsafeEntryError[]> {
  const listing = await walkInside(root, rel);
  const strip = (p: string) => rel === "" ? p : p.slice(rel.length + 1);
  await Deno.mkdir(to, { recursive: true });
  for (const d of listing.dirs) {
    await Deno.mkdir(join(to, ...strip(d).split("/")), { recursive: true });
  }
  for (const f of listing.files) {
    await copyFileInside(root, f.rel, join(to, ...strip(f.rel).split("/")));
  }
  return listing.refused;
}

/**
 * Removes a real folder inside a root, after checking that it is one (not a link, not through
 * one). Links inside it are removed as links, never followed.
 *
 * @param root The folder the removal must stay in.
 * @param rel The folder under it.
 * @returns `true` when it was removed, `false` when it was not there.
 * @throws {UnsafeEntryError} When it is a link, a file, or lies under a link.
 *
 * @example
 * ```ts
 * import { removeDirInside } from "./safe_tree.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/a`);
 * console.assert(await removeDirInside(dir, "a"));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function removeDirInside(root: string, rel: string): Promise<boolean> {
  if (rel === "") throw new UnsafeEntryError(root, rel, "the root itself is not removed");
  const found = await entryInside(root, rel);
  if (found === undefined) return false;
  if (found.kind !== "dir") throw new UnsafeEntryError(root, rel, "it is not a folder");
  await Deno.remove(join(root, ...rel.split("/")), { recursive: true });
  return true;
}
