/**
 * Safe extraction of run folders from a workflow artifact's zip.
 *
 * Artifacts come from any workflow that can write to the repository, so their zips are
 * untrusted: every entry name is checked (no absolute paths, no `..`, no backslashes), links and
 * devices are refused, sizes are limited before anything is decompressed (declared sizes bound
 * the memory fflate uses), and files land in a staging folder that is renamed into place only
 * when a whole run folder was written.
 *
 * @module
 */
import { join, resolve, sep } from "node:path";
import { type UnzipFileInfo, unzipSync } from "../../deps/github.ts";
import { UnsafeArchiveError } from "./errors.ts";
import { exists } from "../_base/fs.ts";
import { RUN_LAYOUT } from "../log/layout.ts";

/** Limits of {@linkcode extractRunFolders}. */
export interface ExtractOptions {
  /**
   * Name of the archive, for messages, and of the run folder when the zip's root is itself a
   * run folder.
   * @default "artifact"
   */
  name?: string;
  /**
   * Most entries in one archive.
   * @default 20000
   */
  maxEntries?: number;
  /**
   * Most bytes after decompression, all entries together.
   * @default 1073741824 (1 GiB)
   */
  maxTotalBytes?: number;
  /**
   * Highest compression ratio accepted for an entry larger than 16 MiB. Deflate cannot pass
   * about 1030, which bombs reach; real data rarely passes 100. The unpacked total limit is the
   * main defence: fflate never writes more than an entry's declared size.
   * @default 1000
   */
  maxRatio?: number;
  /**
   * Inspects each run folder before it is moved into place, given its `run.json` text (when it
   * has one); throwing an {@linkcode UnsafeArchiveError} refuses the whole archive.
   * @default undefined (no check)
   */
  check?: (folder: string, runJson: string | undefined) => void;
}

/** What {@linkcode extractRunFolders} did. */
export interface ExtractResult {
  /** Run folders written to the output folder (names, not paths). */
  written: string[];
  /** Run folders already present in the output folder, left as they were. */
  present: string[];
}

/** Files that make a folder a run folder. */
const RUN_MARKERS = new Set<string>([RUN_LAYOUT.summary, RUN_LAYOUT.spans]);
const FOLDER_NAME = /^[A-Za-z0-9][A-Za-z0-9._=+-]{0,199}$/;
const BATCH_BYTES = 64 * 1024 * 1024;

interface Entry {
  name: string;
  parts: string[];
  dir: boolean;
  size: number;
}

/**
 * Extracts the run folders found in a zip (a top-level folder holding `run.json` or
 * `spans.jsonl`, or the zip's root itself) into `outDir`, one folder per run. Folders already in
 * `outDir` are left untouched; nothing outside `outDir` is ever written.
 *
 * @param zip The archive's bytes.
 * @param outDir The output folder (created when missing).
 * @param options Archive name and limits.
 * @returns The run folders written and those already present.
 * @throws {UnsafeArchiveError} When the zip is corrupt, too large, holds no run folder, or
 *   holds an entry that is not allowed. Nothing is written to `outDir` then.
 *
 * @example Extracting an artifact
 * ```ts ignore
 * import { extractRunFolders } from "./zip.ts";
 * const zip = await Deno.readFile("pynb-run-v1-123-1.zip");
 * const { written } = await extractRunFolders(zip, "runs", { name: "pynb-run-v1-123-1" });
 * console.log(written);
 * ```
 */
