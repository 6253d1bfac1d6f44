/**
 * Fixed overhead of a run (issue 20), whole processes, against baselines measured in the same
 * interleaved rounds:
 *
 * - **One trivial notebook**: `cli.ts run` of a one-task pipeline against `jupyter nbconvert --to
 *   notebook --execute` of the same notebook (and Snakemake's `notebook:` rule when `snakemake`
 *   is on PATH); medians of BENCH_STARTUP_RUNS rounds.
 * - **Its timeline**: the median time from the command's spawn to each mark the run writes to
 *   `PYNB_TIMELINE` (`lib/_base/timeline.ts`): Deno start, command loaded, plan, Python detected,
 *   driver ready, kernel forked, first cell (the injected parameters), last cell done, drivers closed, exit, and the process
 *   gone (seen by this script).
 * - **Each further notebook**: (wall of N independent trivial notebooks at `-j 1` - wall of 1) /
 *   (N - 1), N = BENCH_STARTUP_N.
 * - **Process start-up**: `cli.ts --version` and `cli.ts validate` against an empty Deno script.
 *
 *     deno run -A bench/startup.ts     (BENCH_STARTUP_RUNS=7, BENCH_STARTUP_N=11)
 *
 * With `BENCH_STARTUP_BEFORE=<folder>` (an older checkout, e.g. `git archive <commit> | tar -x
 * -C <folder>`), its `cli.ts run` and `--version` run in the same rounds as a before/after.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const RUNS = Number(Deno.env.get("BENCH_STARTUP_RUNS") ?? 7);
const N = Number(Deno.env.get("BENCH_STARTUP_N") ?? 11);
const ROOT = fileURLToPath(new URL("../", import.meta.url));
const CLI = join(ROOT, "cli.ts");
const BEFORE = Deno.env.get("BENCH_STARTUP_BEFORE");
const RUN_FLAGS = ["--allow-read", "--allow-write", "--allow-run", "--allow-env"];
const work = await Deno.makeTempDir({ prefix: "pynb-bench-startup-" });
globalThis.addEventListener("unload", () => Deno.removeSync(work, { recursive: true }));

const which = async (name: string) =>
  (await new Deno.Command("sh", { args: ["-c", `command -v ${name}`], stdout: "null" }).output())
    .success;
const hasSnakemake = await which("snakemake");

const NOTEBOOK = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: {
    kernelspec: { name: "python3", display_name: "Python 3", language: "python" },
    language_info: { name: "python" },
  },
  cells: [{
    id: "c",
    cell_type: "code",
    metadata: {},
    execution_count: null,
    outputs: [],
    source: "x = 1 + 1\nprint(x)",
  }],
};

/** A folder with `n` independent trivial notebooks and their pipeline. */
async function project(n: number): Promise<string> {
  const dir = join(work, `p${n}`);
  await Deno.mkdir(dir, { recursive: true });
  const tasks: string[] = [];
  for (let i = 1; i <= n; i++) {
    await Deno.writeTextFile(join(dir, `nb${i}.ipynb`), JSON.stringify(NOTEBOOK));
    tasks.push(`  t${i}: { notebook: nb${i}.ipynb }`);
  }
  await Deno.writeTextFile(
    join(dir, "pipeline.yaml"),
    `name: p${n}\ntasks:\n${tasks.join("\n")}\n`,
  );
  await Deno.writeTextFile(
    join(dir, "Snakefile"),
    // Snakemake's notebook: rule executes the notebook and keeps it as the log; the output file
    // is only the rule's done marker.
    `rule all:\n    input: "done.txt"\nrule nb:\n    output: touch("done.txt")\n` +
      `    log: notebook="out.ipynb"\n    notebook: "nb1.ipynb"\n`,
  );
  return dir;
}

