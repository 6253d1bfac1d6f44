/**
 * Run parts for tests of merging: written as `run --only` writes them (derived ids, the whole
 * plan), with one artifact and one value per instance that ran.
 *
 * @module
 */
import { join } from "node:path";
import type { PlannedInstance } from "../lib/plan/types.ts";
import { readSpansFile } from "../lib/log/spans/otlp_read.ts";
import { summaryFromSpans } from "../lib/log/spans/rebuild.ts";
import { derivedTaskContext } from "../lib/log/spans/span_ids.ts";
import { SpanLog } from "../lib/log/spans/spans.ts";
import { writeRunSummary } from "../lib/log/write_summary.ts";

/** An instance of the test plan. */
export const inst = (id: string, needs: string[] = []): PlannedInstance => ({
  id,
  task: id,
  slug: id,
  matrix: {},
  parameters: { n: 1 },
  needs,
  notebook: `${id}.py`,
  timeoutSeconds: 30,
  retries: 0,
  kernel: "python3",
  env: {},
});

// a -> b -> d, a -> c
/** The test plan. */
export const PLAN = [inst("a"), inst("b", ["a"]), inst("c", ["a"]), inst("d", ["b"])];

/** Writes a part of run `runId` as `run --only` does: derived ids, the whole plan, its own ids. */
export async function writePart(
  folder: string,
  runId: string,
  ran: Record<string, "succeeded" | "failed">,
  options: { pipeline?: string; plan?: PlannedInstance[]; at?: number } = {},
): Promise<string> {
  await Deno.mkdir(folder, { recursive: true });
  const t0 = new Date(Date.UTC(2026, 10, 30, 12, 0, options.at ?? 0));
  const log = new SpanLog(join(folder, "spans.jsonl"), {
    runId,
    pipeline: options.pipeline ?? "p",
    trigger: "local",
    parameters: { n: 1 },
    startedAt: t0,
  }, { derivedIds: true });
  const plan = options.plan ?? PLAN;
  log.recordPlan(plan, t0, Object.keys(ran));
  for (const [id, status] of Object.entries(ran)) {
    const instance = plan.find((i) => i.id === id)!;
    const links = instance.needs.map((n) => derivedTaskContext(runId, n));
    const task = log.startTask(instance, t0, links);
    const rel = `tasks/${id}/attempt-1`;
    await Deno.mkdir(join(folder, rel, "artifacts"), { recursive: true });
    await Deno.writeTextFile(join(folder, rel, "artifacts", "x.txt"), id);
    await Deno.writeTextFile(join(folder, rel, "notebook.ipynb"), '{"cells": []}');
    const end = new Date(t0.getTime() + 1000);
    log.recordAttempt(task, {
      attempt: 1,
      status,
      startedAt: t0,
      endedAt: end,
      notebook: `${rel}/notebook.ipynb`,
      values: [{ kind: "value", name: "v", value: id, timestamp: end.toISOString() }],
      ...(status === "failed" ? { error: { ename: "E", evalue: "boom", traceback: [] } } : {}),
    });
    log.endTask(task, { status }, end);
  }
  log.endRun(Object.values(ran).every((s) => s === "succeeded") ? "succeeded" : "failed", t0);
  const { spans } = await readSpansFile(join(folder, "spans.jsonl"));
  await writeRunSummary(folder, summaryFromSpans(spans, runId));
  return folder;
}
