/**
 * The cache store: saves the final attempt folder of a succeeded instance under its key, and
 * restores it into a new run folder. Entries are written whole or not at all (a temporary folder
 * renamed into place), so an interrupted run never leaves a half entry that a later run trusts,
 * and two runs sharing one cache at once are safe: the second rename finds the entry and keeps
 * it. A corrupt entry (bad manifest, missing file, size or hash mismatch) is a miss with a
 * warning, and is removed.
 *
 * @module
 */
import { dirname, join, relative, sep } from "node:path";
import { copyHashed, listFiles } from "./_files.ts";
import {
  entryDir,
  MANIFEST,
  type Manifest,
  type ManifestFile,
  ManifestSchema,
  tempDir,
} from "./manifest.ts";
import { exists } from "../_base/fs.ts";
import {
  copyFileInside,
  readFileInside,
  UnsafeEntryError,
  walkInside,
} from "../_base/safe_tree.ts";

/** Options of {@linkcode CacheStore}. */
export interface CacheStoreOptions {
  /** Hears about corrupt entries and failed writes. @default none */
  warn?: (message: string) => void;
  /** The clock. @default `() => new Date()` */
  now?: () => Date;
}

/** Where a saved entry came from. */
export interface EntryOrigin {
  /** The run that produced it. */
  runId: string;
  /** The instance id. */
  instanceId: string;
}

/** A reason an entry cannot be trusted; the message says which file and why. */
class CorruptEntry extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CorruptEntry";
  }
}

