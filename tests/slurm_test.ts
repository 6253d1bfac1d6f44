/**
 * `run --executor slurm` on a real single-node Slurm cluster (munged, slurmctld and slurmd started
 * for this test on loopback): a matrix pipeline and the demo give the same statuses, values and
 * artifacts as a local run; a failing instance skips its downstream jobs; a timeout and a Ctrl-C
 * leave no job queued or running and no process of the run.
 *
 * Without root or the Debian packages the cluster cannot start and the test fails with the
 * reason: CI runs as root and `.ci/run` installs slurm-wlm and munge.
 *
 * @module
 */
import { join } from "node:path";
import { readRunFolder } from "../lib/log/read.ts";
import type { RunSummary } from "../lib/log/schema.ts";
import { assertEquals, assertOk, assertStringIncludes } from "./_deps.ts";
import { ROOT, runCliProcess, smallDemo, tempDir } from "./_helpers.ts";
import { activeJobs, type SlurmCluster, startSlurmCluster } from "../testing/slurm_cluster.ts";
import { sleep } from "../lib/_base/time.ts";

const RUN_FLAGS = ["--allow-read", "--allow-write", "--allow-run", "--allow-env"];
const FIXTURE = "tests/fixtures/pipelines/scale/pipeline.yaml";
const TIMEOUT = "tests/fixtures/pipelines/scale/timeout.yaml";
const SLEEPY = "tests/fixtures/pipelines/run/sleepy.yaml";

function outcome(summary: RunSummary) {
  return summary.tasks.map((t) => ({
    id: t.id,
    status: t.status,
    reason: t.reason ?? null,
    values: t.values,
    // Timings differ from run to run; every other metric is the same.
    metrics: t.metrics.map((
      m,
    ) => [m.name, m.name.endsWith("_seconds") ? "-" : m.value, m.step ?? null]),
    artifacts: t.artifacts.map((a) => [a.name, a.size]).sort(),
  }));
}

async function run(
  cluster: SlurmCluster | undefined,
  pipeline: string,
  out: string,
  runId: string,
  extra: string[] = [],
) {
  const slurm = cluster === undefined
    ? []
    : ["--executor", "slurm", "--shared-dir", join(out, "..", "shared")];
  const res = await runCliProcess(
    ["run", pipeline, "--out", out, "--run-id", runId, ...slurm, ...extra],
    { flags: RUN_FLAGS, env: cluster?.env ?? {} },
  );
  const folder = join(out, runId);
  return { ...res, folder, summary: (await readRunFolder(folder)).summary };
}

/**
 * Processes left of a run: those whose environment names it (what a cell starts) or whose
 * command line mentions `text` (a job's `run`, its drivers), zombies aside.
 */
async function processesOf(runId: string, text = `--run-id ${runId} `): Promise<string[]> {
  const found: string[] = [];
  for await (const e of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(e.name) || Number(e.name) === Deno.pid) continue;
    const read = (f: string) => Deno.readTextFile(`/proc/${e.name}/${f}`).catch(() => "");
    const stat = await read("stat");
    if (stat === "" || stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) continue;
    const cmd = (await read("cmdline")).replaceAll("\0", " ");
    const env = (await read("environ")).split("\0");
    if (env.includes(`PYNB_RUN_ID=${runId}`) || cmd.includes(text)) found.push(`${e.name}: ${cmd}`);
  }
  return found;
}

