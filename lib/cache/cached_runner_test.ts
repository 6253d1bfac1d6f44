import { join } from "node:path";
import { assertEquals, assertOk } from "../../tests/_deps.ts";
import { tempDir } from "../../tests/_helpers.ts";
import { executePlan } from "../execute/executor.ts";
import { localInstanceRunner, type RunnerRequest } from "../execute/instance_runner.ts";
import { readSpansFile } from "../log/spans/otlp_read.ts";
import { summaryFromSpans } from "../log/spans/rebuild.ts";
import type { RunSummary } from "../log/schema.ts";
import type { Plan, PlannedInstance } from "../plan/types.ts";
import { cachingInstanceRunner } from "./cached_runner.ts";
import { KeyBuilder } from "./key_builder.ts";
import { sha256Hex } from "./key.ts";
import { RunFolderSource } from "./resume.ts";
import { CacheStore } from "./store.ts";
import { plannedInstance } from "../../testing/instances.ts";

const KERNELS = new Map([["python3", { name: "python3", argv: null, python: "3.11.2" }]]);

function inst(id: string, needs: string[] = [], extra: Partial<PlannedInstance> = {}) {
  return plannedInstance(id, { needs, ...extra });
}

/** Fake attempts: each logs a value and an artifact; `bad` fails. Records what ran. */
function fakeRunner(ran: string[]) {
  return async (req: RunnerRequest) => {
    ran.push(req.context.instanceId);
    const at = new Date();
    await Deno.writeTextFile(req.outputNotebookPath, '{"cells": []}');
    await Deno.mkdir(join(req.attemptDir, "artifacts"));
    await Deno.writeTextFile(join(req.attemptDir, "artifacts", "out.txt"), req.context.instanceId);
    const sha = sha256Hex(req.context.instanceId);
    const lines = [
      { kind: "value", name: "who", value: req.context.instanceId, timestamp: at.toISOString() },
      {
        kind: "artifact",
        name: "out.txt",
        path: "artifacts/out.txt",
        size: req.context.instanceId.length,
        sha256: sha,
        timestamp: at.toISOString(),
      },
    ];
    await Deno.writeTextFile(
      join(req.attemptDir, "values.jsonl"),
      lines.map((l) => JSON.stringify(l)).join("\n") + "\n",
    );
    const failed = req.context.instanceId === "bad";
    return {
      status: failed ? "failed" as const : "succeeded" as const,
      startedAt: at,
      endedAt: at,
      exitCode: 0,
    };
  };
}

async function runOnce(
  plan: Plan,
  runFolder: string,
  runId: string,
  options: { store?: CacheStore; force?: string[]; resume?: string },
): Promise<{ summary: RunSummary; ran: string[]; warnings: string[] }> {
  const ran: string[] = [];
  const warnings: string[] = [];
  const runner = fakeRunner(ran);
  const prepare = () => Promise.resolve({ ipynb: "{}", warnings: [] });
  const sources = options.resume === undefined
    ? []
    : [await RunFolderSource.open(options.resume, { warn: (m) => warnings.push(m) })];
  const summary = await executePlan(plan, {
    runFolder,
    runId,
    concurrency: 1,
    instanceRunner: cachingInstanceRunner({
      inner: localInstanceRunner({ runner, prepare }),
      keys: new KeyBuilder(plan, KERNELS),
      ...(options.store === undefined ? {} : { store: options.store }),
      sources,
      force: (i) => options.force?.includes(i.id) ?? false,
    }),
  });
  return { summary, ran: ran.sort(), warnings };
}

Deno.test("cachingInstanceRunner restores what is stored, runs the rest, and saves successes only", async (t) => {
  await using dir = await tempDir();
  for (const id of ["a", "b", "bad", "live"]) {
    await Deno.writeTextFile(join(dir.path, `${id}.py`), `# %%\nx = "${id}"\n`);
  }
  const plan: Plan = {
    pipeline: "p",
    baseDir: dir.path,
    parameters: {},
    layers: [],
    instances: [inst("a"), inst("b", ["a"]), inst("bad"), inst("live", [], { cache: false })],
  };
  const store = new CacheStore(join(dir.path, "cache"));
  const first = await runOnce(plan, join(dir.path, "r1"), "r1", { store });
  assertEquals(first.ran, ["a", "b", "bad", "live"]);
  assertOk(first.summary.tasks.every((x) => x.cacheKey?.length === 64 && x.cached === undefined));

  await t.step("a second run restores a and b; bad and live run again", async () => {
    const second = await runOnce(plan, join(dir.path, "r2"), "r2", { store });
    assertEquals(second.ran, ["bad", "live"]);
    const [a, b] = second.summary.tasks;
    assertEquals([a?.cached, a?.cachedFrom, b?.cached, b?.cachedFrom], [true, "r1", true, "r1"]);
    assertEquals(b?.values, { who: "b" });
    assertEquals(b?.artifacts.map((x) => x.path), ["tasks/b/attempt-1/artifacts/out.txt"]);
    assertEquals(
      await Deno.readTextFile(join(dir.path, "r2/tasks/b/attempt-1/artifacts/out.txt")),
      "b",
    );
    // The spans say the same as run.json: rebuilt, the records are equal.
    const { spans } = await readSpansFile(join(dir.path, "r2", "spans.jsonl"));
    const rebuilt = summaryFromSpans(spans, "r2");
    assertEquals(
      rebuilt.tasks.map((x) => [x.id, x.cacheKey, x.cached, x.cachedFrom]),
      second.summary.tasks.map((x) => [x.id, x.cacheKey, x.cached, x.cachedFrom]),
    );
  });

  await t.step("--force runs an instance whatever is stored", async () => {
    const forced = await runOnce(plan, join(dir.path, "r3"), "r3", { store, force: ["a"] });
    assertEquals(forced.ran, ["a", "bad", "live"]);
    assertEquals(forced.summary.tasks[1]?.cachedFrom, "r1");
  });

  await t.step("--resume reuses an earlier run's successes without a cache", async () => {
    const resumed = await runOnce(plan, join(dir.path, "r4"), "r4", {
      resume: join(dir.path, "r2"),
    });
    assertEquals(resumed.ran, ["bad", "live"]);
    // The producing run, not the run that restored it.
    assertEquals(resumed.summary.tasks.slice(0, 2).map((x) => x.cachedFrom), ["r1", "r1"]);
  });

  await t.step("a file changed in the earlier run folder is not reused", async () => {
    await Deno.writeTextFile(join(dir.path, "r2/tasks/a/attempt-1/artifacts/out.txt"), "A");
    const resumed = await runOnce(plan, join(dir.path, "r5"), "r5", {
      resume: join(dir.path, "r2"),
    });
    // a runs again and logs what it logged before: b, downstream, is still reused.
    assertEquals(resumed.ran, ["a", "bad", "live"]);
    assertEquals(resumed.warnings, [
      "cannot reuse 'a' of run r2: artifacts/out.txt has changed; it runs",
    ]);
    assertEquals(resumed.summary.tasks[1]?.cachedFrom, "r1");
    assertEquals(
      await Deno.readTextFile(join(dir.path, "r5/tasks/a/attempt-1/artifacts/out.txt")),
      "a",
    );
  });
});
