import { join } from "node:path";
import { otlpProtoRoot } from "../../../deps_test.ts";
import { assertEquals, assertOk } from "../../../tests/_deps.ts";
import { tempDir } from "../../../tests/_helpers.ts";
import type { PlannedInstance } from "../../plan/types.ts";
import { parseSpansJsonl } from "./otlp_read.ts";
import { SPAN } from "./span_schema.ts";
import { SpanLog } from "./spans.ts";

interface ProtoMessageType {
  verify(obj: Record<string, unknown>): string | null;
  fromObject(obj: Record<string, unknown>): unknown;
  encode(msg: unknown): { finish(): Uint8Array };
  decode(bytes: Uint8Array): unknown;
  toObject(msg: unknown, options: Record<string, unknown>): Record<string, unknown>;
}
// deno-lint-ignore no-explicit-any
const proto = (otlpProtoRoot as any).opentelemetry.proto;
const Request: ProtoMessageType = proto.collector.trace.v1.ExportTraceServiceRequest;

const ID_KEYS = new Set(["traceId", "spanId", "parentSpanId"]);
const NANO_KEYS = new Set(["startTimeUnixNano", "endTimeUnixNano", "timeUnixNano"]);

/** Decimal int64 text (OTLP/JSON) as the `{ low, high }` protobufjs takes for 64-bit fields. */
function nanosToLongs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(nanosToLongs);
  if (value === null || typeof value !== "object" || value instanceof Uint8Array) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => {
      if (!NANO_KEYS.has(k) || typeof v !== "string") return [k, nanosToLongs(v)];
      const big = BigInt(v);
      return [k, {
        low: Number(BigInt.asIntN(32, big)),
        high: Number(BigInt.asIntN(32, big >> 32n)),
        unsigned: false,
      }];
    }),
  );
}

/** OTLP/JSON writes ids as hex where protobuf's JSON mapping has base64: map between the two. */
function mapIds(value: unknown, f: (s: unknown) => unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => mapIds(v, f));
  if (value === null || typeof value !== "object" || value instanceof Uint8Array) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k,
      ID_KEYS.has(k) ? f(v) : mapIds(v, f),
    ]),
  );
}
const hexToBytes = (s: unknown) =>
  Uint8Array.from(String(s).match(/../g) ?? [], (h) => parseInt(h, 16));
const bytesToHex = (b: unknown) =>
  Array.from(b as number[], (x) => x.toString(16).padStart(2, "0")).join("");

/** Drops empty lists and writes int64 as text: both are equal encodings in the JSON mapping. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => !(Array.isArray(v) && v.length === 0))
      .map(([k, v]) => [k, k === "intValue" ? String(v) : canonical(v)]),
  );
}

/** Verifies an OTLP/JSON request, encodes it to protobuf and decodes it back to OTLP/JSON. */
function throughProtobuf(json: Record<string, unknown>) {
  const withBytes = nanosToLongs(mapIds(json, hexToBytes)) as Record<string, unknown>;
  const verified = Request.verify(withBytes);
  const bytes = Request.encode(Request.fromObject(withBytes)).finish();
  const back = Request.toObject(Request.decode(bytes), {
    longs: String,
    enums: Number,
    bytes: Array,
    arrays: true,
  });
  return { verified, back: canonical(mapIds(back, bytesToHex)) };
}

