/**
 * The run folder contract: zod schemas for `run.json` and `values.jsonl`, and the span names and
 * attribute keys written to `spans.jsonl`.
 *
 * The executor writes these files; the site builder and `summary` read them back and validate
 * them here, once. See `docs/log-format.md`.
 *
 * @module
 */
import { z } from "../../deps.ts";

/** Version of the run folder format written by this release. */
export const RUN_FORMAT_VERSION = 1;

/** Any JSON value. */
export const JsonValueSchema: z.ZodType<import("../plan/types.ts").JsonValue> = z.lazy(() =>
  z.union([
    z.string(),
    z.number(),
    z.boolean(),
    z.null(),
    z.array(JsonValueSchema),
    z.record(z.string(), JsonValueSchema),
  ])
);

/** Outcome of one run. `running` only appears while a run is being written or was interrupted. */
export const RunStatusSchema = z.enum(["succeeded", "failed", "cancelled", "running"]);
/** Outcome of one task instance. */
export const TaskStatusSchema = z.enum([
  "succeeded",
  "failed",
  "timeout",
  "skipped",
  "cancelled",
  "running",
  "pending",
]);
/** Outcome of one attempt of a task instance. */
export const AttemptStatusSchema = z.enum([
  "succeeded",
  "failed",
  "timeout",
  "cancelled",
  "running",
]);
/** What started a run. */
export const TriggerSchema = z.enum(["schedule", "pull_request", "push", "manual", "local"]);

/** The CI context of a run started in GitHub Actions. Never holds a token or a secret. */
export const CiContextSchema = z.object({
  provider: z.literal("github"),
  repository: z.string(),
  workflow: z.string().optional(),
  runId: z.string().optional(),
  runAttempt: z.string().optional(),
  event: z.string().optional(),
  ref: z.string().optional(),
  branch: z.string().optional(),
  commit: z.string().optional(),
  pullRequest: z.number().int().optional(),
  actor: z.string().optional(),
  url: z.string().optional(),
});

/** The error that ended an attempt: a cell error, a timeout or a kernel death. */
export const TaskErrorSchema = z.object({
  /** Exception class name (`ValueError`), or `Timeout` / `KernelDied` / `DriverFailed`. */
  ename: z.string(),
  evalue: z.string(),
  /** Traceback lines, possibly with ANSI colour codes. */
  traceback: z.array(z.string()),
  /** Index of the failing cell in the executed notebook, where known. */
  cellIndex: z.number().int().optional(),
});

/** A named artifact stored under the attempt's `artifacts/` folder. */
export const ArtifactSchema = z.object({
  name: z.string(),
  /** Path relative to the run folder. */
  path: z.string(),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  mediaType: z.string().optional(),
});

/** A numeric metric, optionally with a step (epoch, iteration). */
export const MetricSchema = z.object({
  name: z.string(),
  value: z.number(),
  step: z.number().nullable().optional(),
  timestamp: z.string().optional(),
});

/** One attempt of a task instance. Paths are relative to the run folder. */
export const AttemptSchema = z.object({
  attempt: z.number().int().positive(),
  status: AttemptStatusSchema,
  startedAt: z.string(),
  endedAt: z.string().optional(),
  durationSeconds: z.number().nonnegative().optional(),
  /** Executed (possibly partial) notebook. */
  notebook: z.string().optional(),
  stderr: z.string().optional(),
  error: TaskErrorSchema.optional(),
});

/** One task instance of a run. */
export const TaskRecordSchema = z.object({
  id: z.string(),
  task: z.string(),
  slug: z.string(),
  matrix: z.record(z.string(), JsonValueSchema),
  parameters: z.record(z.string(), JsonValueSchema),
  needs: z.array(z.string()),
  /** Source notebook as written in the pipeline file. */
  notebook: z.string(),
  status: TaskStatusSchema,
  /** Why the instance was skipped or cancelled (names the upstream instance). */
  reason: z.string().optional(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  durationSeconds: z.number().nonnegative().optional(),
  timeoutSeconds: z.number().positive().optional(),
  attempts: z.array(AttemptSchema),
  /** Values logged by the last attempt, by name. */
  values: z.record(z.string(), JsonValueSchema),
  metrics: z.array(MetricSchema),
  artifacts: z.array(ArtifactSchema),
});

/** `run.json`: the summary of a run, written atomically when the run ends. */
export const RunSummarySchema = z.object({
  formatVersion: z.number().int().positive(),
  runId: z.string(),
  /** OpenTelemetry trace id of the run (32 hex digits). */
  traceId: z.string().optional(),
  pipeline: z.object({ name: z.string(), file: z.string().optional() }),
  status: RunStatusSchema,
  trigger: TriggerSchema,
  startedAt: z.string(),
  endedAt: z.string().optional(),
  durationSeconds: z.number().nonnegative().optional(),
  parameters: z.record(z.string(), JsonValueSchema),
  ci: CiContextSchema.optional(),
  tasks: z.array(TaskRecordSchema),
});

/** One line of an attempt's `values.jsonl`, written by the Python module `pynb_dag_runner`. */
export const ValueLineSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("value"),
    name: z.string(),
    value: JsonValueSchema,
    timestamp: z.string(),
  }),
  z.object({
    kind: z.literal("metric"),
    name: z.string(),
    value: z.number(),
    step: z.number().nullable(),
    timestamp: z.string(),
  }),
  z.object({
    kind: z.literal("artifact"),
    name: z.string(),
    /** Relative to the attempt folder: `artifacts/<name>`. */
    path: z.string(),
    size: z.number().int().nonnegative(),
    sha256: z.string(),
    mediaType: z.string().optional(),
    timestamp: z.string(),
  }),
]);

