/**
 * Reads a run folder back: `run.json` when the run ended, else a summary rebuilt from
 * `spans.jsonl` (an interrupted or still running run).
 *
 * @module
 */
import { join } from "node:path";
import { UserError } from "../errors.ts";
import { type RunSummary, RunSummarySchema } from "./schema.ts";
import { rebuildSummaryFromSpans } from "./rebuild.ts";

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

/** A run folder read back. */
export interface RunFolder {
  /** The folder it was read from. */
  folder: string;
  /** The summary, validated. */
  summary: RunSummary;
  /** True when `run.json` was missing and the summary was rebuilt from the spans. */
  interrupted: boolean;
}

/**
 * Reads and validates one run folder.
 *
 * @param folder Path of the run folder (the one holding `run.json` and `spans.jsonl`).
 * @returns The validated summary; `interrupted` when it had to be rebuilt from the spans.
 * @throws {RunFolderError} When the folder is missing, not a run folder, or corrupt.
 *
 * @example Reading a run
 * ```ts ignore
 * import { readRunFolder } from "./read.ts";
 * const run = await readRunFolder("runs/2026-11-27T04-00-00Z");
 * console.log(run.summary.status);
 * ```
 */
export async function readRunFolder(folder: string): Promise<RunFolder> {
  const runJson = join(folder, "run.json");
  let text: string | undefined;
  try {
    text = await Deno.readTextFile(runJson);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) {
      throw new RunFolderError(folder, `Cannot read '${runJson}': ${String(err)}`, { cause: err });
    }
  }
  if (text === undefined) {
    const summary = await rebuildSummaryFromSpans(folder);
    return { folder, summary, interrupted: true };
  }
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
  return { folder, summary: parsed.data, interrupted: false };
}
