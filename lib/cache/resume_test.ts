import { createHash } from "node:crypto";
import { join } from "node:path";
import { assertEquals, assertOk as assert } from "../../tests/_deps.ts";
import { tempDir } from "../../tests/_helpers.ts";
import { inst } from "../../testing/run_parts.ts";
import { exists } from "../_base/fs.ts";
import { readSpansFile } from "../log/spans/otlp_read.ts";
import { summaryFromSpans } from "../log/spans/rebuild.ts";
import type { ValueLine } from "../log/schema.ts";
import { SpanLog } from "../log/spans/spans.ts";
import { writeRunSummary } from "../log/write_summary.ts";
import { RunFolderSource } from "./resume.ts";

const KEY = "ef".repeat(32);
const ATTEMPT = "tasks/a/attempt-1";

/** A finished run whose instance `a` succeeded with key KEY: a notebook, a value, an artifact. */
async function finishedRun(folder: string): Promise<void> {
  const at = new Date(Date.UTC(2026, 10, 30, 12));
  const dir = join(folder, ATTEMPT);
  await Deno.mkdir(join(dir, "artifacts"), { recursive: true });
  await Deno.writeTextFile(join(dir, "notebook.ipynb"), '{"cells": []}');
  await Deno.writeTextFile(join(dir, "artifacts", "x.txt"), "x");
  const values: ValueLine[] = [
    { kind: "value", name: "v", value: 1, timestamp: at.toISOString() },
    {
      kind: "artifact",
      name: "x.txt",
      path: "artifacts/x.txt",
      size: 1,
      sha256: createHash("sha256").update("x").digest("hex"),
      timestamp: at.toISOString(),
    },
  ];
  await Deno.writeTextFile(
    join(dir, "values.jsonl"),
    values.map((v) => JSON.stringify(v) + "\n").join(""),
  );
  const log = new SpanLog(join(folder, "spans.jsonl"), {
    runId: "r1",
    pipeline: "p",
    trigger: "local",
    parameters: {},
    startedAt: at,
  });
  const plan = [inst("a")];
  log.recordPlan(plan, at);
  const task = log.startTask(plan[0]!, at, []);
  log.recordAttempt(task, {
    attempt: 1,
    status: "succeeded",
    startedAt: at,
    endedAt: at,
    notebook: `${ATTEMPT}/notebook.ipynb`,
    values: values.map((v) => v.kind === "artifact" ? { ...v, path: `${ATTEMPT}/${v.path}` } : v),
  });
  log.endTask(task, { status: "succeeded", cacheKey: KEY }, at);
  log.endRun("succeeded", at);
  const { spans } = await readSpansFile(join(folder, "spans.jsonl"));
  await writeRunSummary(folder, summaryFromSpans(spans, "r1"));
}

Deno.test("RunFolderSource reuses an instance only when its folder is what the run recorded", async (t) => {
  const cases: [string, (attempt: string, outside: string) => Promise<void>, string][] = [
    ["values.jsonl edited", async (a) => {
      const text = await Deno.readTextFile(join(a, "values.jsonl"));
      await Deno.writeTextFile(join(a, "values.jsonl"), text.replace('"value":1', '"value":2'));
    }, "values.jsonl differs"],
    ["a value added", async (a) => {
      await Deno.writeTextFile(
        join(a, "values.jsonl"),
        '{"kind":"metric","name":"m","value":1,"step":null,"timestamp":"2026-11-30T12:00:00Z"}\n',
        { append: true },
      );
    }, "values.jsonl differs"],
    ["the notebook removed", async (a) => {
      await Deno.remove(join(a, "notebook.ipynb"));
    }, "notebook is missing"],
    ["an artifact changed", async (a) => {
      await Deno.writeTextFile(join(a, "artifacts", "x.txt"), "y");
    }, "has changed"],
    ["an unrecorded file added", async (a) => {
      await Deno.writeTextFile(join(a, "artifacts", "extra.txt"), "extra");
    }, "is not recorded"],
    ["the notebook is a link", async (a, outside) => {
      await Deno.remove(join(a, "notebook.ipynb"));
      await Deno.symlink(join(outside, "secret"), join(a, "notebook.ipynb"));
    }, "symbolic link"],
    ["the attempt folder is a link", async (a, outside) => {
      await Deno.rename(a, join(outside, "attempt"));
      await Deno.symlink(join(outside, "attempt"), a);
    }, "symbolic link"],
    ["artifacts/ is a link", async (a, outside) => {
      await Deno.rename(join(a, "artifacts"), join(outside, "artifacts"));
      await Deno.symlink(join(outside, "artifacts"), join(a, "artifacts"));
    }, "symbolic link"],
  ];
  for (const [name, spoil, why] of cases) {
    await t.step(name, async () => {
      await using dir = await tempDir();
      const run = join(dir.path, "runs", "r1");
      const outside = join(dir.path, "outside");
      await Deno.mkdir(outside);
      await Deno.writeTextFile(join(outside, "secret"), "canary");
      await finishedRun(run);
      await spoil(join(run, ATTEMPT), outside);
      const warnings: string[] = [];
      const source = await RunFolderSource.open(run, { warn: (m) => warnings.push(m) });
      const target = join(dir.path, "run2", ATTEMPT);
      assertEquals(await source.restore(KEY, target), undefined);
      assertEquals(await exists(target), false);
      assertEquals(warnings.length, 1);
      assert(warnings[0]!.includes("'a'") && warnings[0]!.includes(why), warnings[0]);
    });
  }
  await t.step("an untouched folder is reused, also through a linked --resume path", async () => {
    await using dir = await tempDir();
    const run = join(dir.path, "runs", "r1");
    await finishedRun(run);
    await Deno.symlink(run, join(dir.path, "runs", "latest"));
    const warnings: string[] = [];
    const source = await RunFolderSource.open(join(dir.path, "runs", "latest"), {
      warn: (m) => warnings.push(m),
    });
    const target = join(dir.path, "run2", ATTEMPT);
    assertEquals(await source.restore(KEY, target), { runId: "r1" });
    assertEquals(warnings, []);
    assertEquals(await Deno.readTextFile(join(target, "artifacts", "x.txt")), "x");
  });
});
