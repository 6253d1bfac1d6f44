/**
 * Rebuilds a run summary from `spans.jsonl` for a run that has no `run.json` (interrupted, or
 * still running).
 *
 * @module
 */
import { UserError } from "../../errors.ts";
import type { JsonValue } from "../../_base/json.ts";
import { attrNumber, attrString, type AttrValue, type FlatSpan } from "./otlp_read.ts";
import { parseSpansJsonl } from "./otlp_read.ts";
import { attemptsByTaskId } from "./_attempt_spans.ts";
import { z } from "../../../deps.ts";
import {
  type AttemptRecord,
  AttemptStatusSchema,
  type CiContext,
  CiContextSchema,
  RUN_FORMAT_VERSION,
  type RunSummary,
  RunSummarySchema,
  type TaskRecord,
  TaskStatusSchema,
  TriggerSchema,
} from "../schema.ts";
import { type PlanSpanInstance, PlanSpanInstanceSchema, SPAN } from "./span_schema.ts";
import { foldValueLines, valueLinesOfSpan } from "../values.ts";
import { addAttemptFolders } from "../attempt_folders.ts";
import { RUN_LAYOUT, runPath, slugOfRunPath } from "../layout.ts";
import { type AttemptFolder, RunFiles } from "../run_files.ts";

const A = SPAN.attr;

const str = attrString;
const num = attrNumber;
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

/** Options of {@linkcode summaryFromSpans}. */
export interface SummaryFromSpansOptions {
  /**
   * The attempt folders of the run folder: those no attempt span lists make their instance
   * `running`, with a `running` attempt.
   * @default []
   */
  attemptFolders?: AttemptFolder[];
}

function planFromSpan(span: FlatSpan | undefined): PlanSpanInstance[] {
  const text = str(span?.attributes[A.planInstances]);
  if (text === undefined) return [];
  try {
    const parsed = z.array(PlanSpanInstanceSchema).safeParse(JSON.parse(text));
    if (!parsed.success) return [];
    // A part of a run lists the whole plan but runs only its own instances.
    const part = span?.attributes[A.planPart];
    if (!Array.isArray(part)) return parsed.data;
    return parsed.data.filter((p) => part.includes(p.id));
  } catch {
    return [];
  }
}

/**
 * Builds a run summary from the spans of one run. Pure: the data of {@linkcode rebuildSummaryFromSpans}.
 *
 * @param spans The spans, in any order.
 * @param fallbackRunId The run id to use when no span names one (the folder's name).
 * @param options The run folder's attempt folders.
 * @returns The summary; `running` when the run span never ended. With a `plan` span (every run
 *   since it was added), it lists every planned instance in plan order: those whose span never
 *   ended are `running` when an attempt of theirs is known, else `pending`. Without one, only
 *   the instances whose spans were written.
 *
 * @example An empty run
 * ```ts
 * import { summaryFromSpans } from "./rebuild.ts";
 * const summary = summaryFromSpans([], "r1");
 * console.assert(summary.status === "running" && summary.tasks.length === 0);
 * ```
 */
