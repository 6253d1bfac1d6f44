/**
 * `run --executor slurm`: the run placed on a Slurm cluster, one batch job per instance, each job
 * running this command line's `run --only ... --upstream ... --run-id` on a shared folder.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { resolve } from "node:path";
import { Option } from "../../deps.ts";
import type { RunOrigin } from "../log/ci_context.ts";
import type { Plan } from "../plan/types.ts";
import type { JsonValue } from "../_base/json.ts";
import { runOnSlurm, type SlurmObserver, type SlurmRunResult } from "../slurm/executor.ts";

/** Help of `run --shared-dir`. */
export const SHARED_DIR_HELP = "Slurm: a folder every node sees, for job scripts, job output " +
  "and parts";

/**
 * `run --executor local|slurm`.
 *
 * @returns The option (default `local`).
 *
 * @example The default
 * ```ts
 * import { executorOption } from "./_run_slurm.ts";
 * console.assert(executorOption().defaultValue === "local");
 * ```
 */
export function executorOption(): Option {
  return new Option("--executor <name>", "where instances run: local processes, or Slurm jobs")
    .choices(["local", "slurm"]).default("local");
}

/** The flags of `run` the Slurm executor uses. */
export interface SlurmFlags {
  /** `--shared-dir` (the run's jobs and parts go to `<dir>/<run id>`). */
  sharedDir: string;
  /** `--partition`. */
  partition?: string | undefined;
  /** `--python`. */
  python?: string;
  /** `--param`. */
  param?: Record<string, JsonValue>;
  /** `--fail-fast`. */
  failFast?: boolean | undefined;
}

/** What else `run` passes to the Slurm executor. */
export interface SlurmRunContext {
  /** The pipeline file as given on the command line. */
  pipelinePath: string;
  /** The pipeline file, for the record. */
  pipelineFile: string;
  /** The run id. */
  runId: string;
  /** The run folder. */
  runFolder: string;
  /** The interrupt. */
  signal: AbortSignal;
  /** Trigger and CI context. */
  origin: RunOrigin;
  /** Progress. */
  observer: SlurmObserver;
}

/** This command line, as a job must start it: a path for a checkout, else its URL. */
function cliEntry(): string {
  const url = new URL("../../cli.ts", import.meta.url);
  return url.protocol === "file:" ? fileURLToPath(url) : url.href;
}

/**
 * Runs the plan as Slurm jobs.
 *
 * @param plan The plan.
 * @param flags The flags of `run` it uses.
 * @param context Pipeline, run id and folder, interrupt, origin, progress.
 * @returns The summary, whether it was interrupted, and the jobs.
 *
 * @example Placing a run on Slurm
 * ```ts ignore
 * const { summary } = await runSlurm(plan, { sharedDir: ".pynb-slurm" }, context);
 * ```
 */
export function runSlurm(
  plan: Plan,
  flags: SlurmFlags,
  context: SlurmRunContext,
): Promise<SlurmRunResult> {
  return runOnSlurm(plan, {
    runId: context.runId,
    runFolder: context.runFolder,
    sharedDir: resolve(flags.sharedDir, context.runId),
    cwd: Deno.cwd(),
    pipeline: resolve(context.pipelinePath),
    pipelineFile: context.pipelineFile,
    deno: Deno.execPath(),
    cli: cliEntry(),
    python: flags.python,
    params: flags.param ?? {},
    partition: flags.partition,
    failFast: flags.failFast ?? false,
    signal: context.signal,
    origin: context.origin,
    observer: context.observer,
  });
}
