/**
 * Snapshots of the generated HTML of a small fixture site (`UPDATE_SNAPSHOTS=1` to update).
 *
 * @module
 */
import { join } from "node:path";
import { assertSnapshot } from "./_snapshot.ts";
import { tempDir } from "./_helpers.ts";
import { FIXTURE_RUN_IDS, makeRuns } from "./fixtures/make_runs.ts";
import { buildSite } from "../lib/site/build.ts";

Deno.test("buildSite() writes the same HTML for the same runs", async (t) => {
  await using dir = await tempDir("pynb-site-snap-");
  await makeRuns(join(dir.path, "runs"));
  const [a, b] = FIXTURE_RUN_IDS;
  const out = join(dir.path, "site");
  await buildSite([join(dir.path, "runs", a), join(dir.path, "runs", b)], {
    out,
    title: "Snapshot",
    now: new Date("2026-11-24T00:00:00Z"),
  });
  const read = (path: string) => Deno.readTextFile(join(out, path));
  await t.step("runs list", async (t) => await assertSnapshot(t, await read("index.html")));
  await t.step("run page", async (t) => {
    await assertSnapshot(t, await read(`runs/${b}/index.html`));
  });
  await t.step("failed instance page", async (t) => {
    await assertSnapshot(t, await read(`runs/${b}/summary.html`));
  });
  await t.step("experiment page", async (t) => {
    await assertSnapshot(t, await read("experiments/train-model.html"));
  });
});
