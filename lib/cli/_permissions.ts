/**
 * Checks, at the start of a command, that Deno granted the permissions it needs: a missing one
 * is one message naming the flag to add (exit 2), before anything is read, written or started.
 *
 * @module
 */
import {
  MissingPermissionError,
  missingPermissions,
  type PermissionNeed,
  readNeed as read,
  writeNeed as write,
} from "../_base/permissions.ts";

export type { PermissionNeed } from "../_base/permissions.ts";

/**
 * The advice of a command that lacks permissions.
 *
 * @param command The sub-command.
 * @param allFlags Every flag the command documents.
 * @returns The sentence that ends its message.
 */
function advice(command: string, allFlags: string): string {
  return `Run it with the permission flags listed in its --help: deno run ${allFlags} cli.ts ` +
    `${command} ...`;
}

/**
 * Queries every need (without prompting) and throws when any is not granted.
 *
 * @param command The sub-command, for the message.
 * @param needs What it needs.
 * @param allFlags The flags its help documents.
 * @throws {MissingPermissionError} Naming every missing flag.
 *
 * @example Checking a grant
 * ```ts
 * import { requirePermissions } from "./_permissions.ts";
 * await requirePermissions("demo", [
 *   { descriptor: { name: "read", path: "." }, flag: "--allow-read", why: "reads files" },
 * ], "--allow-read").catch((err) => console.log(err.message));
 * ```
 */
export async function requirePermissions(
  command: string,
  needs: readonly PermissionNeed[],
  allFlags: string,
): Promise<void> {
  const missing = await missingPermissions(needs);
  if (missing.length > 0) {
    throw new MissingPermissionError(`'${command}'`, missing, advice(command, allFlags));
  }
}

/**
 * The error of a use case that lacks permissions, worded for the command that called it.
 *
 * @param err What the use case threw.
 * @param command The sub-command.
 * @param allFlags The flags its help documents.
 * @returns The command's error, or `err` itself when it is not about permissions.
 *
 * @example Rewording a run's error
 * ```ts
 * import { MissingPermissionError } from "../_base/permissions.ts";
 * import { forCommand } from "./_permissions.ts";
 * const need = { descriptor: { name: "env" as const }, flag: "--allow-env", why: "env" };
 * const err = forCommand(new MissingPermissionError("x", [need], ""), "run", "--allow-env");
 * console.assert((err as Error).message.startsWith("Cannot run 'run': missing --allow-env"));
 * ```
 */
export function forCommand(err: unknown, command: string, allFlags: string): unknown {
  if (!(err instanceof MissingPermissionError)) return err;
  return new MissingPermissionError(`'${command}'`, err.missing, advice(command, allFlags));
}

/**
 * What `validate` and `plan` need: to read the pipeline file and the notebooks beside it.
 *
 * @param pipeline The pipeline path as given.
 * @returns The needs.
 *
 * @example
 * ```ts
 * import { readOnlyNeeds } from "./_permissions.ts";
 * console.assert(readOnlyNeeds("p.yaml")[0]?.flag === "--allow-read");
 * ```
 */
export function readOnlyNeeds(pipeline: string): PermissionNeed[] {
  return [read(pipeline, "the pipeline file and its notebooks")];
}

/**
 * What `site` needs: to read the run folders (and a previous site) and write the website.
 *
 * @param runs The run folders as given.
 * @param options The `--out` folder and `--previous` site.
 * @returns The needs.
 *
 * @example
 * ```ts
 * import { siteNeeds } from "./_permissions.ts";
 * console.assert(siteNeeds(["runs"], { out: "_site" }).length === 2);
 * ```
 */
export function siteNeeds(
  runs: readonly string[],
  options: { out: string; previous?: string },
): PermissionNeed[] {
  return [
    ...runs.map((r) => read(r, `the run folders in '${r}'`)),
    ...(options.previous === undefined
      ? []
      : [read(options.previous, `the previous site '${options.previous}'`)]),
    write(options.out, `the website in '${options.out}'`),
  ];
}

/**
 * What `summary` needs: to read the run folder (and the one it is compared with).
 *
 * @param folders The run folders.
 * @returns The needs.
 *
 * @example
 * ```ts
 * import { summaryNeeds } from "./_permissions.ts";
 * console.assert(summaryNeeds(["runs/r1"])[0]?.flag === "--allow-read");
 * ```
 */
export function summaryNeeds(folders: readonly string[]): PermissionNeed[] {
  return folders.map((f) => read(f, `the run folder '${f}'`));
}
