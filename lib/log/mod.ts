/**
 * The run folder: its layout, the OTLP/JSON span log, `run.json`, reading a run folder back,
 * merging the parts of a run, redaction of secrets and the CI context.
 *
 * @module
 */
export { SpanLog } from "./spans.ts";
export type { AttemptSpanInfo, RunSpanInfo, TaskSpanHandle } from "./spans.ts";
export { parseSpansJsonl, readSpansFile } from "./otlp_read.ts";
export type { FlatSpan, SpansFile } from "./otlp_read.ts";
export { rebuildSummaryFromSpans, summaryFromSpans } from "./rebuild.ts";
export { readRunFolder, RunFolderError } from "./read.ts";
export { redactAttemptFolder, REDACTED, Redactor, secretForms } from "./redact.ts";
export type { RunFolder } from "./read.ts";
export { RunFiles } from "./run_files.ts";
export type { AttemptFolder, FileProblem, RunFile } from "./run_files.ts";
export {
  artifactPath,
  ATTEMPT_LAYOUT,
  attemptDir,
  attemptFile,
  RUN_LAYOUT,
  runPath,
} from "./layout.ts";
export { writeRunSummary } from "./write_summary.ts";
export { appendPart, MergeError, mergeRunParts } from "./merge.ts";
export type { MergeResult } from "./merge.ts";
export { derivedSpanId, derivedTraceId } from "./span_ids.ts";
export { readAttemptValues } from "./values.ts";
export { CI_ENV_NAMES, readCiContext } from "./ci_context.ts";
export type { EnvReader, RunOrigin } from "./ci_context.ts";
export { checkRunId, InvalidRunIdError, newRunId } from "./run_id.ts";
export { RUN_FORMAT_VERSION, RunSummarySchema } from "./schema.ts";
export type {
  Artifact,
  AttemptRecord,
  AttemptStatus,
  CiContext,
  Metric,
  RunStatus,
  RunSummary,
  TaskError,
  TaskRecord,
  TaskStatus,
  Trigger,
} from "./schema.ts";
