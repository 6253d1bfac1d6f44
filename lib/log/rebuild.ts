/**
 * Rebuilds a run summary from `spans.jsonl` for a run that has no `run.json` (interrupted, or
 * still running).
 *
 * @module
 */
import { join } from "node:path";
import { UserError } from "../errors.ts";
import type { JsonValue } from "../plan/types.ts";
import type { AttrValue, FlatSpan } from "./otlp_read.ts";
import { readSpansFile } from "./otlp_read.ts";
import {
  type AttemptRecord,
  AttemptStatusSchema,
  type CiContext,
  CiContextSchema,
  RUN_FORMAT_VERSION,
  type RunSummary,
  RunSummarySchema,
  SPAN,
  type TaskRecord,
  TaskStatusSchema,
  TriggerSchema,
  type ValueLine,
} from "./schema.ts";
import { foldValueLines } from "./values.ts";

const A = SPAN.attr;

function str(v: AttrValue | undefined): string | undefined {
  return typeof v === "string" ? v : undefined;
}
function num(v: AttrValue | undefined): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}
function jsonObject(v: AttrValue | undefined): Record<string, JsonValue> {
  if (typeof v !== "string") return {};
  try {
    const parsed: unknown = JSON.parse(v);
    return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)
      ? parsed as Record<string, JsonValue>
      : {};
  } catch {
    return {};
  }
}
function seconds(start: Date, end: Date): number {
  return Math.max(0, (end.getTime() - start.getTime()) / 1000);
}

function ciFromResource(resource: Record<string, AttrValue>): CiContext | undefined {
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(resource)) {
    if (!key.startsWith(A.ciPrefix)) continue;
    const camel = key.slice(A.ciPrefix.length).replace(
      /_([a-z])/g,
      (_, c: string) => c.toUpperCase(),
    );
    raw[camel] = value;
  }
  const parsed = CiContextSchema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}

function eventsToLines(span: FlatSpan): ValueLine[] {
  const lines: ValueLine[] = [];
  for (const e of span.events) {
    const timestamp = e.time.toISOString();
    const name = str(
      e.attributes[A.valueName] ?? e.attributes[A.metricName] ??
        e.attributes[A.artifactName],
    );
    if (name === undefined) continue;
    if (e.name === SPAN.event.value) {
      try {
        const value = JSON.parse(str(e.attributes[A.valueJson]) ?? "null") as JsonValue;
        lines.push({ kind: "value", name, value, timestamp });
      } catch { /* a value that is not JSON is left out */ }
    } else if (e.name === SPAN.event.metric) {
      const value = num(e.attributes[A.metricValue]);
      if (value === undefined) continue;
      lines.push({
        kind: "metric",
        name,
        value,
        step: num(e.attributes[A.metricStep]) ?? null,
        timestamp,
      });
    } else if (e.name === SPAN.event.artifact) {
      const path = str(e.attributes[A.artifactPath]);
      const sha256 = str(e.attributes[A.artifactSha256]);
      const size = num(e.attributes[A.artifactSize]);
      if (path === undefined || sha256 === undefined || size === undefined) continue;
      const mediaType = str(e.attributes[A.artifactMediaType]);
      lines.push({
        kind: "artifact",
        name,
        path,
        size,
        sha256,
        timestamp,
        ...(mediaType === undefined ? {} : { mediaType }),
      });
    }
  }
  return lines;
}

function attemptFromSpan(span: FlatSpan): AttemptRecord {
  const status = AttemptStatusSchema.safeParse(span.attributes[A.attemptStatus]);
  const record: AttemptRecord = {
    attempt: num(span.attributes[A.attempt]) ?? 1,
    status: status.success ? status.data : "failed",
    startedAt: span.start.toISOString(),
    endedAt: span.end.toISOString(),
    durationSeconds: seconds(span.start, span.end),
  };
  const notebook = str(span.attributes[A.attemptNotebook]);
  const stderr = str(span.attributes[A.attemptStderr]);
  if (notebook !== undefined) record.notebook = notebook;
  if (stderr !== undefined) record.stderr = stderr;
  const exc = span.events.find((e) => e.name === SPAN.event.exception);
  if (exc !== undefined) {
    const trace = str(exc.attributes["exception.stacktrace"]);
    const cell = num(exc.attributes[A.errorCellIndex]);
    record.error = {
      ename: str(exc.attributes["exception.type"]) ?? "Error",
      evalue: str(exc.attributes["exception.message"]) ?? "",
      traceback: trace === undefined || trace === "" ? [] : trace.split("\n"),
      ...(cell === undefined ? {} : { cellIndex: cell }),
    };
  }
  return record;
}

