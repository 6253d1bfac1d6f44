/**
 * pynb-dag-runner: run a DAG of Jupyter notebooks, log every run as files, and publish the runs
 * as a static website.
 *
 * @module
 */
export { definePipeline } from "./lib/spec/define.ts";
export type {
  PipelineSpec,
  PipelineSpecInput,
  TaskSpec,
  TaskSpecInput,
} from "./lib/spec/schema.ts";
export { loadPipeline, parsePipeline } from "./lib/spec/load.ts";
export type { LoadedPipeline, PipelineSource } from "./lib/spec/load.ts";
export {
  DurationError,
  ParamFlagError,
  PipelineFileError,
  PipelineSpecError,
} from "./lib/spec/errors.ts";
export { parseDuration } from "./lib/spec/duration.ts";
export { formatDuration } from "./lib/_base/time.ts";
export { parseParamFlag } from "./lib/spec/params.ts";
export { pipelineJsonSchema } from "./lib/spec/json_schema.ts";
export { planPipeline } from "./lib/plan/plan.ts";
export type { PlanOptions } from "./lib/plan/plan.ts";
export { CycleError, PlanError, SelectionError } from "./lib/plan/errors.ts";
export { checkNotebooks, MissingNotebookError, notebookFiles } from "./lib/plan/check_files.ts";
export { loadAndPlan } from "./lib/plan/load_and_plan.ts";
export type { PlannedPipeline } from "./lib/plan/load_and_plan.ts";
export { criticalPath } from "./lib/plan/critical_path.ts";
export type { CriticalPath } from "./lib/plan/critical_path.ts";
export { formatPlan } from "./lib/plan/format.ts";
export type { PlanFormat } from "./lib/plan/format.ts";
export type { Plan, PlannedInstance } from "./lib/plan/types.ts";
export type { JsonValue } from "./lib/_base/json.ts";
export { readNotebook } from "./lib/notebook/read.ts";
export { NotebookError, ParameterNameError } from "./lib/notebook/errors.ts";
export { parseIpynb, serializeIpynb } from "./lib/notebook/ipynb.ts";
export { parsePercent, writePercent } from "./lib/notebook/percent.ts";
export { checkParameterName, injectParameters } from "./lib/notebook/inject.ts";
export type { InjectResult, RunContext } from "./lib/notebook/inject.ts";
export { pythonLiteral } from "./lib/notebook/python_literal.ts";
export type { Cell, Notebook, Output } from "./lib/notebook/schema.ts";
export { executePlan } from "./lib/execute/executor.ts";
export type { ExecuteOptions, PartRecord, RunPart } from "./lib/execute/executor.ts";
export {
  localInstanceRunner,
  recordAttemptFolder,
  upstreamEntry,
} from "./lib/execute/instance_runner.ts";
export type {
  AttemptContext,
  AttemptRunner,
  InstanceContext,
  InstanceRunner,
  LocalInstanceRunnerOptions,
  NotebookPreparer,
  RunnerRequest,
  RunnerResult,
  RunObserver,
  UpstreamEntry,
} from "./lib/execute/instance_runner.ts";
export {
  decideStart,
  describeEnd,
  failFastReason,
  INTERRUPTED_REASON,
  Scheduler,
} from "./lib/execute/scheduler.ts";
export type { InstanceWork, SchedulerOptions, StartDecision } from "./lib/execute/scheduler.ts";
export { pendingRecord, RunRecorder, runStatus } from "./lib/execute/run_recorder.ts";
export type { InstanceRecorder, RunRecorderOptions } from "./lib/execute/run_recorder.ts";
export { notebookPreparer, NotebookSources } from "./lib/execute/prepare.ts";
export { localDriverCommand, runAttempt } from "./lib/execute/attempt.ts";
export type {
  AttemptRequest,
  AttemptResult,
  DriverCommand,
  DriverEvent,
  RunAttemptOptions,
} from "./lib/execute/attempt.ts";
export {
  cancelledBeforeStart,
  classifyAttempt,
  driverNotStarted,
  stopRequest,
} from "./lib/execute/attempt_outcome.ts";
export type {
  AttemptEnding,
  AttemptTiming,
  DoneEvent,
  StopReason,
  StopRequest,
} from "./lib/execute/attempt_outcome.ts";
export { ForkServer, prewarmForPlan } from "./lib/execute/fork_server.ts";
export type { ForkServerOptions } from "./lib/execute/fork_server.ts";
export { PersistentDriver } from "./lib/execute/persistent_driver.ts";
export type { ServeListener, ServeOutcome, ServeRequest } from "./lib/execute/persistent_driver.ts";
export { DriverProcess } from "./lib/execute/driver_process.ts";
export type {
  DriverChild,
  DriverExit,
  DriverProcessOptions,
  DriverSpawnOptions,
} from "./lib/execute/driver_process.ts";
export { DriverEventSchema, parseDriverEvent } from "./lib/execute/driver_events.ts";
export { detectPython, PythonNotFoundError } from "./lib/execute/python.ts";
export type { DetectPythonOptions, PythonInfo } from "./lib/execute/python.ts";
export { killProcessSet, listProcesses } from "./lib/execute/process_group.ts";
export type { KillReport, ProcessSet } from "./lib/execute/process_group.ts";
export { Pool, PoolAbortedError } from "./lib/execute/pool.ts";
export { SpanLog } from "./lib/log/spans.ts";
export type { AttemptSpanInfo, RunSpanInfo, TaskSpanHandle } from "./lib/log/spans.ts";
export { parseSpansJsonl, readSpansFile } from "./lib/log/otlp_read.ts";
export type { FlatSpan, SpansFile } from "./lib/log/otlp_read.ts";
export { rebuildSummaryFromSpans, summaryFromSpans } from "./lib/log/rebuild.ts";
export { readRunFolder, RunFolderError } from "./lib/log/read.ts";
export { redactAttemptFolder, REDACTED, Redactor, secretForms } from "./lib/log/redact.ts";
export type { RunFolder } from "./lib/log/read.ts";
export { RunFiles } from "./lib/log/run_files.ts";
export type { AttemptFolder, FileProblem, RunFile } from "./lib/log/run_files.ts";
export {
  artifactPath,
  ATTEMPT_LAYOUT,
  attemptDir,
  attemptFile,
  RUN_LAYOUT,
  runPath,
} from "./lib/log/layout.ts";
export { writeRunSummary } from "./lib/log/write_summary.ts";
export { appendPart, MergeError, mergeRunParts } from "./lib/log/merge.ts";
export type { MergeResult } from "./lib/log/merge.ts";
export { derivedSpanId, derivedTraceId } from "./lib/log/span_ids.ts";
export { readAttemptValues } from "./lib/log/values.ts";
export { CI_ENV_NAMES, readCiContext } from "./lib/log/ci_context.ts";
export type { EnvReader, RunOrigin } from "./lib/log/ci_context.ts";
export { checkRunId, InvalidRunIdError, newRunId } from "./lib/log/run_id.ts";
export {
  CACHE_KEY_VERSION,
  canonicalJson,
  instanceKey,
  normaliseNotebook,
  outputHash,
} from "./lib/cache/key.ts";
export type { InputFile, KernelFingerprint, KeyParts, UpstreamKey } from "./lib/cache/key.ts";
export { KeyBuilder } from "./lib/cache/key_builder.ts";
export { matchInputs } from "./lib/cache/inputs.ts";
export { CacheStore } from "./lib/cache/store.ts";
export { ManifestSchema } from "./lib/cache/manifest.ts";
export type { Manifest } from "./lib/cache/manifest.ts";
export { RunFolderSource } from "./lib/cache/resume.ts";
export type { ResultSource } from "./lib/cache/resume.ts";
export { cachingInstanceRunner } from "./lib/cache/cached_runner.ts";
export type { CachingOptions } from "./lib/cache/cached_runner.ts";
export { parseSize, pruneCache } from "./lib/cache/prune.ts";
export type { PruneOptions, PruneResult } from "./lib/cache/prune.ts";
export { renderSummary } from "./lib/github/summary.ts";
export { DEFAULT_APT, generateWorkflow } from "./lib/github/workflow.ts";
export type { WorkflowEvent, WorkflowGroup, WorkflowOptions } from "./lib/github/workflow.ts";
export { runOnSlurm } from "./lib/slurm/executor.ts";
export type {
  SlurmJob,
  SlurmObserver,
  SlurmRunOptions,
  SlurmRunResult,
} from "./lib/slurm/executor.ts";
export { jobScript, sbatchArgs } from "./lib/slurm/job_script.ts";
export type { JobCommon } from "./lib/slurm/job_script.ts";
export { SlurmError } from "./lib/slurm/commands.ts";
export type { SummaryOptions } from "./lib/github/summary.ts";
export { collectRuns, parseRepo, RepoNameError } from "./lib/github/collect.ts";
export type { CollectedArtifact, CollectOptions, CollectReport } from "./lib/github/collect.ts";
export { downloadArtifact, listArtifacts } from "./lib/github/artifacts.ts";
export type { RepoRef, WorkflowArtifact } from "./lib/github/artifacts.ts";
export { createGitHubClient } from "./lib/github/client.ts";
export type { GitHubClientOptions } from "./lib/github/client.ts";
export { extractRunFolders } from "./lib/github/zip.ts";
export type { ExtractOptions, ExtractResult } from "./lib/github/zip.ts";
export {
  ArtifactGoneError,
  GitHubAccessError,
  GitHubRateLimitError,
  GitHubResponseError,
  UnsafeArchiveError,
} from "./lib/github/errors.ts";
export { buildSite } from "./lib/site/build.ts";
export { PreviousSiteError, readHistory } from "./lib/site/history.ts";
export type { BuildReport, BuildSiteOptions } from "./lib/site/build.ts";
export { findRunFolders, loadRuns, SiteInputError } from "./lib/site/load.ts";
export type { History, SiteProblem, SiteRun } from "./lib/site/model.ts";
export { ansiToHtml, renderMarkdown, renderNotebook } from "./lib/site/notebook.ts";
export { SiteTemplateError } from "./lib/site/templates.ts";
