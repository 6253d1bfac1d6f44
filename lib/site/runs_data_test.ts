import { join } from "node:path";
import { assertEquals, assertOk, assertStringIncludes } from "../../tests/_deps.ts";
import { tempDir } from "../../tests/_helpers.ts";
import { historyRun, writeRunHistory } from "../../testing/run_history.ts";
import { buildSite } from "./build.ts";
import type { TaskRecord } from "../log/schema.ts";
import { ciLinks } from "./ci_links.ts";
import type { SiteRun } from "./model.ts";
import { buildRunData, runDataScript } from "./run_data.ts";
import { buildRunsData, runsDataScript } from "./runs_data.ts";

function site(i: number): SiteRun {
  const summary = historyRun(i);
  return { key: summary.runId, summary, interrupted: false };
}

function evalScript(text: string): Record<string, unknown> {
  const self: Record<string, unknown> = {};
  new Function("self", text)(self);
  return self;
}

Deno.test("buildRunsData() makes one row per run and a column per parameter, value, metric", async (t) => {
  const runs = [site(2), site(1), site(0)];
  const data = buildRunsData(runs);
  await t.step("names are bare where unique, task.name where two instances log one", () => {
    const names = data.columns.map((c) => c.name);
    assertOk(names.includes("learning_rate"));
    assertOk(names.includes("train_test_ratio"));
    assertOk(names.includes("benchmark[nr_train_images=600].mean_auc"));
    assertOk(names.includes("train-model[nr_train_images=1200].loss"));
    assertOk(!names.includes("mean_auc"));
    assertEquals(new Set(names).size, names.length);
  });
  await t.step("varying columns come first and make the automatic choice", () => {
    const firstConstant = data.columns.findIndex((c) => !c.varying);
    assertOk(firstConstant > 0);
    assertEquals(data.columns.slice(firstConstant).every((c) => !c.varying), true);
    assertEquals(data.auto[0], "learning_rate");
    assertOk(data.auto.every((n) => data.columns.find((c) => c.name === n)?.varying));
    assertOk(!data.auto.includes("train_test_ratio"));
  });
  await t.step("a stepped metric's cell is its last value, a row carries links", () => {
    const loss = data.columns.findIndex((c) => c.name === "train-model[nr_train_images=600].loss");
    const logged = runs[0]!.summary.tasks.find((x) => x.id === "train-model[nr_train_images=600]")!
      .metrics;
    assertEquals(data.runs[0]!.x[loss], logged.at(-1)!.value);
    assertEquals(data.columns[loss]!.kind, "metric");
    assertEquals(data.columns[loss]!.numeric, true);
    assertEquals(data.runs[0]!.commitUrl, ciLinks(runs[0]!.summary.ci).commitUrl);
    assertEquals(data.runs.map((r) => r.id), runs.map((r) => r.summary.runId));
  });
  await t.step("the script sets the same data, and a name like __proto__ stays a name", () => {
    const odd = site(3);
    odd.summary.parameters = { ...odd.summary.parameters, ["__proto__"]: "x" };
    const text = runsDataScript(buildRunsData([odd]));
    const parsed = evalScript(text).pynbRuns as { columns: { name: string }[] };
    assertOk(parsed.columns.some((c) => c.name === "__proto__"));
    assertEquals(Object.getPrototypeOf(parsed), Object.prototype);
  });
});

Deno.test("buildRunData() keeps what compare.html shows, and only safe figure sources", () => {
  const run = site(5);
  const t0 = run.summary.tasks.find((x) => x.id === "train-model[nr_train_images=600]")!;
  const many: TaskRecord["metrics"] = Array.from({ length: 1000 }, (_, s) => ({
    name: "loss",
    value: 1 / (s + 1),
    step: s,
  }));
  t0.metrics = many;
  const figures = new Map([[t0.id, [
    { name: "ok.png", src: "files/x/attempt-1/artifacts/ok.png" },
    { name: "shared.png", src: "../../artifacts/ab/cd.png" },
    { name: "up.png", src: "../../../etc/passwd" },
    { name: "abs", src: "/etc/passwd" },
    { name: "js", src: "javascript:alert(1)" },
    { name: "svg", src: "data:image/svg+xml;base64,PHN2Zy8+" },
    { name: "html", src: "data:text/html;base64,PHNjcmlwdD4=" },
  ]]]);
  const data = buildRunData(run, new Map([[t0.id, "t.html"]]), figures);
  const t = data.tasks.find((x) => x.id === t0.id)!;
  assertEquals(t.figures, [
    { name: "ok.png", src: `runs/${run.key}/files/x/attempt-1/artifacts/ok.png` },
    { name: "shared.png", src: "artifacts/ab/cd.png" },
    { name: "svg", src: "data:image/svg+xml;base64,PHN2Zy8+" },
  ]);
  assertEquals(t.page, "t.html");
  assertEquals(t.steps.loss?.length, 200);
  assertEquals(t.steps.loss?.at(-1), [999, 1 / 1000]);
  assertEquals(t.metrics.loss, 1 / 1000);
  // Pipeline parameters and matrix values are not repeated per instance.
  assertEquals(t.params, {});
  assertEquals(data.tasks.find((x) => x.id === "split")!.params, { train_test_ratio: 0.7 });
  const self = evalScript(runDataScript(data));
  assertEquals(
    (self.pynbRunData as Record<string, unknown>)[run.key],
    JSON.parse(JSON.stringify(data)),
  );
});

Deno.test("ciLinks() links only a repository and commit of the expected shape", () => {
  const base = { provider: "github" as const, repository: "o/r" };
  assertEquals(ciLinks({ ...base, commit: "not a sha" }), {});
  assertEquals(ciLinks({ ...base, repository: "o/../x", commit: "abcdef1" }), {});
  assertEquals(ciLinks({ ...base, repository: "javascript:x", pullRequest: 3 }), {});
  assertEquals(ciLinks({ ...base, url: "javascript:alert(1)" }), {});
  assertEquals(ciLinks({ ...base, pullRequest: 3, url: "https://github.com/o/r/actions/runs/1" }), {
    prUrl: "https://github.com/o/r/pull/3",
    ciUrl: "https://github.com/o/r/actions/runs/1",
  });
  assertEquals(ciLinks(undefined), {});
});

Deno.test("buildSite() writes the compare data of runs carried from an older site", async () => {
  await using dir = await tempDir("pynb-run-data-");
  const runs = join(dir.path, "runs");
  const ids = await writeRunHistory(runs, { runs: 2 });
  const out = join(dir.path, "site");
  await buildSite([runs], { out });
  const file = join(out, "runs", ids[0]!, "data.js");
  const fresh = await Deno.readTextFile(file);
  // A site built before compare.html existed has no data.js in its run folders.
  await Deno.remove(file);
  const report = await buildSite([], { out, previous: out });
  assertEquals(report.carried, 2);
  const text = await Deno.readTextFile(file);
  assertStringIncludes(text, JSON.stringify(JSON.stringify(ids[0]!)).slice(1, -1));
  assertEquals(text, fresh); // the history runs have no figures to lose
});
