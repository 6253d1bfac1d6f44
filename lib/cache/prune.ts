/**
 * Keeps a cache folder bounded: removes entries not used for a number of days, then the least
 * recently used ones until the folder fits a size, and leftovers of interrupted writes.
 *
 * @module
 */
import { join } from "node:path";
import { entryDir, layoutDir, MANIFEST, ManifestSchema, tempDir } from "./manifest.ts";

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
  dir: string;
  size: number;
  usedAt: number;
}

async function readEntries(cacheDir: string): Promise<{ entries: Entry[]; broken: string[] }> {
  const entries: Entry[] = [];
  const broken: string[] = [];
  const root = layoutDir(cacheDir);
  for await (const prefix of readDirOrEmpty(root)) {
    if (!prefix.isDirectory || prefix.name === "tmp") continue;
    for await (const e of readDirOrEmpty(join(root, prefix.name))) {
      const dir = entryDir(cacheDir, e.name);
      try {
        const manifestPath = join(dir, MANIFEST);
        const info = await Deno.stat(manifestPath);
        const manifest = ManifestSchema.parse(JSON.parse(await Deno.readTextFile(manifestPath)));
        entries.push({ dir, size: manifest.size, usedAt: info.mtime?.getTime() ?? 0 });
      } catch {
        broken.push(dir);
      }
    }
  }
  return { entries, broken };
}

/** Removes a folder; one already gone (another prune, a run's discard) is fine. */
async function removeTree(path: string): Promise<void> {
  try {
    await Deno.remove(path, { recursive: true });
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
}

async function* readDirOrEmpty(dir: string): AsyncIterable<Deno.DirEntry> {
  try {
    yield* Deno.readDir(dir);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
}

async function removeStaleTemps(cacheDir: string, now: number): Promise<void> {
  for await (const e of readDirOrEmpty(tempDir(cacheDir))) {
    const path = join(tempDir(cacheDir), e.name);
    const info = await Deno.stat(path).catch(() => undefined);
    if (info !== undefined && now - (info.mtime?.getTime() ?? 0) > STALE_TEMP_MS) {
      await removeTree(path);
    }
  }
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
  await removeStaleTemps(cacheDir, now);
  const { entries, broken } = await readEntries(cacheDir);
  for (const dir of broken) await removeTree(dir);
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
  for (const e of gone) await removeTree(e.dir);
  return {
    removed: gone.length,
    freed: gone.reduce((n, e) => n + e.size, 0),
    kept: kept.length,
    size,
  };
}
