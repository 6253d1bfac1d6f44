/**
 * Validate + plan a synthetic pipeline of 10,000 task instances: 100 tasks, each with a
 * 100-value matrix on a shared key (so matrix edges link instances one to one), each needing
 * 1 to 3 random earlier tasks (fixed seed). Target: under 1 s on a 2-core machine.
 *
 * Baselines in the same run: `JSON.parse` of the same pipeline as JSON text (the least any
 * loader must do), and the 100-instance pipeline without matrices.
 *
 * Run: `deno task bench` (or `deno bench -A bench/plan_bench.ts`).
 *
 * @module
 */
import { join } from "node:path";
import { stringifyYaml } from "../deps.ts";
import { parsePipeline } from "../lib/spec/load.ts";
import { planPipeline } from "../lib/plan/plan.ts";

const TASKS = 100;
const VALUES = 100;

/** A small deterministic PRNG (mulberry32), so every run benchmarks the same DAG. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function syntheticPipeline(withMatrix: boolean) {
  const rnd = random(20261127);
  const shards = Array.from({ length: VALUES }, (_, i) => i);
  const tasks: Record<string, unknown> = {};
  for (let i = 0; i < TASKS; i++) {
    const needs = new Set<string>();
    const count = i === 0 ? 0 : 1 + Math.floor(rnd() * 3);
    for (let k = 0; k < count; k++) needs.add(`task-${Math.floor(rnd() * i)}`);
    tasks[`task-${i}`] = {
      notebook: `notebooks/task-${i % 10}.py`,
      needs: [...needs],
      timeout: `${1 + Math.floor(rnd() * 30)}m`,
      parameters: { learning_rate: rnd() },
      ...(withMatrix ? { matrix: { shard: shards } } : {}),
    };
  }
  return { name: "synthetic", parameters: { root: "lake" }, tasks };
}

const big = syntheticPipeline(true);
const BIG_YAML = stringifyYaml(big);
const BIG_JSON = JSON.stringify(big);
const SMALL_YAML = stringifyYaml(syntheticPipeline(false));
const FILE = join(Deno.cwd(), "pipeline.yaml");

// Check once that the benchmark measures what it says.
const check = planPipeline(parsePipeline(BIG_YAML, { file: FILE }));
if (check.instances.length !== TASKS * VALUES) {
  throw new Error(`Cannot benchmark: expected 10000 instances, got ${check.instances.length}`);
}

Deno.bench({
  name: "JSON.parse of the 10,000-instance pipeline",
  group: "validate + plan",
  baseline: true,
  fn() {
    JSON.parse(BIG_JSON);
  },
});

Deno.bench({
  name: "validate + plan 100 tasks without matrix (100 instances)",
  group: "validate + plan",
  fn() {
    planPipeline(parsePipeline(SMALL_YAML, { file: FILE }));
  },
});

Deno.bench({
  name: "validate (YAML parse + zod) 100 tasks x 100-value matrix",
  group: "validate + plan",
  fn() {
    parsePipeline(BIG_YAML, { file: FILE });
  },
});

const loaded = parsePipeline(BIG_YAML, { file: FILE });
Deno.bench({
  name: "plan 10,000 instances",
  group: "validate + plan",
  fn() {
    planPipeline(loaded);
  },
});

Deno.bench({
  name: "validate + plan 10,000 instances",
  group: "validate + plan",
  fn() {
    planPipeline(parsePipeline(BIG_YAML, { file: FILE }));
  },
});

Deno.bench({
  name: "validate + plan 10,000 instances, --from task-50",
  group: "validate + plan",
  fn() {
    planPipeline(parsePipeline(BIG_YAML, { file: FILE }), { from: ["task-50"] });
  },
});

// The command line end to end, as a user runs it: process start-up is the baseline.
const dir = await Deno.makeTempDir({ prefix: "pynb-plan-bench-" });
await Deno.mkdir(join(dir, "notebooks"));
for (let i = 0; i < 10; i++) {
  await Deno.writeTextFile(join(dir, `notebooks/task-${i}.py`), "# %%\n");
}
await Deno.writeTextFile(join(dir, "pipeline.yaml"), BIG_YAML);
const CLI = new URL("../cli.ts", import.meta.url).pathname;

async function cli(...args: string[]): Promise<void> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--no-prompt", "--allow-read", CLI, ...args],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (out.code !== 0) throw new Error(new TextDecoder().decode(out.stderr));
}

Deno.bench({
  name: "cli.ts --version (process start-up)",
  group: "command line",
  baseline: true,
  n: 5,
  warmup: 1,
  async fn() {
    await cli("--version");
  },
});

Deno.bench({
  name: "cli.ts validate, 10,000 instances",
  group: "command line",
  n: 5,
  warmup: 1,
  async fn() {
    await cli("validate", join(dir, "pipeline.yaml"));
  },
});

globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
