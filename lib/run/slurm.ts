/**
 * A run placed on a Slurm cluster: one batch job per instance, each job running the command
 * line's `run --only ... --upstream ... --run-id` on a shared folder.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { resolve } from "node:path";
import type { JsonValue } from "../_base/json.ts";
import type { RunOrigin } from "../log/ci/ci_context.ts";
import type { Plan } from "../plan/types.ts";
import { runOnSlurm, type SlurmObserver, type SlurmRunResult } from "../slurm/executor.ts";
import { DEFAULT_SHARED_DIR, type SlurmExecutor } from "./options.ts";

/** What else a run passes to the Slurm executor. */
export interface SlurmRunContext {
  /** The pipeline file as given. */
  pipelinePath: string;
  /** The pipeline file, for the record. */
  pipelineFile: string;
  /** The run id. */
  runId: string;
  /** The run folder. */
  runFolder: string;
  /** The interpreter each job uses, if given. */
  python?: string | undefined;
  /** Parameter overrides of every job. */
  params: Record<string, JsonValue>;
  /** Cancel every other job after the first instance that fails for good. */
  failFast: boolean;
  /** The interrupt. */
  signal: AbortSignal;
  /** Trigger and CI context. */
  origin: RunOrigin;
  /** Progress. */
  observer: SlurmObserver;
}

/** The command line, as a job must start it: a path for a checkout, else its URL. */
function cliEntry(): string {
  const url = new URL("../../cli.ts", import.meta.url);
  return url.protocol === "file:" ? fileURLToPath(url) : url.href;
}

/**
 * Runs the plan as Slurm jobs.
 *
 * @param plan The plan.
 * @param executor The shared folder and partition.
 * @param context Pipeline, run id and folder, job settings, interrupt, origin, progress.
 * @returns The summary, whether it was interrupted, and the jobs.
 *
 * @example Placing a run on Slurm
 * ```ts ignore
 * const { summary } = await runSlurm(plan, { type: "slurm" }, context);
 * ```
 */
export function runSlurm(
  plan: Plan,
  executor: SlurmExecutor,
  context: SlurmRunContext,
): Promise<SlurmRunResult> {
  return runOnSlurm(plan, {
    runId: context.runId,
    runFolder: context.runFolder,
    sharedDir: resolve(executor.sharedDir ?? DEFAULT_SHARED_DIR, context.runId),
    cwd: Deno.cwd(),
    pipeline: resolve(context.pipelinePath),
    pipelineFile: context.pipelineFile,
    deno: Deno.execPath(),
    cli: cliEntry(),
    python: context.python,
    params: context.params,
    partition: executor.partition,
    failFast: context.failFast,
    signal: context.signal,
    origin: context.origin,
    observer: context.observer,
  });
}
