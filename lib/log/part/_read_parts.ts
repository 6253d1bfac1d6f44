/**
 * The parts of a run read back for merging: raw OTLP/JSON spans kept as written (so merging
 * moves them without encoding them again), the plan, and the choice of one record per instance.
 *
 * @module
 */
import { basename } from "node:path";
import type { SpanContext } from "../../../deps/otel.ts";
import { UserError } from "../../errors.ts";
import { type FlatSpan, parseSpansJsonl } from "../spans/otlp_read.ts";
import { summaryFromSpans } from "../spans/rebuild.ts";
import { readFileInside, UnsafeEntryError } from "../../_base/safe_tree.ts";
import { RUN_LAYOUT } from "../layout.ts";
import { RUN_ID_PATTERN } from "../run_id.ts";
import type { RunSummary, TaskStatus } from "../schema.ts";
import { type PlanSpanInstance, PlanSpanInstanceSchema, SPAN } from "../spans/span_schema.ts";

const A = SPAN.attr;

/**
 * Parts that cannot be merged: not run folders, or parts of different runs or pipelines.
 *
 * @example The message
 * ```ts
 * import { MergeError } from "./merge.ts";
 * const err = new MergeError(["a", "b"], "they are parts of different runs");
 * console.assert(err.message.startsWith("Cannot merge 'a', 'b': they are parts"));
 * ```
 */
export class MergeError extends UserError {
  /** The part folders concerned. */
  folders: string[];
  /**
   * @param folders The part folders concerned.
   * @param why What is wrong and how to fix it.
   * @param options The underlying cause.
   */
  constructor(folders: string[], why: string, options?: ErrorOptions) {
    super(`Cannot merge ${folders.map((f) => `'${f}'`).join(", ")}: ${why}`, options);
    this.name = "MergeError";
    this.folders = folders;
  }
}

/** One raw OTLP/JSON span with the resource and scope of the line it came from. */
export interface RawSpan {
  flat: FlatSpan;
  json: Record<string, unknown>;
  resource: unknown;
  scope: unknown;
}

/** A part read back. */
export interface Part {
  folder: string;
  summary: RunSummary;
  plan: PlanSpanInstance[];
  spans: RawSpan[];
  end: Date;
  /** What looked wrong in it but did not stop the merge, naming the instance or span. */
  warnings: string[];
}

/** The record of one instance chosen from the parts. */
export interface Chosen {
  part: Part;
  task: RawSpan;
  attempts: RawSpan[];
  status: TaskStatus;
}

/**
 * Reads one part folder: its raw spans, summary and plan.
 *
 * @param folder The part (a run folder).
 * @returns The part.
 * @throws {MergeError} When it is not a run folder or its spans cannot be read.
 *
 * @example Reading a part
 * ```ts ignore
 * const part = await readPart("parts/ingest/r1");
 * console.log(part.summary.runId, part.plan.length);
 * ```
 */
export async function readPart(folder: string): Promise<Part> {
  let text: string;
  try {
    const bytes = await readFileInside(folder, RUN_LAYOUT.spans);
    if (bytes === undefined) throw new Deno.errors.NotFound(RUN_LAYOUT.spans);
    text = new TextDecoder().decode(bytes);
  } catch (err) {
    const why = err instanceof UnsafeEntryError
      ? `it is not read: ${err.rel === "" ? "the folder" : err.rel} is refused (${err.why})`
      : "it is not a run folder (no readable spans.jsonl)";
    throw new MergeError([folder], why, { cause: err });
  }
  const spans: RawSpan[] = [];
  const all = text.split("\n");
  for (const [i, line] of all.entries()) {
    if (line.trim() === "") continue;
    const parsed = parseSpansJsonl(`${line}\n`);
    if (parsed.problems.length > 0) {
      if (i === all.length - 1) continue; // a last line cut short by a crash
      throw new MergeError([folder], `line ${i + 1} of spans.jsonl is not OTLP/JSON`);
    }
    for (const span of rawSpans(JSON.parse(line), parsed.spans)) spans.push(span);
  }
  const warnings = duplicateSpans(folder, spans);
  let summary: RunSummary;
  try {
    summary = summaryFromSpans(spans.map((s) => s.flat), basename(folder));
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    throw new MergeError([folder], err.message, { cause: err });
  }
  if (!RUN_ID_PATTERN.test(summary.runId)) {
    // The run id names the merged folder: one that is not a plain name could lead outside --out.
    throw new MergeError([folder], `its run id ${JSON.stringify(summary.runId)} is not a run id`);
  }
  const planSpan = spans.find((s) => A.planInstances in s.flat.attributes);
  let plan: PlanSpanInstance[] = [];
  try {
    plan = PlanSpanInstanceSchema.array().parse(
      JSON.parse(String(planSpan?.flat.attributes[A.planInstances] ?? "[]")),
    );
  } catch (err) {
    throw new MergeError([folder], "its plan span does not list the plan", { cause: err });
  }
  const end = new Date(spans.reduce((m, s) => Math.max(m, s.flat.end.getTime()), 0));
  return { folder, summary, plan, spans, end, warnings };
}

/** Span ids that appear more than once in a part: a copy or a forgery, said, not merged twice. */
function duplicateSpans(folder: string, spans: RawSpan[]): string[] {
  const seen = new Map<string, number>();
  for (const s of spans) seen.set(s.flat.spanId, (seen.get(s.flat.spanId) ?? 0) + 1);
  const dup = [...seen].filter(([, n]) => n > 1);
  if (dup.length === 0) return [];
  const names = dup.slice(0, 3).map(([id, n]) => {
    const task = spans.find((s) => s.flat.spanId === id)?.flat.attributes[A.taskId];
    return `${id} (${n} times${task === undefined ? "" : `, instance '${task}'`})`;
  });
  return [
    `'${folder}' holds ${dup.length} span id(s) more than once: ${names.join(", ")}` +
    (dup.length > 3 ? ", ..." : "") + "; one record of each instance is merged",
  ];
}

