/**
 * `cli.ts run` end to end, as a real subprocess under its documented permission flags, with real
 * Jupyter kernels: one run of the fixture pipeline covers success with parameters and `P`, a cell
 * error (partial notebook, traceback, skipped downstream), a timeout, a retry that succeeds, matrix fan-out
 * and fan-in through `upstream()`, unicode, the CI context and `--param`. Another run is sent
 * SIGTERM while a cell sleeps, and another SIGKILL: its run folder reads back from the plan span.
 */
import { join } from "node:path";
import { assertEquals, assertMatch, assertOk, assertStringIncludes } from "./_deps.ts";
import { processesOfRun, ROOT, runCliProcess, tempDir, waitForProcessOfRun } from "./_helpers.ts";
import { readRunFolder } from "../lib/log/read.ts";
import { readSpansFile } from "../lib/log/spans/otlp_read.ts";
import { RUN_PERMISSIONS } from "../lib/cli/run.ts";

const FIXTURE = join(ROOT, "tests/fixtures/pipelines/run");
const FLAGS = RUN_PERMISSIONS.split(" ");
const SECRET = "ghs_doNotLeakThisValue123";

const CI_ENV = {
  GITHUB_ACTIONS: "true",
  GITHUB_REPOSITORY: "octo/notebooks",
  GITHUB_WORKFLOW: "nightly",
  GITHUB_RUN_ID: "777",
  GITHUB_RUN_ATTEMPT: "1",
  GITHUB_EVENT_NAME: "schedule",
  GITHUB_REF: "refs/heads/main",
  GITHUB_REF_NAME: "main",
  GITHUB_HEAD_REF: "",
  GITHUB_SHA: "89abcdef0123456789abcdef0123456789abcdef",
  GITHUB_ACTOR: "octocat",
  GITHUB_SERVER_URL: "https://github.com",
  GITHUB_TOKEN: SECRET,
};

