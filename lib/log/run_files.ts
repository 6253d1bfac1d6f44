/**
 * Reads the files of a run folder as untrusted input: a run folder may come from anyone (a CI
 * artifact, a pull request), so nothing outside it is ever read through it. Every file is
 * `lstat`ed first: symbolic links and special files (FIFOs, devices, sockets) are refused, and
 * so is a path whose real location leaves the run folder (through a linked folder) or a recorded
 * path that is absolute or climbs out with `..`. Each refusal is kept as a warning naming the
 * file. A file that is simply missing is not a warning: callers say so where it matters.
 *
 * Synchronous on purpose: a site build touches tens of thousands of small files one after the
 * other, and the async calls cost a thread-pool round trip each (2-3x slower here). The checks
 * assume the run folder does not change while it is read (a TOCTOU race needs write access to
 * the folder during the build, which is not the threat: published run folders are static).
 *
 * @module
 */
import { join } from "node:path";
import {
  ATTEMPT_LAYOUT,
  parseAttemptDirName,
  RUN_LAYOUT,
  runPath,
  unsafeRelPath,
} from "./layout.ts";

/**
 * An attempt folder (`tasks/<slug>/attempt-<n>/`) found on disk. The executor creates it just
 * before the attempt starts; one that no attempt span lists was running when the run stopped.
 */
export interface AttemptFolder {
  /** The instance's slug. */
  slug: string;
  /** Attempt number, from 1. */
  attempt: number;
  /** When the folder was created (or last changed, where the file system does not tell). */
  startedAt: Date;
  /** Its (partial) notebook, relative to the run folder, if there is one. */
  notebook?: string | undefined;
  /** Its stderr, relative to the run folder, if there is one. */
  stderr?: string | undefined;
  /** Its `values.jsonl`, relative to the run folder, if there is one. */
  values?: string | undefined;
}

/** A file the run folder holds, checked. */
export interface RunFile {
  /** Its path on disk. */
  path: string;
  /** Its size in bytes. */
  size: number;
}

/** Why a file of the run folder cannot be read. */
export interface FileProblem {
  /** The reason, for a page or a message. */
  missing: string;
  /** True when there is simply no file there (as opposed to one refused or unreadable). */
  absent: boolean;
}

/** A part of a text file. */
export interface TextPart {
  /** The text read. */
  text: string;
  /** True when the file is longer than what was read. */
  cut: boolean;
  /** The file's size in bytes. */
  size: number;
}

/** Options of {@linkcode RunFiles.readText}. */
export interface ReadTextOptions {
  /**
   * Most bytes to read.
   * @default Infinity (the whole file)
   */
  max?: number;
  /**
   * Which end to read when the file is longer than `max`.
   * @default "head"
   */
  from?: "head" | "tail";
}