/**
 * A cache folder of instance results, keyed by instance key.
 *
 * @example Saving and restoring an attempt folder
 * ```ts
 * import { CacheStore } from "./store.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/attempt/artifacts`, { recursive: true });
 * await Deno.writeTextFile(`${dir}/attempt/notebook.ipynb`, "{}");
 * await Deno.writeTextFile(`${dir}/attempt/artifacts/a.txt`, "hello");
 * const store = new CacheStore(`${dir}/cache`);
 * const key = "ab".repeat(32);
 * await store.save(key, `${dir}/attempt`, { runId: "r1", instanceId: "a" });
 * const manifest = await store.restore(key, `${dir}/restored`);
 * console.assert(manifest?.runId === "r1");
 * console.assert(await Deno.readTextFile(`${dir}/restored/artifacts/a.txt`) === "hello");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class CacheStore {
  /** The cache folder. */
  readonly dir: string;
  #warn: (message: string) => void;
  #now: () => Date;

  /**
   * @param dir The cache folder; created when the first entry is saved.
   * @param options Warnings and clock.
   */
  constructor(dir: string, options: CacheStoreOptions = {}) {
    this.dir = dir;
    this.#warn = options.warn ?? (() => {});
    this.#now = options.now ?? (() => new Date());
  }

  /**
   * Restores the entry of `key` into `target`, a folder that does not exist yet, checking every
   * file's size and hash as it is copied. A corrupt entry is removed, a warning says why, and
   * `target` is removed again.
   *
   * @param key The instance key.
   * @param target The folder to fill: the attempt folder of the new run.
   * @returns The entry's manifest on a hit, `undefined` on a miss.
   */
  async restore(key: string, target: string): Promise<Manifest | undefined> {
    const dir = entryDir(this.dir, key);
    // The entry is read from the cache folder down: `v1`, its prefix folder, the entry and each
    // file are lstat'ed, and a link anywhere (to /etc, to another entry) is corruption.
    const rel = relative(this.dir, dir).split(sep).join("/");
    let text: string;
    try {
      const bytes = await readFileInside(this.dir, `${rel}/${MANIFEST}`);
      if (bytes === undefined) return undefined;
      text = new TextDecoder().decode(bytes);
    } catch (err) {
      if (!(err instanceof UnsafeEntryError)) throw err;
      this.#warn(`cache entry ${key.slice(0, 12)} is refused (${err.message}): the instance runs`);
      return undefined;
    }
    try {
      const manifest = parseManifest(text, key);
      const listed = new Set(manifest.files.map((f) => f.path));
      const listing = await walkInside(this.dir, rel).catch((err) => {
        throw err instanceof UnsafeEntryError ? new CorruptEntry(err.message) : err;
      });
      const stray = listing.refused[0] ??
        listing.files.find((f) =>
          f.rel.slice(rel.length + 1) !== MANIFEST &&
          !listed.has(f.rel.slice(rel.length + 1))
        );
      if (stray !== undefined) {
        throw new CorruptEntry(
          stray instanceof UnsafeEntryError
            ? stray.message
            : `${stray.rel.slice(rel.length + 1)} is not in the manifest`,
        );
      }
      for (const file of manifest.files) {
        const to = join(target, file.path);
        let got;
        try {
          got = await copyFileInside(this.dir, `${rel}/${file.path}`, to);
        } catch (err) {
          throw err instanceof UnsafeEntryError ? new CorruptEntry(err.message) : err;
        }
        if (got === undefined) throw new CorruptEntry(`${file.path} is missing`);
        if (got.size !== file.size || got.sha256 !== file.sha256) {
          throw new CorruptEntry(
            `${file.path} has ${got.size} bytes with sha256 ${got.sha256.slice(0, 12)}..., ` +
              `the manifest says ${file.size} bytes with ${file.sha256.slice(0, 12)}...`,
          );
        }
      }
      // The manifest's time is the entry's last use: pruning keeps what is used.
      const at = this.#now();
      await Deno.utime(join(dir, MANIFEST), at, at).catch(() => {});
      return manifest;
    } catch (err) {
      if (!(err instanceof CorruptEntry)) throw err;
      await Deno.remove(target, { recursive: true }).catch(() => {});
      this.#warn(
        `cache entry ${key.slice(0, 12)} is corrupt (${err.message}): removed, the instance runs`,
      );
      await this.#discard(dir);
      return undefined;
    }
  }

  /**
   * Saves `source` (the final attempt folder of a succeeded instance) as the entry of `key`. The
   * entry is written in a temporary folder and renamed into place; an entry that exists already
   * (another run saved it first) is kept as it is.
   *
   * @param key The instance key.
   * @param source The attempt folder.
   * @param origin The run and instance that produced it.
   * @returns `saved`, or `exists` when an entry was there already.
   */
  async save(key: string, source: string, origin: EntryOrigin): Promise<"saved" | "exists"> {
    const dir = entryDir(this.dir, key);
    if (await exists(join(dir, MANIFEST), { lstat: true })) return "exists";
    await Deno.mkdir(tempDir(this.dir), { recursive: true });
    const temp = await Deno.makeTempDir({ dir: tempDir(this.dir), prefix: `${key.slice(0, 12)}-` });
    try {
      const files: ManifestFile[] = [];
      for (const path of await listFiles(source)) {
        const got = await copyHashed(join(source, path), join(temp, path));
        files.push({ path, ...got });
      }
      const manifest: Manifest = {
        formatVersion: 1,
        key,
        runId: origin.runId,
        instanceId: origin.instanceId,
        createdAt: this.#now().toISOString(),
        size: files.reduce((n, f) => n + f.size, 0),
        files,
      };
      await Deno.writeTextFile(join(temp, MANIFEST), JSON.stringify(manifest, null, 1) + "\n");
      await Deno.mkdir(dirname(dir), { recursive: true });
      return await this.#place(temp, dir);
    } finally {
      await Deno.remove(temp, { recursive: true }).catch(() => {});
    }
  }

  /** Renames a written entry into place; a concurrent writer that won keeps its entry. */
  async #place(temp: string, dir: string): Promise<"saved" | "exists"> {
    try {
      await Deno.rename(temp, dir);
      return "saved";
    } catch (err) {
      if (await exists(join(dir, MANIFEST), { lstat: true })) return "exists";
      if (await exists(dir, { lstat: true })) {
        // A folder without a manifest: a leftover of a crash before this layout's renames. It
        // holds nothing trusted; replace it.
        await this.#discard(dir);
        try {
          await Deno.rename(temp, dir);
          return "saved";
        } catch {
          if (await exists(join(dir, MANIFEST), { lstat: true })) return "exists";
        }
      }
      throw err;
    }
  }

  /** Removes an entry: renamed away first, so no reader sees it half removed. */
  async #discard(dir: string): Promise<void> {
    const gone = join(tempDir(this.dir), `discard-${crypto.randomUUID()}`);
    try {
      await Deno.mkdir(tempDir(this.dir), { recursive: true });
      await Deno.rename(dir, gone);
    } catch {
      return; // another run removed it first
    }
    await Deno.remove(gone, { recursive: true }).catch(() => {});
  }
}

function parseManifest(text: string, key: string): Manifest {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new CorruptEntry("manifest.json is not JSON");
  }
  const parsed = ManifestSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CorruptEntry(`manifest.json at ${issue?.path.join(".")}: ${issue?.message}`);
  }
  if (parsed.data.key !== key) {
    throw new CorruptEntry(`manifest.json names key ${parsed.data.key.slice(0, 12)}`);
  }
  return parsed.data;
}
