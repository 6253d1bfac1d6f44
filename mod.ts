/**
 * pynb-dag-runner: run a DAG of Jupyter notebooks, log every run as files, and publish the runs
 * as a static website. This module holds the use cases, each with its options, its result and
 * the errors a caller catches; the building blocks of each stage are sub-path exports (`./spec`,
 * `./plan`, `./notebook`, `./execute`, `./log`, `./cache`, `./slurm`, `./github`, `./site`,
 * `./run`).
 *
 * Every error that is the user's to fix (a bad pipeline, a missing notebook or permission, a
 * corrupt run folder) is a {@linkcode UserError}: print its message, without a stack trace.
 *
 * @example A CI step: run a pipeline, then build the website of every run
 * ```ts ignore
 * import { buildSite, runPipeline } from "./mod.ts";
 *
 * const run = await runPipeline("pipeline.yaml", { out: "runs", failFast: true });
 * await buildSite(["runs"], { out: "_site", title: "Nightly" });
 * Deno.exitCode = run.status === "succeeded" ? 0 : 1;
 * ```
 *
 * @module
 */
export { UserError } from "./lib/errors.ts";
export type { JsonValue } from "./lib/_base/json.ts";
export { definePipeline } from "./lib/spec/define.ts";
export type { PipelineSpecInput, TaskSpecInput } from "./lib/spec/schema.ts";
export { PipelineFileError, PipelineSpecError } from "./lib/spec/errors.ts";
export { loadAndPlan } from "./lib/plan/load_and_plan.ts";
export type { PlannedPipeline } from "./lib/plan/load_and_plan.ts";
export type { PlanOptions } from "./lib/plan/plan.ts";
export type { Plan, PlannedInstance } from "./lib/plan/types.ts";
export { CycleError, PlanError, SelectionError } from "./lib/plan/errors.ts";
export { MissingNotebookError } from "./lib/plan/check_files.ts";
export { NotebookError } from "./lib/notebook/errors.ts";
export { PythonNotFoundError } from "./lib/execute/python.ts";
export { runPipeline } from "./lib/run/run_pipeline.ts";
export type {
  Executor,
  PartOptions,
  PipelineObserver,
  RunOptions,
  RunResult,
  RunStart,
  SlurmExecutor,
} from "./lib/run/options.ts";
export { RunFolderExistsError } from "./lib/run/run_folder.ts";
export { MissingPermissionError } from "./lib/_base/permissions.ts";
export { readRunFolder, RunFolderError } from "./lib/log/read.ts";
export type { RunFolder } from "./lib/log/read.ts";
export type { AttemptRecord, RunSummary, TaskRecord } from "./lib/log/schema.ts";
export { MergeError, mergeRunParts } from "./lib/log/part/merge.ts";
export type { MergeResult } from "./lib/log/part/merge.ts";
export { buildSite } from "./lib/site/build.ts";
export type { BuildReport, BuildSiteOptions } from "./lib/site/build.ts";
export { PreviousSiteError } from "./lib/site/history.ts";
export { SiteInputError } from "./lib/site/load.ts";
export { renderSummary } from "./lib/github/summary.ts";
export type { SummaryOptions } from "./lib/github/summary.ts";
export { collectRuns } from "./lib/github/collect.ts";
export type { CollectOptions, CollectReport } from "./lib/github/collect.ts";
export { GitHubAccessError, GitHubRateLimitError } from "./lib/github/errors.ts";
export { generateWorkflow } from "./lib/github/workflow.ts";
export type { WorkflowOptions } from "./lib/github/workflow.ts";
