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
import type { JsonValue } from "../plan/types.ts";

/** Version of the run folder format written by this release. */
export const RUN_FORMAT_VERSION: number = 1;

/** Any JSON value. */
export const JsonValueSchema: z.ZodType<JsonValue> = z.lazy(() =>
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
export type RunStatus = "succeeded" | "failed" | "cancelled" | "running";
/** Outcome of one task instance. */
export type TaskStatus =
  | "succeeded"
  | "failed"
  | "timeout"
  | "skipped"
  | "cancelled"
  | "running"
  | "pending";
/** Outcome of one attempt of a task instance. */
export type AttemptStatus = "succeeded" | "failed" | "timeout" | "cancelled" | "running";
/** What started a run. */
export type Trigger = "schedule" | "pull_request" | "push" | "manual" | "local";

/** The CI context of a run started in GitHub Actions. Never holds a token or a secret. */
export interface CiContext {
  /** Always `github`. */
  provider: "github";
  /** `owner/name` (`GITHUB_REPOSITORY`). */
  repository: string;
  /** Workflow name (`GITHUB_WORKFLOW`). */
  workflow?: string | undefined;
  /** Workflow run id (`GITHUB_RUN_ID`). */
  runId?: string | undefined;
  /** Attempt of the workflow run (`GITHUB_RUN_ATTEMPT`). */
  runAttempt?: string | undefined;
  /** Event that started the workflow (`GITHUB_EVENT_NAME`). */
  event?: string | undefined;
  /** Full ref (`GITHUB_REF`), e.g. `refs/pull/7/merge`. */
  ref?: string | undefined;
  /** Branch: the head branch on a pull request; none for a tag. */
  branch?: string | undefined;
  /** Commit SHA (`GITHUB_SHA`). */
  commit?: string | undefined;
  /** Pull request number, on a pull request. */
  pullRequest?: number | undefined;
  /** Who started the workflow (`GITHUB_ACTOR`). */
  actor?: string | undefined;
  /** Web page of the workflow run. */
  url?: string | undefined;
}

/** The error that ended an attempt: a cell error, a timeout or a kernel death. */
export interface TaskError {
  /** Exception class name (`ValueError`), or `Timeout` / `KernelDied` / `DriverFailed`. */
  ename: string;
  /** Exception message. */
  evalue: string;
  /** Traceback lines, possibly with ANSI colour codes. */
  traceback: string[];
  /** Index of the failing cell in the executed notebook, where known. */
  cellIndex?: number | undefined;
}

/** A named artifact stored under the attempt's `artifacts/` folder. */
export interface Artifact {
  /** Name given to `log_artifact`. */
  name: string;
  /** Path relative to the run folder. */
  path: string;
  /** Size in bytes. */
  size: number;
  /** 64 lowercase hex digits. */
  sha256: string;
  /** Media type, e.g. `image/png`. */
  mediaType?: string | undefined;
}

/** A numeric metric, optionally with a step (epoch, iteration). */
export interface Metric {
  /** Metric name. */
  name: string;
  /** The number. */
  value: number;
  /** Step (epoch, iteration), `null` without one. */
  step?: number | null | undefined;
  /** When it was logged, ISO 8601. */
  timestamp?: string | undefined;
}

/** One attempt of a task instance. Paths are relative to the run folder. */
export interface AttemptRecord {
  /** Attempt number, from 1. */
  attempt: number;
  /** How it ended. */
  status: AttemptStatus;
  /** Start, ISO 8601. */
  startedAt: string;
  /** End, ISO 8601. */
  endedAt?: string | undefined;
  /** Duration in seconds. */
  durationSeconds?: number | undefined;
  /** Executed (possibly partial) notebook. */
  notebook?: string | undefined;
  /** Captured stderr of the driver and kernel. */
  stderr?: string | undefined;
  /** Why it did not succeed. */
  error?: TaskError | undefined;
}

/** One task instance of a run. */
export interface TaskRecord {
  /** Instance id: `task` or `task[key=value,...]`. */
  id: string;
  /** Task name in the pipeline file. */
  task: string;
  /** File-system-safe name: the folder under `tasks/`. */
  slug: string;
  /** Matrix values of the instance (`{}` without a matrix). */
  matrix: Record<string, JsonValue>;
  /** Every parameter the notebook received. */
  parameters: Record<string, JsonValue>;
  /** Ids of the upstream instances. */
  needs: string[];
  /** Source notebook as written in the pipeline file. */
  notebook: string;
  /** Final status (`pending`/`running` only in a rebuilt summary). */
  status: TaskStatus;
  /** Why the instance was skipped or cancelled (names the upstream instance). */
  reason?: string | undefined;
  /** Start of the first attempt (or the skip), ISO 8601. */
  startedAt?: string | undefined;
  /** End of the last attempt, ISO 8601. */
  endedAt?: string | undefined;
  /** From start to end, in seconds. */
  durationSeconds?: number | undefined;
  /** Whole-attempt timeout in seconds. */
  timeoutSeconds?: number | undefined;
  /** Every attempt, in order. */
  attempts: AttemptRecord[];
  /** Values logged by the last attempt, by name. */
  values: Record<string, JsonValue>;
  /** Metrics logged by the last attempt, in order. */
  metrics: Metric[];
  /** Artifacts logged by the last attempt. */
  artifacts: Artifact[];
  /** The instance's cache key (`run --cache`, `--resume`), when it was computed. */
  cacheKey?: string | undefined;
  /** `true` when the result was restored from a cache or an earlier run instead of run. */
  cached?: boolean | undefined;
  /** The id of the run that produced a restored result. */
  cachedFrom?: string | undefined;
}

/** `run.json`: the summary of a run, written atomically when the run ends. */
export interface RunSummary {
  /** Version of this format: {@linkcode RUN_FORMAT_VERSION}. */
  formatVersion: number;
  /** The run id: the run folder's name. */
  runId: string;
  /** OpenTelemetry trace id of the run (32 hex digits). */
  traceId?: string | undefined;
  /** Pipeline name, and its file relative to the working folder. */
  pipeline: { name: string; file?: string | undefined };
  /** How the run ended. */
  status: RunStatus;
  /** What started it. */
  trigger: Trigger;
  /** Start, ISO 8601. */
  startedAt: string;
  /** End, ISO 8601. */
  endedAt?: string | undefined;
  /** Duration in seconds. */
  durationSeconds?: number | undefined;
  /** The pipeline's parameters. */
  parameters: Record<string, JsonValue>;
  /** GitHub Actions context, when it ran there. */
  ci?: CiContext | undefined;
  /** One record per task instance, in topological order. */
  tasks: TaskRecord[];
}

/** One line of an attempt's `values.jsonl`, written by the Python module `pynb_dag_runner`. */
export type ValueLine =
  | { kind: "value"; name: string; value: JsonValue; timestamp: string }
  | { kind: "metric"; name: string; value: number; step: number | null; timestamp: string }
  | {
    kind: "artifact";
    name: string;
    /** Relative to the attempt folder: `artifacts/<name>`. */
    path: string;
    size: number;
    sha256: string;
    mediaType?: string | undefined;
    timestamp: string;
  };

// The schemas carry explicit types so that the public API has no slow types (`deno lint`).

/** Validates a {@linkcode RunStatus}. */
export const RunStatusSchema: z.ZodType<RunStatus> = z.enum([
  "succeeded",
  "failed",
  "cancelled",
  "running",
]);
/** Validates a {@linkcode TaskStatus}. */
export const TaskStatusSchema: z.ZodType<TaskStatus> = z.enum([
  "succeeded",
  "failed",
  "timeout",
  "skipped",
  "cancelled",
  "running",
  "pending",
]);
/** Validates an {@linkcode AttemptStatus}. */
export const AttemptStatusSchema: z.ZodType<AttemptStatus> = z.enum([
  "succeeded",
  "failed",
  "timeout",
  "cancelled",
  "running",
]);
/** Validates a {@linkcode Trigger}. */
export const TriggerSchema: z.ZodType<Trigger> = z.enum([
  "schedule",
  "pull_request",
  "push",
  "manual",
  "local",
]);

/** Validates a {@linkcode CiContext}. */
export const CiContextSchema: z.ZodType<CiContext> = z.object({
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

/** Validates a {@linkcode TaskError}. */
export const TaskErrorSchema: z.ZodType<TaskError> = z.object({
  ename: z.string(),
  evalue: z.string(),
  traceback: z.array(z.string()),
  cellIndex: z.number().int().optional(),
});

/** Validates an {@linkcode Artifact}. */
export const ArtifactSchema: z.ZodType<Artifact> = z.object({
  name: z.string(),
  path: z.string(),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  mediaType: z.string().optional(),
});

/** Validates a {@linkcode Metric}. */
export const MetricSchema: z.ZodType<Metric> = z.object({
  name: z.string(),
  value: z.number(),
  step: z.number().nullable().optional(),
  timestamp: z.string().optional(),
});

/** Validates an {@linkcode AttemptRecord}. */
export const AttemptSchema: z.ZodType<AttemptRecord> = z.object({
  attempt: z.number().int().positive(),
  status: AttemptStatusSchema,
  startedAt: z.string(),
  endedAt: z.string().optional(),
  durationSeconds: z.number().nonnegative().optional(),
  notebook: z.string().optional(),
  stderr: z.string().optional(),
  error: TaskErrorSchema.optional(),
});

/** Validates a {@linkcode TaskRecord}. */
export const TaskRecordSchema: z.ZodType<TaskRecord> = z.object({
  id: z.string(),
  task: z.string(),
  slug: z.string(),
  matrix: z.record(z.string(), JsonValueSchema),
  parameters: z.record(z.string(), JsonValueSchema),
  needs: z.array(z.string()),
  notebook: z.string(),
  status: TaskStatusSchema,
  reason: z.string().optional(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  durationSeconds: z.number().nonnegative().optional(),
  timeoutSeconds: z.number().positive().optional(),
  attempts: z.array(AttemptSchema),
  values: z.record(z.string(), JsonValueSchema),
  metrics: z.array(MetricSchema),
  artifacts: z.array(ArtifactSchema),
  cacheKey: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  cached: z.boolean().optional(),
  cachedFrom: z.string().optional(),
});

/** Validates a {@linkcode RunSummary} (`run.json`). */
export const RunSummarySchema: z.ZodType<RunSummary> = z.object({
  formatVersion: z.number().int().positive(),
  runId: z.string(),
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

/**
 * One instance of the plan, as the `plan <pipeline>` span lists it in `pynb.plan.instances`: what
 * a run intended to do, so that a run killed early still reads back with every instance.
 */
export interface PlanSpanInstance {
  /** Instance id. */
  id: string;
  /** Task name in the pipeline file. */
  task: string;
  /** Folder name under `tasks/`. */
  slug: string;
  /** Source notebook as written in the pipeline file. */
  notebook: string;
  /** Ids of the upstream instances. */
  needs: string[];
  /** Matrix values of the instance. */
  matrix: Record<string, JsonValue>;
  /** Every parameter the notebook receives. */
  parameters: Record<string, JsonValue>;
  /** Whole-attempt timeout in seconds; absent without one. */
  timeoutSeconds?: number | undefined;
}

/** Validates a {@linkcode PlanSpanInstance}. */
export const PlanSpanInstanceSchema: z.ZodType<PlanSpanInstance> = z.object({
  id: z.string(),
  task: z.string(),
  slug: z.string(),
  notebook: z.string(),
  needs: z.array(z.string()),
  matrix: z.record(z.string(), JsonValueSchema),
  parameters: z.record(z.string(), JsonValueSchema),
  timeoutSeconds: z.number().optional(),
});

/** Validates a {@linkcode ValueLine}. */
export const ValueLineSchema: z.ZodType<ValueLine> = z.discriminatedUnion("kind", [
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
    path: z.string(),
    size: z.number().int().nonnegative(),
    sha256: z.string(),
    mediaType: z.string().optional(),
    timestamp: z.string(),
  }),
]);

/**
 * Span names and attribute keys of `spans.jsonl`. Every line of that file is one complete OTLP/JSON
 * `ExportTraceServiceRequest` holding the spans that ended at that moment.
 *
 * - Root span `run <pipeline>`: attributes `pynb.run.*`, `pynb.pipeline.name`, `pynb.ci.*`.
 * - Span `plan <pipeline>`, child of the run span, written (started and ended) when the run
 *   starts: `pynb.plan.instances` lists every planned instance, so that a run killed before any
 *   other span ended still reads back with its instances.
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
  planName: (pipeline: string) => `plan ${pipeline}`,
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
    /** The instance's cache key, when one was computed (64 hex digits). */
    taskCacheKey: "pynb.task.cache_key",
    /** `true` when the result was restored instead of run. */
    taskCached: "pynb.task.cached",
    /** The run that produced a restored result. */
    taskCachedFrom: "pynb.task.cached_from",
    /** All parameters of the instance as one JSON object (lossless, for rebuilding run.json). */
    taskParameters: "pynb.task.parameters",
    /** The matrix values of the instance as one JSON object. */
    taskMatrix: "pynb.task.matrix",
    /** All pipeline parameters as one JSON object (on the run span and the resource). */
    runParameters: "pynb.run.parameters",
    /** Start of the run, ISO 8601 (on the resource: a run killed before its span ended). */
    runStartedAt: "pynb.run.started_at",
    /** Every planned instance as a JSON array of {@linkcode PlanSpanInstance}, on the plan span. */
    planInstances: "pynb.plan.instances",
    /**
     * On the plan span of a part of a run (`run --only ... --run-id`): the ids of the instances
     * that part runs; `pynb.plan.instances` still lists the whole plan.
     */
    planPart: "pynb.plan.part",
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
