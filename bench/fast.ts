/**
 * The fast path (issue: a fresh kernel per notebook in a quarter of a second), whole commands,
 * each against baselines measured in the same run:
 *
 * - **Marginal cost per trivial notebook** = (wall of N independent one-cell notebooks - wall of
 *   1) / (N - 1), N = 21: `cli.ts run` (forked kernels) at concurrency 1 and 2, `cli.ts run` with
 *   `fast: false` (spawned kernels), a shell loop of `jupyter nbconvert --to notebook --execute`,
 *   and Snakemake (`notebook:` rules, `-c1`) when `snakemake` is on PATH.
 * - **First cell**: seconds from the command's start to the first cell executing (the cell's
 *   `iopub.execute_input` time in the executed notebook), for one notebook.
 * - **The demo** (12 instances, concurrency 2): wall time against its ideal bound
 *   max(critical path, summed cell time / concurrency), both read from its own run folder.
 *
 *     deno run -A bench/fast.ts        (part of `deno task bench`; BENCH_FAST_N=21, BENCH_FAST_RUNS=3,
 *                                       BENCH_FAST_ONLY=first-cell for the first-cell figures alone)
 *
 * A script rather than `Deno.bench` cases: each figure is a difference of whole commands that
 * take seconds to minutes, measured in interleaved rounds (medians of BENCH_FAST_RUNS for
 * `cli.ts run` with forked kernels); the baselines (nbconvert, Snakemake, spawned kernels) run
 * once per size, as they cost minutes.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { detectPython } from "../lib/execute/python.ts";
import { demoIdealBound, firstCellDelay } from "./_fast_figures.ts";

const N = Number(Deno.env.get("BENCH_FAST_N") ?? 21);
const RUNS = Number(Deno.env.get("BENCH_FAST_RUNS") ?? 3);
/** `first-cell`: only the first-cell figures (cheap enough for many rounds). */
const ONLY = Deno.env.get("BENCH_FAST_ONLY");
const ROOT = fileURLToPath(new URL("../", import.meta.url));
const CLI = join(ROOT, "cli.ts");
const DEMO = join(ROOT, "examples/mnist-digits-demo-pipeline/pipeline.yaml");
const python = (await detectPython()).path;
const work = await Deno.makeTempDir({ prefix: "pynb-bench-fast-" });
globalThis.addEventListener("unload", () => Deno.removeSync(work, { recursive: true }));

const hasSnakemake = (await new Deno.Command("sh", {
  args: ["-c", "command -v snakemake"],
  stdout: "null",
}).output()).success;

/** A folder of `n` one-cell notebooks, a pipeline of them (independent), and a Snakefile. */
async function makeProject(n: number, fast: boolean): Promise<string> {
  const dir = join(work, `p${n}-${fast ? "fast" : "spawn"}`);
  await Deno.mkdir(dir, { recursive: true });
  const tasks: string[] = [];
  for (let i = 1; i <= n; i++) {
    const nb = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {
        kernelspec: { name: "python3", display_name: "Python 3", language: "python" },
        language_info: { name: "python" }, // Snakemake reads it
      },
      cells: [{
        id: "c",
        cell_type: "code",
        metadata: {},
        execution_count: null,
        outputs: [],
        source: `x = ${i}`,
      }],
    };
    await Deno.writeTextFile(join(dir, `nb${i}.ipynb`), JSON.stringify(nb));
    tasks.push(`  t${i}: { notebook: nb${i}.ipynb }`);
  }
  await Deno.writeTextFile(
    join(dir, "pipeline.yaml"),
    `name: trivial\ndefaults: { fast: ${fast} }\ntasks:\n${tasks.join("\n")}\n`,
  );
  const ids = Array.from({ length: n }, (_, i) => i + 1).join(", ");
  await Deno.writeTextFile(
    join(dir, "Snakefile"),
    `rule all:\n    input: expand("out/{i}.done", i=[${ids}])\n\n` +
      `rule nb:\n    output: touch("out/{i}.done")\n    notebook: "nb{wildcards.i}.ipynb"\n`,
  );
  return dir;
}

