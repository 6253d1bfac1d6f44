/**
 * ipykernel's start-up notice ("Ctrl-C will not work", then the connection hint) in a real
 * kernel's stderr: the instance page's stderr view leaves it out and keeps what the notebook
 * wrote; `stderr.txt` keeps everything.
 *
 * @module
 */
import { join } from "node:path";
import { assertEquals, assertOk, assertStringIncludes } from "./_deps.ts";
import { runCliProcess, tempDir } from "./_helpers.ts";
import { buildSite } from "../lib/site/build.ts";

const NOTE = "Ctrl-C will not work";

Deno.test("a real kernel's start-up notice is hidden from the stderr view, kept in the file", async () => {
  await using dir = await tempDir("pynb-kernel-notice-");
  await Deno.writeTextFile(
    join(dir.path, "warn.py"),
    '# %%\nimport os\nos.write(2, b"warn: from the notebook\\n")\n',
  );
  await Deno.writeTextFile(
    join(dir.path, "pipeline.yaml"),
    "name: notice\ntasks:\n  warn: { notebook: warn.py }\n",
  );
  const runs = join(dir.path, "runs");
  const res = await runCliProcess(
    ["run", join(dir.path, "pipeline.yaml"), "--out", runs, "--run-id", "r1"],
    { flags: ["--allow-read", "--allow-write", "--allow-run", "--allow-env"] },
  );
  assertEquals(res.code, 0, res.stderr);
  const file = await Deno.readTextFile(
    join(runs, "r1", "tasks", "warn", "attempt-1", "stderr.txt"),
  );
  // This machine's ipykernel prints the notice: the test is about hiding it.
  assertStringIncludes(file, NOTE);
  assertStringIncludes(file, "warn: from the notebook");
  const out = join(dir.path, "site");
  await buildSite([runs], { out });
  const page = await Deno.readTextFile(join(out, "runs", "r1", "warn.html"));
  assertStringIncludes(page, "warn: from the notebook");
  assertOk(!page.includes(NOTE), "the notice is on the page");
  assertOk(!page.includes("--existing kernel-"), "the connection hint is on the page");
  assertStringIncludes(page, "stderr.txt");
});
