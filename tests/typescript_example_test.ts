/**
 * The example of a TypeScript task between Python tasks (`examples/typescript-between-python`)
 * runs on real kernels, and the site shows the TypeScript instance: its values, its SVG figure
 * and its notebook's coloured results as HTML.
 */
import { join } from "node:path";
import { assertEquals, assertMatch, assertStringIncludes } from "./_deps.ts";
import { ROOT, runCliProcess, tempDir } from "./_helpers.ts";
import { RUN_PERMISSIONS } from "../lib/cli/run.ts";

const PIPELINE = join(ROOT, "examples/typescript-between-python/pipeline.yaml");

Deno.test("examples/typescript-between-python runs and its TypeScript task is shown on the site", async (t) => {
  await using dir = await tempDir();
  const out = join(dir.path, "runs");
  // An empty NO_COLOR leaves colours on: Deno's kernel colours its results as it does by default.
  const res = await runCliProcess(["run", PIPELINE, "--out", out, "--run-id", "example"], {
    flags: RUN_PERMISSIONS.split(" "),
    env: { NO_COLOR: "" },
  });
  await t.step(
    "every task succeeds, the Python task having read the TypeScript counts",
    async () => {
      assertEquals(res.code, 0, res.stderr);
      const values = await Deno.readTextFile(
        join(out, "example/tasks/compare/attempt-1/values.jsonl"),
      );
      assertMatch(values, /"name": "largest_bin_share", "value": \{"5": 0\.\d+, "10": 0\.\d+\}/);
    },
  );
  await t.step(
    "the site's page of a TypeScript instance shows its values, figure and output",
    async () => {
      const site = join(dir.path, "site");
      const built = await runCliProcess(["site", out, "--out", site], {
        flags: ["--allow-read", "--allow-write"],
      });
      assertEquals(built.code, 0, built.stderr);
      const page = await Deno.readTextFile(join(site, "runs/example/histogram_bins-10.html"));
      assertStringIncludes(page, "counts");
      assertStringIncludes(page, "histogram.svg");
      assertStringIncludes(page, "500 points in 10 bins");
      // Deno's kernel colours its results with ANSI codes: the page shows classes, not escapes.
      assertStringIncludes(page, 'class="ansi-yellow-fg"');
      assertEquals(page.includes("\u001b["), false);
    },
  );
});
