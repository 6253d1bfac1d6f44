/**
 * A notebook that prints 50 MB must not give a 50 MB page: the instance page shows a bounded part
 * of each output, says how much there was and links the executed notebook, which the site copies
 * whole from the run folder. The notebook is a real `.ipynb` file written here (no kernel needed).
 *
 * @module
 */
import { join } from "node:path";
import { assertEquals, assertMatch, assertOk, assertStringIncludes } from "./_deps.ts";
import { tempDir } from "./_helpers.ts";
import { buildSite } from "../lib/site/build.ts";
import type { RunSummary } from "../lib/log/schema.ts";

const MB = 1_000_000;

function stream(text: string) {
  return { output_type: "stream", name: "stdout", text };
}

function code(source: string, outputs: unknown[]) {
  return { cell_type: "code", source, execution_count: 1, metadata: {}, outputs };
}

async function writeRun(folder: string, cells: unknown[]): Promise<number> {
  const rel = "tasks/big/attempt-1";
  await Deno.mkdir(join(folder, rel), { recursive: true });
  const notebook = JSON.stringify({ cells, metadata: {}, nbformat: 4, nbformat_minor: 5 });
  await Deno.writeTextFile(join(folder, rel, "notebook.ipynb"), notebook);
  const at = "2026-11-27T04:00:00.000Z";
  const summary: RunSummary = {
    formatVersion: 1,
    runId: "big-output",
    pipeline: { name: "big" },
    status: "succeeded",
    trigger: "local",
    startedAt: at,
    endedAt: at,
    durationSeconds: 1,
    parameters: {},
    tasks: [{
      id: "big",
      task: "big",
      slug: "big",
      matrix: {},
      parameters: {},
      needs: [],
      notebook: "big.py",
      status: "succeeded",
      startedAt: at,
      endedAt: at,
      durationSeconds: 1,
      attempts: [{
        attempt: 1,
        status: "succeeded",
        startedAt: at,
        endedAt: at,
        durationSeconds: 1,
        notebook: `${rel}/notebook.ipynb`,
      }],
      values: {},
      metrics: [],
      artifacts: [],
    }],
  };
  await Deno.writeTextFile(join(folder, "run.json"), JSON.stringify(summary));
  return notebook.length;
}

Deno.test("buildSite() shows a bounded part of a notebook's huge outputs", async (t) => {
  await using dir = await tempDir("pynb-site-big-");
  const line = "0123456789 the same line printed again and again, ".repeat(2) + "\n";
  const huge = `FIRST LINE\n${line.repeat(Math.ceil(50 * MB / line.length))}LAST LINE\n`;
  const many = Array.from({ length: 1500 }, (_, i) => stream(`output ${i} ${"y".repeat(10_000)}`));
  const bigPng = "iVBORw0KGgo" + "A".repeat(3 * 1024 * 1024);
  const size = await writeRun(join(dir.path, "runs", "big-output"), [
    code("print(big)", [stream(huge)]),
    code("show()", [{ output_type: "display_data", data: { "image/png": bigPng }, metadata: {} }]),
    code("for i in range(1500): print(...)", many),
  ]);
  assertOk(size > 65 * MB);
  const out = join(dir.path, "site");
  const report = await buildSite([join(dir.path, "runs")], { out });
  assertEquals(report.problems, []);
  const page = await Deno.readTextFile(join(out, "runs", "big-output", "big.html"));

  await t.step("the page stays small", () => {
    assertOk(page.length < 10 * 1024 * 1024, `page is ${page.length} bytes`);
  });
  await t.step("a long stream shows its start and end and says it was cut", () => {
    assertStringIncludes(page, "FIRST LINE");
    assertStringIncludes(page, "LAST LINE");
    assertStringIncludes(
      page,
      "Output truncated: 50.0 MB total, showing the first 16,000 and the last 16,000 " +
        "characters; full output in the " +
        "executed notebook <a href=",
    );
    assertMatch(
      page,
      /executed notebook <a href="\.\.\/\.\.\/blobs\/[0-9a-f]{2}\/[0-9a-f]{64}\.ipynb" download>/,
    );
  });
  await t.step("a huge image is left out, with the link", () => {
    assertStringIncludes(page, "Output not shown: 3.1 MB of image/png; full output in the");
    assertEquals(page.includes(bigPng.slice(0, 100_000)), false);
  });
  await t.step("outputs past the notebook's budget are left out, with a count", () => {
    assertOk(
      /\d+ outputs \([\d.]+ MB\) not shown: the outputs of this notebook passed 8\.0 MB/.test(page),
    );
    assertStringIncludes(page, "output 0 ");
    assertEquals(page.includes("output 1499 "), false);
  });
  await t.step("the site links the whole executed notebook", async () => {
    const href = page.match(/href="\.\.\/\.\.\/(blobs\/[0-9a-f]{2}\/[0-9a-f]{64}\.ipynb)"/)?.[1] ??
      "";
    const copied = await Deno.stat(join(out, href));
    assertEquals(copied.size, size);
  });
});
