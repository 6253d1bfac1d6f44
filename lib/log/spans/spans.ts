/**
 * Writes the spans of a run to `spans.jsonl` as they end: one complete OTLP/JSON
 * `ExportTraceServiceRequest` per line, encoded by the official OpenTelemetry packages.
 *
 * @module
 */
import {
  type Attributes,
  resourceFromAttributes,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanStatusCode,
  trace,
  type Tracer,
  TracerProvider,
} from "../../../deps/otel.ts";
import type { JsonValue } from "../../_base/json.ts";
import type { PlannedInstance } from "../../plan/types.ts";
import { VERSION } from "../../version.ts";
import { NamedIdGenerator } from "./span_ids.ts";
import { JsonlSpanProcessor } from "./_jsonl_span_processor.ts";
import {
  type AttemptStatus,
  type CiContext,
  RUN_FORMAT_VERSION,
  type RunStatus,
  type TaskError,
  type TaskStatus,
  type Trigger,
  type ValueLine,
} from "../schema.ts";
import { type PlanSpanInstance, SPAN } from "./span_schema.ts";

/** What the run span and every line's resource say about the run. */
export interface RunSpanInfo {
  /** The run id. */
  runId: string;
  /** The pipeline's name. */
  pipeline: string;
  /** The pipeline file as given on the command line. */
  pipelineFile?: string;
  /** What started the run. */
  trigger: Trigger;
  /** The GitHub Actions context. */
  ci?: CiContext;
  /** The pipeline's parameters. */
  parameters: Record<string, JsonValue>;
  /** Start of the run. */
  startedAt: Date;
}

/** What a span says about a task instance: a planned instance, or one read back from a plan span. */
export type SpanInstance =
  & Pick<PlannedInstance, "id" | "task" | "slug" | "notebook" | "needs" | "matrix" | "parameters">
  & { timeoutSeconds?: number | undefined };

/** Options of {@linkcode SpanLog}. */
export interface SpanLogOptions {
  /** Ids derived from the run id (`span_ids.ts`), as parts of a run need. @default false */
  derivedIds?: boolean;
}

/** One attempt, told to the span log when it has ended. */
export interface AttemptSpanInfo {
  /** Attempt number, from 1. */
  attempt: number;
  /** How it ended. */
  status: AttemptStatus;
  /** Start of the attempt. */
  startedAt: Date;
  /** End of the attempt. */
  endedAt: Date;
  /** Executed notebook, relative to the run folder. */
  notebook?: string;
  /** Captured stderr, relative to the run folder. */
  stderr?: string;
  /** Why it did not succeed: an `exception` event. */
  error?: TaskError;
  /** Lines of the attempt's `values.jsonl`; artifact paths relative to the run folder. */
  values: ValueLine[];
}

/** Encodes a JSON value as an attribute: strings as they are, anything else as JSON text. */
function jsonAttr(value: JsonValue): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function ciAttributes(ci: CiContext | undefined): Attributes {
  const out: Attributes = {};
  if (ci === undefined) return out;
  for (const [key, value] of Object.entries(ci)) {
    if (value !== undefined) out[`${SPAN.attr.ciPrefix}${snake(key)}`] = value;
  }
  return out;
}

function snake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** How a task instance ended, as its span records it. */
export interface TaskOutcome {
  /** Final status. */
  status: TaskStatus;
  /** Why it was skipped or cancelled. */
  reason?: string | undefined;
  /** Its cache key, when one was computed. */
  cacheKey?: string | undefined;
  /** The run that produced its restored result: set only for a cached instance. */
  cachedFrom?: string | undefined;
}

/** A task instance's span while it is open. */
export interface TaskSpanHandle {
  /** The instance id. */
  id: string;
  /** Its span context, for links from downstream instances. */
  context: SpanContext;
}