async function sha256(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

function cellOutputs(notebookJson: string): string {
  const nb = JSON.parse(notebookJson) as { cells: { outputs?: { text?: string | string[] }[] }[] };
  return nb.cells.flatMap((c) => c.outputs ?? []).map((o) => [o.text ?? ""].flat().join("")).join(
    "",
  );
}

Deno.test("cli.ts run runs the fixture pipeline in real kernels and writes a complete run folder", async () => {
  await using dir = await tempDir();
  const runId = `fixture-${crypto.randomUUID().slice(0, 8)}`;
  const res = await runCliProcess(
    [
      "run",
      "tests/fixtures/pipelines/run/pipeline.yaml",
      "--out",
      dir.path,
      "--run-id",
      runId,
      "--concurrency",
      "2",
      "--param",
      "shared=5",
    ],
    { flags: FLAGS, env: CI_ENV },
  );
  const folder = join(dir.path, runId);
  assertEquals(res.code, 1, res.stderr);
  assertEquals(res.stdout, `${folder}\n`);
  // Plain progress lines (not a terminal) and the final table.
  assertMatch(
    res.stderr,
    /\d\d:\d\d:\d\d failed {4}broken in [\d.]+s: ValueError: broken on purpose ✗/,
  );
  assertMatch(res.stderr, /retry {5}flaky: attempt 1 failed \(RuntimeError: first attempt fails\)/);
  assertMatch(res.stderr, /^flaky +succeeded +2 +[\d.]+s$/m);
  assertStringIncludes(res.stderr, "run failed in");
  // In GitHub Actions, failures are also annotations of the workflow run.
  assertStringIncludes(
    res.stderr,
    "\n::error title=broken failed::ValueError: broken on purpose ✗\n",
  );
  assertStringIncludes(res.stderr, "\n::error title=slow timed out::Timeout: ");

  const { summary, interrupted } = await readRunFolder(folder);
  assertEquals(interrupted, false);
  assertEquals(summary.status, "failed");
  assertEquals(summary.trigger, "schedule");
  assertEquals(summary.ci, {
    provider: "github",
    repository: "octo/notebooks",
    workflow: "nightly",
    runId: "777",
    runAttempt: "1",
    event: "schedule",
    ref: "refs/heads/main",
    branch: "main",
    commit: "89abcdef0123456789abcdef0123456789abcdef",
    actor: "octocat",
    url: "https://github.com/octo/notebooks/actions/runs/777",
  });
  const task = (id: string) => summary.tasks.find((t) => t.id === id)!;
  assertEquals(summary.tasks.map((t) => [t.id, t.status, t.attempts.map((a) => a.status)]), [
    ["hello", "succeeded", ["succeeded"]],
    ["broken", "failed", ["failed"]],
    ["slow", "timeout", ["timeout"]],
    ["flaky", "succeeded", ["failed", "succeeded"]],
    ["after-broken", "skipped", []],
    ["after-slow", "skipped", []],
    ["fan[n=1]", "succeeded", ["succeeded"]],
    ["fan[n=2]", "succeeded", ["succeeded"]],
    ["fanin", "succeeded", ["succeeded"]],
  ]);

  // Parameters: --param over task parameters over pipeline parameters; P has the context.
  assertEquals(task("hello").values, {
    greeting: "Grüße ✓",
    shared: 5,
    nested: { list: [1, 2.5, null, true] },
    context: { task: "hello", attempt: 1 },
  });
  assertEquals(task("hello").metrics.map((m) => [m.name, m.value]), [["score", 0.75]]);
  const artifact = task("hello").artifacts[0]!;
  assertEquals(artifact.path, "tasks/hello/attempt-1/artifacts/hello.txt");
  assertEquals(await Deno.readTextFile(join(folder, artifact.path)), "héllo wörld ✓\n");
  assertEquals(await sha256(join(folder, artifact.path)), artifact.sha256);
  const helloOut = cellOutputs(
    await Deno.readTextFile(join(folder, task("hello").attempts[0]!.notebook!)),
  );
  assertStringIncludes(helloOut, `Grüße ✓ from hello (${runId}, attempt 1)`);

  // The cell error: traceback in the log, partial notebook, downstream skipped with the reason.
  const broken = task("broken").attempts[0]!;
  assertEquals(broken.error?.ename, "ValueError");
  assertEquals(broken.error?.evalue, "broken on purpose ✗");
  assertStringIncludes(broken.error!.traceback.join("\n"), "broken on purpose");
  const brokenOut = cellOutputs(await Deno.readTextFile(join(folder, broken.notebook!)));
  assertStringIncludes(brokenOut, "before the error");
  assertEquals(brokenOut.includes("never printed"), false);
  assertEquals(task("after-broken").reason, "upstream 'broken' failed");

  // The whole-task timeout: the attempt is stopped, the downstream skipped.
  assertEquals(task("slow").attempts[0]!.error?.ename, "Timeout");
  assertEquals(task("after-slow").reason, "upstream 'slow' timed out");

  // The retry, the fan-out and the fan-in.
  assertEquals(task("flaky").attempts[0]!.error?.evalue, "first attempt fails");
  assertEquals(task("flaky").values, { attempt: 2 });
  assertEquals(task("fan[n=2]").values, { n: 2, greeting_seen: "Grüße ✓" });
  assertEquals(task("fan[n=2]").metrics.map((m) => m.step), [0, 1, 2]);
  assertEquals(task("fanin").values, { seen: [1, 2], total: 3 });

  // Spans: the plan, one run, nine instances, eight attempts (two of flaky, none of the skipped).
  const { spans, problems } = await readSpansFile(join(folder, "spans.jsonl"));
  assertEquals(problems, []);
  assertEquals(spans.length, 1 + 1 + 9 + 8);
  assertEquals(spans[0]!.name, "plan run-fixture");
  assertEquals(spans.at(-1)!.name, "run run-fixture");
  assertEquals(spans.filter((s) => s.name === "task fanin")[0]!.links.length, 2);

  // The token of the environment is nowhere in the run folder; nothing is left running.
  for (const file of ["run.json", "spans.jsonl"]) {
    assertEquals((await Deno.readTextFile(join(folder, file))).includes(SECRET), false);
  }
  assertEquals(await Deno.stat(join(folder, ".work")).catch(() => null), null);
  assertEquals(await processesOfRun(runId), []);
});

Deno.test("cli.ts run sent SIGTERM mid-run stops every kernel, exits 130, records the run as cancelled", async () => {
  await using dir = await tempDir();
  const runId = `sleepy-${crypto.randomUUID().slice(0, 8)}`;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--no-prompt",
      // Writing scoped to the output and the temporary folder, as its --help says it can be.
      "--allow-read",
      `--allow-write=${dir.path},${Deno.env.get("TMPDIR") || "/tmp"}`,
      "--allow-run",
      "--allow-env",
      join(ROOT, "cli.ts"),
      "run",
      join(FIXTURE, "sleepy.yaml"),
      "--out",
      dir.path,
      "--run-id",
      runId,
    ],
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output = child.output();
  let exited = false;
  output.finally(() => exited = true);
  try {
    // Wait until the cell's `sleep 1000` runs: then the driver, the kernel and a child exist.
    const deadline = Date.now() + 180_000;
    while (!(await processesOfRun(runId)).some((p) => p.cmd.startsWith("sleep 1000"))) {
      assertOk(!exited, "cli.ts run ended before the cell's sleep started");
      assertOk(Date.now() < deadline, "the cell's sleep never started");
      await new Promise((r) => setTimeout(r, 200));
    }
    child.kill("SIGTERM");
  } catch (err) {
    if (!exited) child.kill("SIGKILL");
    const out = await output;
    throw new Error(`${(err as Error).message}; stderr:\n${new TextDecoder().decode(out.stderr)}`);
  }
  const out = await output;
  const stderr = new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 130, stderr);
  assertStringIncludes(stderr, "interrupted: stopping every kernel");
  assertEquals(new TextDecoder().decode(out.stdout), `${join(dir.path, runId)}\n`);
  assertEquals(await processesOfRun(runId), []);

  const run = await readRunFolder(join(dir.path, runId));
  assertEquals(run.interrupted, false);
  assertEquals(run.summary.status, "cancelled");
  assertEquals(run.summary.tasks.map((t) => [t.id, t.status, t.reason]), [
    ["sleep", "cancelled", "the run was interrupted"],
    ["after", "cancelled", "the run was interrupted"],
  ]);
  const attempt = run.summary.tasks[0]!.attempts[0]!;
  assertEquals(attempt.status, "cancelled");
  // The partial notebook was kept.
  assertOk(await Deno.stat(join(dir.path, runId, attempt.notebook!)));
});

