/**
 * The run folder: its layout and formats, read back (this folder); the OTLP/JSON span log
 * (`spans/`); the parts of a run and their merging (`part/`); redaction of secrets (`redact/`);
 * the CI context (`ci/`).
 *
 * @module
 */
export { SpanLog } from "./spans/spans.ts";
export type { AttemptSpanInfo, RunSpanInfo, TaskSpanHandle } from "./spans/spans.ts";
export { parseSpansJsonl, readSpansFile } from "./spans/otlp_read.ts";
export type { FlatSpan, SpansFile } from "./spans/otlp_read.ts";
export { rebuildSummaryFromSpans, summaryFromSpans } from "./spans/rebuild.ts";
export { readRunFolder, RunFolderError } from "./read.ts";
export { redactAttemptFolder, REDACTED, Redactor, secretForms } from "./redact/redact.ts";
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
export { appendPart, MergeError, mergeRunParts } from "./part/merge.ts";
export type { PartRecord, RunPart } from "./part/part.ts";
export type { MergeResult } from "./part/merge.ts";
export { derivedSpanId, derivedTraceId } from "./spans/span_ids.ts";
export { readAttemptValues } from "./values.ts";
export { CI_ENV_NAMES, readCiContext } from "./ci/ci_context.ts";
export type { EnvReader, RunOrigin } from "./ci/ci_context.ts";
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
