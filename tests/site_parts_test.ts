/**
 * The parts of a site build, each on its own: the reader's typed run, the pure view-model
 * builders, the renderer, the writer, and the build plan.
 *
 * @module
 */
import { join } from "node:path";
import { assertEquals, assertMatch, assertOk, assertStringIncludes } from "./_deps.ts";
import { ROOT, tempDir } from "./_helpers.ts";
import { FIXTURE_RUN_IDS, makeRuns } from "./fixtures/make_runs.ts";
import { readRunFolder } from "../lib/log/read.ts";
import { planSite } from "../lib/site/build.ts";
import { copyInstanceFiles } from "../lib/site/instance_files.ts";
import { buildInstancePageModel } from "../lib/site/instance_model.ts";
import type { SiteRun } from "../lib/site/model.ts";
import { pageContext } from "../lib/site/page.ts";
import { buildRunPageModel } from "../lib/site/run_model.ts";
import { renderRunPage, writeRunPages } from "../lib/site/run_pages.ts";
import { DEFAULT_SITE_BASE, loadSiteFiles } from "../lib/site/templates.ts";

const [A, B] = FIXTURE_RUN_IDS;

async function siteRun(folder: string, key: string): Promise<SiteRun> {
  const read = await readRunFolder(folder);
  return {
    key,
    summary: read.summary,
    interrupted: read.interrupted,
    folder,
    files: read.files,
  };
}

Deno.test("readRunFolder() of an interrupted run lists the attempts found on disk", async () => {
  const run = await readRunFolder(join(ROOT, "tests/fixtures/runs/real-interrupted-run"));
  assertEquals(run.interrupted, true);
  assertEquals(run.attemptFolders.map((f) => [f.slug, f.attempt, f.notebook]), [
    ["sleep", 1, "tasks/sleep/attempt-1/notebook.ipynb"],
  ]);
  const sleep = run.summary.tasks.find((t) => t.slug === "sleep");
  assertEquals(sleep?.status, "running");
  assertEquals(sleep?.attempts[0]?.stderr, "tasks/sleep/attempt-1/stderr.txt");
  // No span tells when it started: the folder's time does.
  assertOk(Date.parse(run.summary.startedAt) > Date.parse("2020-01-01"));
  assertEquals(run.files.warnings, []);
});

Deno.test("buildRunPageModel() gives the run page's data without reading a file", async () => {
  await using dir = await tempDir("pynb-site-parts-");
  await makeRuns(dir.path);
  const run = await siteRun(join(dir.path, B), B);
  const previous = await siteRun(join(dir.path, A), A);
  // The model builder is pure: a run without a folder gives the same model.
  const bare: SiteRun = { key: run.key, summary: run.summary, interrupted: run.interrupted };
  const model = buildRunPageModel(bare, { previous });
  assertEquals(model.path, `runs/${B}/index.html`);
  assertEquals(model.tasks[0]?.status, "failed"); // failures first
  assertEquals(model.pages.get("summary"), "summary.html");
  assertStringIncludes(model.dag, "<svg");
  assertStringIncludes(model.gantt, 'class="gantt"');
  assertEquals(model.previous?.key, A);
  assertEquals(model.counts.failed, 1);
  assertEquals(JSON.stringify(buildRunPageModel(run, { previous })), JSON.stringify(model));
});

Deno.test("buildInstancePageModel() renders the notebook, stderr and error it is given", async () => {
  await using dir = await tempDir("pynb-site-parts-");
  await makeRuns(dir.path);
  const run = await siteRun(join(dir.path, B), B);
  const common = buildRunPageModel(run);
  const task = run.summary.tasks.find((t) => t.id === "summary")!;
  const model = buildInstancePageModel(task, common, {
    attempts: [{ attempt: 1, notebookHref: "files/summary/attempt-1/notebook.ipynb" }],
    notebook: {
      text: JSON.stringify({
        cells: [{ cell_type: "markdown", source: "# Report <script>x()</script>" }],
        metadata: {},
      }),
      href: "files/summary/attempt-1/notebook.ipynb",
    },
    stderr: { text: "\u001b[31mwarned\u001b[0m", cut: true },
    artifacts: [],
  });
  assertEquals(model.page, "summary.html");
  assertStringIncludes(model.notebookHtml ?? "", "<h1>Report </h1>");
  assertEquals(model.notebookHtml?.includes("<script"), false);
  assertStringIncludes(model.stderrHtml ?? "", "ansi-red-fg");
  assertEquals(model.stderrCut, true);
  assertEquals(model.attempts[0]?.notebookHref, "files/summary/attempt-1/notebook.ipynb");
  assertOk(model.error !== undefined && model.errorHtml !== undefined);
  assertEquals(model.experimentHref, "../../experiments/summary.html");
});

