/**
 * The run folder of `run`: made fresh, never reused.
 *
 * @module
 */
import { resolve } from "node:path";
import { UserError } from "../errors.ts";

/**
 * The run folder exists already: a run never overwrites another.
 *
 * @example The message
 * ```ts
 * import { RunFolderExistsError } from "./run_folder.ts";
 * const err = new RunFolderExistsError("runs/nightly");
 * console.assert(err.message.includes("'runs/nightly' already exists"));
 * ```
 */
export class RunFolderExistsError extends UserError {
  /** The folder. */
  folder: string;
  /**
   * Creates the error.
   *
   * @param folder The folder that exists.
   */
  constructor(folder: string) {
    super(
      `Cannot start the run: the run folder '${folder}' already exists; ` +
        "choose another --run-id or --out",
    );
    this.name = "RunFolderExistsError";
    this.folder = folder;
  }
}

/**
 * Creates `<out>/<run-id>/` (and `<out>`); a run never reuses a folder.
 *
 * @param out The `--out` folder.
 * @param shownFolder `<out>/<run-id>` as the user wrote it.
 * @returns The run folder, absolute.
 *
 * @example A new run folder
 * ```ts
 * import { makeRunFolder } from "./run_folder.ts";
 * const out = await Deno.makeTempDir();
 * const folder = await makeRunFolder(out, `${out}/run-1`);
 * console.assert((await Deno.stat(folder)).isDirectory);
 * await Deno.remove(out, { recursive: true });
 * ```
 */
export async function makeRunFolder(out: string, shownFolder: string): Promise<string> {
  const runFolder = resolve(shownFolder);
  try {
    await Deno.mkdir(resolve(out), { recursive: true });
  } catch (err) {
    if (err instanceof Deno.errors.NotCapable || err instanceof Deno.errors.PermissionDenied) {
      throw err;
    }
    throw new UserError(
      `Cannot create the output folder '${out}' (--out): ${(err as Error).message}`,
      { cause: err },
    );
  }
  try {
    await Deno.mkdir(runFolder);
  } catch (err) {
    if (err instanceof Deno.errors.AlreadyExists) throw new RunFolderExistsError(shownFolder);
    throw err;
  }
  return runFolder;
}
