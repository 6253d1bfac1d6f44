/**
 * `run --executor slurm`: the run placed on a Slurm cluster, one batch job per instance, each job
 * running this command line's `run --only ... --upstream ... --run-id` on a shared folder.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { resolve } from "node:path";
import type { RunOrigin } from "../log/ci_context.ts";
import type { Plan } from "../plan/types.ts";
import type { JsonValue } from "../plan/types.ts";
import { runOnSlurm, type SlurmObserver, type SlurmRunResult } from "../slurm/executor.ts";

/** What `run` passes to the Slurm executor. */
export interface SlurmRunRequest {
  /** The plan. */
  plan: Plan;
  /** The pipeline file as given on the command line. */
  pipelinePath: string;
  /** The pipeline file, for the record. */
  pipelineFile: string;
  /** The run id. */
  runId: string;
  /** The run folder. */
  runFolder: string;
  /** `--shared-dir` (the run's jobs and parts go to `<dir>/<run id>`). */
  sharedDir: string;
  /** `--partition`. */
  partition?: string | undefined;
  /** `--python`. */
  python?: string | undefined;
  /** `--param`. */
  params: Record<string, JsonValue>;
  /** `--fail-fast`. */
  failFast: boolean;
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
 * @param request The plan, folders, flags and progress.
 * @returns The summary, whether it was interrupted, and the jobs.
 *
 * @example Placing a run on Slurm
 * ```ts ignore
 * const { summary } = await runSlurm({ plan, pipelinePath: "p.yaml", ... });
 * ```
 */
export function runSlurm(request: SlurmRunRequest): Promise<SlurmRunResult> {
  return runOnSlurm(request.plan, {
    runId: request.runId,
    runFolder: request.runFolder,
    sharedDir: resolve(request.sharedDir, request.runId),
    cwd: Deno.cwd(),
    pipeline: resolve(request.pipelinePath),
    pipelineFile: request.pipelineFile,
    deno: Deno.execPath(),
    cli: cliEntry(),
    python: request.python,
    params: request.params,
    partition: request.partition,
    failFast: request.failFast,
    signal: request.signal,
    origin: request.origin,
    observer: request.observer,
  });
}