Deno.test("copyInstanceFiles() copies what an instance page links", async () => {
  await using dir = await tempDir("pynb-site-parts-");
  await makeRuns(join(dir.path, "runs"));
  const run = await siteRun(join(dir.path, "runs", B), B);
  const task = run.summary.tasks.find((t) => t.id === "eda")!;
  const out = join(dir.path, "out");
  const files = copyInstanceFiles(run, task, { dir: out, page: "eda", made: new Set() });
  assertEquals(files.artifacts.map((a) => [a.name, a.href]), [
    ["digits.png", "files/eda/attempt-1/artifacts/digits.png"],
  ]);
  const copied = await Deno.readFile(join(out, "files/eda/attempt-1/artifacts/digits.png"));
  assertEquals(copied.slice(1, 4), new TextEncoder().encode("PNG"));
});

Deno.test("renderRunPage() and writeRunPages() render and write a run's pages", async (t) => {
  await using dir = await tempDir("pynb-site-parts-");
  await makeRuns(join(dir.path, "runs"));
  const run = await siteRun(join(dir.path, "runs", B), B);
  const site = await loadSiteFiles(DEFAULT_SITE_BASE);
  const ctx = pageContext(site.eta, {
    out: join(dir.path, "out"),
    title: "T",
    baseUrl: "",
    problemCount: 0,
  });
  await t.step("the renderer fills the run template", () => {
    const html = renderRunPage(buildRunPageModel(run), ctx);
    assertStringIncludes(html, `<title>${run.summary.pipeline.name} · ${B}`);
    assertStringIncludes(html, 'href="summary.html"');
  });
  await t.step("the writer writes one page per instance and the index", async () => {
    const result = await writeRunPages(run, ctx);
    assertEquals(result.pages, run.summary.tasks.length + 1);
    const names = [];
    for await (const e of Deno.readDir(join(dir.path, "out", "runs", B))) {
      if (e.name.endsWith(".html")) names.push(e.name);
    }
    assertEquals(names.length, result.pages);
    const page = await Deno.readTextFile(join(dir.path, "out", "runs", B, "summary.html"));
    assertMatch(page, /href="\.\.\/\.\.\/blobs\/[0-9a-f]{2}\/[0-9a-f]{64}\.ipynb"/);
  });
});

Deno.test("planSite() merges history, keeps keys, prunes and pairs previous runs", async () => {
  await using dir = await tempDir("pynb-site-parts-");
  await makeRuns(dir.path);
  const a = await siteRun(join(dir.path, A), A);
  const b = await siteRun(join(dir.path, B), B);
  const history = {
    historyFormatVersion: 1 as const,
    generator: "test",
    title: "old",
    builtAt: "2026-11-23T00:00:00Z",
    runs: [{ key: "kept-key", interrupted: false, summary: a.summary }],
  };
  const plan = planSite([a, b], history, { out: "x", keepRuns: 1 });
  assertEquals(plan.all.get(A)?.key, "kept-key");
  assertEquals([...plan.fresh].sort(), [A, B]);
  assertEquals(plan.kept.map((r) => r.summary.runId), [B]);
  assertEquals(plan.previousOf.size, 0);
  const all = planSite([a, b], undefined, { out: "x" });
  assertEquals(all.previousOf.get(B)?.summary.runId, A);
});

Deno.test("buildInstancePageModel() bounds the charts and lists of a metric logged 100,000 times", async () => {
  await using dir = await tempDir("pynb-site-parts-");
  await makeRuns(dir.path);
  const run = await siteRun(join(dir.path, B), B);
  const task = { ...run.summary.tasks.find((t) => t.id === "summary")! };
  const n = 100_000;
  task.metrics = [
    ...Array.from({ length: n }, (_, i) => ({ name: "loss", value: 1 / (i + 1), step: i })),
    ...Array.from({ length: n }, (_, i) => ({ name: "seen", value: i, step: null })),
  ];
  const model = buildInstancePageModel(task, buildRunPageModel(run), {
    attempts: [],
    artifacts: [],
  });
  const [loss, seen] = model.metrics;
  assertOk((loss?.chart?.length ?? 0) < 400_000, `chart is ${loss?.chart?.length} characters`);
  const points = /<polyline[^>]* points="([^"]*)"/.exec(loss?.chart ?? "")?.[1]?.trim().split(
    /\s+/,
  );
  assertEquals(points?.length, 2000);
  assertEquals(seen?.values.length, 101);
  assertEquals(seen?.values.at(-1), `… ${n - 100} more`);
});