/**
 * Builds a run summary from the spans of one run. Pure: the data of {@linkcode rebuildSummaryFromSpans}.
 *
 * @param spans The spans, in any order.
 * @param fallbackRunId The run id to use when no span names one (the folder's name).
 * @returns The summary; `running` when the run span never ended, and then only the task instances
 *   whose spans were written (an instance still running shows as `running` from its attempts).
 *
 * @example An empty run
 * ```ts
 * import { summaryFromSpans } from "./rebuild.ts";
 * const summary = summaryFromSpans([], "r1");
 * console.assert(summary.status === "running" && summary.tasks.length === 0);
 * ```
 */
export function summaryFromSpans(spans: FlatSpan[], fallbackRunId: string): RunSummary {
  const resource = spans[0]?.resource ?? {};
  const runSpan = spans.find((s) => s.parentSpanId === undefined && A.runId in s.attributes);
  const runAttrs = runSpan?.attributes ?? resource;
  const taskSpans = spans.filter((s) => A.taskId in s.attributes && !(A.attempt in s.attributes));
  const attemptSpans = spans.filter((s) => A.attempt in s.attributes);

  const attemptsByTask = new Map<string, FlatSpan[]>();
  for (const s of attemptSpans) {
    const id = str(s.attributes[A.taskId]);
    if (id === undefined) continue;
    attemptsByTask.set(id, [...(attemptsByTask.get(id) ?? []), s]);
  }

  const tasks: TaskRecord[] = [];
  const seen = new Set<string>();
  const ordered = [...taskSpans].sort((a, b) => a.start.getTime() - b.start.getTime());
  for (const s of ordered) {
    const id = str(s.attributes[A.taskId]) ?? s.name;
    seen.add(id);
    const status = TaskStatusSchema.safeParse(s.attributes[A.taskStatus]);
    const needs = s.attributes[A.taskNeeds];
    tasks.push(taskRecord(id, attemptsByTask.get(id) ?? [], {
      task: str(s.attributes[A.taskName]) ?? id,
      slug: str(s.attributes[A.taskSlug]) ?? id,
      notebook: str(s.attributes[A.taskNotebook]) ?? "",
      needs: Array.isArray(needs) ? needs.filter((n): n is string => typeof n === "string") : [],
      matrix: jsonObject(s.attributes[A.taskMatrix]),
      parameters: jsonObject(s.attributes[A.taskParameters]),
      status: status.success ? status.data : "running",
      reason: str(s.attributes[A.taskReason]),
      timeoutSeconds: num(s.attributes[A.taskTimeout]),
      start: s.start,
      end: s.end,
    }));
  }
  // Attempts of an instance whose own span never ended: it was running when the run stopped.
  for (const [id, attempts] of attemptsByTask) {
    if (seen.has(id)) continue;
    const first = attempts.map((a) => a.start).sort((a, b) => a.getTime() - b.getTime())[0];
    const slug = str(attempts[0]?.attributes[A.attemptNotebook])?.match(/^tasks\/([^/]+)\//)?.[1];
    tasks.push(taskRecord(id, attempts, {
      task: id.replace(/\[.*$/, ""),
      slug: slug ?? id,
      notebook: "",
      needs: [],
      matrix: {},
      parameters: {},
      status: "running",
      reason: undefined,
      timeoutSeconds: undefined,
      start: first,
      end: undefined,
    }));
  }

  const resourceStart = str(resource[A.runStartedAt]);
  const startedAt = runSpan?.start ??
    (resourceStart === undefined ? undefined : new Date(resourceStart)) ??
    spans.map((s) => s.start).sort((a, b) => a.getTime() - b.getTime())[0] ?? new Date(0);
  const trigger = TriggerSchema.safeParse(runAttrs[A.runTrigger]);
  const statusAttr = runSpan === undefined ? "running" : runSpan.attributes[A.runStatus];
  const file = str(runAttrs[A.pipelineFile]);
  const ci = ciFromResource(runAttrs);
  const summary: RunSummary = {
    formatVersion: RUN_FORMAT_VERSION,
    runId: str(runAttrs[A.runId]) ?? fallbackRunId,
    pipeline: { name: str(runAttrs[A.pipelineName]) ?? "", ...(file ? { file } : {}) },
    status: statusAttr === "succeeded" || statusAttr === "failed" || statusAttr === "cancelled"
      ? statusAttr
      : "running",
    trigger: trigger.success ? trigger.data : "local",
    startedAt: startedAt.toISOString(),
    parameters: jsonObject(runSpan?.attributes[A.runParameters] ?? resource[A.runParameters]),
    tasks,
  };
  if (spans[0] !== undefined) summary.traceId = spans[0].traceId;
  if (runSpan !== undefined) {
    summary.endedAt = runSpan.end.toISOString();
    summary.durationSeconds = seconds(runSpan.start, runSpan.end);
  }
  if (ci !== undefined) summary.ci = ci;
  return RunSummarySchema.parse(summary);
}

interface TaskFields {
  task: string;
  slug: string;
  notebook: string;
  needs: string[];
  matrix: Record<string, JsonValue>;
  parameters: Record<string, JsonValue>;
  status: TaskRecord["status"];
  reason: string | undefined;
  timeoutSeconds: number | undefined;
  start: Date | undefined;
  end: Date | undefined;
}

function taskRecord(id: string, attemptSpans: FlatSpan[], f: TaskFields): TaskRecord {
  const sorted = [...attemptSpans].sort((a, b) =>
    (num(a.attributes[A.attempt]) ?? 0) - (num(b.attributes[A.attempt]) ?? 0)
  );
  const last = sorted.at(-1);
  const record: TaskRecord = {
    id,
    task: f.task,
    slug: f.slug,
    matrix: f.matrix,
    parameters: f.parameters,
    needs: f.needs,
    notebook: f.notebook,
    status: f.status,
    attempts: sorted.map(attemptFromSpan),
    ...foldValueLines(last === undefined ? [] : eventsToLines(last)),
  };
  if (f.reason !== undefined) record.reason = f.reason;
  if (f.timeoutSeconds !== undefined && f.timeoutSeconds > 0) {
    record.timeoutSeconds = f.timeoutSeconds;
  }
  if (f.start !== undefined) record.startedAt = f.start.toISOString();
  if (f.start !== undefined && f.end !== undefined) {
    record.endedAt = f.end.toISOString();
    record.durationSeconds = seconds(f.start, f.end);
  }
  return record;
}

/**
 * Rebuilds the summary of a run from its spans.
 *
 * @param folder The run folder.
 * @returns A summary whose status is `running` for an interrupted run.
 * @throws {UserError} When there are no spans to rebuild from, or a line is not OTLP/JSON.
 *
 * @example Reading an interrupted run
 * ```ts ignore
 * import { rebuildSummaryFromSpans } from "./rebuild.ts";
 * const summary = await rebuildSummaryFromSpans("runs/2026-11-27T04-05-06Z-ab12");
 * console.log(summary.status); // "running"
 * ```
 */
export async function rebuildSummaryFromSpans(folder: string): Promise<RunSummary> {
  const file = join(folder, "spans.jsonl");
  let read;
  try {
    read = await readSpansFile(file);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new UserError(
        `Cannot read run folder '${folder}': it has neither run.json nor spans.jsonl`,
        { cause: err },
      );
    }
    throw new UserError(`Cannot read '${file}': ${String(err)}`, { cause: err });
  }
  if (read.problems.length > 0) {
    throw new UserError(
      `Cannot read '${file}': ${read.problems.length} line(s) are not OTLP/JSON spans ` +
        `(${read.problems[0]})`,
    );
  }
  const name = folder.replace(/\/+$/, "").split("/").at(-1) ?? folder;
  return summaryFromSpans(read.spans, name);
}
