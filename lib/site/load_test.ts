import { join } from "node:path";
import { assertEquals, assertRejects, assertStringIncludes } from "../../tests/_deps.ts";
import { tempDir } from "../../tests/_helpers.ts";
import { FIXTURE_RUN_IDS, makeRuns } from "../../tests/fixtures/make_runs.ts";
import { loadRuns, SiteInputError } from "./load.ts";

Deno.test("loadRuns() reads a folder of runs and reports the ones it cannot show", async () => {
  await using dir = await tempDir("pynb-load-");
  await makeRuns(dir.path);
  const { runs, problems } = await loadRuns([dir.path]);
  const ids = runs.map((r) => r.summary.runId);
  for (const id of FIXTURE_RUN_IDS) assertEquals(ids.includes(id), true, id);
  assertEquals(new Set(ids).size, ids.length);
  const why = problems.map((p) => p.message).join("\n");
  assertStringIncludes(why, "corrupt-run");
  assertStringIncludes(why, "bad-schema-run");
  assertStringIncludes(why, `run id '${FIXTURE_RUN_IDS[0]}' is already shown`);
  // The first folder in name order is kept; the duplicate is the reported one.
  const kept = runs.find((r) => r.summary.runId === FIXTURE_RUN_IDS[0]);
  assertEquals(kept?.folder, join(dir.path, FIXTURE_RUN_IDS[0]));
  assertEquals(kept?.key, FIXTURE_RUN_IDS[0]);
});

Deno.test("loadRuns() gives unsafe run ids a safe, unique page folder", async () => {
  await using dir = await tempDir("pynb-load-");
  await makeRuns(dir.path);
  const summary = JSON.parse(
    await Deno.readTextFile(join(dir.path, FIXTURE_RUN_IDS[1], "run.json")),
  );
  summary.runId = "../../etc/passwd";
  await Deno.writeTextFile(join(dir.path, FIXTURE_RUN_IDS[1], "run.json"), JSON.stringify(summary));
  const { runs } = await loadRuns([join(dir.path, FIXTURE_RUN_IDS[1])]);
  assertEquals(runs.length, 1);
  assertEquals(/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(runs[0]!.key), true, runs[0]!.key);
});

Deno.test("loadRuns() refuses an input that does not exist", async () => {
  await assertRejects(() => loadRuns(["/nonexistent-pynb-runs"]), SiteInputError, "no such folder");
});

Deno.test("loadRuns() leaves out the site folder when it sits among the runs", async () => {
  await using dir = await tempDir("pynb-load-");
  await makeRuns(dir.path);
  await Deno.mkdir(join(dir.path, "_site"));
  const all = await loadRuns([dir.path]);
  assertStringIncludes(all.problems.map((p) => p.folder).join("\n"), "_site");
  const { problems } = await loadRuns([dir.path], { skip: [join(dir.path, "_site")] });
  assertEquals(problems.some((p) => p.folder.endsWith("_site")), false);
});
