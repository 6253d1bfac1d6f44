/**
 * Reads `spans.jsonl` back: each line an OTLP/JSON `ExportTraceServiceRequest`, validated with
 * zod and flattened into plain spans with decoded attributes.
 *
 * @module
 */
import { z } from "../../../deps.ts";

/** An attribute value decoded from OTLP's `AnyValue`. */
export type AttrValue =
  | string
  | number
  | boolean
  | null
  | AttrValue[]
  | { [key: string]: AttrValue };

const AnyValueSchema: z.ZodType<OtlpAnyValue> = z.lazy(() =>
  z.object({
    stringValue: z.string().optional(),
    boolValue: z.boolean().optional(),
    intValue: z.union([z.string(), z.number()]).optional(),
    doubleValue: z.union([z.number(), z.string()]).optional(),
    bytesValue: z.string().optional(),
    arrayValue: z.object({ values: z.array(AnyValueSchema).optional() }).optional(),
    kvlistValue: z.object({ values: z.array(KeyValueSchema).optional() }).optional(),
  })
);
interface OtlpAnyValue {
  stringValue?: string | undefined;
  boolValue?: boolean | undefined;
  intValue?: string | number | undefined;
  doubleValue?: number | string | undefined;
  bytesValue?: string | undefined;
  arrayValue?: { values?: OtlpAnyValue[] | undefined } | undefined;
  kvlistValue?: { values?: OtlpKeyValue[] | undefined } | undefined;
}
interface OtlpKeyValue {
  key: string;
  value?: OtlpAnyValue | undefined;
}
const KeyValueSchema: z.ZodType<OtlpKeyValue> = z.object({
  key: z.string(),
  value: AnyValueSchema.optional(),
});

const HEX_TRACE = /^[0-9a-f]{32}$/;
const HEX_SPAN = /^[0-9a-f]{16}$/;
const Nanos = z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]);

const SpanSchema = z.object({
  traceId: z.string().regex(HEX_TRACE),
  spanId: z.string().regex(HEX_SPAN),
  parentSpanId: z.string().regex(HEX_SPAN).or(z.literal("")).optional(),
  name: z.string(),
  startTimeUnixNano: Nanos,
  endTimeUnixNano: Nanos,
  attributes: z.array(KeyValueSchema).optional(),
  events: z.array(z.object({
    name: z.string(),
    timeUnixNano: Nanos,
    attributes: z.array(KeyValueSchema).optional(),
  })).optional(),
  links: z.array(z.object({
    traceId: z.string().regex(HEX_TRACE),
    spanId: z.string().regex(HEX_SPAN),
  })).optional(),
  status: z.object({ code: z.number().int().optional(), message: z.string().optional() })
    .optional(),
});

/** One line of `spans.jsonl`: the parts of an OTLP/JSON `ExportTraceServiceRequest` read back. */
const ExportTraceServiceRequestSchema = z.object({
  resourceSpans: z.array(z.object({
    resource: z.object({ attributes: z.array(KeyValueSchema).optional() }).optional(),
    scopeSpans: z.array(z.object({ spans: z.array(SpanSchema).optional() })).optional(),
  })),
});

/** A span event, decoded. */
export interface FlatEvent {
  /** Event name (`pynb.value`, `exception`, ...). */
  name: string;
  /** When it happened. */
  time: Date;
  /** Decoded attributes. */
  attributes: Record<string, AttrValue>;
}

/** A span read back from `spans.jsonl`, with decoded attributes. */
export interface FlatSpan {
  /** 32 hex digits. */
  traceId: string;
  /** 16 hex digits. */
  spanId: string;
  /** Absent for a root span. */
  parentSpanId?: string;
  /** Span name (`run <pipeline>`, `plan <pipeline>`, `task <id>`, `attempt <id> #<n>`). */
  name: string;
  /** Start time (millisecond precision). */
  start: Date;
  /** End time (millisecond precision). */
  end: Date;
  /** Decoded attributes. */
  attributes: Record<string, AttrValue>;
  /** Events in order. */
  events: FlatEvent[];
  /** Linked spans (a task's upstream instances). */
  links: { traceId: string; spanId: string }[];
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  statusCode: number;
  /** Status message, for an error. */
  statusMessage?: string;
  /** Attributes of the resource that emitted the span. */
  resource: Record<string, AttrValue>;
}

/** The spans of a file and the lines that could not be read. */
export interface SpansFile {
  /** The spans, in file order. */
  spans: FlatSpan[];
  /** Lines that are not valid OTLP/JSON, as `line N: why` (a cut last line is not counted). */
  problems: string[];
}

/**
 * An attribute's value when it is a string.
 *
 * @param v The attribute value.
 * @returns The string, or undefined.
 *
 * @example Strings only
 * ```ts
 * import { attrString } from "./otlp_read.ts";
 * console.assert(attrString("a") === "a" && attrString(1) === undefined);
 * ```
 */
export function attrString(v: AttrValue | undefined): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/**
 * An attribute's value when it is a finite number.
 *
 * @param v The attribute value.
 * @returns The number, or undefined.
 *
 * @example Numbers only
 * ```ts
 * import { attrNumber } from "./otlp_read.ts";
 * console.assert(attrNumber(2) === 2 && attrNumber("2") === undefined);
 * ```
 */
