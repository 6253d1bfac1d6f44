import { assertEquals, assertMatch, assertOk, assertStringIncludes } from "./_deps.ts";
import { runCliProcess, tempDir } from "./_helpers.ts";
import { assertTextSnapshot } from "./_github_snapshot.ts";
import { demoRun, writeRun } from "../testing/github_fixtures.ts";
import { renderSummary } from "../lib/github/summary.ts";

Deno.test("cli.ts summary prints a failed run compared with its baseline", async () => {
  await using dir = await tempDir();
  const head = await writeRun(dir.path, demoRun("head"));
  const base = await writeRun(dir.path, demoRun("base"));
  const res = await runCliProcess([
    "summary",
    head,
    "--compare",
    base,
    "--site-url",
    "https://octo.github.io/demo",
  ]);
  assertEquals(res.stderr, "");
  assertEquals(res.code, 0);
  const md = res.stdout;
  await assertTextSnapshot("summary-failed-compare.md", md);

  // What matters, checked apart from the snapshot so a careless update cannot hide it.
  assertStringIncludes(md, "## ❌ mnist\\-digits\\-demo\\-pipeline: failed");
  assertStringIncludes(md, "(https://octo.github.io/demo/runs/2026-11-27T04-00-00Z-head/)");
  assertStringIncludes(md, "```mermaid\nflowchart LR\n");
  assertStringIncludes(md, "```mermaid\ngantt\n  dateFormat x\n");
  assertStringIncludes(
    md,
    "| train\\-model\\[nr\\_train\\_images=600\\] | accuracy | 0.912 | 0.9 |",
  );
  assertMatch(md, /\| loss \| 0\.31 \| 0\.35 \| ▼ -0\.04 \(-11\.4%\) \|/);
  assertOk(!md.includes("\u001b"), "ANSI escapes must be stripped");
  assertOk(!md.includes("<img"), "HTML from names and values must be escaped");
  // The traceback holds ``` itself, so its fence must be longer.
  assertStringIncludes(md, "````text\n");
  assertStringIncludes(md, "ValueError: bad shape ```\n# not a heading\n````\n");
  // The failed instance comes first in the table.
  assertMatch(
    md,
    /\| Note \|\n\| --- .*\n\| train\\-model\\\[nr\\_train\\_images=800\\\] \| ❌ failed/,
  );
});

Deno.test("renderSummary() summarises a successful run without comparison", async () => {
  const md = renderSummary(demoRun("base"));
  await assertTextSnapshot("summary-succeeded.md", md);
  assertStringIncludes(md, "**5 task instances**: ✅ 5 succeeded");
  assertOk(!md.includes("### Failures"));
  assertOk(!md.includes("Baseline"));
  assertStringIncludes(md, "| ingest | source | sklearn \\| digits |");
});

Deno.test("renderSummary() counts cached instances and names the run they came from", () => {
  const run = demoRun("base");
  run.tasks = run.tasks.map((t, i) =>
    i < 2 ? { ...t, cached: true, cachedFrom: "2026-11-26T04-00-00Z-prev" } : t
  );
  const md = renderSummary(run);
  assertStringIncludes(md, "**5 task instances**: ✅ 5 succeeded (2 cached)");
  assertStringIncludes(md, "| ingest | ✅ succeeded |");
  assertStringIncludes(md, "| 1 | cached from run 2026\\-11\\-26T04\\-00\\-00Z\\-prev |");
});

Deno.test("renderSummary() warns when the baseline is a run of another pipeline", () => {
  const base = { ...demoRun("base"), pipeline: { name: "other*pipeline" } };
  const md = renderSummary(demoRun("head"), { baseline: base });
  assertStringIncludes(md, "Careful: it is a run of another pipeline, other\\*pipeline.");
  assertOk(!renderSummary(demoRun("head"), { baseline: demoRun("base") }).includes("Careful"));
});

Deno.test("renderSummary() leaves out diagrams of very large runs", () => {
  const run = demoRun("base");
  const md = renderSummary(run, { maxDiagramTasks: 3 });
  assertOk(!md.includes("```mermaid"));
  assertStringIncludes(md, "| ingest | ✅ succeeded |");
});

Deno.test("cli.ts summary reports bad input with exit code 2 and one message", async (t) => {
  await using dir = await tempDir();
  const head = await writeRun(dir.path, demoRun("head"));
  await t.step("a missing run folder", async () => {
    const res = await runCliProcess(["summary", `${dir.path}/nope`]);
    assertEquals(res.code, 2);
    assertMatch(res.stderr, /^error: .*nope/);
    assertOk(!res.stderr.includes("    at "), res.stderr);
  });
  await t.step("a --site-url that is not http(s)", async () => {
    const res = await runCliProcess(["summary", head, "--site-url", "javascript:alert(1)"]);
    assertEquals(res.code, 2);
    assertStringIncludes(res.stderr, "Cannot use --site-url 'javascript:alert(1)'");
    assertEquals(res.stdout, "");
  });
  await t.step("no --allow-read", async () => {
    const res = await runCliProcess(["summary", head], { flags: [] });
    assertEquals(res.code, 2);
    assertStringIncludes(res.stderr, "--allow-read");
    assertOk(!res.stderr.includes("    at "), res.stderr);
  });
});

Deno.test("renderSummary() stays under GitHub's size limit, giving up sections then rows", async (t) => {
  const run = demoRun("head");
  const full = renderSummary(run);
  const size = (s: string) => new TextEncoder().encode(s).length;
  await t.step("values first", () => {
    const md = renderSummary(run, { maxChars: size(full) - 20 });
    assertOk(size(md) <= size(full) - 20);
    assertOk(!md.includes("### Values") && md.includes("### Tasks"), md);
    assertMatch(md, /_Left out to stay within GitHub's step summary limit: values[,.]/);
  });
  await t.step("then rows of the task table, failures first", () => {
    const many = { ...run, tasks: [...run.tasks] };
    for (let i = 0; i < 400; i++) {
      many.tasks.push({ ...run.tasks[0]!, id: `extra-${i}`, needs: [], values: {}, metrics: [] });
    }
    const md = renderSummary(many, { maxChars: 8000 });
    assertOk(size(md) <= 8000, `${size(md)} bytes`);
    assertMatch(md, /_\d+ more task instances are listed on the site\._/);
    assertStringIncludes(md, "| train\\-model\\[nr\\_train\\_images=800\\] | ❌ failed");
    // Diagrams are out anyway above 150 instances; the others went to make room.
    assertStringIncludes(md, "limit: values, metrics. The site has everything.");
    assertMatch(md, /\n\| extra\\-\d+ \| ✅ succeeded \| 3\.2s \| 1 \| {2}\|\n\n_/);
    assertStringIncludes(md, "````text\n");
  });
});