export async function extractRunFolders(
  zip: Uint8Array,
  outDir: string,
  options: ExtractOptions = {},
): Promise<ExtractResult> {
  const archive = options.name ?? "artifact";
  const maxEntries = options.maxEntries ?? 20000;
  const maxTotal = options.maxTotalBytes ?? 1024 * 1024 * 1024;
  const maxRatio = options.maxRatio ?? 1000;
  const fail = (why: string) =>
    new UnsafeArchiveError(archive, `Cannot extract '${archive}': ${why}`);

  assertOnlyFilesAndFolders(zip, archive);
  const entries: Entry[] = [];
  let total = 0;
  const seen = new Set<string>();
  readZip(zip, archive, (f) => {
    const parts = entryParts(f.name);
    if (parts === undefined) throw fail(`its entry '${f.name}' is not a safe relative path`);
    const key = parts.join("/");
    if (seen.has(key)) throw fail(`its entry '${f.name}' appears twice`);
    seen.add(key);
    if (entries.length >= maxEntries) throw fail(`it holds more than ${maxEntries} entries`);
    total += f.originalSize;
    if (total > maxTotal) throw fail(`it unpacks to more than ${maxTotal} bytes`);
    if (f.originalSize > 16 * 1024 * 1024 && f.originalSize / Math.max(f.size, 1) > maxRatio) {
      throw fail(`its entry '${f.name}' is compressed more than ${maxRatio} times (a zip bomb?)`);
    }
    entries.push({ name: f.name, parts, dir: f.name.endsWith("/"), size: f.originalSize });
    return false;
  });

  const folders = runFolders(entries, archive);
  if (folders.size === 0) throw fail("it holds no run folder (no run.json or spans.jsonl)");
  for (const name of folders.keys()) {
    if (!FOLDER_NAME.test(name)) throw fail(`its run folder name '${name}' is not allowed`);
  }

  await Deno.mkdir(outDir, { recursive: true });
  const staging = await Deno.makeTempDir({ dir: outDir, prefix: ".pynb-collect-" });
  const result: ExtractResult = { written: [], present: [] };
  try {
    const staged: string[] = [];
    for (const [name, files] of folders) {
      if (await exists(join(outDir, name), { lstat: true })) {
        result.present.push(name);
        continue;
      }
      try {
        await writeFolder(zip, archive, staging, name, files, fail);
      } catch (err) {
        // A file and a folder of the same name, or a file under a file.
        if (err instanceof Deno.errors.AlreadyExists || err instanceof Deno.errors.NotADirectory) {
          throw fail(`its entries clash (${(err as Error).message})`);
        }
        throw err;
      }
      options.check?.(name, await readText(join(staging, name, RUN_LAYOUT.summary)));
      staged.push(name);
    }
    // Only when every folder passed its check does any of them move into place.
    for (const name of staged) {
      await Deno.rename(join(staging, name), join(outDir, name));
      result.written.push(name);
    }
  } finally {
    await Deno.remove(staging, { recursive: true }).catch(() => {});
  }
  return result;
}

/** Maps run folder name to its entries, with paths relative to the run folder. */
function runFolders(entries: Entry[], archive: string): Map<string, Entry[]> {
  const out = new Map<string, Entry[]>();
  const rootIsRun = entries.some((e) =>
    !e.dir && e.parts.length === 1 && RUN_MARKERS.has(e.parts[0]!)
  );
  if (rootIsRun) {
    out.set(archive, entries);
    return out;
  }
  const runs = new Set(
    entries.filter((e) => !e.dir && e.parts.length === 2 && RUN_MARKERS.has(e.parts[1]!))
      .map((e) => e.parts[0]!),
  );
  for (const e of entries) {
    const top = e.parts[0]!;
    if (!runs.has(top) || e.parts.length < 2) continue;
    const list = out.get(top) ?? [];
    list.push({ ...e, parts: e.parts.slice(1) });
    out.set(top, list);
  }
  return out;
}

async function writeFolder(
  zip: Uint8Array,
  archive: string,
  staging: string,
  name: string,
  entries: Entry[],
  fail: (why: string) => UnsafeArchiveError,
): Promise<void> {
  const root = resolve(staging, name);
  await Deno.mkdir(root, { recursive: true });
  const files = entries.filter((e) => !e.dir);
  for (const e of entries.filter((e) => e.dir)) {
    await Deno.mkdir(inside(root, e.parts, fail), { recursive: true });
  }
  // Decompress in batches so that memory stays bounded by the batch, not the archive.
  for (let i = 0; i < files.length;) {
    const batch = new Map<string, Entry>();
    let bytes = 0;
    while (i < files.length && (batch.size === 0 || bytes + files[i]!.size <= BATCH_BYTES)) {
      batch.set(files[i]!.name, files[i]!);
      bytes += files[i]!.size;
      i++;
    }
    const data = readZip(zip, archive, (f) => batch.has(f.name));
    for (const [entryName, e] of batch) {
      const content = data[entryName];
      if (content === undefined || content.length !== e.size) {
        throw fail(`its entry '${entryName}' is truncated or corrupt`);
      }
      const path = inside(root, e.parts, fail);
      await Deno.mkdir(resolve(path, ".."), { recursive: true });
      await Deno.writeFile(path, content, { createNew: true, mode: 0o644 });
    }
  }
}

