/**
 * Website build on a synthetic history of 1,000 runs x 10 task instances (values, metrics, a
 * small executed notebook and stderr per instance), against a baseline measured in the same run:
 * reading and validating the 1,000 run folders, which any build must do.
 *
 *     deno bench -A bench/site_bench.ts
 *
 * Cases: full build; incremental build with `--previous` and one new run. Peak memory (VmHWM) of
 * a full build is measured once in a child process and printed.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildSite } from "../lib/site/build.ts";
import { renderNotebook } from "../lib/site/notebook.ts";
import { readRunFolder } from "../lib/log/read.ts";
import type { RunSummary, TaskRecord } from "../lib/log/schema.ts";

const RUNS = Number(Deno.env.get("SITE_BENCH_RUNS") ?? 1000);
const TASKS = 10;

// Under bench/out/ (ignored by git), not the shared /tmp.
const outRoot = fileURLToPath(new URL("./out/", import.meta.url));
await Deno.mkdir(outRoot, { recursive: true });
const work = await Deno.makeTempDir({ dir: outRoot, prefix: "site-bench-" });
// SITE_BENCH_KEEP=1 keeps the synthetic runs and sites for a look.
if (Deno.env.get("SITE_BENCH_KEEP") !== "1") {
  globalThis.addEventListener("unload", () => Deno.removeSync(work, { recursive: true }));
} else console.log(`keeping ${work}`);

function notebook(i: number, t: number): string {
  return JSON.stringify({
    cells: [
      { cell_type: "markdown", metadata: {}, source: `# Task ${t}\n\nRun *${i}*.` },
      {
        cell_type: "code",
        execution_count: 1,
        metadata: { tags: ["injected-parameters"] },
        source: `P = {"run": ${i}, "task": ${t}}`,
        outputs: [],
      },
      {
        cell_type: "code",
        execution_count: 2,
        metadata: {},
        source: "import math\nfor k in range(3):\n    print(k, math.sqrt(k))",
        outputs: [{ output_type: "stream", name: "stdout", text: "0 0.0\n1 1.0\n2 1.414\n" }],
      },
      {
        cell_type: "code",
        execution_count: 3,
        metadata: {},
        source: "{'accuracy': 0.9}",
        outputs: [{
          output_type: "execute_result",
          execution_count: 3,
          metadata: {},
          data: { "text/plain": "{'accuracy': 0.9}" },
        }],
      },
    ],
    metadata: {},
    nbformat: 4,
    nbformat_minor: 5,
  });
}

/** Writes run `i` (a linear chain of 10 tasks) and returns its folder. */
async function writeRun(dir: string, i: number): Promise<string> {
  const start = Date.parse("2024-01-01T00:00:00Z") + i * 3_600_000;
  const runId = `run-${String(i).padStart(5, "0")}`;
  const folder = join(dir, runId);
  const tasks: TaskRecord[] = [];
  for (let t = 0; t < TASKS; t++) {
    const slug = `task-${t}`;
    const rel = `tasks/${slug}/attempt-1`;
    await Deno.mkdir(join(folder, rel), { recursive: true });
    await Deno.writeTextFile(join(folder, rel, "notebook.ipynb"), notebook(i, t));
    await Deno.writeTextFile(join(folder, rel, "stderr.txt"), t % 3 ? "" : "warning: slow\n");
    const s = new Date(start + t * 10_000).toISOString();
    const e = new Date(start + t * 10_000 + 9_000).toISOString();
    const failed = i % 17 === 0 && t === TASKS - 1;
    tasks.push({
      id: slug,
      task: slug,
      slug,
      matrix: {},
      parameters: { seed: i, lr: 0.01 * (1 + (i % 5)) },
      needs: t ? [`task-${t - 1}`] : [],
      notebook: `notebooks/${slug}.py`,
      status: failed ? "failed" : "succeeded",
      startedAt: s,
      endedAt: e,
      durationSeconds: 9,
      attempts: [{
        attempt: 1,
        status: failed ? "failed" : "succeeded",
        startedAt: s,
        endedAt: e,
        durationSeconds: 9,
        notebook: `${rel}/notebook.ipynb`,
        stderr: `${rel}/stderr.txt`,
        ...(failed
          ? { error: { ename: "ValueError", evalue: "bad", traceback: ["ValueError"] } }
          : {}),
      }],
      values: { accuracy: 0.8 + ((i * 7 + t) % 100) / 1000, rows: 1000 + i, label: `v${t}` },
      metrics: [0, 1, 2].map((step) => ({ name: "loss", value: 1 / (step + 1 + i / 1000), step })),
      artifacts: [],
    });
  }
  const summary: RunSummary = {
    formatVersion: 1,
    runId,
    pipeline: { name: "bench" },
    status: tasks.some((t) => t.status === "failed") ? "failed" : "succeeded",
    trigger: i % 2 ? "schedule" : "push",
    startedAt: new Date(start).toISOString(),
    endedAt: new Date(start + TASKS * 10_000).toISOString(),
    durationSeconds: TASKS * 10,
    parameters: {},
    ci: { provider: "github", repository: "acme/x", branch: i % 3 ? "main" : "dev" },
    tasks,
  };
  await Deno.writeTextFile(join(folder, "run.json"), JSON.stringify(summary));
  await Deno.writeTextFile(join(folder, "spans.jsonl"), "");
  return folder;
}

