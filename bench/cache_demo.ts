/**
 * The demo pipeline run twice against one cache: the first run (empty cache, every notebook in a
 * kernel) and the unchanged second run (every instance restored), against `cli.ts --version`
 * (process start-up) measured in the same run, and the largest part of a cached run's start-up
 * after Deno's own: the interpreter probe of `cli.ts run` (`import nbclient, ipykernel`, which also
 * reads the kernel specs that cache keys need).
 *
 *     deno run -A bench/cache_demo.ts [--repeat 5]
 *
 * A script rather than a `deno bench` file: the first run must happen exactly once, before the
 * second, and `Deno.bench` always warms up. Every case is a real process: `cli.ts` under the `run`
 * task's permission flags. Prints a Markdown table (median, min, max) for `bench/README.md`.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { detectPython } from "../lib/execute/python.ts";
import { RUN_PERMISSIONS } from "../lib/cli/run.ts";

const CLI = fileURLToPath(new URL("../cli.ts", import.meta.url));
const PIPELINE = fileURLToPath(
  new URL("../examples/mnist-digits-demo-pipeline/pipeline.yaml", import.meta.url),
);

/** Runs a command to its end; its wall time in seconds. */
async function timed(cmd: string, args: string[]): Promise<number> {
  const start = performance.now();
  const out = await new Deno.Command(cmd, {
    args,
    env: { NO_COLOR: "1" },
    stdout: "null",
    stderr: "piped",
  }).output();
  const seconds = (performance.now() - start) / 1000;
  if (!out.success) {
    throw new Error(
      `${args.slice(0, 6).join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return seconds;
}

function stats(xs: number[]): { median: number; min: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor((s.length - 1) / 2)]!, min: s[0]!, max: s.at(-1)! };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ args: Deno.args, options: { repeat: { type: "string" } } });
  const repeat = Number(values.repeat ?? 5);
  const python = (await detectPython()).path;
  const work = await Deno.makeTempDir({ prefix: "pynb-bench-cache-" });
  try {
    const deno = (args: string[]) =>
      timed(Deno.execPath(), ["run", "--quiet", ...RUN_PERMISSIONS.split(" "), CLI, ...args]);
    let n = 0;
    const demo = () =>
      deno([
        "run",
        PIPELINE,
        "--out",
        join(work, "runs"),
        "--run-id",
        `run-${++n}`,
        "--python",
        python,
        "--cache",
        join(work, "cache"),
      ]);
    const rows: [string, number[]][] = [];
    const repeated = async (name: string, f: () => Promise<number>) => {
      await f(); // warm-up: Deno's module cache, the page cache
      const xs: number[] = [];
      for (let i = 0; i < repeat; i++) xs.push(await f());
      rows.push([name, xs]);
    };
    await repeated("`cli.ts --version`: process start-up (baseline)", () => deno(["--version"]));
    rows.push(["demo, first run: empty cache, 12 instances run in kernels", [await demo()]]);
    await repeated("**demo, second run: unchanged, 12 instances restored**", demo);
    await repeated(
      "`python -c 'import nbclient, ipykernel'` (the interpreter probe of `run`)",
      () => timed(python, ["-c", "import nbclient, ipykernel"]),
    );
    const base = stats(rows[0]![1]).median;
    console.log("| case | runs | median | min … max | vs `--version` |");
    console.log("| --- | ---: | ---: | --- | ---: |");
    for (const [name, xs] of rows) {
      const s = stats(xs);
      console.log(
        `| ${name} | ${xs.length} | ${s.median.toFixed(2)} s | ${s.min.toFixed(2)} … ` +
          `${s.max.toFixed(2)} s | ${(s.median / base).toFixed(2)}x |`,
      );
    }
    const [first, second] = [stats(rows[1]![1]).median, stats(rows[2]![1]).median];
    console.log(
      `\nsecond run / first run: ${(second / first).toFixed(3)} (${
        (first / second).toFixed(0)
      }x faster)`,
    );
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

if (import.meta.main) await main();
