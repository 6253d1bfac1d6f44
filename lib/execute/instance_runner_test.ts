import { join } from "node:path";
import { assertEquals, assertOk } from "../../tests/_deps.ts";
import { tempDir } from "../../tests/_helpers.ts";
import type { PlannedInstance } from "../plan/types.ts";
import type { TaskRecord } from "../log/schema.ts";
import { readSpansFile } from "../log/spans/otlp_read.ts";
import { SPAN } from "../log/spans/span_schema.ts";
import { executePlan } from "./executor.ts";
import {
  type AttemptRunner,
  type InstanceContext,
  type InstanceRunner,
  localInstanceRunner,
  type NotebookPreparer,
  recordAttemptFolder,
  type RunnerRequest,
  type RunnerResult,
} from "./instance_runner.ts";
import { pendingRecord } from "./run_recorder.ts";
import { plannedInstance } from "../../testing/instances.ts";

function inst(id: string, needs: string[] = [], retries = 0): PlannedInstance {
  return plannedInstance(id, { needs, retries });
}

const prepare: NotebookPreparer = (instance, context) =>
  Promise.resolve({ ipynb: JSON.stringify({ instance: instance.id, context }), warnings: [] });

/** An attempt runner that logs a value `who` = `<instance>#<attempt>` and ends as scripted. */
function fakeRunner(
  outcome: (req: RunnerRequest) => RunnerResult["status"],
  seen: RunnerRequest[] = [],
): AttemptRunner {
  return async (req) => {
    seen.push(req);
    const who = `${req.context.instanceId}#${req.context.attempt}`;
    const line = { kind: "value", name: "who", value: who, timestamp: new Date().toISOString() };
    await Deno.writeTextFile(join(req.attemptDir, "values.jsonl"), JSON.stringify(line) + "\n");
    await Deno.writeTextFile(req.outputNotebookPath, "{}");
    const at = new Date();
    return { status: outcome(req), startedAt: at, endedAt: at, exitCode: 0 };
  };
}

/** A context whose recorder and observer log what they are told. */
async function context(dir: string, signal = new AbortController().signal) {
  const calls: string[] = [];
  const runFolder = join(dir, "run");
  const scratchDir = join(dir, "scratch");
  await Deno.mkdir(scratchDir, { recursive: true });
  const ctx: InstanceContext = {
    runId: "r1",
    runFolder,
    baseDir: dir,
    scratchDir,
    signal,
    now: () => new Date(),
    observer: {
      attemptStarted: (i, n) => void calls.push(`started ${i.id}#${n}`),
      attemptEnded: (i, a, retry) => void calls.push(`ended ${i.id}#${a.attempt} retry=${retry}`),
    },
    recorder: {
      start: () => void calls.push("span start"),
      attempt: (info) => void calls.push(`span attempt ${info.attempt} ${info.status}`),
      end: (record) => void calls.push(`span end ${record.status}`),
      ended: false,
    },
  };
  return { ctx, calls };
}

Deno.test("localInstanceRunner() retries, records each attempt and writes the upstream file", async () => {
  await using dir = await tempDir();
  const { ctx, calls } = await context(dir.path);
  const seen: RunnerRequest[] = [];
  let upstreamText = "";
  const runner = fakeRunner((req) => {
    upstreamText = Deno.readTextFileSync(req.upstreamFile!);
    return req.context.attempt < 2 ? "failed" : "succeeded";
  }, seen);
  const upstream: TaskRecord = {
    ...pendingRecord(inst("u")),
    status: "succeeded",
    values: { x: 1 },
    artifacts: [{ name: "f", path: "tasks/u/attempt-1/artifacts/f", size: 1, sha256: "0" }],
  };
  const record = await localInstanceRunner({ runner, prepare })
    .run(inst("a", ["u"], 3), [upstream], ctx);

  assertEquals([record.status, record.values], ["succeeded", { who: "a#2" }]);
  assertEquals(record.attempts.map((a) => [a.attempt, a.status, a.notebook]), [
    [1, "failed", "tasks/a/attempt-1/notebook.ipynb"],
    [2, "succeeded", "tasks/a/attempt-2/notebook.ipynb"],
  ]);
  assertEquals(calls, [
    "span start",
    "started a#1",
    "span attempt 1 failed",
    "ended a#1 retry=true",
    "started a#2",
    "span attempt 2 succeeded",
    "ended a#2 retry=false",
    "span end succeeded",
  ]);
  assertEquals(JSON.parse(upstreamText), [{
    id: "u",
    task: "u",
    matrix: {},
    values: { x: 1 },
    metrics: [],
    artifacts: { f: join(ctx.runFolder, "tasks/u/attempt-1/artifacts/f") },
  }]);
  assertEquals(seen.map((r) => [r.workDir, r.attemptDir]), [
    [dir.path, join(ctx.runFolder, "tasks/a/attempt-1")],
    [dir.path, join(ctx.runFolder, "tasks/a/attempt-2")],
  ]);
  // The instance's scratch files are gone once it ended.
  assertEquals([...Deno.readDirSync(ctx.scratchDir)], []);
});