/** Resolves entry parts under root and checks the result stays inside it. */
function inside(root: string, parts: string[], fail: (why: string) => UnsafeArchiveError): string {
  const path = resolve(root, ...parts);
  if (!path.startsWith(root + sep)) throw fail(`its entry '${parts.join("/")}' escapes the folder`);
  return path;
}

function readZip(
  zip: Uint8Array,
  archive: string,
  filter: (f: UnzipFileInfo) => boolean,
): Record<string, Uint8Array> {
  try {
    return unzipSync(zip, { filter });
  } catch (err) {
    if (err instanceof UnsafeArchiveError) throw err;
    throw new UnsafeArchiveError(
      archive,
      `Cannot extract '${archive}': the zip is corrupt (${(err as Error).message})`,
      { cause: err },
    );
  }
}

/**
 * Splits a zip entry name into safe path segments, or returns `undefined` when the name is
 * absolute, holds `..`, `.`, empty segments, backslashes, a drive letter or a NUL.
 *
 * @param name The entry name as stored in the zip (`/`-separated).
 * @returns The segments, or `undefined` when the name is not safe.
 *
 * @example Safe and unsafe names
 * ```ts
 * import { entryParts } from "./zip.ts";
 * console.assert(entryParts("run/tasks/a.txt")?.length === 3);
 * console.assert(entryParts("../etc/passwd") === undefined);
 * console.assert(entryParts("/abs") === undefined);
 * ```
 */
export function entryParts(name: string): string[] | undefined {
  if (name.length === 0 || name.length > 1024) return undefined;
  if (/[\\\0]/.test(name) || name.startsWith("/") || /^[A-Za-z]:/.test(name)) return undefined;
  const parts = name.replace(/\/$/, "").split("/");
  if (parts.some((p) => p === "" || p === "." || p === "..")) return undefined;
  return parts;
}

/**
 * Refuses archives with links, devices or pipes, read from the Unix mode in each central
 * directory entry (fflate does not expose it).
 */
function assertOnlyFilesAndFolders(zip: Uint8Array, archive: string): void {
  const corrupt = (why: string) =>
    new UnsafeArchiveError(archive, `Cannot extract '${archive}': the zip is corrupt (${why})`);
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let eocd = -1;
  for (let p = zip.length - 22; p >= Math.max(0, zip.length - 22 - 65535); p--) {
    if (view.getUint32(p, true) === 0x06054b50) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) throw corrupt("no end of central directory");
  let count = view.getUint16(eocd + 10, true);
  let offset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || offset === 0xffffffff) {
    const locator = eocd - 20;
    if (locator < 0 || view.getUint32(locator, true) !== 0x07064b50) {
      throw corrupt("bad zip64 locator");
    }
    const z64 = Number(view.getBigUint64(locator + 8, true));
    if (z64 + 56 > zip.length || view.getUint32(z64, true) !== 0x06064b50) {
      throw corrupt("bad zip64 directory");
    }
    count = Number(view.getBigUint64(z64 + 32, true));
    offset = Number(view.getBigUint64(z64 + 48, true));
  }
  let p = offset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > zip.length || view.getUint32(p, true) !== 0x02014b50) {
      throw corrupt("bad central directory");
    }
    const os = view.getUint16(p + 4, true) >> 8;
    const mode = view.getUint32(p + 38, true) >>> 16;
    const nameLen = view.getUint16(p + 28, true);
    const type = mode & 0o170000;
    // 3: Unix, 19: macOS; other systems store no Unix mode.
    if ((os === 3 || os === 19) && type !== 0 && type !== 0o100000 && type !== 0o040000) {
      const name = new TextDecoder().decode(zip.subarray(p + 46, p + 46 + nameLen));
      throw new UnsafeArchiveError(
        archive,
        `Cannot extract '${archive}': its entry '${name}' is a ${
          type === 0o120000 ? "symbolic link" : "special file"
        }, and only files and folders are allowed`,
      );
    }
    p += 46 + nameLen + view.getUint16(p + 30, true) + view.getUint16(p + 32, true);
  }
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
}