const instance = (id: string, needs: string[] = []): PlannedInstance => ({
  id,
  task: id.replace(/\[.*$/, ""),
  slug: id.replace(/[^a-z0-9]+/gi, "-"),
  matrix: id.includes("[") ? { n: 600 } : {},
  parameters: { n: 600, title: "Zürich ✓ 数字", nested: { a: [1, null, true] } },
  needs,
  notebook: "notebooks/train.py",
  timeoutSeconds: 600,
  retries: 1,
  kernel: "python3",
  env: {},
});

function writeSampleRun(dir: string): { file: string; log: SpanLog } {
  const file = join(dir, "spans.jsonl");
  const t0 = new Date("2026-11-27T04:00:00.000Z");
  const at = (s: number) => new Date(t0.getTime() + s * 1000);
  const log = new SpanLog(file, {
    runId: "2026-11-27T04-00-00Z-ab12",
    pipeline: "demo",
    pipelineFile: "pipeline.yaml",
    trigger: "pull_request",
    ci: { provider: "github", repository: "octo/demo", pullRequest: 7, branch: "feature" },
    parameters: { data_lake_root: "data-lake" },
    startedAt: t0,
  });
  log.recordPlan([instance("ingest"), instance("train[n=600]", ["ingest"])], t0);
  const a = log.startTask(instance("ingest"), at(0), []);
  log.recordAttempt(a, {
    attempt: 1,
    status: "failed",
    startedAt: at(0),
    endedAt: at(1),
    notebook: "tasks/ingest/attempt-1/notebook.ipynb",
    error: {
      ename: "ValueError",
      evalue: "bad ✗",
      traceback: ["\u001b[31mTraceback\u001b[0m", "ValueError: bad ✗"],
      cellIndex: 3,
    },
    values: [],
  });
  log.recordAttempt(a, {
    attempt: 2,
    status: "succeeded",
    startedAt: at(1),
    endedAt: at(2),
    values: [
      {
        kind: "value",
        name: "rows",
        value: { n: 70000, ok: true },
        timestamp: at(1.5).toISOString(),
      },
      { kind: "metric", name: "acc", value: 0.93, step: 4, timestamp: at(1.6).toISOString() },
      {
        kind: "artifact",
        name: "plot.png",
        path: "tasks/ingest/attempt-2/artifacts/plot.png",
        size: 1234,
        sha256: "a".repeat(64),
        mediaType: "image/png",
        timestamp: at(1.7).toISOString(),
      },
    ],
  });
  log.endTask(a, { status: "succeeded" }, at(2));
  const b = log.startTask(instance("train[n=600]", ["ingest"]), at(2), [a.context]);
  log.endTask(b, { status: "skipped", reason: "upstream 'x' failed" }, at(2));
  return { file, log };
}

Deno.test("SpanLog writes lines that are valid ExportTraceServiceRequests of opentelemetry-proto", async () => {
  await using dir = await tempDir();
  const { file, log } = writeSampleRun(dir.path);
  log.endRun("succeeded", new Date("2026-11-27T04:00:03.000Z"));
  const lines = (await Deno.readTextFile(file)).trimEnd().split("\n");
  assertEquals(lines.length, 6); // 1 plan, 2 attempts, 2 tasks, 1 run
  for (const [i, line] of lines.entries()) {
    const json = JSON.parse(line) as Record<string, unknown>;
    const { verified, back } = throughProtobuf(json);
    assertEquals(verified, null, `line ${i + 1} does not verify`);
    assertEquals(back, canonical(json), `line ${i + 1} does not survive a protobuf round trip`);
  }
  // The round trip does catch a field the proto does not define.
  const tampered = JSON.parse(lines[0]!.replace('"name":', '"spanName":')) as Record<
    string,
    unknown
  >;
  assertOk(JSON.stringify(throughProtobuf(tampered).back) !== JSON.stringify(canonical(tampered)));
});

Deno.test("SpanLog spans read back with names, parents, links, events and attributes", async () => {
  await using dir = await tempDir();
  const { file, log } = writeSampleRun(dir.path);
  log.endRun("failed", new Date("2026-11-27T04:00:03.000Z"));
  const { spans, problems } = parseSpansJsonl(await Deno.readTextFile(file));
  assertEquals(problems, []);
  assertEquals(spans.map((s) => s.name), [
    "plan demo",
    "attempt ingest #1",
    "attempt ingest #2",
    "task ingest",
    "task train[n=600]",
    "run demo",
  ]);
  const [plan, a1, a2, ingest, train, run] = spans;
  assertEquals(new Set(spans.map((s) => s.traceId)).size, 1);
  assertEquals(run!.parentSpanId, undefined);
  assertEquals(plan!.parentSpanId, run!.spanId);
  assertEquals(plan!.start, plan!.end);
  assertEquals(plan!.resource[SPAN.attr.pipelineName], "demo");
  assertEquals(plan!.resource[SPAN.attr.runStartedAt], "2026-11-27T04:00:00.000Z");
  assertEquals(JSON.parse(String(plan!.attributes[SPAN.attr.planInstances])), [
    {
      id: "ingest",
      task: "ingest",
      slug: "ingest",
      notebook: "notebooks/train.py",
      needs: [],
      matrix: {},
      parameters: { n: 600, title: "Zürich ✓ 数字", nested: { a: [1, null, true] } },
      timeoutSeconds: 600,
    },
    {
      id: "train[n=600]",
      task: "train",
      slug: "train-n-600-",
      notebook: "notebooks/train.py",
      needs: ["ingest"],
      matrix: { n: 600 },
      parameters: { n: 600, title: "Zürich ✓ 数字", nested: { a: [1, null, true] } },
      timeoutSeconds: 600,
    },
  ]);
  assertEquals(ingest!.parentSpanId, run!.spanId);
  assertEquals(a1!.parentSpanId, ingest!.spanId);
  assertEquals(train!.links, [{ traceId: run!.traceId, spanId: ingest!.spanId }]);
  assertEquals(run!.attributes[SPAN.attr.runStatus], "failed");
  assertEquals(run!.attributes["pynb.ci.pull_request"], 7);
  assertEquals(run!.resource["pynb.run.id"], "2026-11-27T04-00-00Z-ab12");
  assertEquals(ingest!.attributes[`${SPAN.attr.paramPrefix}title`], "Zürich ✓ 数字");
  assertEquals(ingest!.attributes[`${SPAN.attr.paramPrefix}n`], "600");
  assertEquals(train!.attributes[`${SPAN.attr.matrixPrefix}n`], "600");
  assertEquals(train!.attributes[SPAN.attr.taskReason], "upstream 'x' failed");
  assertEquals(a1!.statusCode, 2);
  const exc = a1!.events.find((e) => e.name === "exception");
  assertEquals(exc?.attributes["exception.type"], "ValueError");
  assertEquals(
    exc?.attributes["exception.stacktrace"],
    "\u001b[31mTraceback\u001b[0m\nValueError: bad ✗",
  );
  assertEquals(a2!.events.map((e) => e.name), ["pynb.value", "pynb.metric", "pynb.artifact"]);
  assertEquals(a2!.events[0]!.attributes[SPAN.attr.valueJson], '{"n":70000,"ok":true}');
  assertEquals(a2!.events[1]!.attributes[SPAN.attr.metricStep], 4);
  assertOk(a2!.events[2]!.time.getTime() === Date.parse("2026-11-27T04:00:01.700Z"));
});

Deno.test("parseSpansJsonl() ignores a cut last line and reports a broken one", () => {
  const good = JSON.stringify({ resourceSpans: [] });
  assertEquals(parseSpansJsonl(`${good}\n{"resourceSp`).problems, []);
  assertEquals(parseSpansJsonl(`{"resourceSp\n${good}\n`).problems.length, 1);
  assertEquals(parseSpansJsonl(`{"resourceSpans": 3}\n`).problems[0]?.startsWith("line 1:"), true);
});
