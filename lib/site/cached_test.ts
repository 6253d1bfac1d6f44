import { join } from "node:path";
import { assertEquals, assertStringIncludes } from "../../tests/_deps.ts";
import { tempDir } from "../../tests/_helpers.ts";
import type { RunSummary, TaskRecord } from "../log/schema.ts";
import { writeRunSummary } from "../log/write_summary.ts";
import { buildSite } from "./build.ts";

function task(id: string, extra: Partial<TaskRecord> = {}): TaskRecord {
  return {
    id,
    task: id,
    slug: id,
    matrix: {},
    parameters: {},
    needs: [],
    notebook: `${id}.py`,
    status: "succeeded",
    startedAt: "2026-11-30T04:00:00.000Z",
    endedAt: "2026-11-30T04:00:01.000Z",
    durationSeconds: 1,
    attempts: [{ attempt: 1, status: "succeeded", startedAt: "2026-11-30T04:00:00.000Z" }],
    values: {},
    metrics: [],
    artifacts: [],
    ...extra,
  };
}

async function writeRun(runs: string, runId: string, startedAt: string, tasks: TaskRecord[]) {
  const summary: RunSummary = {
    formatVersion: 1,
    runId,
    pipeline: { name: "p" },
    status: "succeeded",
    trigger: "local",
    startedAt,
    endedAt: startedAt,
    durationSeconds: 1,
    parameters: {},
    tasks,
  };
  await Deno.mkdir(join(runs, runId), { recursive: true });
  await writeRunSummary(join(runs, runId), summary);
}

Deno.test("buildSite() marks cached instances and links the run that produced them", async () => {
  await using dir = await tempDir();
  const runs = join(dir.path, "runs");
  await writeRun(runs, "r1", "2026-11-29T04:00:00.000Z", [task("a")]);
  await writeRun(runs, "r2", "2026-11-30T04:00:00.000Z", [
    task("a", { cached: true, cachedFrom: "r1" }),
    task("b", { cached: true, cachedFrom: "<gone>" }),
    task("c"),
  ]);
  const out = join(dir.path, "_site");
  await buildSite([runs], { out });
  const runPage = await Deno.readTextFile(join(out, "runs", "r2", "index.html"));
  const tags = [...runPage.matchAll(/<(a|span) class="tag cached"[^>]*>/g)].map((m) => m[0]);
  assertEquals(tags, [
    '<a class="tag cached" href="../../runs/r1/index.html" title="restored from run r1">',
    // A producing run the site does not show is named, escaped, without a link.
    '<span class="tag cached" title="restored from run &lt;gone&gt;">',
  ]);
  const a = await Deno.readTextFile(join(out, "runs", "r2", "a.html"));
  assertStringIncludes(a, 'Restored from</dt><dd><a href="../../runs/r1/index.html">r1</a>');
  const c = await Deno.readTextFile(join(out, "runs", "r2", "c.html"));
  assertEquals(c.includes("tag cached"), false);
  assertEquals(c.includes("Restored from"), false);
});