export function attrNumber(v: AttrValue | undefined): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

function decodeValue(v: OtlpAnyValue | undefined): AttrValue {
  if (v === undefined) return null;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return Number(v.doubleValue);
  if (v.bytesValue !== undefined) return v.bytesValue;
  if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map(decodeValue);
  if (v.kvlistValue !== undefined) return decodeAttributes(v.kvlistValue.values);
  return null;
}

function decodeAttributes(list: OtlpKeyValue[] | undefined): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const kv of list ?? []) out[kv.key] = decodeValue(kv.value);
  return out;
}

/** A time of a span; out of what a `Date` holds (or not an integer) is a bad line. */
function nanosToDate(n: string | number): Date {
  let date: Date;
  try {
    date = new Date(Number(BigInt(n) / 1_000_000n));
  } catch {
    throw new RangeError(`the time ${JSON.stringify(String(n).slice(0, 40))} is not an integer`);
  }
  if (Number.isNaN(date.getTime())) {
    throw new RangeError(`the time ${JSON.stringify(String(n).slice(0, 40))} is out of range`);
  }
  return date;
}

/**
 * Parses the text of a `spans.jsonl` file.
 *
 * @param text The file's text.
 * @returns The spans in file order and the lines that could not be read. A last line without
 *   its newline that does not parse is a write cut short by a crash and is ignored.
 *
 * @example Reading spans
 * ```ts
 * import { parseSpansJsonl } from "./otlp_read.ts";
 * const { spans, problems } = parseSpansJsonl("not json\n");
 * console.assert(spans.length === 0 && problems.length === 1);
 * ```
 */
export function parseSpansJsonl(text: string): SpansFile {
  const spans: FlatSpan[] = [];
  const problems: string[] = [];
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    const isCutLast = i === lines.length - 1;
    let data: unknown;
    try {
      data = JSON.parse(line);
    } catch (err) {
      if (!isCutLast) problems.push(`line ${i + 1}: not JSON (${(err as Error).message})`);
      return;
    }
    const count = rawSpanCount(data);
    if (count > MAX_SPANS_PER_LINE) {
      problems.push(`line ${i + 1}: it holds ${count} spans, more than ${MAX_SPANS_PER_LINE}`);
      return;
    }
    const parsed = ExportTraceServiceRequestSchema.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      problems.push(`line ${i + 1}: ${issue?.path.join(".")}: ${issue?.message}`);
      return;
    }
    try {
      const found = lineSpans(parsed.data);
      for (const span of found) spans.push(span);
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      problems.push(`line ${i + 1}: ${err.message}`);
    }
  });
  return { spans, problems };
}

/**
 * Most spans one line may hold. The runner writes one span a line (the OpenTelemetry exporter a
 * batch of a few); a line of thousands is not a run's record, and reading it would cost time
 * that grows with its square downstream.
 */
export const MAX_SPANS_PER_LINE = 1000;

/** How many spans a line of JSON holds, counted before it is validated (which costs more). */
function rawSpanCount(data: unknown): number {
  let n = 0;
  const list = (v: unknown): unknown[] => Array.isArray(v) ? v : [];
  for (const rs of list((data as { resourceSpans?: unknown })?.resourceSpans)) {
    for (const ss of list((rs as { scopeSpans?: unknown })?.scopeSpans)) {
      n += list((ss as { spans?: unknown })?.spans).length;
    }
  }
  return n;
}

/** The spans of one parsed line. */
function lineSpans(data: z.infer<typeof ExportTraceServiceRequestSchema>): FlatSpan[] {
  const spans: FlatSpan[] = [];
  {
    for (const rs of data.resourceSpans) {
      const resource = decodeAttributes(rs.resource?.attributes);
      for (const ss of rs.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) {
          const span: FlatSpan = {
            traceId: s.traceId,
            spanId: s.spanId,
            name: s.name,
            start: nanosToDate(s.startTimeUnixNano),
            end: nanosToDate(s.endTimeUnixNano),
            attributes: decodeAttributes(s.attributes),
            events: (s.events ?? []).map((e) => ({
              name: e.name,
              time: nanosToDate(e.timeUnixNano),
              attributes: decodeAttributes(e.attributes),
            })),
            links: (s.links ?? []).map((l) => ({ traceId: l.traceId, spanId: l.spanId })),
            statusCode: s.status?.code ?? 0,
            resource,
          };
          if (s.parentSpanId) span.parentSpanId = s.parentSpanId;
          if (s.status?.message) span.statusMessage = s.status.message;
          spans.push(span);
        }
      }
    }
  }
  return spans;
}

/**
 * Reads and parses a `spans.jsonl` file.
 *
 * @param file The file.
 * @returns Its spans and unreadable lines.
 * @throws {Deno.errors.NotFound} When the file does not exist.
 *
 * @example Reading a run's spans
 * ```ts ignore
 * import { readSpansFile } from "./otlp_read.ts";
 * const { spans } = await readSpansFile("runs/2026-11-27T04-05-06Z-ab12/spans.jsonl");
 * ```
 */
export async function readSpansFile(file: string): Promise<SpansFile> {
  return parseSpansJsonl(await Deno.readTextFile(file));
}