/** Pairs the spans of one OTLP/JSON line with their raw JSON (same traversal order). */
function rawSpans(line: unknown, flat: FlatSpan[]): RawSpan[] {
  const out: RawSpan[] = [];
  const req = line as { resourceSpans: { resource?: unknown; scopeSpans?: unknown[] }[] };
  for (const rs of req.resourceSpans) {
    for (const ss of (rs.scopeSpans ?? []) as { scope?: unknown; spans?: unknown[] }[]) {
      for (const json of ss.spans ?? []) {
        const f = flat[out.length]!;
        out.push({
          flat: f,
          json: json as Record<string, unknown>,
          resource: rs.resource,
          scope: ss.scope,
        });
      }
    }
  }
  return out;
}

const RANK: Record<string, number> = {
  succeeded: 4,
  failed: 3,
  timeout: 3,
  cancelled: 2,
  skipped: 1,
};

/**
 * Per instance, the best record among the parts: one that ran beats one that did not
 * (succeeded, then failed or timed out, then cancelled, then skipped), then the later one.
 *
 * @param parts The parts.
 * @returns Instance id to its chosen task span, attempt spans and status.
 *
 * @example Choosing
 * ```ts ignore
 * const chosen = chooseRecords([await readPart("a/r1"), await readPart("b/r1")]);
 * ```
 */
export function chooseRecords(parts: Part[], warnings: string[] = []): Map<string, Chosen> {
  const chosen = new Map<string, Chosen>();
  const seen = new Map<string, Chosen[]>();
  for (const part of parts) {
    const attemptsOf = new Map<string, RawSpan[]>();
    for (const s of part.spans) {
      if (!(A.attempt in s.flat.attributes)) continue;
      const id = String(s.flat.attributes[A.taskId]);
      const list = attemptsOf.get(id);
      if (list === undefined) attemptsOf.set(id, [s]);
      else list.push(s);
    }
    for (const task of part.spans) {
      const attrs = task.flat.attributes;
      if (!(A.taskId in attrs) || A.attempt in attrs) continue;
      const id = String(attrs[A.taskId]);
      const status = String(attrs[A.taskStatus] ?? "cancelled") as TaskStatus;
      const attempts = [...(attemptsOf.get(id) ?? [])].sort((a, b) =>
        Number(a.flat.attributes[A.attempt]) - Number(b.flat.attributes[A.attempt])
      );
      const candidate: Chosen = { part, task, attempts, status };
      const others = seen.get(id);
      if (others === undefined) seen.set(id, [candidate]);
      else others.push(candidate);
      const best = chosen.get(id);
      if (best === undefined || better(candidate, best)) chosen.set(id, candidate);
    }
  }
  for (const [id, all] of seen) {
    const ran = all.filter((c) => c.attempts.length > 0);
    const results = new Set(ran.map(fingerprint));
    if (results.size > 1) {
      const c = chosen.get(id)!;
      warnings.push(
        `instance '${id}' has ${results.size} different results in the parts (` +
          ran.map((r) => `${r.status} in '${r.part.folder}'`).join(", ") +
          `): the ${c.status} one of '${c.part.folder}' is merged`,
      );
    }
  }
  return chosen;
}

/** What makes two records of an instance the same result: status, attempts, their ends. */
function fingerprint(c: Chosen): string {
  return JSON.stringify([
    c.status,
    c.attempts.map((
      a,
    ) => [a.flat.spanId, a.flat.end.getTime(), a.flat.attributes[A.attemptStatus]]),
  ]);
}

function better(a: Chosen, b: Chosen): boolean {
  const ra = RANK[a.status] ?? 0, rb = RANK[b.status] ?? 0;
  if (ra !== rb) return ra > rb;
  const ea = a.task.flat.end.getTime(), eb = b.task.flat.end.getTime();
  if (ea !== eb) return ea > eb;
  return `${a.task.flat.spanId} ${a.part.folder}` < `${b.task.flat.spanId} ${b.part.folder}`;
}

/**
 * One OTLP/JSON line holding the span, moved into the merged trace under a new parent, its links
 * replaced by the given ones (the raw link kept where it names the same span).
 *
 * @param raw The span as read.
 * @param traceId The merged trace.
 * @param parent The new parent span id.
 * @param links The links it gets.
 * @returns The line, without its newline.
 *
 * @example Moving a task span under the run span
 * ```ts ignore
 * const line = reparent(task, derivedTraceId("r1"), runSpanId, []);
 * ```
 */
export function reparent(
  raw: RawSpan,
  traceId: string,
  parent: string,
  links: SpanContext[],
): string {
  const json: Record<string, unknown> = { ...raw.json, traceId, parentSpanId: parent };
  const before = Array.isArray(raw.json.links) ? raw.json.links as Record<string, unknown>[] : [];
  json.links = links.map((l) => {
    const same = before.find((b) => b.spanId === l.spanId);
    return same !== undefined ? { ...same, traceId: l.traceId } : {
      attributes: [],
      spanId: l.spanId,
      traceId: l.traceId,
      droppedAttributesCount: 0,
      flags: 257,
    };
  });
  const scopeSpans = [{ ...(raw.scope === undefined ? {} : { scope: raw.scope }), spans: [json] }];
  return JSON.stringify({
    resourceSpans: [{
      ...(raw.resource === undefined ? {} : { resource: raw.resource }),
      scopeSpans,
    }],
  });
}
