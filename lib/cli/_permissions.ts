/**
 * Checks, at the start of a command, that Deno granted the permissions it needs: a missing one
 * is one message naming the flag to add (exit 2), before anything is read, written or started,
 * instead of a `NotCapable` error in the middle of a run.
 *
 * @module
 */
import { resolve } from "node:path";
import { UserError } from "../errors.ts";

/** One permission a command needs, and why (shown to the user). */
export interface PermissionNeed {
  /** What to query. */
  descriptor: Deno.PermissionDescriptor;
  /** The flag that grants it, e.g. `--allow-env`. */
  flag: string;
  /** What it is for, e.g. `the kernels inherit the environment`. */
  why: string;
}

/**
 * Permissions a command lacks.
 *
 * @example The message
 * ```ts
 * import { MissingPermissionError } from "./_permissions.ts";
 * const err = new MissingPermissionError("run", [
 *   { descriptor: { name: "env" }, flag: "--allow-env", why: "the kernels inherit the environment" },
 * ], "--allow-read --allow-env");
 * console.assert(err.message.startsWith("Cannot run 'run': missing --allow-env (the kernels"));
 * ```
 */
export class MissingPermissionError extends UserError {
  /** The flags to add. */
  readonly flags: readonly string[];
  /**
   * @param command The sub-command.
   * @param missing The needs not granted.
   * @param allFlags Every flag the command documents, for the advice.
   */
  constructor(command: string, missing: readonly PermissionNeed[], allFlags: string) {
    const why = new Map<string, string[]>();
    for (const m of missing) why.set(m.flag, [...why.get(m.flag) ?? [], m.why]);
    const flags = [...why.keys()];
    const parts = flags.map((f) => `${f} (${why.get(f)!.join("; ")})`);
    super(
      `Cannot run '${command}': missing ${parts.join(" and ")}. Run it with the permission ` +
        `flags listed in its --help: deno run ${allFlags} cli.ts ${command} ...`,
    );
    this.name = "MissingPermissionError";
    this.flags = flags;
  }
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
  const missing: PermissionNeed[] = [];
  for (const need of needs) {
    const status = await Deno.permissions.query(need.descriptor);
    if (status.state !== "granted") missing.push(need);
  }
  if (missing.length > 0) throw new MissingPermissionError(command, missing, allFlags);
}

function read(path: string, why: string): PermissionNeed {
  return { descriptor: { name: "read", path: resolve(path) }, flag: "--allow-read", why };
}

function write(path: string, why: string): PermissionNeed {
  return { descriptor: { name: "write", path: resolve(path) }, flag: "--allow-write", why };
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
 * What `run` needs before it starts anything: to read the pipeline, write the run folder and
 * the kernels' temporary folder, start the interpreter, and give the kernels the environment.
 *
 * @param pipeline The pipeline path as given.
 * @param options The `--out` folder and the interpreter, if given.
 * @returns The needs.
 *
 * @example
 * ```ts
 * import { runNeeds } from "./_permissions.ts";
 * const flags = runNeeds("p.yaml", { out: "runs" }).map((n) => n.flag);
 * console.assert(flags.includes("--allow-run") && flags.includes("--allow-env"));
 * ```
 */
export function runNeeds(
  pipeline: string,
  options: { out: string; python?: string },
): PermissionNeed[] {
  const needs: PermissionNeed[] = [
    read(pipeline, "the pipeline file and its notebooks"),
    {
      descriptor: { name: "env" },
      flag: "--allow-env",
      why: "the kernels inherit the environment",
    },
    write(options.out, `the run folder under '${options.out}'`),
    {
      descriptor: { name: "run", command: options.python ?? "python3" },
      flag: "--allow-run",
      why: "the Python interpreter that starts the kernels",
    },
  ];
  if (Deno.build.os === "linux") needs.push(read("/proc", "finding every process of a kernel"));
  // Only with --allow-env can the temporary folder be known; without, that flag is missing anyway.
  const envGranted = Deno.permissions.querySync({ name: "env" }).state === "granted";
  const tmp = envGranted ? Deno.env.get("TMPDIR") ?? "/tmp" : "/tmp";
  needs.push(write(tmp, `the kernels' temporary folder '${tmp}'`));
  return needs;
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
