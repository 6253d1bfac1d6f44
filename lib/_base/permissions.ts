/**
 * Permission checks at the start of a use case: a permission Deno did not grant is one message
 * naming the flag to add (exit 2 on the command line), before anything is read, written or
 * started, instead of a `NotCapable` error in the middle of a run.
 *
 * @module
 */
import { resolve } from "node:path";
import { UserError } from "../errors.ts";

/** One permission a use case needs, and why (shown to the user). */
export interface PermissionNeed {
  /** What to query. */
  descriptor: Deno.PermissionDescriptor;
  /** The flag that grants it, e.g. `--allow-env`. */
  flag: string;
  /** What it is for, e.g. `the kernels inherit the environment`. */
  why: string;
}

/**
 * Permissions that were not granted.
 *
 * @example The message
 * ```ts
 * import { MissingPermissionError } from "./permissions.ts";
 * const err = new MissingPermissionError("'run'", [
 *   { descriptor: { name: "env" }, flag: "--allow-env", why: "the kernels inherit the environment" },
 * ], "Run it with --allow-env.");
 * console.assert(err.message.startsWith("Cannot run 'run': missing --allow-env (the kernels"));
 * ```
 */
export class MissingPermissionError extends UserError {
  /** The flags to add. */
  readonly flags: readonly string[];
  /** Every need that was not granted. */
  readonly missing: readonly PermissionNeed[];
  /**
   * @param subject What cannot run, e.g. `'run'` or `the pipeline 'p.yaml'`.
   * @param missing The needs not granted.
   * @param advice How to grant them.
   */
  constructor(subject: string, missing: readonly PermissionNeed[], advice: string) {
    const why = new Map<string, string[]>();
    for (const m of missing) why.set(m.flag, [...why.get(m.flag) ?? [], m.why]);
    const flags = [...why.keys()];
    const parts = flags.map((f) => `${f} (${why.get(f)!.join("; ")})`);
    super(`Cannot run ${subject}: missing ${parts.join(" and ")}. ${advice}`);
    this.name = "MissingPermissionError";
    this.flags = flags;
    this.missing = missing;
  }
}

/**
 * Queries every need, without prompting.
 *
 * @param needs What is needed.
 * @returns The needs that are not granted, in the order given.
 *
 * @example Reading the current folder
 * ```ts
 * import { missingPermissions, readNeed } from "./permissions.ts";
 * const missing = await missingPermissions([readNeed(".", "the current folder")]);
 * console.assert(Array.isArray(missing));
 * ```
 */
export async function missingPermissions(
  needs: readonly PermissionNeed[],
): Promise<PermissionNeed[]> {
  const missing: PermissionNeed[] = [];
  for (const need of needs) {
    const status = await Deno.permissions.query(need.descriptor);
    if (status.state !== "granted") missing.push(need);
  }
  return missing;
}

/**
 * Read access to a path.
 *
 * @param path The path (made absolute).
 * @param why What it is for.
 * @returns The need.
 *
 * @example
 * ```ts
 * import { readNeed } from "./permissions.ts";
 * console.assert(readNeed("p.yaml", "the pipeline").flag === "--allow-read");
 * ```
 */
export function readNeed(path: string, why: string): PermissionNeed {
  return { descriptor: { name: "read", path: resolve(path) }, flag: "--allow-read", why };
}

/**
 * Write access to a path.
 *
 * @param path The path (made absolute).
 * @param why What it is for.
 * @returns The need.
 *
 * @example
 * ```ts
 * import { writeNeed } from "./permissions.ts";
 * console.assert(writeNeed("runs", "the run folder").flag === "--allow-write");
 * ```
 */
export function writeNeed(path: string, why: string): PermissionNeed {
  return { descriptor: { name: "write", path: resolve(path) }, flag: "--allow-write", why };
}
