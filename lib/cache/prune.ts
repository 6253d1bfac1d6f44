/**
 * Keeps a cache folder bounded: removes entries not used for a number of days, then the least
 * recently used ones until the folder fits a size, and leftovers of interrupted writes.
 *
 * @module
 */
import { basename, join } from "node:path";
import {
  entryInside,
  readFileInside,
  removeDirInside,
  UnsafeEntryError,
} from "../_base/safe_tree.ts";
import { UserError } from "../errors.ts";
import { layoutDir, MANIFEST, ManifestSchema, tempDir } from "./manifest.ts";

/** Options of {@linkcode pruneCache}. */
export interface PruneOptions {
  /** Remove entries not used (restored or saved) for more than this many days. @default keep */
  keepDays?: number;
  /** Then remove the least recently used entries until the rest fits, in bytes. @default keep */
  maxSize?: number;
  /** The clock. @default `() => new Date()` */
  now?: () => Date;
}

/** What {@linkcode pruneCache} did. */
export interface PruneResult {
  /** Entries removed. */
  removed: number;
  /** Bytes freed by them. */
  freed: number;
  /** Entries kept. */
  kept: number;
  /** Bytes of the entries kept. */
  size: number;
  /** What was not pruned because it is not an entry (links, stray files), one sentence each. */
  warnings: string[];
}

/** A temporary folder this old is a leftover of an interrupted run, not a write under way. */
const STALE_TEMP_MS = 60 * 60 * 1000;

const UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/**
 * Parses a size: bytes, or a number with a unit (`500MB`, `2GiB`, `1.5 GB`). KB, MB, GB, TB are
 * powers of 1000; KiB, MiB, GiB, TiB powers of 1024.
 *
 * @param text The size as written.
 * @returns Bytes, rounded down.
 * @throws {RangeError} When the text is not a size; the message shows the accepted forms.
 *
 * @example Decimal and binary units
 * ```ts
 * import { parseSize } from "./prune.ts";
 * console.assert(parseSize("500MB") === 500_000_000);
 * console.assert(parseSize("2GiB") === 2 * 1024 ** 3);
 * ```
 */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = UNITS[(m?.[2] ?? "").toLowerCase()];
  if (m === null || unit === undefined) {
    throw new RangeError(
      `Cannot read the size '${text}': write bytes or a number with a unit, e.g. 500MB or 2GiB ` +
        "(KB, MB, GB, TB: powers of 1000; KiB, MiB, GiB, TiB: powers of 1024)",
    );
  }
  return Math.floor(Number(m[1]) * unit);
}

interface Entry {
  /** The entry's folder, relative to the cache folder. */
  rel: string;
  size: number;
  usedAt: number;
}

const KEY = /^[0-9a-f]{64}$/;
const LAYOUT = basename(layoutDir("."));

/**
 * The entries of a cache folder, read as untrusted: `v1`, each prefix folder and each entry are
 * `lstat`ed; a link or a file where a folder belongs, and a folder whose name is not a key under
 * its prefix, is not an entry (warned about, never followed, never removed).
 */
async function readEntries(
  cacheDir: string,
  warnings: string[],
): Promise<{ entries: Entry[]; broken: string[] }> {
  const entries: Entry[] = [];
  const broken: string[] = [];
  for (const prefix of await subfolders(cacheDir, LAYOUT, warnings)) {
    if (prefix === "tmp") continue;
    if (!/^[0-9a-f]{2}$/.test(prefix)) {
      warnings.push(`'${cacheDir}/${LAYOUT}/${prefix}' is not a folder of cache entries: kept`);
      continue;
    }
    for (const name of await subfolders(cacheDir, `${LAYOUT}/${prefix}`, warnings)) {
      const rel = `${LAYOUT}/${prefix}/${name}`;
      if (!KEY.test(name) || !name.startsWith(prefix)) {
        warnings.push(`'${cacheDir}/${rel}' is not a cache entry: kept`);
        continue;
      }
      try {
        const found = await entryInside(cacheDir, `${rel}/${MANIFEST}`);
        const bytes = await readFileInside(cacheDir, `${rel}/${MANIFEST}`);
        if (found === undefined || bytes === undefined) throw new Error("no manifest");
        const manifest = ManifestSchema.parse(JSON.parse(new TextDecoder().decode(bytes)));
        const info = await Deno.lstat(join(cacheDir, rel, MANIFEST));
        entries.push({ rel, size: manifest.size, usedAt: info.mtime?.getTime() ?? 0 });
      } catch {
        broken.push(rel);
      }
    }
  }
  return { entries, broken };
}

