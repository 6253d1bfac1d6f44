import { join } from "node:path";
import { assertEquals, assertOk, assertStringIncludes } from "../../tests/_deps.ts";
import { tempDir } from "../../tests/_helpers.ts";
import type { Plan, PlannedInstance } from "../plan/types.ts";
import { readRunFolder } from "../log/read.ts";
import { readSpansFile } from "../log/spans/otlp_read.ts";
import { SPAN } from "../log/spans/span_schema.ts";
import {
  type AttemptRunner,
  type ExecuteOptions,
  executePlan,
  type NotebookPreparer,
  type RunnerRequest,
  type RunnerResult,
} from "./executor.ts";
import { plannedInstance } from "../../testing/instances.ts";
import { localInstanceRunner } from "./instance_runner.ts";

function inst(id: string, needs: string[] = [], extra: Partial<PlannedInstance> = {}) {
  const task = id.replace(/\[.*$/, "");
  return plannedInstance(id, { task, slug: id.replace(/[^a-z0-9]+/gi, "-"), needs, ...extra });
}

function plan(baseDir: string, instances: PlannedInstance[]): Plan {
  return {
    pipeline: "test-pipeline",
    baseDir,
    parameters: { shared: 1 },
    instances,
    layers: [instances.map((i) => i.id)],
  };
}

type Behaviour = (req: RunnerRequest) => Promise<RunnerResult["status"]> | RunnerResult["status"];

/** A runner that writes what a real attempt writes, with a scripted outcome per instance. */
function fakeRunner(script: Record<string, Behaviour>, seen: RunnerRequest[] = []): AttemptRunner {
  return async (req) => {
    seen.push(req);
    const startedAt = new Date();
    await Deno.writeTextFile(req.outputNotebookPath, '{"cells": []}');
    await Deno.writeTextFile(join(req.attemptDir, "stderr.txt"), "");
    const line = {
      kind: "value",
      name: "who",
      value: `${req.context.instanceId}#${req.context.attempt}`,
      timestamp: startedAt.toISOString(),
    };
    await Deno.writeTextFile(join(req.attemptDir, "values.jsonl"), JSON.stringify(line) + "\n");
    const status = await (script[req.context.instanceId] ?? (() => "succeeded"))(req);
    const result: RunnerResult = { status, startedAt, endedAt: new Date(), exitCode: 0 };
    if (status !== "succeeded") {
      result.exitCode = 1;
      result.error = {
        ename: "ValueError",
        evalue: "boom",
        traceback: ["Traceback", "ValueError: boom"],
      };
    }
    return result;
  };
}

const prepare: NotebookPreparer = (instance, context) =>
  Promise.resolve({ ipynb: JSON.stringify({ instance: instance.id, context }), warnings: [] });

function options(dir: string, runner: AttemptRunner, extra: Partial<ExecuteOptions> = {}) {
  return {
    instanceRunner: localInstanceRunner({ runner, prepare }),
    runFolder: join(dir, "runs", "r1"),
    runId: "r1",
    ...extra,
  };
}

function waitForAbort(req: RunnerRequest): Promise<RunnerResult["status"]> {
  return new Promise((resolve) => {
    if (req.signal?.aborted) resolve("cancelled");
    req.signal?.addEventListener("abort", () => resolve("cancelled"));
  });
}

Deno.test("executePlan() runs a diamond and hands upstream results to the fan-in", async () => {
  await using dir = await tempDir();
  const seen: RunnerRequest[] = [];
  const upstreamTexts: string[] = [];
  const runner = fakeRunner({
    a: async (req) => {
      await Deno.mkdir(join(req.attemptDir, "artifacts"));
      await Deno.writeTextFile(join(req.attemptDir, "artifacts", "out.txt"), "hi");
      const art = {
        kind: "artifact",
        name: "out.txt",
        path: "artifacts/out.txt",
        size: 2,
        sha256: "8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4",
        timestamp: new Date().toISOString(),
      };
      await Deno.writeTextFile(join(req.attemptDir, "values.jsonl"), JSON.stringify(art) + "\n", {
        append: true,
      });
      return "succeeded" as const;
    },
    d: async (req) => {
      upstreamTexts.push(await Deno.readTextFile(req.upstreamFile!));
      return "succeeded" as const;
    },
  }, seen);
  const p = plan(dir.path, [inst("a"), inst("b", ["a"]), inst("c", ["a"]), inst("d", ["b", "c"])]);
  const summary = await executePlan(p, options(dir.path, runner));

  assertEquals(summary.status, "succeeded");
  assertEquals(summary.tasks.map((t) => [t.id, t.status, t.attempts.length]), [
    ["a", "succeeded", 1],
    ["b", "succeeded", 1],
    ["c", "succeeded", 1],
    ["d", "succeeded", 1],
  ]);
  assertEquals(summary.tasks[0]!.artifacts[0]!.path, "tasks/a/attempt-1/artifacts/out.txt");
  assertEquals(summary.tasks[3]!.values, { who: "d#1" });
  assertEquals(summary.tasks[3]!.attempts[0]!.notebook, "tasks/d/attempt-1/notebook.ipynb");
  // d waited for b and c; its upstream file lists them with their values.
  const upstream = JSON.parse(upstreamTexts[0]!) as { id: string; values: unknown }[];
  assertEquals(upstream.map((u) => [u.id, u.values]), [["b", { who: "b#1" }], ["c", {
    who: "c#1",
  }]]);
  assertEquals(seen.find((r) => r.context.instanceId === "a")?.upstreamFile, undefined);
  assertEquals(seen.every((r) => r.workDir === dir.path), true);

  const run = await readRunFolder(join(dir.path, "runs", "r1"));
  assertEquals(run.interrupted, false);
  assertEquals(run.summary.tasks.length, 4);
  // The prepared notebooks and upstream files were temporary, and outside the run folder: they
  // hold absolute paths.
  const runFolder = join(dir.path, "runs", "r1");
  for (const path of seen.flatMap((r) => [r.notebookPath, r.upstreamFile ?? []].flat())) {
    assertOk(!path.startsWith(dir.path), path);
    assertEquals(await Deno.stat(path).catch(() => null), null, path);
  }
  assertEquals(await Deno.stat(join(runFolder, ".work")).catch(() => null), null);

  const { spans, problems } = await readSpansFile(join(runFolder, "spans.jsonl"));
  assertEquals(problems, []);
  assertEquals(spans.length, 1 + 4 + 4 + 1);
  const byName = new Map(spans.map((s) => [s.name, s]));
  const runSpan = byName.get(SPAN.runName("test-pipeline"))!;
  // The plan comes first, a child of the run span, listing every instance.
  const planSpan = spans[0]!;
  assertEquals(planSpan.name, SPAN.planName("test-pipeline"));
  assertEquals(planSpan.parentSpanId, runSpan.spanId);
  assertEquals(planSpan.resource[SPAN.attr.pipelineName], "test-pipeline");
  const planned = JSON.parse(String(planSpan.attributes[SPAN.attr.planInstances])) as {
    id: string;
    needs: string[];
  }[];
  assertEquals(planned.map((p) => [p.id, p.needs]), [
    ["a", []],
    ["b", ["a"]],
    ["c", ["a"]],
    ["d", ["b", "c"]],
  ]);
  assertEquals(runSpan.attributes[SPAN.attr.runStatus], "succeeded");
  assertEquals(runSpan.traceId, summary.traceId);
  const d = byName.get(SPAN.taskName("d"))!;
  assertEquals(d.parentSpanId, runSpan.spanId);
  assertEquals(
    d.links.map((l) => l.spanId).sort(),
    [byName.get("task b")!.spanId, byName.get("task c")!.spanId].sort(),
  );
  assertEquals(byName.get(SPAN.attemptName("d", 1))!.parentSpanId, d.spanId);
});

Deno.test("executePlan() skips downstream of a failure and runs independent branches", async (t) => {
  for (const [status, says] of [["failed", "failed"], ["timeout", "timed out"]] as const) {
    await t.step(`after a ${status} upstream`, async () => {
      await using dir = await tempDir();
      const runner = fakeRunner({ a: () => status });
      const p = plan(dir.path, [inst("a"), inst("b", ["a"]), inst("c", ["b"]), inst("x")]);
      const summary = await executePlan(p, options(dir.path, runner));
      assertEquals(summary.status, "failed");
      assertEquals(summary.tasks.map((t) => [t.id, t.status, t.reason]), [
        ["a", status, undefined],
        ["b", "skipped", `upstream 'a' ${says}`],
        ["c", "skipped", "upstream 'b' was skipped"],
        ["x", "succeeded", undefined],
      ]);
      assertEquals(summary.tasks[0]!.attempts[0]!.error?.ename, "ValueError");
      assertEquals(summary.tasks[1]!.attempts, []);
    });
  }
});

Deno.test("executePlan() retries until an attempt succeeds and records every attempt", async () => {
  await using dir = await tempDir();
  const runner = fakeRunner({
    flaky: (req) => req.context.attempt < 2 ? "failed" : "succeeded",
    hopeless: () => "timeout",
  });
  const p = plan(dir.path, [
    inst("flaky", [], { retries: 3 }),
    inst("hopeless", [], { retries: 1 }),
  ]);
  const summary = await executePlan(p, options(dir.path, runner));
  const [flaky, hopeless] = summary.tasks;
  assertEquals(flaky!.status, "succeeded");
  assertEquals(flaky!.attempts.map((a) => a.status), ["failed", "succeeded"]);
  assertEquals(flaky!.values, { who: "flaky#2" });
  assertEquals(hopeless!.status, "timeout");
  assertEquals(hopeless!.attempts.map((a) => a.status), ["timeout", "timeout"]);
  assertOk(await Deno.stat(join(dir.path, "runs/r1/tasks/flaky/attempt-1/notebook.ipynb")));
});

Deno.test("executePlan() never runs more attempts at once than its concurrency", async () => {
  await using dir = await tempDir();
  let running = 0;
  let most = 0;
  const slow: Behaviour = async () => {
    most = Math.max(most, ++running);
    await new Promise((r) => setTimeout(r, 20));
    running--;
    return "succeeded" as const;
  };
  const ids = ["a", "b", "c", "d", "e"];
  const runner = fakeRunner(Object.fromEntries(ids.map((id) => [id, slow])));
  const summary = await executePlan(
    plan(dir.path, ids.map((id) => inst(id))),
    options(dir.path, runner, { concurrency: 2 }),
  );
  assertEquals(summary.status, "succeeded");
  assertEquals(most, 2);
});

Deno.test("executePlan() with failFast cancels what runs and what waits", async () => {
  await using dir = await tempDir();
  const runner = fakeRunner({
    bad: async () => {
      await new Promise((r) => setTimeout(r, 30));
      return "failed" as const;
    },
    long: waitForAbort,
  });
  const p = plan(dir.path, [inst("long"), inst("bad"), inst("later")]);
  const summary = await executePlan(
    p,
    options(dir.path, runner, { failFast: true, concurrency: 2 }),
  );
  assertEquals(summary.status, "failed");
  const reason = "cancelled by --fail-fast after 'bad' failed";
  assertEquals(summary.tasks.map((t) => [t.id, t.status, t.reason]), [
    ["long", "cancelled", reason],
    ["bad", "failed", undefined],
    ["later", "cancelled", reason],
  ]);
});

Deno.test("executePlan() interrupted: attempts cancelled, run cancelled, run.json written", async () => {
  await using dir = await tempDir();
  const interrupt = new AbortController();
  const runner = fakeRunner({
    a: (req) => {
      setTimeout(() => interrupt.abort(), 10);
      return waitForAbort(req);
    },
  });
  const p = plan(dir.path, [inst("a"), inst("b", ["a"]), inst("c")]);
  const summary = await executePlan(
    p,
    options(dir.path, runner, { signal: interrupt.signal, concurrency: 1 }),
  );
  assertEquals(summary.status, "cancelled");
  assertEquals(summary.tasks.map((t) => [t.id, t.status, t.reason]), [
    ["a", "cancelled", "the run was interrupted"],
    ["b", "cancelled", "the run was interrupted"],
    ["c", "cancelled", "the run was interrupted"],
  ]);
  const run = await readRunFolder(join(dir.path, "runs", "r1"));
  assertEquals(run.summary.status, "cancelled");
});

Deno.test("executePlan() records a notebook that cannot be prepared as a failed attempt", async () => {
  await using dir = await tempDir();
  const broken: NotebookPreparer = () => Promise.reject(new TypeError("Cannot read 'a.py': bad"));
  const p = plan(dir.path, [inst("a", [], { retries: 2 })]);
  const warnings: string[] = [];
  const summary = await executePlan(p, {
    ...options(dir.path, fakeRunner({})),
    instanceRunner: localInstanceRunner({ runner: fakeRunner({}), prepare: broken }),
    observer: { warning: (m) => warnings.push(m) },
  });
  assertEquals(summary.tasks[0]!.status, "failed");
  // No retry: the notebook will not get better.
  assertEquals(summary.tasks[0]!.attempts.length, 1);
  assertEquals(summary.tasks[0]!.attempts[0]!.error?.ename, "TypeError");
  assertStringIncludes(warnings.join("\n"), "Cannot read 'a.py'");
});

Deno.test("executePlan() refuses value lines that are invalid or escape the attempt folder", async () => {
  await using dir = await tempDir();
  const runner = fakeRunner({
    a: async (req) => {
      const lines = [
        "not json",
        JSON.stringify({ kind: "metric", name: "m", value: "x", step: null, timestamp: "t" }),
        JSON.stringify({
          kind: "artifact",
          name: "evil",
          path: "../../../../etc/passwd",
          size: 1,
          sha256: "0".repeat(64),
          timestamp: "t",
        }),
      ];
      await Deno.writeTextFile(join(req.attemptDir, "values.jsonl"), lines.join("\n") + "\n", {
        append: true,
      });
      return "succeeded" as const;
    },
  });
  const warnings: string[] = [];
  const summary = await executePlan(plan(dir.path, [inst("a")]), {
    ...options(dir.path, runner),
    observer: { warning: (m) => warnings.push(m) },
  });
  assertEquals(summary.tasks[0]!.values, { who: "a#1" });
  assertEquals(summary.tasks[0]!.artifacts, []);
  assertEquals(summary.tasks[0]!.metrics, []);
  assertEquals(warnings.length, 3);
  assertStringIncludes(warnings[2]!, "leaves artifacts/");
});

Deno.test("executePlan() records an internal error of one instance and still writes run.json", async () => {
  await using dir = await tempDir();
  const warnings: string[] = [];
  // "b" needs an instance planned after it: a broken plan, so a bug, not a user error.
  const p = plan(dir.path, [inst("b", ["z"]), inst("z"), inst("c", ["b"])]);
  const summary = await executePlan(p, {
    ...options(dir.path, fakeRunner({})),
    observer: { warning: (m) => warnings.push(m) },
  });
  assertEquals(summary.status, "failed");
  assertEquals(summary.tasks.map((t) => [t.id, t.status]), [
    ["b", "failed"],
    ["z", "succeeded"],
    ["c", "skipped"],
  ]);
  assertStringIncludes(summary.tasks[0]!.reason!, "internal error: Cannot run 'b'");
  assertStringIncludes(warnings.join("\n"), "    at ");
  assertEquals((await readRunFolder(join(dir.path, "runs", "r1"))).summary.status, "failed");
});

Deno.test("executePlan() tells its observer which code cell of an attempt runs", async () => {
  await using dir = await tempDir();
  const runner = fakeRunner({
    a: (req) => {
      req.onEvent?.({
        type: "started",
        time: 0,
        pid: 1,
        pgid: 1,
        python: "3",
        nbclient: "0",
        cellCount: 4,
        codeCellCount: 3,
      });
      req.onEvent?.({ type: "cell_started", time: 0, cellIndex: 0, codeCellNumber: null });
      req.onEvent?.({ type: "cell_started", time: 0, cellIndex: 2, codeCellNumber: 2 });
      return "succeeded" as const;
    },
  });
  const cells: string[] = [];
  await executePlan(plan(dir.path, [inst("a")]), {
    ...options(dir.path, runner),
    observer: { cellStarted: (i, n, cell, count) => cells.push(`${i.id}#${n} ${cell}/${count}`) },
  });
  assertEquals(cells, ["a#1 2/3"]);
});
