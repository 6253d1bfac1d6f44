/**
 * The interpreter detection of earlier runs, so that a run does not pay for probing interpreters
 * (a Python start each, 0.1 to 0.3 s) when nothing they depend on changed. An entry holds the
 * result of one detection and the modification times of what it read: each interpreter probed
 * (the winner and those rejected before it), the folders of their `sys.path` (a package installed
 * or removed changes its folder) and Jupyter's kernel spec folders and files. It is used only
 * while every one of them is unchanged.
 *
 * The file is `${XDG_CACHE_HOME:-$HOME/.cache}/pynb-dag-runner/python.json`, in the user's own
 * cache folder (a shared temporary folder would let another user name the interpreter that runs
 * our notebooks), and never in a folder that others may write. It is read and written only where
 * Deno already granted it (no permission prompt): under a `--allow-write` scoped to the run
 * folder, nothing is cached. Any problem reading or writing it means no cache, never a failed
 * run.
 *
 * @module
 */
import { join } from "node:path";
import { z } from "../../deps.ts";

/** One detection, as stored: what it found and what it read. */
const EntrySchema = z.object({
  /** The detection's result: a `PythonInfo`, checked again by its reader. */
  info: z.unknown(),
  /** Path to `mtimeMs` (`null`: did not exist) of everything the result depends on. */
  stamps: z.record(z.string(), z.number().nullable()),
});
const FileSchema = z.object({ version: z.literal(1), entries: z.record(z.string(), EntrySchema) });

type CacheFile = z.infer<typeof FileSchema>;

function env(name: string): string | undefined {
  try {
    // Queried first: a variable outside a scoped --allow-env must not prompt.
    const state = Deno.permissions.querySync({ name: "env", variable: name }).state;
    return state === "granted" ? Deno.env.get(name) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether Deno granted `name` for `path` already (so that using it never prompts). */
function granted(name: "read" | "write", path: string): boolean {
  try {
    return Deno.permissions.querySync({ name, path }).state === "granted";
  } catch {
    return false;
  }
}

/** The cache file, in a folder that others cannot write; undefined when there is none. */
function cacheFile(create: boolean): string | undefined {
  const home = env("HOME");
  const base = env("XDG_CACHE_HOME") || (home ? join(home, ".cache") : undefined);
  if (base === undefined) return undefined;
  const dir = join(base, "pynb-dag-runner");
  const file = join(dir, "python.json");
  if (!granted("read", dir) || (create && !granted("write", dir))) return undefined;
  try {
    if (create) Deno.mkdirSync(dir, { mode: 0o700, recursive: true });
    const info = Deno.statSync(dir);
    if (!info.isDirectory || ((info.mode ?? 0o777) & 0o022) !== 0) return undefined;
    return file;
  } catch {
    return undefined;
  }
}

function read(path: string): CacheFile {
  try {
    const parsed = FileSchema.safeParse(JSON.parse(Deno.readTextFileSync(path)));
    if (parsed.success) return parsed.data;
  } catch {
    // Missing or unreadable: an empty cache.
  }
  return { version: 1, entries: {} };
}

/**
 * The modification time of a path (following links), `null` when it does not exist.
 *
 * @param path The path.
 * @returns Its `mtimeMs`.
 */
export function stampOf(path: string): number | null {
  try {
    return Deno.statSync(path).mtime?.getTime() ?? null;
  } catch {
    return null;
  }
}

/**
 * The stored result of a detection under `key`, when everything it read is unchanged.
 *
 * @param key What the detection was asked (flag, environment variables).
 * @returns The stored result, still to be validated by the caller; undefined on a miss.
 *
 * @example Looking up a detection
 * ```ts ignore
 * const info = cachedDetection("search\0/usr/bin:/bin");
 * ```
 */
export function cachedDetection(key: string): unknown {
  const path = cacheFile(false);
  if (path === undefined) return undefined;
  const entry = read(path).entries[key];
  if (entry === undefined) return undefined;
  for (const [file, stamp] of Object.entries(entry.stamps)) {
    if (stampOf(file) !== stamp) return undefined;
  }
  return entry.info;
}

/**
 * Stores the result of a detection under `key` with the stamps of what it read.
 *
 * @param key What the detection was asked.
 * @param info Its result.
 * @param paths Everything the result depends on.
 *
 * @example Storing a detection
 * ```ts ignore
 * storeDetection("search\0/usr/bin:/bin", info, ["/usr/bin/python3"]);
 * ```
 */
export function storeDetection(key: string, info: unknown, paths: string[]): void {
  const path = cacheFile(true);
  if (path === undefined) return;
  const file = read(path);
  file.entries[key] = { info, stamps: Object.fromEntries(paths.map((p) => [p, stampOf(p)])) };
  // Bounded: the newest few keys (an entry per PATH and interpreter asked for).
  const keys = Object.keys(file.entries);
  for (const old of keys.slice(0, Math.max(0, keys.length - 16))) delete file.entries[old];
  try {
    const temp = `${path}.${Deno.pid}.tmp`;
    Deno.writeTextFileSync(temp, JSON.stringify(file), { mode: 0o600 });
    Deno.renameSync(temp, path);
  } catch {
    // No cache this time.
  }
}
