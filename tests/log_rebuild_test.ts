import { join } from "node:path";
import { assertEquals, assertRejects } from "./_deps.ts";
import { tempDir } from "./_helpers.ts";
import { executePlan, type RunnerRequest } from "../lib/execute/executor.ts";
import { localInstanceRunner } from "../lib/execute/instance_runner.ts";
import type { PlannedInstance } from "../lib/plan/types.ts";
import { readRunFolder } from "../lib/log/read.ts";
import { readSpansFile } from "../lib/log/spans/otlp_read.ts";
import { summaryFromSpans } from "../lib/log/spans/rebuild.ts";
import { SpanLog } from "../lib/log/spans/spans.ts";
import { UserError } from "../lib/errors.ts";

const inst = (id: string, needs: string[] = [], retries = 0): PlannedInstance => ({
  id,
  task: id.replace(/\[.*$/, ""),
  slug: id.replace(/[^a-z0-9]+/gi, "-"),
  matrix: id.includes("[") ? { n: 1 } : {},
  parameters: { n: 1, s: "ü" },
  needs,
  notebook: `${id}.py`,
  timeoutSeconds: 30,
  retries,
  kernel: "python3",
  env: {},
});

async function fakeAttempt(req: RunnerRequest) {
  const startedAt = new Date();
  const lines = [
    { kind: "value", name: "v", value: [1, "ü"], timestamp: startedAt.toISOString() },
    { kind: "metric", name: "m", value: 0.5, step: 1, timestamp: startedAt.toISOString() },
    {
      kind: "artifact",
      name: "a.txt",
      path: "artifacts/a.txt",
      size: 1,
      sha256: "b".repeat(64),
      mediaType: "text/plain",
      timestamp: startedAt.toISOString(),
    },
  ];
  await Deno.writeTextFile(
    join(req.attemptDir, "values.jsonl"),
    lines.map((l) => JSON.stringify(l)).join("\n") + "\n",
  );
  await Deno.writeTextFile(join(req.attemptDir, "stderr.txt"), "");
  const failed = req.context.instanceId === "bad" ||
    (req.context.instanceId === "flaky" && req.context.attempt === 1);
  return {
    status: failed ? "failed" as const : "succeeded" as const,
    startedAt,
    endedAt: new Date(startedAt.getTime() + 5),
    exitCode: failed ? 1 : 0,
    ...(failed ? { error: { ename: "E", evalue: "x", traceback: ["a", "b"], cellIndex: 2 } } : {}),
  };
}

Deno.test("summaryFromSpans() rebuilds the run.json the executor wrote", async () => {
  await using dir = await tempDir();
  const runFolder = join(dir.path, "r1");
  const written = await executePlan({
    pipeline: "p",
    baseDir: dir.path,
    parameters: { n: 1 },
    instances: [inst("flaky", [], 1), inst("bad"), inst("after[n=1]", ["flaky", "bad"])],
    layers: [],
  }, {
    instanceRunner: localInstanceRunner({
      runner: fakeAttempt,
      prepare: () => Promise.resolve({ ipynb: "{}", warnings: [] }),
    }),
    runFolder,
    runId: "r1",
    pipelineFile: "pipeline.yaml",
    origin: { trigger: "push", ci: { provider: "github", repository: "o/r", pullRequest: 3 } },
  });
  const { spans } = await readSpansFile(join(runFolder, "spans.jsonl"));
  const rebuilt = summaryFromSpans(spans, "ignored");
  const byId = <T extends { id: string }>(list: T[]) =>
    [...list].sort((a, b) => a.id < b.id ? -1 : 1);
  assertEquals({ ...rebuilt, tasks: byId(rebuilt.tasks) }, {
    ...written,
    tasks: byId(written.tasks),
  });
  assertEquals(written.tasks.map((t) => t.status), ["succeeded", "failed", "skipped"]);
});

Deno.test("readRunFolder() of a run killed mid-way rebuilds it as running", async () => {
  await using dir = await tempDir();
  const t0 = new Date("2026-11-27T04:00:00Z");
  const log = new SpanLog(join(dir.path, "spans.jsonl"), {
    runId: "r9",
    pipeline: "p",
    trigger: "local",
    parameters: { who: "me" },
    startedAt: new Date(t0.getTime() - 60_000),
  });
  log.recordPlan([inst("done"), inst("busy"), inst("later[n=1]", ["busy"])], t0);
  const done = log.startTask(inst("done"), t0, []);
  log.recordAttempt(done, {
    attempt: 1,
    status: "succeeded",
    startedAt: t0,
    endedAt: t0,
    values: [],
  });
  log.endTask(done, { status: "succeeded" }, t0);
  const busy = log.startTask(inst("busy"), t0, []);
  log.recordAttempt(busy, {
    attempt: 1,
    status: "timeout",
    startedAt: t0,
    endedAt: t0,
    notebook: "tasks/busy/attempt-1/notebook.ipynb",
    values: [],
  });
  // The process dies here: no task end, no run end, and half a line.
  await Deno.writeTextFile(join(dir.path, "spans.jsonl"), '{"resourceSpans":[{"reso', {
    append: true,
  });
  const run = await readRunFolder(dir.path);
  assertEquals(run.interrupted, true);
  assertEquals(run.summary.runId, "r9");
  assertEquals(run.summary.status, "running");
  assertEquals(run.summary.endedAt, undefined);
  // From the resource: the run span, which has the start, was never written.
  assertEquals(run.summary.startedAt, "2026-11-27T03:59:00.000Z");
  assertEquals(run.summary.parameters, { who: "me" });
  assertEquals(
    run.summary.tasks.map((t) => [t.id, t.slug, t.status, t.attempts.map((a) => a.status)]),
    [
      ["done", "done", "succeeded", ["succeeded"]],
      ["busy", "busy", "running", ["timeout"]],
      ["later[n=1]", "later-n-1-", "pending", []],
    ],
  );
  // What the plan says of the instances whose spans never ended.
  const [, running, later] = run.summary.tasks;
  assertEquals([running!.notebook, running!.parameters, running!.timeoutSeconds], ["busy.py", {
    n: 1,
    s: "ü",
  }, 30]);
  assertEquals(running!.startedAt, t0.toISOString());
  assertEquals([later!.task, later!.needs, later!.matrix, later!.startedAt], [
    "later",
    ["busy"],
    { n: 1 },
    undefined,
  ]);
});

Deno.test("readRunFolder() of a run killed before any span ended lists its plan", async (t) => {
  await using dir = await tempDir();
  const startedAt = new Date("2026-11-27T04:00:00Z");
  const log = new SpanLog(join(dir.path, "spans.jsonl"), {
    runId: "r7",
    pipeline: "sleepy",
    pipelineFile: "sleepy.yaml",
    trigger: "schedule",
    ci: { provider: "github", repository: "o/r", runId: "42" },
    parameters: { who: "me" },
    startedAt,
  });
  log.recordPlan([inst("first"), inst("second", ["first"])], startedAt);
  // The runner dies here, during the first attempt of `first`.

  await t.step("without attempt folders, every instance is pending", async () => {
    const run = await readRunFolder(dir.path);
    assertEquals(run.interrupted, true);
    assertEquals(
      [run.summary.runId, run.summary.pipeline, run.summary.status, run.summary.startedAt],
      ["r7", { name: "sleepy", file: "sleepy.yaml" }, "running", startedAt.toISOString()],
    );
    assertEquals(run.summary.trigger, "schedule");
    assertEquals(run.summary.ci, { provider: "github", repository: "o/r", runId: "42" });
    assertEquals(run.summary.parameters, { who: "me" });
    assertEquals(run.summary.tasks.map((t) => [t.id, t.status, t.needs]), [
      ["first", "pending", []],
      ["second", "pending", ["first"]],
    ]);
  });

  await t.step("an attempt folder makes its instance running", async () => {
    const attempt = join(dir.path, "tasks", "first", "attempt-1");
    await Deno.mkdir(attempt, { recursive: true });
    await Deno.writeTextFile(join(attempt, "stderr.txt"), "");
    await Deno.writeTextFile(join(attempt, "notebook.ipynb"), "{}");
    const run = await readRunFolder(dir.path);
    assertEquals(run.summary.tasks.map((t) => [t.id, t.status]), [
      ["first", "running"],
      ["second", "pending"],
    ]);
    const [first] = run.summary.tasks;
    assertEquals(first!.attempts.map((a) => [a.attempt, a.status, a.notebook, a.stderr]), [
      [1, "running", "tasks/first/attempt-1/notebook.ipynb", "tasks/first/attempt-1/stderr.txt"],
    ]);
    assertEquals(first!.startedAt, first!.attempts[0]!.startedAt);
    assertEquals(first!.endedAt, undefined);
  });
});

Deno.test("summaryFromSpans() without a plan span lists only the instances of its spans", () => {
  const summary = summaryFromSpans([], "r1", {
    attemptFolders: [{ slug: "x", attempt: 1, startedAt: new Date(0) }],
  });
  assertEquals([summary.runId, summary.pipeline.name, summary.tasks], ["r1", "", []]);
});

Deno.test("readRunFolder() of a folder without run.json and spans is a user error", async () => {
  await using dir = await tempDir();
  await assertRejects(() => readRunFolder(dir.path), UserError, "neither run.json nor spans.jsonl");
  await Deno.writeTextFile(join(dir.path, "spans.jsonl"), "garbage\n");
  await assertRejects(() => readRunFolder(dir.path), UserError, "not OTLP/JSON");
});
