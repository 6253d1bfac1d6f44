/**
 * Reads a run folder back: `run.json` when the run ended, else a summary rebuilt from
 * `spans.jsonl` and the attempt folders on disk (an interrupted or still running run). The one
 * reader of run folders: the site and the step summary consume what it returns, and read the
 * run's files only through its {@linkcode RunFiles}.
 *
 * @module
 */
import { UserError } from "../errors.ts";
import { addUnlistedInstances } from "./attempt_folders.ts";
import { RUN_LAYOUT, runPath } from "./layout.ts";
import { rebuildSummaryFromSpans } from "./spans/rebuild.ts";
import { type AttemptFolder, RunFiles } from "./run_files.ts";
import { type RunSummary, RunSummarySchema } from "./schema.ts";

/** A run folder that cannot be read: missing, corrupt, or not a run folder at all. */
export class RunFolderError extends UserError {
  /** The run folder. */
  folder: string;
  /**
   * @param folder The run folder.
   * @param message What is wrong.
   * @param options The underlying cause.
   */
  constructor(folder: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "RunFolderError";
    this.folder = folder;
  }
}

/** A run folder read back: the typed run the site and the summary consume. */
export interface RunFolder {
  /** The folder it was read from. */
  folder: string;
  /**
   * The summary, validated. For an interrupted run it is rebuilt from the spans and completed
   * from the attempt folders on disk; when no span tells when the run started, it is dated by
   * its folder's creation time.
   */
  summary: RunSummary;
  /** True when `run.json` was missing and the summary was rebuilt from the spans. */
  interrupted: boolean;
  /** The attempt folders found on disk (`tasks/<slug>/attempt-<n>/`). */
  attemptFolders: AttemptFolder[];
  /**
   * Safe access to the run's files (notebooks, stderr, artifacts): never follows a link out of
   * the folder; its `warnings` name every file refused so far.
   */
  files: RunFiles;
}

/**
 * Reads and validates one run folder.
 *
 * @param folder Path of the run folder (the one holding `run.json` and `spans.jsonl`).
 * @returns The typed run; `interrupted` when it had to be rebuilt from the spans.
 * @throws {RunFolderError} When the folder is missing, not a run folder, or corrupt.
 * @throws {UserError} When it has no `run.json` and its spans cannot be read.
 *
 * @example Reading a run
 * ```ts ignore
 * import { readRunFolder } from "./read.ts";
 * const run = await readRunFolder("runs/2026-11-27T04-00-00Z");
 * console.log(run.summary.status, run.files.warnings);
 * ```
 */
export async function readRunFolder(folder: string): Promise<RunFolder> {
  const files = new RunFiles(folder);
  const attemptFolders = files.attemptFolders();
  const runJson = runPath(folder, RUN_LAYOUT.summary);
  const checked = files.check(RUN_LAYOUT.summary);
  if ("missing" in checked && checked.absent) {
    const rebuilt = await rebuildSummaryFromSpans(folder, { files, attemptFolders });
    return {
      folder,
      summary: addUnlistedInstances(await datedByFolder(folder, rebuilt), attemptFolders),
      interrupted: true,
      attemptFolders,
      files,
    };
  }
  let text: string;
  try {
    if ("missing" in checked) throw new Error(checked.missing);
    text = await Deno.readTextFile(checked.path);
  } catch (err) {
    throw new RunFolderError(folder, `Cannot read '${runJson}': ${(err as Error).message}`, {
      cause: err,
    });
  }
  return {
    folder,
    summary: parseSummary(folder, runJson, text),
    interrupted: false,
    attemptFolders,
    files,
  };
}

function parseSummary(folder: string, runJson: string, text: string): RunSummary {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new RunFolderError(
      folder,
      `Cannot read '${runJson}': it is not valid JSON (${(err as Error).message})`,
      { cause: err },
    );
  }
  const parsed = RunSummarySchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.join(".")}` : "";
    throw new RunFolderError(
      folder,
      `Cannot read '${runJson}': it does not match the run format${where}: ${issue?.message}`,
      { cause: parsed.error },
    );
  }
  return parsed.data;
}

/**
 * A run killed before any span ended: the spans do not say when it started. The folder's time
 * is the best estimate, and keeps the run in its place in a list of runs.
 */
async function datedByFolder(folder: string, summary: RunSummary): Promise<RunSummary> {
  if (Date.parse(summary.startedAt) > 0) return summary;
  const info = await Deno.stat(folder);
  const time = info.birthtime ?? info.mtime;
  return time ? { ...summary, startedAt: time.toISOString() } : summary;
}