/**
 * The spans of one run: a root span for the run, a `plan` span listing the planned instances,
 * one per task instance (linked to its upstream instances) and one per attempt, appended to
 * `spans.jsonl` as they end.
 *
 * @example Logging a run with one task
 * ```ts
 * import { SpanLog } from "./spans.ts";
 * const dir = await Deno.makeTempDir();
 * const log = new SpanLog(`${dir}/spans.jsonl`, {
 *   runId: "r1", pipeline: "demo", trigger: "local", parameters: {}, startedAt: new Date(),
 * });
 * const instance = {
 *   id: "a", task: "a", slug: "a", matrix: {}, parameters: {}, needs: [], notebook: "a.py",
 *   timeoutSeconds: 60, retries: 0, kernel: "python3", env: {},
 * };
 * log.recordPlan([instance], new Date());
 * const task = log.startTask(instance, new Date(), []);
 * log.endTask(task, { status: "succeeded" }, new Date());
 * log.endRun("succeeded", new Date());
 * const lines = (await Deno.readTextFile(`${dir}/spans.jsonl`)).trimEnd().split("\n");
 * console.assert(lines.length === 3); // plan, task, run
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class SpanLog {
  #tracer: Tracer;
  #run: Span;
  #tasks = new Map<string, Span>();
  #pipeline: string;
  #ended = false;
  #ids: NamedIdGenerator | undefined;

  /**
   * Starts the run span. Nothing is written until a span ends: see
   * {@linkcode SpanLog.recordPlan}.
   *
   * @param file The `spans.jsonl` file to append to.
   * @param info The run.
   * @param options Derived ids for a run written in parts.
   */
  constructor(file: string, info: RunSpanInfo, options: SpanLogOptions = {}) {
    // The file exists from the start: a run killed before any span ended is still a run folder.
    Deno.writeFileSync(file, new Uint8Array(), { append: true, create: true });
    this.#pipeline = info.pipeline;
    if (options.derivedIds) this.#ids = new NamedIdGenerator(info.runId);
    const runAttrs: Attributes = {
      [SPAN.attr.runId]: info.runId,
      [SPAN.attr.pipelineName]: info.pipeline,
      [SPAN.attr.runTrigger]: info.trigger,
      [SPAN.attr.runFormatVersion]: RUN_FORMAT_VERSION,
      ...(info.pipelineFile === undefined ? {} : { [SPAN.attr.pipelineFile]: info.pipelineFile }),
      ...ciAttributes(info.ci),
    };
    const provider = new TracerProvider({
      resource: resourceFromAttributes({
        "service.name": "pynb-dag-runner",
        "service.version": VERSION,
        ...runAttrs,
        // So that any line tells the run's start and parameters, even if the run span never ends.
        [SPAN.attr.runStartedAt]: info.startedAt.toISOString(),
        [SPAN.attr.runParameters]: JSON.stringify(info.parameters),
      }),
      spanProcessors: [new JsonlSpanProcessor(file)],
      ...(this.#ids === undefined ? {} : { idGenerator: this.#ids }),
    });
    this.#tracer = provider.getTracer("pynb-dag-runner", VERSION);
    const attributes: Attributes = {
      ...runAttrs,
      [SPAN.attr.runParameters]: JSON.stringify(info.parameters),
    };
    for (const [name, value] of Object.entries(info.parameters)) {
      attributes[`${SPAN.attr.paramPrefix}${name}`] = jsonAttr(value);
    }
    this.#name(SPAN.runName(info.pipeline));
    this.#run = this.#tracer.startSpan(SPAN.runName(info.pipeline), {
      startTime: info.startedAt,
      attributes,
    });
  }

  /** The run's trace id: 32 hex digits. */
  get traceId(): string {
    return this.#run.spanContext().traceId;
  }

  /**
   * Writes the `plan <pipeline>` span, a child of the run span that starts and ends at once: the
   * first line of `spans.jsonl`, listing every planned instance. Call it when the run starts, so
   * that a run killed before any other span ended still tells what it was doing.
   *
   * @param instances The planned instances, in topological order.
   * @param at When the run started.
   * @param part For a part of a run: the ids of the instances this part runs (the others run in
   *   other parts); `instances` is still the whole plan.
   */
  recordPlan(instances: SpanInstance[], at: Date, part?: string[]): void {
    const planned: PlanSpanInstance[] = instances.map((inst) => ({
      id: inst.id,
      task: inst.task,
      slug: inst.slug,
      notebook: inst.notebook,
      needs: inst.needs,
      matrix: inst.matrix,
      parameters: inst.parameters,
      // JSON has no Infinity: a timeout that is not a finite number is left out.
      ...(Number.isFinite(inst.timeoutSeconds) ? { timeoutSeconds: inst.timeoutSeconds } : {}),
    }));
    const attributes: Attributes = { [SPAN.attr.planInstances]: JSON.stringify(planned) };
    if (part !== undefined) attributes[SPAN.attr.planPart] = part;
    this.#name(SPAN.planName(this.#pipeline));
    const span = this.#tracer.startSpan(
      SPAN.planName(this.#pipeline),
      { startTime: at, attributes },
      trace.setSpan(ROOT_CONTEXT, this.#run),
    );
    span.end(at);
  }

  /**
   * Opens the span of a task instance, a child of the run span linked to its upstream instances.
   *
   * @param instance The instance.
   * @param startedAt When it started (or was skipped).
   * @param upstream Span contexts of the instances it needs.
   * @returns A handle for {@linkcode SpanLog.recordAttempt} and {@linkcode SpanLog.endTask}.
   */
  startTask(instance: SpanInstance, startedAt: Date, upstream: SpanContext[]): TaskSpanHandle {
    const attributes: Attributes = {
      [SPAN.attr.taskId]: instance.id,
      [SPAN.attr.taskName]: instance.task,
      [SPAN.attr.taskSlug]: instance.slug,
      [SPAN.attr.taskNotebook]: instance.notebook,
      [SPAN.attr.taskNeeds]: instance.needs,
      ...(instance.timeoutSeconds === undefined
        ? {}
        : { [SPAN.attr.taskTimeout]: instance.timeoutSeconds }),
      [SPAN.attr.taskParameters]: JSON.stringify(instance.parameters),
      [SPAN.attr.taskMatrix]: JSON.stringify(instance.matrix),
    };
    for (const [name, value] of Object.entries(instance.parameters)) {
      attributes[`${SPAN.attr.paramPrefix}${name}`] = jsonAttr(value);
    }
    for (const [key, value] of Object.entries(instance.matrix)) {
      attributes[`${SPAN.attr.matrixPrefix}${key}`] = jsonAttr(value);
    }
    this.#name(SPAN.taskName(instance.id));
    const span = this.#tracer.startSpan(
      SPAN.taskName(instance.id),
      { startTime: startedAt, attributes, links: upstream.map((context) => ({ context })) },
      trace.setSpan(ROOT_CONTEXT, this.#run),
    );
    this.#tasks.set(instance.id, span);
    return { id: instance.id, context: span.spanContext() };
  }

  /**
   * Writes the span of an attempt that has ended, a child of its task's span, with the logged
   * values, metrics and artifacts as events and the error as an `exception` event.
   *
   * @param task The task's handle.
   * @param info The attempt.
   */
  recordAttempt(task: TaskSpanHandle, info: AttemptSpanInfo): void {
    const parent = this.#open(task);
    const attributes: Attributes = {
      [SPAN.attr.taskId]: task.id,
      [SPAN.attr.attempt]: info.attempt,
      [SPAN.attr.attemptStatus]: info.status,
    };
    if (info.notebook !== undefined) attributes[SPAN.attr.attemptNotebook] = info.notebook;
    if (info.stderr !== undefined) attributes[SPAN.attr.attemptStderr] = info.stderr;
    this.#name(SPAN.attemptName(task.id, info.attempt));
    const span = this.#tracer.startSpan(
      SPAN.attemptName(task.id, info.attempt),
      { startTime: info.startedAt, attributes },
      trace.setSpan(ROOT_CONTEXT, parent),
    );
    for (const line of info.values) {
      const at = new Date(line.timestamp);
      const time = Number.isNaN(at.getTime()) ? info.endedAt : at;
      if (line.kind === "value") {
        span.addEvent(SPAN.event.value, {
          [SPAN.attr.valueName]: line.name,
          [SPAN.attr.valueJson]: JSON.stringify(line.value),
        }, time);
      } else if (line.kind === "metric") {
        span.addEvent(SPAN.event.metric, {
          [SPAN.attr.metricName]: line.name,
          [SPAN.attr.metricValue]: line.value,
          ...(line.step === null ? {} : { [SPAN.attr.metricStep]: line.step }),
        }, time);
      } else {
        span.addEvent(SPAN.event.artifact, {
          [SPAN.attr.artifactName]: line.name,
          [SPAN.attr.artifactPath]: line.path,
          [SPAN.attr.artifactSize]: line.size,
          [SPAN.attr.artifactSha256]: line.sha256,
          ...(line.mediaType === undefined
            ? {}
            : { [SPAN.attr.artifactMediaType]: line.mediaType }),
        }, time);
      }
    }
    if (info.error !== undefined) {
      span.addEvent(SPAN.event.exception, {
        "exception.type": info.error.ename,
        "exception.message": info.error.evalue,
        "exception.stacktrace": info.error.traceback.join("\n"),
        ...(info.error.cellIndex === undefined
          ? {}
          : { [SPAN.attr.errorCellIndex]: info.error.cellIndex }),
      }, info.endedAt);
    }
    setStatus(span, info.status, info.error?.evalue);
    span.end(info.endedAt);
  }

  /**
   * Ends the span of a task instance.
   *
   * @param task The task's handle.
   * @param outcome Its final status and, for a skip or cancel, the reason.
   * @param endedAt When it ended.
   */
  endTask(task: TaskSpanHandle, outcome: TaskOutcome, endedAt: Date) {
    const span = this.#open(task);
    span.setAttribute(SPAN.attr.taskStatus, outcome.status);
    if (outcome.reason !== undefined) span.setAttribute(SPAN.attr.taskReason, outcome.reason);
    if (outcome.cacheKey !== undefined) span.setAttribute(SPAN.attr.taskCacheKey, outcome.cacheKey);
    if (outcome.cachedFrom !== undefined) {
      span.setAttribute(SPAN.attr.taskCached, true);
      span.setAttribute(SPAN.attr.taskCachedFrom, outcome.cachedFrom);
    }
    setStatus(span, outcome.status, outcome.reason);
    span.end(endedAt);
    this.#tasks.delete(task.id);
  }

  /**
   * Ends the run span (and, as cancelled, any task span still open). Call once.
   *
   * @param status The run's status.
   * @param endedAt When it ended.
   */
  endRun(status: RunStatus, endedAt: Date): void {
    if (this.#ended) return;
    for (const [id, span] of this.#tasks) {
      this.endTask({ id, context: span.spanContext() }, {
        status: "cancelled",
        reason: "the run ended",
      }, endedAt);
    }
    this.#run.setAttribute(SPAN.attr.runStatus, status);
    setStatus(this.#run, status);
    this.#run.end(endedAt);
    this.#ended = true;
  }

  #name(name: string): void {
    if (this.#ids) this.#ids.nextName = name;
  }

  #open(task: TaskSpanHandle): Span {
    const span = this.#tasks.get(task.id);
    if (span === undefined) throw new Error(`Cannot log attempt: task span '${task.id}' is closed`);
    return span;
  }
}

function setStatus(span: Span, status: string, message?: string): void {
  if (status === "succeeded") span.setStatus({ code: SpanStatusCode.OK });
  else if (status === "failed" || status === "timeout") {
    span.setStatus({
      code: SpanStatusCode.ERROR,
      ...(message === undefined ? {} : { message }),
    });
  }
}