Deno.test("run --executor slurm on a real cluster equals a local run", async (t) => {
  await using cluster = await startSlurmCluster();
  await using dir = await tempDir();

  await t.step("a matrix pipeline with a failing instance skips its downstream job", async () => {
    const local = await run(undefined, FIXTURE, join(dir.path, "m", "local"), "m", [
      "--param",
      "fail_n=2",
    ]);
    const slurm = await run(cluster, FIXTURE, join(dir.path, "m", "slurm"), "m", [
      "--param",
      "fail_n=2",
    ]);
    assertEquals([local.code, slurm.code], [1, 1], slurm.stderr);
    assertEquals(outcome(slurm.summary), outcome(local.summary));
    assertEquals(slurm.summary.status, "failed");
    assertEquals(slurm.summary.tasks.at(-1)?.reason, "upstream 'square[n=2]' failed");
    assertStringIncludes(slurm.stderr, "submitted 5 job(s)");
    // The artifacts are the same files.
    for (const task of local.summary.tasks) {
      for (const a of task.artifacts) {
        assertEquals(
          await Deno.readTextFile(join(slurm.folder, a.path)),
          await Deno.readTextFile(join(local.folder, a.path)),
        );
      }
    }
    assertEquals(await activeJobs(cluster), []);
  });

  await t.step("the demo", async () => {
    const pipeline = await smallDemo(dir.path, "demo");
    const local = await run(undefined, pipeline, join(dir.path, "d", "local"), "d");
    const slurm = await run(cluster, pipeline, join(dir.path, "d", "slurm"), "d");
    assertEquals([local.code, slurm.code], [0, 0], slurm.stderr);
    assertEquals(slurm.summary.tasks.length, 8);
    assertEquals(outcome(slurm.summary), outcome(local.summary));
    assertEquals(await activeJobs(cluster), []);
  });

  await t.step("a TypeScript task (Deno's kernel) between Python tasks", async () => {
    const pipeline = "examples/typescript-between-python/pipeline.yaml";
    const local = await run(undefined, pipeline, join(dir.path, "ts", "local"), "ts");
    const slurm = await run(cluster, pipeline, join(dir.path, "ts", "slurm"), "ts");
    assertEquals([local.code, slurm.code], [0, 0], slurm.stderr);
    assertEquals(outcome(slurm.summary), outcome(local.summary));
    assertEquals(await activeJobs(cluster), []);
  });

  await t.step("--fail-fast cancels the other jobs after a failure", async () => {
    const slurm = await run(cluster, FIXTURE, join(dir.path, "f", "slurm"), "f", [
      "--param",
      "fail_n=1",
      "--fail-fast",
    ]);
    assertEquals(slurm.code, 1, slurm.stderr);
    assertStringIncludes(slurm.stderr, "--fail-fast after 'square[n=1]' failed: cancelling");
    const status = Object.fromEntries(slurm.summary.tasks.map((x) => [x.id, x.status]));
    assertEquals([status.source, status["square[n=1]"]], ["succeeded", "failed"]);
    // Nothing ran after the failure: the rest was cancelled (or had ended just before it).
    assertEquals(status.total === "succeeded", false);
    assertEquals(await activeJobs(cluster), []);
    assertEquals(await processesOf("f"), []);
  });

  await t.step("a timeout leaves no job queued or running", async () => {
    const slurm = await run(cluster, TIMEOUT, join(dir.path, "t", "slurm"), "t");
    assertEquals(slurm.code, 1, slurm.stderr);
    assertEquals(slurm.summary.tasks.map((x) => [x.id, x.status, x.reason ?? null]), [
      ["sleep", "timeout", null],
      ["after", "skipped", "upstream 'sleep' timed out"],
    ]);
    assertEquals(await activeJobs(cluster), []);
    assertEquals(await processesOf("t"), []);
  });

  await t.step("Ctrl-C cancels every job and leaves nothing running", async () => {
    const out = join(dir.path, "c", "slurm");
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        ...RUN_FLAGS,
        join(ROOT, "cli.ts"),
        "run",
        SLEEPY,
        "--out",
        out,
        "--run-id",
        "c",
        "--executor",
        "slurm",
        "--shared-dir",
        join(dir.path, "c", "shared"),
      ],
      cwd: ROOT,
      env: { ...cluster.env, NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    // Interrupted once the notebook's cell runs its `sleep 1000` (the kernel started in the job).
    const sleeping = async () => (await processesOf("c")).some((p) => p.includes(": sleep 1000"));
    const deadline = Date.now() + 120_000;
    while (!await sleeping() && Date.now() < deadline) await sleep(250);
    assertOk(await sleeping(), "the job's notebook never started its cell");
    child.kill("SIGINT");
    const res = await child.output();
    const stderr = new TextDecoder().decode(res.stderr);
    assertEquals(res.code, 130, stderr);
    assertStringIncludes(stderr, "interrupted: cancelling 2 job(s) with scancel");
    const { summary } = await readRunFolder(join(out, "c"));
    assertEquals(summary.status, "cancelled");
    assertEquals(summary.tasks.map((x) => [x.id, x.status]), [
      ["sleep", "cancelled"],
      ["after", "cancelled"],
    ]);
    assertEquals(await activeJobs(cluster), []);
    assertEquals(await processesOf("c", join(dir.path, "c")), []);
  });
});
