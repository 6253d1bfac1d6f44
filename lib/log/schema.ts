/**
 * The run folder contract: zod schemas for `run.json` (run summary, task and attempt records) and
 * `values.jsonl`. The span names and attributes of `spans.jsonl` are in `span_schema.ts`.
 *
 * The executor writes these files; the site builder and `summary` read them back and validate
 * them here, once. See `docs/log-format.md`.
 *
 * @module
 */
import { z } from "../../deps.ts";
import { type JsonValue, JsonValueSchema } from "../_base/json.ts";

/** Version of the run folder format written by this release. */
export const RUN_FORMAT_VERSION: number = 1;

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