async function sh(cmd: string[], cwd: string): Promise<void> {
  const out = await new Deno.Command(cmd[0]!, {
    args: cmd.slice(1),
    cwd,
    env: { NO_COLOR: "1", PYDEVD_DISABLE_FILE_VALIDATION: "1" },
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(
      `${cmd.join(" ")} failed: ${new TextDecoder().decode(out.stderr).slice(-2000)}`,
    );
  }
}

let runCounter = 0;
async function cliRun(dir: string, concurrency: number): Promise<string> {
  const out = join(dir, "runs", `r${++runCounter}`);
  await sh([
    Deno.execPath(),
    "run",
    "--quiet",
    "--allow-read",
    "--allow-write",
    "--allow-run",
    "--allow-env",
    CLI,
    "run",
    "pipeline.yaml",
    "--out",
    out,
    "--concurrency",
    String(concurrency),
  ], dir);
  return out;
}

async function nbconvertLoop(dir: string, n: number): Promise<void> {
  const loop = `for i in $(seq 1 ${n}); do "${python}" -m nbconvert --to notebook --execute ` +
    `--output-dir out --output "nb$i" "nb$i.ipynb" || exit 1; done`;
  await sh(["sh", "-c", loop], dir);
}

async function snakemake(dir: string): Promise<void> {
  await Deno.remove(join(dir, "out"), { recursive: true }).catch(() => {});
  await Deno.remove(join(dir, ".snakemake"), { recursive: true }).catch(() => {});
  await sh(["snakemake", "-c1", "--quiet"], dir);
}

/** Wall seconds of every call, by case name. */
const walls = new Map<string, number[]>();
async function timed(name: string, fn: () => Promise<unknown>): Promise<void> {
  const start = performance.now();
  await fn();
  const list = walls.get(name) ?? [];
  list.push((performance.now() - start) / 1000);
  walls.set(name, list);
}

const fast = { 1: await makeProject(1, true), [N]: await makeProject(N, true) };
const spawn = { 1: await makeProject(1, false), [N]: await makeProject(N, false) };

/** Every case in turn, interleaved (`rounds` times), so that a change of load hits all alike. */
async function measure(rounds: number): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    for (const size of ONLY === "first-cell" ? [] : [1, N]) {
      for (const c of [1, 2]) {
        const name = `cli.ts run, forked kernels, ${size} notebook(s), -j ${c}`;
        await timed(name, () => cliRun(fast[size]!, c));
      }
      if (round > 0) continue; // the baselines cost minutes: once
      const spawned = `cli.ts run, fast: false, ${size} notebook(s), -j 1`;
      await timed(spawned, () => cliRun(spawn[size]!, 1));
      const loop = `nbconvert --execute loop, ${size} notebook(s)`;
      await timed(loop, () => nbconvertLoop(fast[size]!, size));
      const smk = `snakemake -c1 notebook: rules, ${size} notebook(s)`;
      if (hasSnakemake) await timed(smk, () => snakemake(fast[size]!));
    }
    for (const mode of ["forked", "spawned"] as const) {
      const name = `first cell, cli.ts run, ${mode} kernel`;
      const start = Date.now() / 1000;
      const out = await cliRun(mode === "forked" ? fast[1]! : spawn[1]!, 1);
      const list = firstCell.get(name) ?? [];
      list.push(await firstCellDelay(out, start));
      firstCell.set(name, list);
    }
  }
  if (ONLY === "first-cell") return;
  const out = join(work, "demo");
  await sh(
    [Deno.execPath(), "run", "--quiet", "-A", CLI, "run", DEMO, "--out", out, "-j", "2"],
    ROOT,
  );
  demo.push(await demoIdealBound(out, 2));
}

const firstCell = new Map<string, number[]>();
const demo: { wall: number; ideal: number; criticalPath: number; cellSeconds: number }[] = [];

function median(xs: number[] | undefined): number {
  const s = [...(xs ?? [])].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor((s.length - 1) / 2)]!;
}

function report(): string {
  const marginal = (prefix: string, suffix = "") => {
    const one = median(walls.get(`${prefix}, 1 notebook(s)${suffix}`));
    const many = median(walls.get(`${prefix}, ${N} notebook(s)${suffix}`));
    return { one, many, per: (many - one) / (N - 1) };
  };
  const rows = [
    ["cli.ts run, forked kernels, -j 1", marginal("cli.ts run, forked kernels", ", -j 1")],
    ["cli.ts run, forked kernels, -j 2", marginal("cli.ts run, forked kernels", ", -j 2")],
    ["cli.ts run, fast: false, -j 1", marginal("cli.ts run, fast: false", ", -j 1")],
    ["nbconvert --execute loop", marginal("nbconvert --execute loop")],
    ["snakemake -c1", marginal("snakemake -c1 notebook: rules")],
  ] as const;
  const lines = [
    `\nmarginal cost per trivial notebook (N = ${N}; median of ${RUNS} for cli.ts forked)`,
  ];
  const base = rows[0][1].per;
  for (const [name, r] of rows) {
    if (Number.isNaN(r.per)) continue;
    lines.push(
      `  ${name.padEnd(34)} 1: ${r.one.toFixed(2)} s  ${N}: ${r.many.toFixed(2)} s  ` +
        `per notebook: ${r.per.toFixed(3)} s  (${(r.per / base).toFixed(1)}x forked -j 1)`,
    );
  }
  for (const [name, xs] of firstCell) lines.push(`  ${name}: ${median(xs).toFixed(2)} s`);
  for (const d of demo) {
    lines.push(
      `  demo: wall ${d.wall.toFixed(1)} s, ideal ${d.ideal.toFixed(1)} s ` +
        `(critical path ${d.criticalPath.toFixed(1)} s, cells ${d.cellSeconds.toFixed(1)} s / 2) ` +
        `-> ${(d.wall / d.ideal).toFixed(2)}x ideal`,
    );
  }
  return lines.join("\n");
}

if (import.meta.main) {
  console.log(`load average before: ${(await Deno.readTextFile("/proc/loadavg")).trim()}`);
  await measure(RUNS);
  console.log(report());
  console.log(`load average after: ${(await Deno.readTextFile("/proc/loadavg")).trim()}`);
}