Deno.test("cli.ts run rejects bad input with exit 2 and one message, writing nothing", async (t) => {
  await using dir = await tempDir();
  const out = join(dir.path, "runs");
  const pipeline = "tests/fixtures/pipelines/run/pipeline.yaml";
  const cases: [string, string[], string[], RegExp][] = [
    [
      "a run id that is a path",
      [pipeline, "--run-id", "../escape"],
      FLAGS,
      /Cannot use run id "\.\.\/escape"/,
    ],
    [
      "a concurrency of 0",
      [pipeline, "--concurrency", "0"],
      FLAGS,
      /expected a whole number from 1/,
    ],
    ["a --param without =", [pipeline, "--param", "shared"], FLAGS, /shared/],
    ["an unknown task in --only", [pipeline, "--only", "nope"], FLAGS, /nope/],
    ["a missing pipeline", ["missing.yaml"], FLAGS, /missing\.yaml/],
    [
      "no permission to start Python",
      [pipeline],
      ["--allow-read"],
      /permission flags listed in its --help/,
    ],
  ];
  for (const [name, args, flags, message] of cases) {
    await t.step(name, async () => {
      const res = await runCliProcess(["run", ...args, "--out", out], { flags });
      assertEquals(res.code, 2, res.stderr);
      assertMatch(res.stderr, message);
      assertEquals(res.stderr.includes("    at "), false, res.stderr);
      assertEquals(res.stdout, "");
      assertEquals(await Deno.stat(out).catch(() => null), null);
    });
  }
  await t.step("an output folder that is a file", async () => {
    const file = join(dir.path, "a-file");
    await Deno.writeTextFile(file, "mine");
    const res = await runCliProcess(["run", pipeline, "--out", file], { flags: FLAGS });
    assertEquals(res.code, 2, res.stderr);
    assertMatch(res.stderr, /^error: Cannot create the output folder '.*a-file' \(--out\)/);
    assertEquals(await Deno.readTextFile(file), "mine");
  });
  await t.step("a run folder that exists", async () => {
    await Deno.mkdir(join(out, "taken"), { recursive: true });
    await Deno.writeTextFile(join(out, "taken", "keep.txt"), "mine");
    const res = await runCliProcess(["run", pipeline, "--out", out, "--run-id", "taken"], {
      flags: FLAGS,
    });
    assertEquals(res.code, 2, res.stderr);
    assertStringIncludes(res.stderr, "already exists");
    assertEquals(await Deno.readTextFile(join(out, "taken", "keep.txt")), "mine");
  });
});

