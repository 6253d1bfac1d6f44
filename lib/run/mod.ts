/**
 * Running a pipeline: `runPipeline` and its options (placement on this machine, as a part of a
 * run, on Slurm; the result cache and resuming), the steps it is made of, and their errors.
 *
 * @module
 */
export { runPipeline } from "./run_pipeline.ts";
export { warmForkServer, warmsEarly } from "./warm.ts";
export type { WarmOptions } from "./warm.ts";
export { DEFAULT_OUT, DEFAULT_SHARED_DIR } from "./options.ts";
export type {
  Executor,
  PartOptions,
  PipelineObserver,
  RunOptions,
  RunResult,
  RunStart,
  SlurmExecutor,
} from "./options.ts";
export { prepareRun } from "./prepare.ts";
export type { PreparedRun } from "./prepare.ts";
export { cacheDirOf, DEFAULT_CACHE_DIR } from "./caching.ts";
export { planPart, scaleOutPlan } from "./part.ts";
export { makeRunFolder, RunFolderExistsError } from "./run_folder.ts";
export { readSecrets, redactRunFiles } from "./secrets.ts";
export type { RunSecrets } from "./secrets.ts";
export { cachingNeeds, RUN_PERMISSIONS, runNeeds } from "./permissions.ts";
export { MissingPermissionError } from "../_base/permissions.ts";
export type { PermissionNeed } from "../_base/permissions.ts";
