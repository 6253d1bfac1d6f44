import { join } from "node:path";
import { assertEquals, assertOk } from "../../tests/_deps.ts";
import { tempDir } from "../../tests/_helpers.ts";
import type { PlannedInstance } from "../plan/types.ts";
import { readSpansFile } from "../log/spans/otlp_read.ts";
import { SPAN } from "../log/spans/span_schema.ts";
import { pendingRecord, RunRecorder, runStatus } from "./run_recorder.ts";
import { plannedInstance } from "../../testing/instances.ts";

function inst(id: string, needs: string[] = []): PlannedInstance {
  return plannedInstance(id, { needs, timeoutSeconds: 0 });
}

const t = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms);

async function open(dir: string, instances: PlannedInstance[]) {
  const plan = { pipeline: "p", parameters: { k: 1 }, instances };
  return await RunRecorder.open(plan, {
    runFolder: join(dir, "runs", "r1"),
    runId: "r1",
    pipelineFile: "pipeline.yaml",
    origin: { trigger: "schedule" },
    startedAt: t(0),
  });
}

Deno.test("RunRecorder writes task and attempt spans, linked to upstream, and run.json", async () => {
  await using dir = await tempDir();
  const [a, b, c] = [inst("a"), inst("b", ["a"]), inst("c", ["a", "b"])];
  const recorder = await open(dir.path, [a, b, c]);
  assertEquals(recorder.runFolder, join(dir.path, "runs", "r1"));

  const ra = recorder.instance(a);
  ra.start(t(10));
  ra.attempt({ attempt: 1, status: "failed", startedAt: t(11), endedAt: t(12), values: [] });
  ra.attempt({
    attempt: 2,
    status: "succeeded",
    startedAt: t(13),
    endedAt: t(14),
    notebook: "tasks/a/attempt-2/notebook.ipynb",
    values: [{ kind: "value", name: "n", value: 3, timestamp: t(13).toISOString() }],
  });
  const aRecord = {
    ...pendingRecord(a),
    status: "succeeded" as const,
    endedAt: t(15).toISOString(),
  };
  ra.end(aRecord);
  ra.end({ ...aRecord, status: "failed" }); // a second end is ignored
  assertOk(ra.ended);
  // b records an attempt without start: its span opens at the attempt's start.
  const rb = recorder.instance(b);
  rb.attempt({ attempt: 1, status: "succeeded", startedAt: t(20), endedAt: t(21), values: [] });
  rb.end({ ...pendingRecord(b), status: "succeeded", endedAt: t(22).toISOString() });
  const cRecord = recorder.notRun(c, "skipped", "upstream 'x' failed", t(30));
  assertEquals([cRecord.status, cRecord.reason, cRecord.durationSeconds], [
    "skipped",
    "upstream 'x' failed",
    0,
  ]);
  assertEquals("timeoutSeconds" in cRecord, false); // no timeout: not recorded
  const tasks = [aRecord, { ...pendingRecord(b), status: "succeeded" as const }, cRecord];
  const summary = await recorder.finish(tasks, runStatus(tasks, false), t(40));

  assertEquals([summary.status, summary.durationSeconds, summary.trigger], [
    "failed",
    0.04,
    "schedule",
  ]);
  assertEquals(summary.pipeline, { name: "p", file: "pipeline.yaml" });
  assertEquals(summary.traceId, recorder.traceId);
  const written = JSON.parse(await Deno.readTextFile(join(recorder.runFolder, "run.json")));
  assertEquals(written.tasks.map((x: { id: string }) => x.id), ["a", "b", "c"]);

  const { spans, problems } = await readSpansFile(join(recorder.runFolder, "spans.jsonl"));
  assertEquals(problems, []);
  assertEquals(spans.map((s) => s.name), [
    SPAN.planName("p"),
    SPAN.attemptName("a", 1),
    SPAN.attemptName("a", 2),
    SPAN.taskName("a"),
    SPAN.attemptName("b", 1),
    SPAN.taskName("b"),
    SPAN.taskName("c"),
    SPAN.runName("p"),
  ]);
  const byName = new Map(spans.map((s) => [s.name, s]));
  const spanA = byName.get(SPAN.taskName("a"))!;
  const spanB = byName.get(SPAN.taskName("b"))!;
  const spanC = byName.get(SPAN.taskName("c"))!;
  assertEquals([spanA.start, spanA.end], [t(10), t(15)]);
  assertEquals(spanA.attributes[SPAN.attr.taskStatus], "succeeded");
  assertEquals(byName.get(SPAN.attemptName("a", 2))!.parentSpanId, spanA.spanId);
  assertEquals(byName.get(SPAN.attemptName("a", 2))!.events.length, 1);
  assertEquals(spanB.start, t(20));
  assertEquals(spanB.links.map((l) => l.spanId), [spanA.spanId]);
  assertEquals(spanC.links.map((l) => l.spanId), [spanA.spanId, spanB.spanId]);
  assertEquals(spanC.attributes[SPAN.attr.taskReason], "upstream 'x' failed");
  assertEquals([spanC.start, spanC.end], [t(30), t(30)]);
});

Deno.test("RunRecorder closes task spans left open as cancelled; internal failures get no span", async () => {
  await using dir = await tempDir();
  const [a, b] = [inst("a"), inst("b")];
  const recorder = await open(dir.path, [a, b]);
  recorder.instance(a).start(t(1));
  const bRecord = recorder.internalFailure(b, new TypeError("oops"), t(2));
  assertEquals([bRecord.status, bRecord.reason], ["failed", "internal error: oops"]);
  const summary = await recorder.finish([pendingRecord(a), bRecord], "cancelled", t(3));
  assertEquals(summary.status, "cancelled");
  const { spans } = await readSpansFile(join(recorder.runFolder, "spans.jsonl"));
  const spanA = spans.find((s) => s.name === SPAN.taskName("a"))!;
  assertEquals(spanA.attributes[SPAN.attr.taskStatus], "cancelled");
  assertEquals(spanA.attributes[SPAN.attr.taskReason], "the run ended");
  assertEquals(spans.some((s) => s.name === SPAN.taskName("b")), false);
});

Deno.test("runStatus() is cancelled when interrupted, succeeded only when all succeeded", () => {
  assertEquals(runStatus([{ status: "succeeded" }], true), "cancelled");
  assertEquals(runStatus([{ status: "succeeded" }, { status: "succeeded" }], false), "succeeded");
  assertEquals(runStatus([{ status: "succeeded" }, { status: "skipped" }], false), "failed");
  assertEquals(runStatus([], false), "succeeded");
});