/** Wall seconds of one command, from spawn to exit; fails loudly on a non-zero exit. */
async function wall(cmd: string[], cwd: string, env: Record<string, string> = {}) {
  const started = Date.now();
  const out = await new Deno.Command(cmd[0]!, {
    args: cmd.slice(1),
    cwd,
    env,
    stdout: "null",
    stderr: "piped",
  }).output();
  const ended = Date.now();
  if (!out.success) {
    throw new Error(`${cmd.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return { started, ended, seconds: (ended - started) / 1000 };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const deno = Deno.execPath();
const one = await project(1);
const many = await project(N);
await Deno.writeTextFile(join(work, "empty.ts"), "");
const cases: Record<string, () => Promise<number>> = {
  "empty Deno script": async () =>
    (await wall([deno, "run", join(work, "empty.ts")], work)).seconds,
  "cli.ts --version": async () => (await wall([deno, "run", CLI, "--version"], work)).seconds,
  "cli.ts validate": async () =>
    (await wall([deno, "run", "--allow-read", CLI, "validate", "pipeline.yaml"], one)).seconds,
  "nbconvert --execute, 1 notebook": async () =>
    (await wall(
      ["jupyter", "nbconvert", "--to", "notebook", "--execute", "nb1.ipynb", "--output", "o.ipynb"],
      one,
    )).seconds,
  ...(hasSnakemake
    ? {
      "snakemake notebook:, 1 notebook": async () =>
        (await wall(["snakemake", "-c1", "--forceall", "-q"], one)).seconds,
    }
    : {}),
  "cli.ts run, 1 notebook": () => timedRun(),
  ...(BEFORE
    ? {
      "before: cli.ts --version": async () =>
        (await wall([deno, "run", join(BEFORE, "cli.ts"), "--version"], work)).seconds,
      "before: cli.ts run, 1 notebook": async () =>
        (await wall(
          [deno, "run", ...RUN_FLAGS, join(BEFORE, "cli.ts"), "run", "pipeline.yaml"],
          one,
        ))
          .seconds,
    }
    : {}),
  [`cli.ts run -j 1, ${N} notebooks`]: async () =>
    (await wall([deno, "run", ...RUN_FLAGS, CLI, "run", "pipeline.yaml", "-j", "1"], many))
      .seconds,
};

const timelines: Record<string, number[]> = {};
let rounds = 0;
let timed = 0;

/** One `cli.ts run` of the one-notebook pipeline, its marks kept relative to its spawn. */
async function timedRun(): Promise<number> {
  const file = join(work, `timeline-${timed++}.jsonl`);
  const { started, ended, seconds } = await wall(
    [deno, "run", ...RUN_FLAGS, CLI, "run", "pipeline.yaml"],
    one,
    { PYNB_TIMELINE: file },
  );
  const marks = (await Deno.readTextFile(file)).trim().split("\n").map((l) =>
    JSON.parse(l) as { mark: string; time: number }
  );
  const at = (name: string, which: "first" | "last" = "first") => {
    const found = marks.filter((m) => m.mark === name);
    return (which === "first" ? found[0] : found.at(-1))?.time;
  };
  const points: Record<string, number | undefined> = {
    "Deno start": at("deno start"),
    "command loaded": at("command loaded"),
    "plan": at("plan"),
    "Python detected": at("python detected"),
    "driver ready": at("driver ready"),
    "kernel forked": at("kernel forked"),
    "first cell": at("cell started"),
    "last cell done": at("cell done", "last"),
    "notebook done": at("notebook done", "last"),
    "drivers closed": at("drivers closed"),
    "exit (cli)": at("exit"),
    "process gone": ended,
  };
  for (const [name, t] of Object.entries(points)) {
    if (t !== undefined) (timelines[name] ??= []).push((t - started) / 1000);
  }
  return seconds;
}

const results: Record<string, number[]> = {};
for (const run of Object.values(cases)) await run(); // warm-up, not counted
for (const key of Object.keys(timelines)) delete timelines[key];
for (rounds = 0; rounds < RUNS; rounds++) {
  for (const [name, run] of Object.entries(cases)) (results[name] ??= []).push(await run());
}

const load = (await Deno.readTextFile("/proc/loadavg").catch(() => "?")).split(" ")[0];
const f = (s: number) => `${s.toFixed(2)} s`;
const nbc = median(results["nbconvert --execute, 1 notebook"]!);
const empty = median(results["empty Deno script"]!);
console.log(`# bench/startup.ts: ${RUNS} rounds, load average ${load} at the end\n`);
console.log("| case | median | min … max | ratio |");
console.log("| --- | --- | --- | --- |");
for (const [name, xs] of Object.entries(results)) {
  const base = name.includes("cli.ts --version") || name.startsWith("cli.ts validate")
    ? `${(median(xs) / empty).toFixed(1)}x empty Deno`
    : name.includes("1 notebook")
    ? `${(median(xs) / nbc).toFixed(2)}x nbconvert`
    : "";
  console.log(
    `| ${name} | ${f(median(xs))} | ${f(Math.min(...xs))} … ${f(Math.max(...xs))} | ${base} |`,
  );
}
const per = (median(results[`cli.ts run -j 1, ${N} notebooks`]!) -
  median(results["cli.ts run, 1 notebook"]!)) / (N - 1);
console.log(`\nEach further trivial notebook at -j 1: ${f(per)}\n`);
console.log("| one-notebook run: time since spawn | median | min … max |");
console.log("| --- | --- | --- |");
for (const [name, xs] of Object.entries(timelines)) {
  console.log(`| ${name} | ${f(median(xs))} | ${f(Math.min(...xs))} … ${f(Math.max(...xs))} |`);
}
