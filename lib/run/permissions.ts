/**
 * What running a pipeline needs from Deno, checked before anything is read, written or started.
 *
 * @module
 */
import {
  MissingPermissionError,
  missingPermissions,
  type PermissionNeed,
  readNeed,
  writeNeed,
} from "../_base/permissions.ts";

/** The permission flags a run needs (`cli.ts run`, or a script that calls `runPipeline`). */
export const RUN_PERMISSIONS = "--allow-read --allow-write --allow-run --allow-env";

/**
 * What a run needs before it starts anything: to read the pipeline, write the run folder and
 * the kernels' temporary folder, start the interpreter, and give the kernels the environment.
 *
 * @param pipeline The pipeline path as given.
 * @param options The output folder and the interpreter, if given.
 * @returns The needs.
 *
 * @example
 * ```ts
 * import { runNeeds } from "./permissions.ts";
 * const flags = runNeeds("p.yaml", { out: "runs" }).map((n) => n.flag);
 * console.assert(flags.includes("--allow-run") && flags.includes("--allow-env"));
 * ```
 */
export function runNeeds(
  pipeline: string,
  options: { out: string; python?: string | undefined },
): PermissionNeed[] {
  const needs: PermissionNeed[] = [
    readNeed(pipeline, "the pipeline file and its notebooks"),
    {
      descriptor: { name: "env" },
      flag: "--allow-env",
      why: "the kernels inherit the environment",
    },
    writeNeed(options.out, `the run folder under '${options.out}'`),
    {
      descriptor: { name: "run", command: options.python ?? "python3" },
      flag: "--allow-run",
      why: "the Python interpreter that starts the kernels",
    },
  ];
  if (Deno.build.os === "linux") needs.push(readNeed("/proc", "finding every process of a kernel"));
  // Only with --allow-env can the temporary folder be known; without, that flag is missing anyway.
  const envGranted = Deno.permissions.querySync({ name: "env" }).state === "granted";
  const tmp = envGranted ? Deno.env.get("TMPDIR") ?? "/tmp" : "/tmp";
  needs.push(writeNeed(tmp, `the kernels' temporary folder '${tmp}'`));
  return needs;
}

/**
 * Read and write access to the cache folder, read access to the run to resume.
 *
 * @param options The cache folder and the run to resume, if any.
 * @returns The needs.
 *
 * @example
 * ```ts
 * import { cachingNeeds } from "./permissions.ts";
 * console.assert(cachingNeeds({ cacheDir: ".pynb-cache" }).length === 2);
 * ```
 */
export function cachingNeeds(
  options: { cacheDir?: string | undefined; resume?: string | undefined },
): PermissionNeed[] {
  const needs: PermissionNeed[] = [];
  if (options.cacheDir !== undefined) {
    const why = `the cache folder '${options.cacheDir}'`;
    needs.push(readNeed(options.cacheDir, why), writeNeed(options.cacheDir, why));
  }
  if (options.resume !== undefined) {
    needs.push(readNeed(options.resume, `the run folder to resume '${options.resume}'`));
  }
  return needs;
}

/**
 * Throws when a need of the run is not granted.
 *
 * @param pipeline The pipeline, for the message.
 * @param needs What the run needs.
 * @throws {MissingPermissionError} Naming every missing flag.
 *
 * @example A grant that is there
 * ```ts
 * import { requireRunPermissions } from "./permissions.ts";
 * await requireRunPermissions("p.yaml", []);
 * ```
 */
export async function requireRunPermissions(
  pipeline: string,
  needs: readonly PermissionNeed[],
): Promise<void> {
  const missing = await missingPermissions(needs);
  if (missing.length === 0) return;
  throw new MissingPermissionError(
    `the pipeline '${pipeline}'`,
    missing,
    `Grant them to the script that runs it: deno run ${RUN_PERMISSIONS} <script>`,
  );
}