Deno.test("localInstanceRunner() stops retrying once the run stops, and says why it was cancelled", async () => {
  await using dir = await tempDir();
  const stop = new AbortController();
  const { ctx, calls } = await context(dir.path, stop.signal);
  const runner = fakeRunner(() => {
    stop.abort(new Error("cancelled by --fail-fast after 'x' failed"));
    return "cancelled";
  });
  const record = await localInstanceRunner({ runner, prepare }).run(inst("a", [], 2), [], ctx);
  assertEquals([record.status, record.reason, record.attempts.length], [
    "cancelled",
    "cancelled by --fail-fast after 'x' failed",
    1,
  ]);
  assertEquals(calls.at(-1), "span end cancelled");

  const quiet = await context(join(dir.path, "2"));
  const alone = await localInstanceRunner({ runner: fakeRunner(() => "cancelled"), prepare })
    .run(inst("b"), [], quiet.ctx);
  assertEquals(alone.reason, "the attempt was cancelled");
});

/**
 * A cache in the shape the executor expects: a decorator around another instance runner. A hit
 * restores the instance's files into the run folder and records it without running it.
 */
function restoringCache(inner: InstanceRunner, hits: Set<string>): InstanceRunner {
  return {
    async run(instance, upstream, ctx) {
      if (!hits.has(instance.id)) return await inner.run(instance, upstream, ctx);
      const at = ctx.now();
      ctx.recorder.start(at);
      const folder = join(ctx.runFolder, "tasks", instance.slug, "attempt-1");
      await Deno.mkdir(folder, { recursive: true });
      await Deno.writeTextFile(join(folder, "notebook.ipynb"), "{}");
      const line = { kind: "value", name: "who", value: "restored", timestamp: at.toISOString() };
      await Deno.writeTextFile(join(folder, "values.jsonl"), JSON.stringify(line) + "\n");
      const result = { status: "succeeded" as const, startedAt: at, endedAt: at, exitCode: 0 };
      const { attempt, logged } = await recordAttemptFolder(instance, 1, result, ctx);
      const record: TaskRecord = {
        ...pendingRecord(instance),
        ...logged,
        status: "succeeded",
        attempts: [attempt],
        startedAt: at.toISOString(),
        endedAt: at.toISOString(),
        durationSeconds: 0,
      };
      ctx.recorder.end(record);
      return record;
    },
  };
}

Deno.test("executePlan() with a decorating instance runner records restored instances like run ones", async () => {
  await using dir = await tempDir();
  const seen: RunnerRequest[] = [];
  let upstreamText = "";
  const runner = fakeRunner((req) => {
    if (req.upstreamFile !== undefined) upstreamText = Deno.readTextFileSync(req.upstreamFile);
    return "succeeded";
  }, seen);
  const instanceRunner = restoringCache(localInstanceRunner({ runner, prepare }), new Set(["a"]));
  const runFolder = join(dir.path, "runs", "r1");
  const ended: string[] = [];
  const summary = await executePlan({
    pipeline: "p",
    baseDir: dir.path,
    parameters: {},
    instances: [inst("a"), inst("b", ["a"])],
    layers: [["a"], ["b"]],
  }, {
    instanceRunner,
    runFolder,
    runId: "r1",
    observer: { taskEnded: (r) => void ended.push(`${r.id} ${r.status}`) },
  });
  assertEquals(summary.status, "succeeded");
  assertEquals(seen.map((r) => r.context.instanceId), ["b"]);
  assertEquals(summary.tasks.map((t) => [t.id, t.values]), [["a", { who: "restored" }], ["b", {
    who: "b#1",
  }]]);
  assertEquals(summary.tasks[0]!.attempts[0]!.notebook, "tasks/a/attempt-1/notebook.ipynb");
  assertEquals(JSON.parse(upstreamText)[0].values, { who: "restored" });
  assertEquals(ended, ["a succeeded", "b succeeded"]);
  const { spans } = await readSpansFile(join(runFolder, "spans.jsonl"));
  const byName = new Map(spans.map((s) => [s.name, s]));
  const spanA = byName.get(SPAN.taskName("a"))!;
  assertOk(spanA);
  assertEquals(byName.get(SPAN.attemptName("a", 1))!.parentSpanId, spanA.spanId);
  assertEquals(byName.get(SPAN.taskName("b"))!.links.map((l) => l.spanId), [spanA.spanId]);
});

Deno.test("executePlan() ends the task span of an instance runner that did not", async () => {
  await using dir = await tempDir();
  const forgetful: InstanceRunner = {
    run: (instance) => Promise.resolve({ ...pendingRecord(instance), status: "succeeded" }),
  };
  const runFolder = join(dir.path, "r1");
  const summary = await executePlan({
    pipeline: "p",
    baseDir: dir.path,
    parameters: {},
    instances: [inst("a")],
    layers: [["a"]],
  }, {
    instanceRunner: forgetful,
    runFolder,
    runId: "r1",
  });
  assertEquals(summary.status, "succeeded");
  const { spans } = await readSpansFile(join(runFolder, "spans.jsonl"));
  const spanA = spans.find((s) => s.name === SPAN.taskName("a"))!;
  assertEquals(spanA.attributes[SPAN.attr.taskStatus], "succeeded");
});
