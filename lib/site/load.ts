/**
 * Finds and reads the run folders given to `cli.ts site`: each argument is a run folder or a
 * folder of run folders. A folder that cannot be read becomes a problem, never a failed build.
 *
 * @module
 */
import { join, resolve } from "node:path";
import { UserError } from "../errors.ts";
import { RUN_LAYOUT } from "../log/layout.ts";
import { readRunFolder } from "../log/read.ts";
import { safeName } from "./_html.ts";
import type { SiteProblem, SiteRun } from "./model.ts";

/**
 * A path given to `cli.ts site` that does not exist or is not a folder.
 *
 * @example Catching it
 * ```ts
 * import { SiteInputError } from "./load.ts";
 * const err = new SiteInputError("runs", "Cannot read runs from 'runs': no such folder");
 * console.assert(err.name === "SiteInputError" && err.path === "runs");
 * ```
 */
export class SiteInputError extends UserError {
  /** The path. */
  path: string;
  /**
   * @param path The offending path.
   * @param message What is wrong.
   * @param options The cause.
   */
  constructor(path: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SiteInputError";
    this.path = path;
  }
}

/** Options of {@linkcode loadRuns}. */
export interface LoadRunsOptions {
  /**
   * Folders that are never run folders (the output site, the previous site).
   * @default []
   */
  skip?: string[];
}

/** Runs read, and folders that could not be. */
export interface LoadedRuns {
  /** Readable runs, one per run id. */
  runs: SiteRun[];
  /** Unreadable folders and duplicate run ids. */
  problems: SiteProblem[];
}

async function isRunFolder(path: string): Promise<boolean> {
  for (const name of [RUN_LAYOUT.summary, RUN_LAYOUT.spans]) {
    try {
      await Deno.lstat(join(path, name));
      return true;
    } catch {
      // not this one
    }
  }
  return false;
}

/**
 * Lists the run folders named by the inputs: an input holding `run.json` or `spans.jsonl` is a run
 * folder; any other folder is a folder of run folders (its sub-folders, sorted by name).
 *
 * @param inputs Paths from the command line.
 * @returns Run folder paths, relative when the inputs are.
 * @throws {SiteInputError} When an input does not exist or is not a folder.
 *
 * @example Listing
 * ```ts ignore
 * const folders = await findRunFolders(["runs"]);
 * ```
 */
export async function findRunFolders(inputs: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const input of inputs) {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(input);
    } catch (err) {
      throw new SiteInputError(
        input,
        `Cannot read runs from '${input}': no such folder. Pass a run folder or a folder of run folders.`,
        { cause: err },
      );
    }
    if (!info.isDirectory) {
      throw new SiteInputError(
        input,
        `Cannot read runs from '${input}': it is a file, not a folder. Pass a run folder or a folder of run folders.`,
      );
    }
    // Paths stay as the user wrote them: they appear on the public problems page.
    const abs = resolve(input);
    if (await isRunFolder(abs)) {
      out.push(input);
      continue;
    }
    const names: string[] = [];
    for await (const entry of Deno.readDir(abs)) {
      if (entry.isDirectory && !entry.name.startsWith(".")) names.push(entry.name);
    }
    names.sort();
    for (const name of names) out.push(join(input, name));
  }
  const seen = new Set<string>();
  return out.filter((p) => !seen.has(resolve(p)) && seen.add(resolve(p)));
}

/**
 * Reads every run folder named by the inputs. Unreadable folders and second folders with an
 * already seen run id are reported as problems; a complete run wins over an interrupted one.
 *
 * @param inputs Run folders or folders of run folders.
 * @param options Folders to leave out.
 * @returns The runs (with unique keys) and the problems.
 * @throws {SiteInputError} When an input does not exist or is not a folder.
 *
 * @example Loading
 * ```ts ignore
 * const { runs, problems } = await loadRuns(["runs"]);
 * ```
 */
export async function loadRuns(
  inputs: string[],
  options: LoadRunsOptions = {},
): Promise<LoadedRuns> {
  // The site being built (or the previous one) may sit inside a folder of runs: not a run.
  const skip = new Set((options.skip ?? []).map((p) => resolve(p)));
  const folders = (await findRunFolders(inputs)).filter((f) => !skip.has(resolve(f)));
  const problems: SiteProblem[] = [];
  const byId = new Map<string, SiteRun>();
  for (const folder of folders) {
    if (!(await isRunFolder(folder))) {
      problems.push({
        folder,
        message: `Cannot read run folder '${folder}': it has neither run.json nor spans.jsonl`,
      });
      continue;
    }
    let run: SiteRun;
    try {
      const read = await readRunFolder(folder);
      run = { key: "", summary: read.summary, interrupted: read.interrupted, folder };
      run.files = read.files;
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      problems.push({ folder, message: err.message });
      continue;
    }
    const id = run.summary.runId;
    const seen = byId.get(id);
    if (seen) {
      const keepNew = seen.interrupted && !run.interrupted;
      const [kept, dropped] = keepNew ? [run, seen] : [seen, run];
      byId.set(id, kept);
      problems.push({
        folder: dropped.folder ?? "",
        message: `Cannot show run folder '${dropped.folder}': run id '${id}' is already shown ` +
          `from '${kept.folder}'. Remove one of the two folders.`,
      });
      continue;
    }
    byId.set(id, run);
  }
  const runs = [...byId.values()];
  assignKeys(runs);
  return { runs, problems };
}

/**
 * Gives each run a unique, safe folder name derived from its run id.
 *
 * @param runs Runs whose `key` is set in place.
 *
 * @example Keys
 * ```ts ignore
 * assignKeys(runs);
 * ```
 */
export function assignKeys(runs: SiteRun[]): void {
  const used = new Set<string>();
  for (const run of runs) {
    let key = safeName(run.summary.runId);
    for (let i = 2; used.has(key.toLowerCase()); i++) key = `${safeName(run.summary.runId)}-${i}`;
    used.add(key.toLowerCase());
    run.key = key;
  }
}