export function summaryFromSpans(
  spans: FlatSpan[],
  fallbackRunId: string,
  options: SummaryFromSpansOptions = {},
): RunSummary {
  const planSpan = spans.find((s) => A.planInstances in s.attributes);
  const planned = planFromSpan(planSpan);
  const plannedById = new Map(planned.map((p) => [p.id, p]));
  // Every line carries the run's resource; the plan's line is the first one written.
  const resource = planSpan?.resource ?? spans[0]?.resource ?? {};
  const runSpan = spans.find((s) => s.parentSpanId === undefined && A.runId in s.attributes);
  const taskSpans = spans.filter((s) => A.taskId in s.attributes && !(A.attempt in s.attributes));
  const attemptsByTask = attemptsByTaskId(spans);

  const records = new Map<string, TaskRecord>();
  const ordered = [...taskSpans].sort((a, b) => a.start.getTime() - b.start.getTime());
  for (const s of ordered) {
    const id = str(s.attributes[A.taskId]) ?? s.name;
    const status = TaskStatusSchema.safeParse(s.attributes[A.taskStatus]);
    const needs = s.attributes[A.taskNeeds];
    records.set(
      id,
      taskRecord(id, attemptsByTask.get(id) ?? [], {
        task: str(s.attributes[A.taskName]) ?? id,
        slug: str(s.attributes[A.taskSlug]) ?? id,
        notebook: str(s.attributes[A.taskNotebook]) ?? "",
        needs: Array.isArray(needs) ? needs.filter((n): n is string => typeof n === "string") : [],
        matrix: jsonObject(s.attributes[A.taskMatrix]),
        parameters: jsonObject(s.attributes[A.taskParameters]),
        status: status.success ? status.data : "running",
        reason: str(s.attributes[A.taskReason]),
        timeoutSeconds: num(s.attributes[A.taskTimeout]),
        cacheKey: str(s.attributes[A.taskCacheKey]),
        cachedFrom: str(s.attributes[A.taskCachedFrom]),
        start: s.start,
        end: s.end,
      }),
    );
  }
  // Attempts of an instance whose own span never ended: it was running when the run stopped.
  for (const [id, attempts] of attemptsByTask) {
    if (records.has(id)) continue;
    const first = attempts.map((a) => a.start).sort((a, b) => a.getTime() - b.getTime())[0];
    const slug = slugOfRunPath(str(attempts[0]?.attributes[A.attemptNotebook]) ?? "");
    const plan = plannedById.get(id);
    records.set(
      id,
      taskRecord(id, attempts, {
        ...(plan === undefined ? unplanned(id, slug ?? id) : fromPlan(plan)),
        status: "running",
        start: first,
      }),
    );
  }
  // Planned instances without a span: not started yet, unless an attempt folder says otherwise.
  for (const plan of planned) {
    if (records.has(plan.id)) continue;
    records.set(plan.id, taskRecord(plan.id, [], { ...fromPlan(plan), status: "pending" }));
  }
  addAttemptFolders(records, options.attemptFolders ?? []);
  // Plan order (topological, as run.json has it), then any instance the plan does not list.
  const tasks = [
    ...planned.flatMap((p) => records.get(p.id) ?? []),
    ...[...records.values()].filter((r) => !plannedById.has(r.id)),
  ];

  const parsed = RunSummarySchema.safeParse(
    runFromSpans(spans, { runSpan, resource, fallbackRunId, tasks }),
  );
  if (parsed.success) return parsed.data;
  // Spans from outside (a part, an old run) can hold values no run holds: said, not a bug.
  const issue = parsed.error.issues[0];
  const where = `${issue?.path.join(".")}: ${issue?.message}`;
  throw new UserError(`Cannot rebuild run '${fallbackRunId}' from its spans: ${where}`);
}

/** The run-level fields of a rebuilt summary: from the run span, else the resource. */
function runFromSpans(
  spans: FlatSpan[],
  r: {
    runSpan: FlatSpan | undefined;
    resource: Record<string, AttrValue>;
    fallbackRunId: string;
    tasks: TaskRecord[];
  },
): RunSummary {
  const { runSpan, resource } = r;
  const runAttrs = runSpan?.attributes ?? resource;
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
    runId: str(runAttrs[A.runId]) ?? r.fallbackRunId,
    pipeline: { name: str(runAttrs[A.pipelineName]) ?? "", ...(file ? { file } : {}) },
    status: statusAttr === "succeeded" || statusAttr === "failed" || statusAttr === "cancelled"
      ? statusAttr
      : "running",
    trigger: trigger.success ? trigger.data : "local",
    startedAt: startedAt.toISOString(),
    parameters: jsonObject(runSpan?.attributes[A.runParameters] ?? resource[A.runParameters]),
    tasks: r.tasks,
  };
  if (spans[0] !== undefined) summary.traceId = spans[0].traceId;
  if (runSpan !== undefined) {
    summary.endedAt = runSpan.end.toISOString();
    summary.durationSeconds = seconds(runSpan.start, runSpan.end);
  }
  if (ci !== undefined) summary.ci = ci;
  return summary;
}

