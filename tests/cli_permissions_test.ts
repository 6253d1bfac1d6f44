/**
 * Every command checks its permissions before it does anything: run as real subprocesses with a
 * flag missing, `run`, `site`, `validate` and `plan` exit 2 with one message that names the flag
 * to add and what it is for, and `run` leaves no run folder (no `NotCapable` stack traces in it).
 * Scoped grants that cover what a command needs are enough.
 */
import { join } from "node:path";
import { assertEquals, assertStringIncludes } from "./_deps.ts";
import { type CliResult, ROOT, runCliProcess, tempDir } from "./_helpers.ts";
import { exists } from "../lib/_base/fs.ts";

const GOOD = join(ROOT, "tests/fixtures/pipelines/good/pipeline.yaml");
const RUNS = join(ROOT, "tests/fixtures/runs");

function assertRefused(res: CliResult, command: string, missing: string[]): void {
  const what = `${command}: ${res.stderr}`;
  assertEquals(res.code, 2, what);
  assertEquals(res.stdout, "", what);
  assertEquals(res.stderr.trim().split("\n").length, 1, `one line expected: ${what}`);
  assertEquals(/NotCapable|\n\s+at /.test(res.stderr), false, what);
  assertStringIncludes(res.stderr, `error: Cannot run '${command}': missing `);
  for (const flag of missing) assertStringIncludes(res.stderr, flag, what);
  assertStringIncludes(res.stderr, `listed in its --help: deno run `);
}

Deno.test("cli.ts run names each missing permission flag and writes nothing", async (t) => {
  await using dir = await tempDir();
  const out = join(dir.path, "runs");
  const run = (flags: string[]) => runCliProcess(["run", GOOD, "--out", out], { flags });
  const all = ["--allow-read", "--allow-write", "--allow-run", "--allow-env"];
  for (const missing of ["--allow-env", "--allow-run", "--allow-write"]) {
    await t.step(`without ${missing}`, async () => {
      const res = await run(all.filter((f) => f !== missing));
      assertRefused(res, "run", [missing]);
      assertEquals(await exists(out), false, "the run folder's parent was created");
    });
  }
  await t.step("with --allow-read alone, every other flag is named at once", async () => {
    const res = await run(["--allow-read"]);
    assertRefused(res, "run", [
      "--allow-env (the kernels inherit the environment)",
      "--allow-write",
      "--allow-run",
    ]);
  });
  await t.step("without --allow-read", async () => {
    const res = await run(all.slice(1));
    assertRefused(res, "run", ["--allow-read (the pipeline file and its notebooks"]);
  });
  await t.step("--allow-write scoped elsewhere than --out is missing for --out", async () => {
    const tmp = join(dir.path, "tmp");
    const res = await runCliProcess(["run", GOOD, "--out", out], {
      flags: ["--allow-read", `--allow-write=${tmp}`, "--allow-run", "--allow-env"],
      env: { TMPDIR: tmp },
    });
    assertRefused(res, "run", [`--allow-write (the run folder under '${out}')`]);
    assertEquals(res.stderr.includes("temporary folder"), false, res.stderr);
  });
  await t.step("scoped grants that cover the run pass the check", async () => {
    // A bad --param stops the run after the permission check, before anything starts.
    const tmp = Deno.env.get("TMPDIR") ?? "/tmp";
    const res = await runCliProcess(["run", GOOD, "--out", out, "--param", "ratio=[1"], {
      flags: ["--allow-read", `--allow-write=${out},${tmp}`, "--allow-run=python3", "--allow-env"],
    });
    assertEquals(res.code, 2, res.stderr);
    assertStringIncludes(res.stderr, "Cannot parse --param 'ratio=[1'");
  });
});

Deno.test("cli.ts site, summary, validate and plan name their missing permission flag", async (t) => {
  await using dir = await tempDir();
  await t.step("site without --allow-write", async () => {
    const out = join(dir.path, "site");
    const res = await runCliProcess(["site", RUNS, "--out", out], { flags: ["--allow-read"] });
    assertRefused(res, "site", [`--allow-write (the website in '${out}')`]);
    assertEquals(await exists(out), false);
  });
  await t.step("site without --allow-read", async () => {
    const res = await runCliProcess(["site", RUNS, "--out", join(dir.path, "s")], {
      flags: ["--allow-write"],
    });
    assertRefused(res, "site", [`--allow-read (the run folders in '${RUNS}')`]);
  });
  await t.step("summary without --allow-read", async () => {
    const run = join(RUNS, "real-executor-run");
    const res = await runCliProcess(["summary", run], { flags: [] });
    assertRefused(res, "summary", [`--allow-read (the run folder '${run}')`]);
  });
  for (const command of ["validate", "plan"]) {
    await t.step(`${command} without --allow-read`, async () => {
      const res = await runCliProcess([command, GOOD], { flags: [] });
      assertRefused(res, command, ["--allow-read (the pipeline file and its notebooks)"]);
    });
  }
});