export type RunStatus = z.infer<typeof RunStatusSchema>;
export type TaskStatus = z.infer<typeof TaskStatusSchema>;
export type AttemptStatus = z.infer<typeof AttemptStatusSchema>;
export type Trigger = z.infer<typeof TriggerSchema>;
export type CiContext = z.infer<typeof CiContextSchema>;
export type TaskError = z.infer<typeof TaskErrorSchema>;
export type Artifact = z.infer<typeof ArtifactSchema>;
export type Metric = z.infer<typeof MetricSchema>;
export type AttemptRecord = z.infer<typeof AttemptSchema>;
export type TaskRecord = z.infer<typeof TaskRecordSchema>;
export type RunSummary = z.infer<typeof RunSummarySchema>;
export type ValueLine = z.infer<typeof ValueLineSchema>;

/**
 * Span names and attribute keys of `spans.jsonl`. Every line of that file is one complete OTLP/JSON
 * `ExportTraceServiceRequest` holding the spans that ended at that moment.
 *
 * - Root span `run <pipeline>`: attributes `pynb.run.*`, `pynb.pipeline.name`, `pynb.ci.*`.
 * - One span per task instance `task <id>`, child of the run span, with links to the spans of its
 *   upstream instances: attributes `pynb.task.*`, `pynb.param.<name>`, `pynb.matrix.<key>`.
 * - One span per attempt `attempt <id> #<n>`, child of its task span: `pynb.attempt.*`; events
 *   `pynb.value`, `pynb.metric`, `pynb.artifact` for logged data and `exception` (OpenTelemetry
 *   semantic conventions) for the error.
 *
 * Non-string parameter, matrix and value data are JSON-encoded strings.
 */
export const SPAN = {
  runName: (pipeline: string) => `run ${pipeline}`,
  taskName: (id: string) => `task ${id}`,
  attemptName: (id: string, attempt: number) => `attempt ${id} #${attempt}`,
  attr: {
    runId: "pynb.run.id",
    runStatus: "pynb.run.status",
    runTrigger: "pynb.run.trigger",
    runFormatVersion: "pynb.run.format_version",
    pipelineName: "pynb.pipeline.name",
    pipelineFile: "pynb.pipeline.file",
    taskId: "pynb.task.id",
    taskName: "pynb.task.name",
    taskSlug: "pynb.task.slug",
    taskStatus: "pynb.task.status",
    taskReason: "pynb.task.reason",
    taskNotebook: "pynb.task.notebook",
    taskNeeds: "pynb.task.needs",
    taskTimeout: "pynb.task.timeout_seconds",
    /** All parameters of the instance as one JSON object (lossless, for rebuilding run.json). */
    taskParameters: "pynb.task.parameters",
    /** The matrix values of the instance as one JSON object. */
    taskMatrix: "pynb.task.matrix",
    /** All pipeline parameters as one JSON object (on the run span and the resource). */
    runParameters: "pynb.run.parameters",
    /** Start of the run, ISO 8601 (on the resource: a run killed before its span ended). */
    runStartedAt: "pynb.run.started_at",
    /** Index of the failing cell, on the `exception` event. */
    errorCellIndex: "pynb.error.cell_index",
    attempt: "pynb.attempt",
    attemptStatus: "pynb.attempt.status",
    attemptNotebook: "pynb.attempt.notebook",
    attemptStderr: "pynb.attempt.stderr",
    paramPrefix: "pynb.param.",
    matrixPrefix: "pynb.matrix.",
    ciPrefix: "pynb.ci.",
    valueName: "pynb.value.name",
    valueJson: "pynb.value.json",
    metricName: "pynb.metric.name",
    metricValue: "pynb.metric.value",
    metricStep: "pynb.metric.step",
    artifactName: "pynb.artifact.name",
    artifactPath: "pynb.artifact.path",
    artifactSize: "pynb.artifact.size",
    artifactSha256: "pynb.artifact.sha256",
    artifactMediaType: "pynb.artifact.media_type",
  },
  event: {
    value: "pynb.value",
    metric: "pynb.metric",
    artifact: "pynb.artifact",
    exception: "exception",
  },
} as const;