type Described = Omit<TaskFields, "status" | "start" | "end">;

function fromPlan(plan: PlanSpanInstance): Described {
  return {
    task: plan.task,
    slug: plan.slug,
    notebook: plan.notebook,
    needs: plan.needs,
    matrix: plan.matrix,
    parameters: plan.parameters,
    reason: undefined,
    timeoutSeconds: plan.timeoutSeconds,
  };
}

function unplanned(id: string, slug: string): Described {
  return {
    task: id.replace(/\[.*$/, ""),
    slug,
    notebook: "",
    needs: [],
    matrix: {},
    parameters: {},
    reason: undefined,
    timeoutSeconds: undefined,
  };
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
  cacheKey?: string | undefined;
  cachedFrom?: string | undefined;
  start?: Date | undefined;
  end?: Date | undefined;
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
    ...foldValueLines(last === undefined ? [] : valueLinesOfSpan(last)),
  };
  if (f.reason !== undefined) record.reason = f.reason;
  if (f.cacheKey !== undefined) record.cacheKey = f.cacheKey;
  if (f.cachedFrom !== undefined) {
    record.cached = true;
    record.cachedFrom = f.cachedFrom;
  }
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

/** Options of {@linkcode rebuildSummaryFromSpans}. */
export interface RebuildOptions {
  /**
   * The run folder's files, read through (and collecting warnings about refused files).
   * @default new RunFiles(folder)
   */
  files?: RunFiles;
  /**
   * The attempt folders on disk, when already listed.
   * @default files.attemptFolders()
   */
  attemptFolders?: AttemptFolder[];
}

/**
 * Rebuilds the summary of a run from its spans.
 *
 * @param folder The run folder.
 * @param options Its files, when the caller reads them too.
 * @returns A summary whose status is `running` for an interrupted run; an attempt folder that no
 *   span lists is a `running` attempt of its instance.
 * @throws {UserError} When there are no spans to rebuild from, or a line is not OTLP/JSON.
 *
 * @example Reading an interrupted run
 * ```ts ignore
 * import { rebuildSummaryFromSpans } from "./rebuild.ts";
 * const summary = await rebuildSummaryFromSpans("runs/2026-11-27T04-05-06Z-ab12");
 * console.log(summary.status); // "running"
 * ```
 */
export async function rebuildSummaryFromSpans(
  folder: string,
  options: RebuildOptions = {},
): Promise<RunSummary> {
  const files = options.files ?? new RunFiles(folder);
  const file = runPath(folder, RUN_LAYOUT.spans);
  const checked = files.check(RUN_LAYOUT.spans);
  if ("missing" in checked) {
    throw new UserError(
      checked.absent
        ? `Cannot read run folder '${folder}': it has neither run.json nor spans.jsonl`
        : `Cannot read '${file}': ${checked.missing}`,
    );
  }
  let read;
  try {
    read = parseSpansJsonl(await Deno.readTextFile(checked.path));
  } catch (err) {
    throw new UserError(`Cannot read '${file}': ${String(err)}`, { cause: err });
  }
  if (read.problems.length > 0) {
    throw new UserError(
      `Cannot read '${file}': ${read.problems.length} line(s) are not OTLP/JSON spans ` +
        `(${read.problems[0]})`,
    );
  }
  const name = folder.replace(/\/+$/, "").split("/").at(-1) ?? folder;
  return summaryFromSpans(read.spans, name, {
    attemptFolders: options.attemptFolders ?? files.attemptFolders(),
  });
}
