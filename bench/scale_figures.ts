/**
 * Local vs single-node Slurm, measured on this machine: wall time of the demo and of a synthetic
 * wide DAG (N instances of a notebook that sleeps S seconds), and Slurm's per-instance overhead.
 * A real cluster (munged, slurmctld, slurmd) is started for the measurement and stopped after it;
 * it needs root and Debian's slurm-wlm and munge.
 *
 *     deno run -A bench/scale_figures.ts [--instances 64] [--seconds 2] [--no-demo]
 *
 * Both engines run through `cli.ts run` as a subprocess, the local one with its default
 * concurrency (one notebook per CPU), the Slurm one with `--executor slurm` on a node with as many
 * CPUs. Not a `*_bench.ts` file: a run takes minutes, `deno task bench` leaves it out.
 *
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { readRunFolder } from "../lib/log/read.ts";
import { startSlurmCluster } from "../testing/slurm_cluster.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    instances: { type: "string", default: "64" },
    seconds: { type: "string", default: "2" },
    "no-demo": { type: "boolean", default: false },
  },
});
const N = Number(args.instances);
const S = Number(args.seconds);
const ROOT = new URL("..", import.meta.url).pathname;
const FLAGS = ["--allow-read", "--allow-write", "--allow-run", "--allow-env"];

interface Job {
  instance: string;
  submittedAt: string;
  runningAt?: string;
  endedAt?: string;
}

async function cliRun(pipeline: string, out: string, extra: string[], env: Record<string, string>) {
  const t0 = performance.now();
  const res = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      ...FLAGS,
      join(ROOT, "cli.ts"),
      "run",
      pipeline,
      "--out",
      out,
      "--run-id",
      "r",
      ...extra,
    ],
    cwd: ROOT,
    env: { ...env, NO_COLOR: "1" },
    stdout: "null",
    stderr: "piped",
  }).output();
  const seconds = (performance.now() - t0) / 1000;
  const { summary } = await readRunFolder(join(out, "r"));
  if (summary.status !== "succeeded") {
    throw new Error(
      `the run did not succeed: ${new TextDecoder().decode(res.stderr).slice(-2000)}`,
    );
  }
  return { seconds, summary };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor((s.length - 1) / 2)]!;
}
function p90(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor(s.length * 0.9))]!;
}
const ms = (a: string, b: string) => new Date(b).getTime() - new Date(a).getTime();

/**
 * Per job: the wait from the moment it could start (submitted, its upstream jobs ended, and a
 * CPU free: the latest end of any job before its start) to running; and its time in the job
 * beyond its notebook attempts (Deno start, planning, reading upstream parts, writing the part).
 */
function overheads(jobs: Job[], needs: Map<string, string[]>, attemptMs: Map<string, number>) {
  const ends = jobs.flatMap((j) => (j.endedAt ? [new Date(j.endedAt).getTime()] : []));
  const byId = new Map(jobs.map((j) => [j.instance, j]));
  const startWait: number[] = [];
  const inJob: number[] = [];
  for (const job of jobs) {
    if (job.runningAt === undefined || job.endedAt === undefined) continue;
    const start = new Date(job.runningAt).getTime();
    const ready = Math.max(
      new Date(job.submittedAt).getTime(),
      ...(needs.get(job.instance) ?? []).map((n) => new Date(byId.get(n)?.endedAt ?? 0).getTime()),
      ...ends.filter((e) => e <= start),
    );
    startWait.push(start - ready);
    inJob.push(ms(job.runningAt, job.endedAt) - (attemptMs.get(job.instance) ?? 0));
  }
  return { startWait, inJob };
}

async function compare(name: string, pipeline: string, dir: string, env: Record<string, string>) {
  const local = await cliRun(pipeline, join(dir, "local"), [], {});
  const slurm = await cliRun(pipeline, join(dir, "slurm"), [
    "--executor",
    "slurm",
    "--shared-dir",
    join(dir, "shared"),
  ], env);
  const jobs = JSON.parse(
    await Deno.readTextFile(join(dir, "shared", "r", "jobs", "jobs.json")),
  ) as Job[];
  const needs = new Map(slurm.summary.tasks.map((t) => [t.id, t.needs]));
  const attemptMs = new Map(slurm.summary.tasks.map((t) => [
    t.id,
    t.attempts.reduce((s, a) => s + (a.durationSeconds ?? 0) * 1000, 0),
  ]));
  const { startWait, inJob } = overheads(jobs, needs, attemptMs);
  const busy = (s: typeof local.summary) =>
    s.tasks.reduce(
      (sum, t) => sum + t.attempts.reduce((x, a) => x + (a.durationSeconds ?? 0), 0),
      0,
    );
  console.log(`\n## ${name}: ${slurm.summary.tasks.length} instances`);
  console.log(`| engine | wall | sum of attempts | vs local |`);
  console.log(`| --- | ---: | ---: | ---: |`);
  console.log(
    `| local (baseline) | ${local.seconds.toFixed(1)} s | ${
      busy(local.summary).toFixed(1)
    } s | 1.00x |`,
  );
  console.log(
    `| single-node Slurm | ${slurm.seconds.toFixed(1)} s | ${busy(slurm.summary).toFixed(1)} s | ` +
      `${(slurm.seconds / local.seconds).toFixed(2)}x |`,
  );
  console.log(
    `Slurm, per instance: ready -> running median ${(median(startWait) / 1000).toFixed(2)} s ` +
      `(p90 ${(p90(startWait) / 1000).toFixed(2)} s); in the job beyond the notebook median ` +
      `${(median(inJob) / 1000).toFixed(2)} s (p90 ${(p90(inJob) / 1000).toFixed(2)} s)`,
  );
}

async function widePipeline(dir: string): Promise<string> {
  await Deno.mkdir(join(dir, "notebooks"), { recursive: true });
  await Deno.writeTextFile(
    join(dir, "notebooks", "work.py"),
    `# %% tags=["parameters"]\ni = 0\nseconds = 0\n\n# %%\nimport time\n\ntime.sleep(seconds)\n`,
  );
  const values = Array.from({ length: N }, (_, i) => i + 1).join(", ");
  await Deno.writeTextFile(
    join(dir, "pipeline.yaml"),
    `name: wide\nparameters: { seconds: ${S} }\ntasks:\n  work:\n    notebook: notebooks/work.py\n` +
      `    matrix: { i: [${values}] }\n`,
  );
  return join(dir, "pipeline.yaml");
}

const work = await Deno.makeTempDir({ prefix: "pynb-bench-scale-" });
try {
  await using cluster = await startSlurmCluster();
  const load = (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
  console.log(`# local vs single-node Slurm (${cluster.cpus} CPUs), load average before: ${load}`);
  await compare(
    `wide DAG (${N} x ${S} s)`,
    await widePipeline(join(work, "wide")),
    join(work, "w"),
    cluster.env,
  );
  if (!args["no-demo"]) {
    await compare(
      "demo",
      join(ROOT, "examples", "mnist-digits-demo-pipeline", "pipeline.yaml"),
      join(work, "d"),
      cluster.env,
    );
  }
} finally {
  await Deno.remove(work, { recursive: true }).catch(() => {});
}