const runsDir = join(work, "runs");
const newDir = join(work, "new");
const t0 = performance.now();
for (let i = 0; i < RUNS; i++) await writeRun(runsDir, i);
await writeRun(newDir, RUNS);
console.log(
  `generated ${RUNS} runs x ${TASKS} instances in ${
    ((performance.now() - t0) / 1000).toFixed(1)
  } s`,
);

const published = join(work, "published");
const t1 = performance.now();
await buildSite([runsDir], { out: published, now: new Date("2024-03-01T00:00:00Z") });
console.log(`first full build: ${((performance.now() - t1) / 1000).toFixed(2)} s`);

/**
 * Runs `body` (with `buildSite` and `readRunFolder` in scope) in a fresh process and returns its
 * wall time, CPU time (user + system, which says more than wall time on a shared machine) and
 * peak resident memory (VmHWM).
 */
async function measured(body: string): Promise<{ wall: number; cpu: number; mib: number }> {
  const lib = (p: string) => JSON.stringify(new URL(p, import.meta.url).href);
  const code = `import { buildSite } from ${lib("../lib/site/build.ts")};
import { readRunFolder } from ${lib("../lib/log/read.ts")};
const cpu = () => { const f = Deno.readTextFileSync("/proc/self/stat").split(") ")[1].split(" ");
  return (Number(f[11]) + Number(f[12])) / 100; };
const c0 = cpu(); const t0 = performance.now();
${body}
const wall = (performance.now() - t0) / 1000; const c = cpu() - c0;
const kb = Number(/VmHWM:\\s*(\\d+)/.exec(Deno.readTextFileSync("/proc/self/status"))[1]);
console.log(JSON.stringify({ wall, cpu: c, mib: kb / 1024 }));`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", code],
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    stdout: "piped",
    stderr: "inherit",
  }).output();
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

{
  const q = JSON.stringify;
  const site = join(work, "measured");
  const base = await measured(
    `for await (const e of Deno.readDir(${q(runsDir)})) await readRunFolder(${
      q(runsDir)
    } + "/" + e.name);`,
  );
  const full = await measured(`await buildSite([${q(runsDir)}], { out: ${q(site)} });`);
  const inc = await measured(
    `await buildSite([${q(newDir)}], { out: ${q(site)}, previous: ${q(site)} });`,
  );
  const f = (m: { wall: number; cpu: number; mib: number }) =>
    `${m.wall.toFixed(2)} s wall, ${m.cpu.toFixed(2)} s CPU (${(m.cpu / base.cpu).toFixed(1)}x ` +
    `baseline), peak ${m.mib.toFixed(0)} MiB`;
  console.log(`baseline, read + validate ${RUNS} run folders: ${f(base)}`);
  console.log(`full build of ${RUNS} runs x ${TASKS}: ${f(full)}`);
  console.log(`incremental build in place (--previous, 1 new run): ${f(inc)}`);
  console.log(`load average while measuring: ${Deno.loadavg().join(" ")}`);
}

const group = `${RUNS} runs x ${TASKS} instances`;

Deno.bench({
  name: "read and validate every run folder (baseline)",
  group,
  baseline: true,
  n: 3,
  warmup: 0,
  async fn() {
    for await (const e of Deno.readDir(runsDir)) await readRunFolder(join(runsDir, e.name));
  },
});

// The full build is measured once above, in its own process; here only the daily case.
Deno.bench({
  name: "incremental build in place: --previous and one new run",
  group,
  n: 3,
  warmup: 0,
  async fn() {
    await buildSite([newDir], { out: published, previous: published });
  },
});

// Notebook rendering: a 200-cell notebook (100 markdown, 100 code cells with output) against
// parsing its JSON, the least any renderer does. Target: under 100 ms per notebook.
const bigNotebook = JSON.stringify({
  cells: Array.from(
    { length: 200 },
    (_, i) =>
      i % 2
        ? {
          cell_type: "markdown",
          metadata: {},
          source: `## Step ${i}\n\nSome *text* and \`code\`.`,
        }
        : {
          cell_type: "code",
          execution_count: i,
          metadata: {},
          source: `for i in range(${i}):\n    print(i, "value")`,
          outputs: [{ output_type: "stream", name: "stdout", text: `${i} value\n` }],
        },
  ),
  metadata: {},
  nbformat: 4,
  nbformat_minor: 5,
});
Deno.bench({
  name: "JSON.parse of a 200-cell notebook (baseline)",
  group: "notebook",
  baseline: true,
  fn() {
    JSON.parse(bigNotebook);
  },
});
Deno.bench({
  name: "renderNotebook() of a 200-cell notebook",
  group: "notebook",
  fn() {
    renderNotebook(bigNotebook);
  },
});
