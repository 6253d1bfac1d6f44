/**
 * The cache folder contract: where entries live and the zod schema of an entry's `manifest.json`.
 *
 * ```
 * <cache>/v1/<key[0:2]>/<key>/manifest.json   written last: an entry without it does not exist
 *                            /notebook.ipynb, values.jsonl, stderr.txt, artifacts/<name>
 * <cache>/v1/tmp/<random>/                    entries being written, renamed into place whole
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { z } from "../../deps.ts";

/** Version of the cache folder layout: the name of its top folder (`v1`). */
export const CACHE_LAYOUT_VERSION = 1;

/** The manifest's file name inside an entry. */
export const MANIFEST = "manifest.json";

/** One file of an entry. */
export interface ManifestFile {
  /** Path inside the entry, `/` separators (`artifacts/plot.png`). */
  path: string;
  /** Size in bytes. */
  size: number;
  /** sha256 of the content. */
  sha256: string;
}

/** `manifest.json`: what an entry holds and where it came from. */
export interface Manifest {
  /** Always {@linkcode CACHE_LAYOUT_VERSION}. */
  formatVersion: number;
  /** The instance key: the entry's folder name. */
  key: string;
  /** The run that produced the entry. */
  runId: string;
  /** The instance id in that run. */
  instanceId: string;
  /** When the entry was written, ISO 8601. */
  createdAt: string;
  /** Sum of the sizes of `files`. */
  size: number;
  /** Every file of the entry but the manifest. */
  files: ManifestFile[];
}

const SHA256 = z.string().regex(/^[0-9a-f]{64}$/, { error: "expected 64 lowercase hex digits" });
// A path from the manifest is joined to folders: it must stay inside the entry.
const SAFE_PATH = z.string().refine(
  (p) => p !== "" && !p.startsWith("/") && !p.split("/").some((s) => s === ".." || s === ""),
  { error: "expected a relative path inside the entry" },
);

/**
 * Validates a {@linkcode Manifest}.
 *
 * @example A manifest read back
 * ```ts
 * import { ManifestSchema } from "./manifest.ts";
 * const ok = ManifestSchema.safeParse({
 *   formatVersion: 1, key: "a".repeat(64), runId: "r1", instanceId: "train", size: 0, files: [],
 *   createdAt: "2026-11-30T10:00:00.000Z",
 * });
 * console.assert(ok.success);
 * ```
 */
export const ManifestSchema: z.ZodType<Manifest> = z.object({
  formatVersion: z.literal(CACHE_LAYOUT_VERSION),
  key: SHA256,
  runId: z.string().min(1),
  instanceId: z.string().min(1),
  createdAt: z.iso.datetime(),
  size: z.number().int().nonnegative(),
  files: z.array(z.object({
    path: SAFE_PATH,
    size: z.number().int().nonnegative(),
    sha256: SHA256,
  })),
});

/**
 * The folder of the entries of one layout version.
 *
 * @param cacheDir The cache folder.
 * @returns `<cacheDir>/v1`.
 *
 * @example
 * ```ts
 * import { layoutDir } from "./manifest.ts";
 * console.assert(layoutDir(".pynb-cache") === ".pynb-cache/v1");
 * ```
 */
export function layoutDir(cacheDir: string): string {
  return join(cacheDir, `v${CACHE_LAYOUT_VERSION}`);
}

/**
 * The folder of one entry.
 *
 * @param cacheDir The cache folder.
 * @param key The instance key.
 * @returns `<cacheDir>/v1/<key[0:2]>/<key>`.
 *
 * @example
 * ```ts
 * import { entryDir } from "./manifest.ts";
 * console.assert(entryDir("c", "ab12") === "c/v1/ab/ab12");
 * ```
 */
export function entryDir(cacheDir: string, key: string): string {
  return join(layoutDir(cacheDir), key.slice(0, 2), key);
}

/**
 * The folder where entries are written before they are renamed into place.
 *
 * @param cacheDir The cache folder.
 * @returns `<cacheDir>/v1/tmp`.
 *
 * @example
 * ```ts
 * import { tempDir } from "./manifest.ts";
 * console.assert(tempDir("c") === "c/v1/tmp");
 * ```
 */
export function tempDir(cacheDir: string): string {
  return join(layoutDir(cacheDir), "tmp");
}
