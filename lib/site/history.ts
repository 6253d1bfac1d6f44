/**
 * The history of a published site, `data/history.json`: every run it shows, so that the next
 * build (`--previous`) merges new runs into it. Read and validated here, written atomically.
 *
 * @module
 */
import { join } from "node:path";
import { writeFileAtomic } from "../_base/fs.ts";
import { UserError } from "../errors.ts";
import { type History, HistorySchema } from "./model.ts";

/**
 * The published site given to `--previous` cannot be used.
 *
 * @example Catching it
 * ```ts
 * import { PreviousSiteError } from "./history.ts";
 * const err = new PreviousSiteError("old-site", "Cannot read the previous site 'old-site'");
 * console.assert(err.name === "PreviousSiteError" && err.folder === "old-site");
 * ```
 */
export class PreviousSiteError extends UserError {
  /** The folder. */
  folder: string;
  /**
   * @param folder The previous site's folder.
   * @param message What is wrong.
   * @param options The cause.
   */
  constructor(folder: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PreviousSiteError";
    this.folder = folder;
  }
}

/** Path of the history file inside a site. */
export const HISTORY_FILE = "data/history.json";

/**
 * Reads `data/history.json` of a published site.
 *
 * @param folder The site's folder.
 * @returns The history, or undefined when the folder does not exist (a first publication).
 * @throws {PreviousSiteError} When the folder exists but its history is missing or invalid.
 *
 * @example Reading a history
 * ```ts ignore
 * const history = await readHistory("previous-site");
 * ```
 */
export async function readHistory(folder: string): Promise<History | undefined> {
  try {
    await Deno.stat(folder);
  } catch {
    return undefined;
  }
  const path = join(folder, HISTORY_FILE);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    throw new PreviousSiteError(
      folder,
      `Cannot read the previous site '${folder}': it has no ${HISTORY_FILE}. Pass the folder of ` +
        `a site built by 'cli.ts site', or leave out --previous.`,
      { cause: err },
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new PreviousSiteError(
      folder,
      `Cannot read '${path}': it is not valid JSON (${(err as Error).message})`,
      { cause: err },
    );
  }
  const parsed = HistorySchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PreviousSiteError(
      folder,
      `Cannot read '${path}': it does not match the history format at ${
        issue?.path.join(".") || "the top level"
      }: ${issue?.message}`,
      { cause: parsed.error },
    );
  }
  return parsed.data;
}

/**
 * Writes `data/history.json` atomically (a temporary file, then a rename).
 *
 * @param out The site's folder.
 * @param history The history.
 *
 * @example Writing a history
 * ```ts ignore
 * await writeHistory("_site", history);
 * ```
 */
export async function writeHistory(out: string, history: History): Promise<void> {
  await writeFileAtomic(join(out, HISTORY_FILE), JSON.stringify(history));
}
