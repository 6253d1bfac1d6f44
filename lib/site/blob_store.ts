/**
 * The site's content-addressed files, `blobs/<2 hex>/<sha256><ext>`: every artifact, executed
 * notebook and notebook figure is stored once, named by the SHA-256 of its bytes (computed here,
 * never taken from the run folder, so a run cannot claim another file's name). A cached
 * instance restores identical files: they cost nothing more. Each run's pages folder lists the
 * blobs it links in `blobs.txt`, so that a build carries them over with the run and removes the
 * ones no kept run links.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { join } from "node:path";

/** Folder of the blobs in the site. */
export const BLOB_DIR = "blobs";
/** The list of blobs a run's pages link, in the run's pages folder. */
export const BLOB_LIST = "blobs.txt";

/**
 * Writes blobs into a site and remembers which ones each run uses.
 *
 * @example Storing a file once
 * ```ts
 * import { BlobStore } from "./blob_store.ts";
 * const out = await Deno.makeTempDir();
 * const store = new BlobStore(out);
 * const a = store.put(new TextEncoder().encode("hi"), ".txt");
 * console.assert(a === store.put(new TextEncoder().encode("hi"), ".txt"));
 * console.assert(a.startsWith("blobs/8f/8f434346"));
 * await Deno.remove(out, { recursive: true });
 * ```
 */
export class BlobStore {
  #out: string;
  #known = new Set<string>();
  #made = new Set<string>();
  /** Blobs stored or linked since the last {@linkcode BlobStore.take}. */
  #used = new Set<string>();
  /** Bytes written to new blobs. */
  written = 0;

  /** @param out The site's folder. */
  constructor(out: string) {
    this.#out = out;
  }

  /**
   * Stores bytes (once) and returns their path in the site.
   *
   * @param bytes The content.
   * @param ext The file name's extension, with its dot (`.png`); it must be safe to serve.
   * @returns The site-relative path, `blobs/ab/ab12...<ext>`.
   */
  put(bytes: Uint8Array, ext: string): string {
    const sha = createHash("sha256").update(bytes).digest("hex");
    const rel = `${BLOB_DIR}/${sha.slice(0, 2)}/${sha}${ext}`;
    this.#used.add(rel);
    if (this.#known.has(rel)) return rel;
    const path = join(this.#out, rel);
    let present = false;
    try {
      present = Deno.statSync(path).size === bytes.length;
    } catch { /* not there yet */ }
    if (!present) {
      const dir = join(this.#out, BLOB_DIR, sha.slice(0, 2));
      if (!this.#made.has(dir)) Deno.mkdirSync(dir, { recursive: true });
      this.#made.add(dir);
      Deno.writeFileSync(`${path}.tmp`, bytes);
      Deno.renameSync(`${path}.tmp`, path);
      this.written += bytes.length;
    }
    this.#known.add(rel);
    return rel;
  }

  /**
   * Returns the blobs used since the last call and starts a new list (one per run).
   *
   * @returns Site-relative paths, sorted.
   */
  take(): string[] {
    const out = [...this.#used].sort();
    this.#used = new Set();
    return out;
  }
}

/** Reads a run's `blobs.txt` (empty when it has none). */
export async function readBlobList(runDir: string): Promise<string[]> {
  try {
    const text = await Deno.readTextFile(join(runDir, BLOB_LIST));
    return text.split("\n").filter((l) => /^blobs\/[0-9a-f]{2}\/[0-9a-f]{64}[.a-z0-9]*$/.test(l));
  } catch {
    return [];
  }
}

/**
 * Copies the blobs a carried-over run links from the previous site into the new one.
 *
 * @param runDir The run's pages folder in the new site (already copied).
 * @param from The previous site's folder.
 * @param to The new site's folder.
 */
export async function carryBlobs(runDir: string, from: string, to: string): Promise<void> {
  for (const rel of await readBlobList(runDir)) {
    const dest = join(to, rel);
    try {
      await Deno.stat(dest);
      continue;
    } catch { /* copy it */ }
    await Deno.mkdir(join(dest, ".."), { recursive: true });
    await Deno.copyFile(join(from, rel), dest).catch(() => {});
  }
}

/**
 * Removes the blobs that no kept run links.
 *
 * @param out The site's folder.
 * @param runKeys The kept runs' page folder names.
 * @returns How many blobs were removed.
 */
export async function removeUnusedBlobs(out: string, runKeys: string[]): Promise<number> {
  const keep = new Set<string>();
  for (const key of runKeys) {
    for (const rel of await readBlobList(join(out, "runs", key))) keep.add(rel);
  }
  let removed = 0;
  let dirs: Deno.DirEntry[] = [];
  try {
    dirs = [...Deno.readDirSync(join(out, BLOB_DIR))];
  } catch {
    return 0;
  }
  for (const d of dirs.filter((d) => d.isDirectory)) {
    for (const f of Deno.readDirSync(join(out, BLOB_DIR, d.name))) {
      if (keep.has(`${BLOB_DIR}/${d.name}/${f.name}`)) continue;
      await Deno.remove(join(out, BLOB_DIR, d.name, f.name));
      removed++;
    }
  }
  return removed;
}
