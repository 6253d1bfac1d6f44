/**
 * `cli.ts summary` on run folders written by the real executor (`cli.ts run` with real Jupyter
 * kernels), finished and interrupted: the contract between the two holds end to end.
 */
import { join } from "node:path";
import { assertEquals, assertMatch, assertOk, assertStringIncludes } from "./_deps.ts";
import { runCliProcess, tempDir } from "./_helpers.ts";
import { RUN_PERMISSIONS } from "../lib/cli/run.ts";

Deno.test("cli.ts summary reports a real run: failure traceback, skipped task, metrics", async (t) => {
  await using dir = await tempDir();
  const run = await runCliProcess(
    ["run", "tests/fixtures/github/pipeline/pipeline.yaml", "--out", dir.path, "--run-id", "e2e"],
    { flags: RUN_PERMISSIONS.split(" ") },
  );
  assertEquals(run.code, 1, run.stderr);
  const folder = join(dir.path, "e2e");

  await t.step("a finished run", async () => {
    const res = await runCliProcess(["summary", folder]);
    assertEquals(res.code, 0, res.stderr);
    const md = res.stdout;
    assertStringIncludes(md, "## ❌ github\\-summary\\-e2e: failed");
    assertStringIncludes(md, "**3 task instances**: ❌ 1 failed, ⏭️ 1 skipped, ✅ 1 succeeded");
    assertMatch(md, /\| train\\\[size=2\\\] \| ❌ failed \| [\d.]+s \| 1 \| ValueError\\: size 2/);
    assertMatch(md, /\| report \| ⏭️ skipped \| {2}\| 0 \| upstream/);
    assertMatch(md, /```text\n[^`]*raise ValueError\("size 2 is not supported"\)[^`]*\n```/);
    assertOk(!md.includes("\u001b"), "ANSI codes from the kernel's traceback must be stripped");
    assertStringIncludes(md, "| train\\[size=1\\] | loss | 0.5 |");
    assertStringIncludes(md, "| train\\[size=2\\] | loss | 0.25 |");
    assertStringIncludes(md, "| train\\[size=1\\] | label | size \\| 1 &lt;b&gt; |");
    assertMatch(md, /gantt\n(.*\n)* {2}train\[size=2\] :crit, \d+, \d+\n/);
    assertOk(!md.includes("\n  report :"), "a skipped instance has no timeline bar");
  });

  await t.step("an interrupted run, rebuilt from its spans", async () => {
    await Deno.remove(join(folder, "run.json"));
    const res = await runCliProcess(["summary", folder]);
    assertEquals(res.code, 0, res.stderr);
    assertStringIncludes(res.stdout, "| train\\[size=2\\] | ❌ failed |");
    assertStringIncludes(
      res.stdout,
      "it was interrupted, and the summary was rebuilt from its spans",
    );
  });
});
