/**
 * Page weight: a run page stays small even for a wide pipeline (no artifacts inlined).
 *
 * @module
 */
import { join } from "node:path";
import { assertEquals, assertOk, assertStringIncludes } from "./_deps.ts";
import { tempDir } from "./_helpers.ts";
import { buildSite } from "../lib/site/build.ts";
import type { RunSummary, TaskRecord } from "../lib/log/schema.ts";

const INSTANCES = 200;

Deno.test("buildSite() keeps the run page of a 200-instance run under 200 KB", async () => {
  await using dir = await tempDir("pynb-site-weight-");
  const start = Date.parse("2026-11-20T06:00:00Z");
  const tasks: TaskRecord[] = Array.from({ length: INSTANCES }, (_, i) => {
    const s = new Date(start + i * 1000).toISOString();
    const e = new Date(start + i * 1000 + 30_000).toISOString();
    return {
      id: `train-model[nr_train_images=${i}]`,
      task: "train-model",
      slug: `train-model--nr_train_images-${i}`,
      matrix: { nr_train_images: i },
      parameters: { nr_train_images: i, data_lake_root: "data-lake" },
      needs: i ? ["split"] : [],
      notebook: "notebooks/train-model.py",
      status: i % 10 === 3 ? "failed" : "succeeded",
      startedAt: s,
      endedAt: e,
      durationSeconds: 30,
      attempts: [{
        attempt: 1,
        status: i % 10 === 3 ? "failed" : "succeeded",
        startedAt: s,
        endedAt: e,
      }],
      values: { accuracy: 0.9, rows: 1000 + i },
      metrics: [],
      artifacts: [],
    };
  });
  tasks[0] = { ...tasks[0]!, id: "split", task: "split", slug: "split", matrix: {} };
  const summary: RunSummary = {
    formatVersion: 1,
    runId: "wide-run",
    pipeline: { name: "wide" },
    status: "failed",
    trigger: "schedule",
    startedAt: new Date(start).toISOString(),
    endedAt: new Date(start + 300_000).toISOString(),
    durationSeconds: 300,
    parameters: {},
    tasks,
  };
  await Deno.mkdir(join(dir.path, "runs", "wide-run"), { recursive: true });
  await Deno.writeTextFile(join(dir.path, "runs", "wide-run", "run.json"), JSON.stringify(summary));
  const out = join(dir.path, "site");
  const report = await buildSite([join(dir.path, "runs")], { out, baseUrl: "/repo/" });
  assertEquals(report.runs, 1);
  const page = await Deno.readTextFile(join(out, "runs", "wide-run", "index.html"));
  // The 199 matrix instances are one DAG node; each still has a table row and a Gantt row.
  assertEquals(page.match(/class="dag-node /g)?.length, 2);
  assertStringIncludes(page, "train-model[×199]");
  assertEquals(page.match(/class="gantt-bar /g)?.length, INSTANCES);
  assertOk(page.length < 200_000, `run page is ${page.length} bytes`);
  assertStringIncludes(page, '<link rel="canonical" href="/repo/runs/wide-run/index.html">');
});