/** Every file under `folder`, as paths relative to it. */
async function filesUnder(folder: string, rel = ""): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(join(folder, rel))) {
    const path = rel === "" ? entry.name : `${rel}/${entry.name}`;
    if (entry.isDirectory) files.push(...await filesUnder(folder, path));
    else files.push(path);
  }
  return files.sort();
}

Deno.test("cli.ts run killed with SIGKILL leaves a run folder read back as interrupted, and no process", async () => {
  await using dir = await tempDir();
  const runId = `killed-${crypto.randomUUID().slice(0, 8)}`;
  const started = new Date();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--no-prompt",
      ...FLAGS,
      join(ROOT, "cli.ts"),
      "run",
      join(FIXTURE, "sleepy.yaml"),
      "--out",
      dir.path,
      "--run-id",
      runId,
    ],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  await waitForProcessOfRun(child, runId, "sleep 1000");
  const killed = new Date();
  child.kill("SIGKILL");
  assertEquals((await child.status).signal, "SIGKILL");
  // The temporary folders the killed runner could not remove are for the next runner to sweep;
  // this test removes its own.
  const tmp = Deno.env.get("TMPDIR") || "/tmp";
  await using _leftovers = {
    async [Symbol.asyncDispose]() {
      for await (const entry of Deno.readDir(tmp)) {
        if (new RegExp(`^pynb-dag-runner-[a-z]*-?${child.pid}-`).test(entry.name)) {
          await Deno.remove(join(tmp, entry.name), { recursive: true }).catch(() => {});
        }
      }
    },
  };
  // The driver sees its stdin close and stops its kernel and what the cell started.
  const gone = Date.now() + 60_000;
  while ((await processesOfRun(runId)).length > 0 && Date.now() < gone) {
    await new Promise((r) => setTimeout(r, 200));
  }
  assertEquals(await processesOfRun(runId), []);

  // Only the plan span had ended: it tells the run and every instance.
  const folder = join(dir.path, runId);
  const run = await readRunFolder(folder);
  assertEquals(run.interrupted, true);
  assertEquals(run.summary.status, "running");
  assertEquals(run.summary.runId, runId);
  assertEquals(run.summary.pipeline.name, "sleepy");
  const startedAt = Date.parse(run.summary.startedAt);
  assertOk(started.getTime() <= startedAt && startedAt <= killed.getTime(), run.summary.startedAt);
  assertEquals(run.summary.tasks.map((t) => [t.id, t.status, t.needs]), [
    ["sleep", "running", []],
    ["after", "pending", ["sleep"]],
  ]);
  const sleep = run.summary.tasks[0]!;
  assertEquals(sleep.attempts.map((a) => [a.attempt, a.status, a.stderr]), [
    [1, "running", "tasks/sleep/attempt-1/stderr.txt"],
  ]);
  assertEquals(sleep.notebook, "notebooks/sleep.py");

  // No path of this machine is in the run folder, published as it is: not the run folder's,
  // not the temporary folders' (prepared notebooks, upstream files, kernels' files).
  const files = await filesUnder(folder);
  assertOk(files.includes("spans.jsonl") && files.includes("tasks/sleep/attempt-1/stderr.txt"));
  assertEquals(files.filter((f) => f.startsWith(".work")), []);
  for (const file of files) {
    const text = await Deno.readTextFile(join(folder, file));
    for (const path of [dir.path, folder, join(tmp, "pynb-dag-runner-")]) {
      assertEquals(text.includes(path), false, `${file} names ${path}`);
    }
  }
});
