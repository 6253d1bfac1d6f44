/**
 * Placement on Slurm: one batch job per instance, followed until the run folder is merged.
 *
 * @module
 */
export { runOnSlurm } from "./executor.ts";
export type { SlurmJob, SlurmObserver, SlurmRunOptions, SlurmRunResult } from "./executor.ts";
export { jobScript, sbatchArgs } from "./job_script.ts";
export type { JobCommon } from "./job_script.ts";