/** Names of the real folders in `rel`; links and other entries are warned about and skipped. */
async function subfolders(root: string, rel: string, warnings: string[]): Promise<string[]> {
  let found;
  try {
    found = await entryInside(root, rel);
  } catch (err) {
    if (!(err instanceof UnsafeEntryError)) throw err;
    warnings.push(`${err.message}: not followed, nothing under it is pruned`);
    return [];
  }
  if (found === undefined) return [];
  if (found.kind !== "dir") {
    warnings.push(`'${root}/${rel}' is not a folder: kept`);
    return [];
  }
  const names: string[] = [];
  for await (const e of Deno.readDir(join(root, ...rel.split("/")))) {
    const info = await Deno.lstat(join(root, ...rel.split("/"), e.name));
    if (info.isDirectory) names.push(e.name);
    else if (info.isSymlink) {
      warnings.push(`'${root}/${rel}/${e.name}' is a symbolic link: not followed, kept`);
    }
  }
  return names.sort();
}

/** Removes a folder inside the cache; one already gone (another prune, a discard) is fine. */
async function removeTree(cacheDir: string, rel: string): Promise<void> {
  try {
    await removeDirInside(cacheDir, rel);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
}

async function removeStaleTemps(cacheDir: string, now: number, warnings: string[]): Promise<void> {
  const tmp = `${LAYOUT}/${basename(tempDir("."))}`;
  for (const name of await subfolders(cacheDir, tmp, warnings)) {
    const info = await Deno.lstat(join(cacheDir, tmp, name)).catch(() => undefined);
    if (info !== undefined && now - (info.mtime?.getTime() ?? 0) > STALE_TEMP_MS) {
      await removeTree(cacheDir, `${tmp}/${name}`);
    }
  }
}

/** Refuses a cache folder that is not one (a file, a device such as `/dev/null`, a link). */
async function checkCacheDir(cacheDir: string): Promise<boolean> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(cacheDir);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
  if (!info.isDirectory) {
    throw new UserError(
      `Cannot prune '${cacheDir}': it is ${
        info.isSymlink ? "a symbolic link" : "not a folder"
      }; give the cache folder itself (--dir)`,
    );
  }
  return true;
}

/**
 * Prunes a cache folder: entries unused for more than `keepDays`, then the least recently used
 * until the rest fits `maxSize`. Entries without a valid manifest and temporary folders older than
 * an hour (left by interrupted runs) are removed too. A missing folder is an empty cache.
 *
 * @param cacheDir The cache folder.
 * @param options Age and size limits.
 * @returns Counts and sizes removed and kept.
 *
 * @example Pruning an empty cache
 * ```ts
 * import { pruneCache } from "./prune.ts";
 * const dir = await Deno.makeTempDir();
 * const got = await pruneCache(dir, { keepDays: 30, maxSize: 1e9 });
 * console.assert(got.removed === 0 && got.kept === 0);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function pruneCache(
  cacheDir: string,
  options: PruneOptions = {},
): Promise<PruneResult> {
  const now = (options.now ?? (() => new Date()))().getTime();
  const warnings: string[] = [];
  if (!await checkCacheDir(cacheDir)) return { removed: 0, freed: 0, kept: 0, size: 0, warnings };
  await removeStaleTemps(cacheDir, now, warnings);
  const { entries, broken } = await readEntries(cacheDir, warnings);
  for (const rel of broken) await removeTree(cacheDir, rel);
  entries.sort((a, b) => b.usedAt - a.usedAt); // most recently used first
  const kept: Entry[] = [];
  const gone: Entry[] = [];
  let size = 0;
  let full = false; // least recently used go first: once one does not fit, older ones go too
  for (const e of entries) {
    const tooOld = options.keepDays !== undefined && now - e.usedAt > options.keepDays * 864e5;
    full ||= !tooOld && options.maxSize !== undefined && size + e.size > options.maxSize;
    if (tooOld || full) gone.push(e);
    else {
      kept.push(e);
      size += e.size;
    }
  }
  for (const e of gone) await removeTree(cacheDir, e.rel);
  return {
    removed: gone.length,
    freed: gone.reduce((n, e) => n + e.size, 0),
    kept: kept.length,
    size,
    warnings,
  };
}
