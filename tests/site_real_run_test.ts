/**
 * The site built from a run folder written by the real executor (`cli.ts run` on
 * `tests/fixtures/pipelines/run/pipeline.yaml`, kept under `tests/fixtures/runs/`).
 *
 * @module
 */
import { join } from "node:path";
import { assertEquals, assertOk, assertStringIncludes } from "./_deps.ts";
import { ROOT, tempDir } from "./_helpers.ts";
import { buildSite } from "../lib/site/build.ts";

const RUN = join(ROOT, "tests", "fixtures", "runs", "real-executor-run");

Deno.test("buildSite() shows a run written by the real executor", async (t) => {
  await using dir = await tempDir("pynb-site-real-");
  const report = await buildSite([RUN], { out: dir.path });
  assertEquals(report.problems, []);
  assertEquals(report.runs, 1);
  const read = (p: string) => Deno.readTextFile(join(dir.path, "runs", "real-executor-run", p));
  const run = await read("index.html");
  await t.step("the run page lists failures first and draws every instance", () => {
    assertEquals(run.match(/class="dag-node /g)?.length, 9);
    const failures = run.slice(run.indexOf('class="failures"'), run.indexOf("<h2>Graph</h2>"));
    assertStringIncludes(failures, "broken");
    assertStringIncludes(failures, "slow");
    assertStringIncludes(failures, "ValueError");
    // flaky failed once, then succeeded: two bars in its Gantt row.
    const gantt = run.slice(run.indexOf('<svg class="gantt"'));
    const at = gantt.indexOf(">flaky</text>");
    const row = gantt.slice(at, gantt.indexOf("</a>", at));
    assertEquals(row.match(/class="gantt-bar /g)?.length, 2);
  });
  await t.step("an instance page shows values, metrics and artifacts as logged", async () => {
    const hello = await read("hello.html");
    assertStringIncludes(hello, "Grüße ✓");
    assertStringIncludes(hello, "<h3>score</h3>");
    // Stored once under blobs/, by the SHA-256 of its bytes.
    const href = hello.match(
      /href="\.\.\/\.\.\/(blobs\/[0-9a-f]{2}\/[0-9a-f]{64}\.txt)" download="hello\.txt"/,
    )?.[1];
    assertOk(href, "no link to hello.txt");
    assertOk((await Deno.stat(join(dir.path, href))).size > 0);
    assertStringIncludes(hello, 'class="notebook"');
  });
  await t.step("the failed instance shows its error and the partial notebook", async () => {
    const broken = await read("broken.html");
    assertStringIncludes(broken, 'class="error-box"');
    assertStringIncludes(broken, "ValueError");
    assertStringIncludes(broken, 'class="nb-error"');
  });
  await t.step("the timed out instance says so even without a notebook", async () => {
    const slow = await read("slow.html");
    assertStringIncludes(slow, "Timeout");
  });
});

Deno.test("buildSite() shows a run killed with SIGKILL as interrupted, dated by its folder", async () => {
  await using dir = await tempDir("pynb-site-killed-");
  const killed = join(ROOT, "tests", "fixtures", "runs", "real-interrupted-run");
  const report = await buildSite([killed], { out: dir.path });
  assertEquals(report.problems, []);
  const index = await Deno.readTextFile(join(dir.path, "index.html"));
  assertStringIncludes(index, 'data-status="interrupted"');
  assertEquals(index.includes("1970-01-01"), false);
  const run = await Deno.readTextFile(join(dir.path, "runs", "real-interrupted-run", "index.html"));
  assertStringIncludes(run, "it was interrupted or is still running");
  // Its spans list no task, but the folder holds the partial notebook of the sleeping cell.
  const sleep = await Deno.readTextFile(
    join(dir.path, "runs", "real-interrupted-run", "sleep.html"),
  );
  assertStringIncludes(sleep, "Still running when the run stopped");
  assertStringIncludes(sleep, 'class="notebook"');
  assertStringIncludes(sleep, "time.sleep(");
});
