/**
 * `cli.ts run --only ... --upstream ... --run-id` and `cli.ts merge` as real subprocesses under
 * their documented permission flags: parts of one run written by separate processes merge into one
 * run folder equal to a local run; bad parts are refused with exit 2 and one clear message.
 *
 * @module
 */
import { join } from "node:path";
import { readRunFolder } from "../lib/log/read.ts";
import { assertEquals, assertMatch, assertOk, assertStringIncludes } from "./_deps.ts";
import { runCliProcess, tempDir } from "./_helpers.ts";

const FIXTURE = "tests/fixtures/pipelines/scale/pipeline.yaml";
const RUN_FLAGS = ["--allow-read", "--allow-write", "--allow-run", "--allow-env"];
const MERGE_FLAGS = ["--allow-read", "--allow-write"];

function part(out: string, runId: string, only: string[], upstream: string[]) {
  return runCliProcess(
    ["run", FIXTURE, "--only", ...only, "--run-id", runId, "--out", out, "--upstream", ...upstream],
    { flags: RUN_FLAGS },
  );
}

/** A user's mistake: exit 2, one `error:` paragraph, no stack trace. */
function assertUserError(res: { code: number; stderr: string }, text: string) {
  assertEquals(res.code, 2, res.stderr);
  assertStringIncludes(res.stderr, text);
  assertOk(!/\n\s+at /.test(res.stderr), `a stack trace:\n${res.stderr}`);
}

Deno.test("cli.ts run --upstream and cli.ts merge: parts of separate processes make one run", async (t) => {
  await using dir = await tempDir();
  const p = (name: string) => join(dir.path, "parts", name);
  const source = await part(p("source"), "r1", ["source"], []);
  assertEquals(source.code, 0, source.stderr);
  const squares = await part(p("squares"), "r1", ["square"], [join(p("source"), "r1")]);
  assertEquals(squares.code, 0, squares.stderr);

  await t.step("a merge before the last part ran: exit 1, the rest cancelled", async () => {
    const res = await runCliProcess(
      [
        "merge",
        join(p("source"), "r1"),
        join(p("squares"), "r1"),
        "--out",
        join(dir.path, "early"),
      ],
      { flags: MERGE_FLAGS },
    );
    assertEquals(res.code, 1, res.stderr);
    const { summary } = await readRunFolder(join(dir.path, "early", "r1"));
    assertEquals(summary.tasks.at(-1)?.status, "cancelled");
  });

  const total = await part(p("total"), "r1", ["total"], [join(p("squares"), "r1")]);
  assertEquals(total.code, 0, total.stderr);
  const merged = await runCliProcess(
    [
      "merge",
      join(p("total"), "r1"),
      join(p("source"), "r1"),
      join(p("squares"), "r1"),
      "--out",
      join(dir.path, "runs"),
    ],
    { flags: MERGE_FLAGS },
  );
  assertEquals(
    [merged.code, merged.stdout.trim()],
    [0, join(dir.path, "runs", "r1")],
    merged.stderr,
  );
  const { summary } = await readRunFolder(join(dir.path, "runs", "r1"));
  assertEquals(summary.status, "succeeded");
  assertEquals(summary.tasks.map((x) => [x.id, x.status]), [
    ["source", "succeeded"],
    ["square[n=1]", "succeeded"],
    ["square[n=2]", "succeeded"],
    ["square[n=3]", "succeeded"],
    ["total", "succeeded"],
  ]);
  assertEquals(summary.tasks.at(-1)?.values, { total: 44, seen: [1, 2, 3] });

  await t.step("refusals: exit 2 with one message", async () => {
    const other = await runCliProcess(
      ["run", FIXTURE, "--only", "source", "--run-id", "r2", "--out", p("other"), "--upstream"],
      { flags: RUN_FLAGS },
    );
    assertEquals(other.code, 0, other.stderr);
    assertUserError(
      await runCliProcess(["merge", join(p("source"), "r1"), join(p("other"), "r2")], {
        flags: MERGE_FLAGS,
      }),
      "they are parts of different runs: 'r1' (r1) vs 'r2' (r2)",
    );
    assertUserError(
      await part(p("x"), "r1", ["total"], [join(p("other"), "r2")]),
      "it is a part of run 'r2', not of 'r1' (--run-id)",
    );
    assertUserError(
      await part(p("x"), "r1", ["total"], [join(p("source"), "r1")]),
      "it needs 'square[n=1]', 'square[n=2]', 'square[n=3]', which are in none of the --upstream",
    );
    const noId = await runCliProcess(["run", FIXTURE, "--only", "source", "--upstream"], {
      flags: RUN_FLAGS,
    });
    assertUserError(noId, "without --run-id");
    const slurmOnly = await runCliProcess(
      ["run", FIXTURE, "--only", "source", "--executor", "slurm"],
      { flags: RUN_FLAGS },
    );
    assertUserError(slurmOnly, "with --executor slurm");
    assertMatch(
      (await runCliProcess(["merge", dir.path], { flags: MERGE_FLAGS })).stderr,
      /^error: Cannot merge '.*': it is not a run folder/,
    );
  });
});
