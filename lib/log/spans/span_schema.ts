/**
 * The span contract of `spans.jsonl`: span names, attribute keys and event names, and the planned
 * instances the plan span lists. See `docs/log-format.md`.
 *
 * @module
 */
import { z } from "../../../deps.ts";
import { type JsonValue, JsonValueSchema } from "../../_base/json.ts";

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
