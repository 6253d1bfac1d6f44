#!/usr/bin/env -S deno run --allow-read --allow-write --allow-run --allow-env
/**
 * A scripted CI step: runs a pipeline with `runPipeline`, then builds the website of every run in
 * the runs folder with `buildSite`, through the library's `mod.ts` alone. It runs from a checkout
 * or from a URL (`deno run <flags> https://.../examples/run_and_publish.ts`), with
 * `--allow-read --allow-write --allow-run --allow-env` and no network permission.
 *
 * Prints the run folder on stdout; exits 0 when every instance succeeded, 1 when one failed,
 * 2 for bad input (one message, no stack trace).
 *
 * @example Running the demo pipeline and building its website
 * ```sh
 * deno run --allow-read --allow-write --allow-run --allow-env examples/run_and_publish.ts \
 *   examples/mnist-digits-demo-pipeline/pipeline.yaml --runs runs --site _site
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { buildSite, runPipeline, UserError } from "../mod.ts";

/**
 * Runs the pipeline, builds the site, and returns the exit code.
 *
 * @param args The command line: `<pipeline> [--runs DIR] [--site DIR] [--title T] [--fail-fast]`.
 * @returns 0 all succeeded, 1 an instance did not, 2 bad input.
 */
export async function main(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      runs: { type: "string", default: "runs" },
      site: { type: "string", default: "_site" },
      title: { type: "string" },
      "fail-fast": { type: "boolean", default: false },
    },
  });
  const [pipeline] = positionals;
  if (pipeline === undefined || positionals.length > 1) {
    throw new UserError("Cannot run: give one pipeline file, e.g. pipeline.yaml");
  }
  const run = await runPipeline(pipeline, {
    out: values.runs,
    failFast: values["fail-fast"],
    observer: {
      taskEnded: (record) => console.error(`${record.status.padEnd(9)} ${record.id}`),
      warning: (message) => console.error(`warning: ${message}`),
    },
  });
  const site = await buildSite([values.runs], {
    out: values.site,
    ...(values.title === undefined ? {} : { title: values.title }),
  });
  console.error(`run ${run.runId}: ${run.status}; site with ${site.runs} run(s) in ${site.out}`);
  console.log(run.folder);
  return run.status === "succeeded" ? 0 : 1;
}

if (import.meta.main) {
  try {
    Deno.exitCode = await main(Deno.args);
  } catch (err) {
    if (!(err instanceof UserError || err instanceof TypeError && "code" in err)) throw err;
    console.error(`error: ${err.message}`);
    Deno.exitCode = 2;
  }
}