/**
 * Safe, read-only access to the files of one run folder.
 *
 * @example Reading a run's stderr without following links
 * ```ts
 * import { RunFiles } from "./run_files.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/secret`, "canary");
 * await Deno.mkdir(`${dir}/run/tasks/a/attempt-1`, { recursive: true });
 * await Deno.symlink(`${dir}/secret`, `${dir}/run/tasks/a/attempt-1/stderr.txt`);
 * const files = new RunFiles(`${dir}/run`);
 * console.assert(files.readText("tasks/a/attempt-1/stderr.txt") === undefined);
 * console.assert(files.warnings[0]!.includes("symbolic link"));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class RunFiles {
  /** The run folder, as given. */
  readonly folder: string;
  #realDirs = new Set<string>();
  #warnings = new Set<string>();

  /**
   * @param folder The run folder.
   */
  constructor(folder: string) {
    this.folder = folder;
  }

  /** What was refused so far, one sentence each, naming the file. */
  get warnings(): string[] {
    return [...this.#warnings];
  }

  #refuse(rel: string, why: string): string {
    this.#warnings.add(
      `Cannot read '${
        this.folder.replace(/\/+$/, "")
      }/${rel}': ${why}; it is left out of the site ` +
        "(files of a run folder are read only when the folder itself holds them).",
    );
    return why;
  }

  /**
   * The first folder on the way from the run folder to `rel` that is not a real folder (a link),
   * if any. Equivalent to checking that the real path stays inside the run folder once `..` is
   * refused, and cheaper: each folder is checked once per run (a run has thousands of files in a
   * few folders each).
   */
  #linkedFolder(rel: string): string | undefined {
    const parts = rel.split("/").slice(0, -1);
    for (let i = 1; i <= parts.length; i++) {
      const dir = parts.slice(0, i).join("/");
      if (this.#realDirs.has(dir)) continue;
      try {
        const info = Deno.lstatSync(runPath(this.folder, dir));
        if (info.isSymlink || !info.isDirectory) return dir;
      } catch {
        return dir;
      }
      this.#realDirs.add(dir);
    }
    return undefined;
  }

  /**
   * Checks that the run folder itself holds a regular file at `rel`.
   *
   * @param rel A path relative to the run folder, as recorded in the run.
   * @returns The file, or the reason it cannot be read (missing, or refused with a warning).
   */
  check(rel: string): RunFile | FileProblem {
    const refused = (why: string) => ({ missing: this.#refuse(rel, why), absent: false });
    const unsafe = unsafeRelPath(rel);
    if (unsafe !== undefined) return refused(`the recorded path is unsafe: ${unsafe}`);
    const path = runPath(this.folder, rel);
    let info: Deno.FileInfo;
    try {
      info = Deno.lstatSync(path);
    } catch (err) {
      const absent = err instanceof Deno.errors.NotFound;
      return { missing: absent ? "no such file" : String(err), absent };
    }
    if (info.isSymlink) return refused("it is a symbolic link");
    if (info.isDirectory) return { missing: "it is a folder", absent: false };
    if (!info.isFile) return refused("it is not a regular file");
    const linked = this.#linkedFolder(rel);
    if (linked !== undefined) return refused(`it lies under '${linked}', a link`);
    return { path, size: info.size };
  }

  /**
   * Reads a text file of the run folder, or a part of it.
   *
   * @param rel A path relative to the run folder.
   * @param options How much, from which end.
   * @returns The text, or undefined when the file is missing or refused.
   */
  readText(rel: string, options: ReadTextOptions = {}): TextPart | undefined {
    const file = this.check(rel);
    if ("missing" in file) return undefined;
    const max = options.max ?? Infinity;
    if (file.size <= max) {
      return {
        text: new TextDecoder().decode(Deno.readFileSync(file.path)),
        cut: false,
        size: file.size,
      };
    }
    using handle = Deno.openSync(file.path, { read: true });
    if (options.from === "tail") handle.seekSync(file.size - max, Deno.SeekMode.Start);
    const buf = new Uint8Array(max);
    let off = 0;
    while (off < max) {
      const n = handle.readSync(buf.subarray(off));
      if (n === null) break;
      off += n;
    }
    return { text: new TextDecoder().decode(buf.subarray(0, off)), cut: true, size: file.size };
  }

  /**
   * Reads a whole file of the run folder as bytes.
   *
   * @param rel A path relative to the run folder.
   * @returns The bytes, or undefined when the file is missing or refused.
   */
  readBytes(rel: string): Uint8Array | undefined {
    const file = this.check(rel);
    return "missing" in file ? undefined : Deno.readFileSync(file.path);
  }

  /**
   * Copies a file of the run folder to `dest` (whose folder must exist).
   *
   * @param rel A path relative to the run folder.
   * @param dest Where to copy it.
   * @returns Undefined when copied, else why not.
   */
  copyTo(rel: string, dest: string): string | undefined {
    const file = this.check(rel);
    if ("missing" in file) return file.missing;
    try {
      Deno.copyFileSync(file.path, dest);
    } catch (err) {
      return (err as Error).message;
    }
    return undefined;
  }

  /**
   * Lists the attempt folders on disk (`tasks/<slug>/attempt-<n>/`) and the named files each
   * holds. Linked folders and linked or special files are left out, with a warning.
   *
   * @returns The attempt folders, by slug then attempt.
   */
  attemptFolders(): AttemptFolder[] {
    const found: AttemptFolder[] = [];
    for (const slug of this.#subfolders(RUN_LAYOUT.tasks)) {
      for (const name of this.#subfolders(`${RUN_LAYOUT.tasks}/${slug}`)) {
        const attempt = parseAttemptDirName(name);
        if (attempt === undefined) continue;
        const rel = `${RUN_LAYOUT.tasks}/${slug}/${name}`;
        let info: Deno.FileInfo;
        try {
          info = Deno.lstatSync(runPath(this.folder, rel));
        } catch {
          continue;
        }
        const startedAt = info.birthtime ?? info.mtime;
        if (startedAt === null) continue;
        const folder: AttemptFolder = { slug, attempt, startedAt };
        // One listing per attempt folder: its entries' types come with it, no stat per file
        // (and no exception per missing file), which matters for runs of thousands of attempts.
        const kinds = new Map<string, "notebook" | "stderr" | "values">([
          [ATTEMPT_LAYOUT.notebook, "notebook"],
          [ATTEMPT_LAYOUT.stderr, "stderr"],
          [ATTEMPT_LAYOUT.values, "values"],
        ]);
        for (const e of Deno.readDirSync(runPath(this.folder, rel))) {
          const kind = kinds.get(e.name);
          if (kind === undefined && e.name !== ATTEMPT_LAYOUT.artifacts) continue;
          const file = `${rel}/${e.name}`;
          if (e.isSymlink) this.#refuse(file, "it is a symbolic link");
          else if (kind !== undefined && e.isFile) folder[kind] = file;
          else if (kind !== undefined && !e.isDirectory) {
            this.#refuse(file, "it is not a regular file");
          }
        }
        found.push(folder);
      }
    }
    return found;
  }

  /** Names of the real sub-folders of `rel`, sorted; linked ones are warned about. */
  #subfolders(rel: string): string[] {
    if (!this.#realDirs.has(rel) && this.#linkWarning(rel)) return [];
    const names: string[] = [];
    try {
      for (const e of Deno.readDirSync(runPath(this.folder, rel))) {
        if (e.isSymlink) this.#refuse(`${rel}/${e.name}`, "it is a symbolic link");
        else if (e.isDirectory) {
          names.push(e.name);
          this.#realDirs.add(`${rel}/${e.name}`);
        }
      }
    } catch {
      return []; // not there (yet): nothing started
    }
    return names.sort();
  }

  /** Warns when `rel` is a link; true if it is. */
  #linkWarning(rel: string): boolean {
    try {
      if (Deno.lstatSync(join(this.folder, rel)).isSymlink) {
        this.#refuse(rel, "it is a symbolic link");
        return true;
      }
    } catch {
      // missing: nothing to say
    }
    return false;
  }
}
