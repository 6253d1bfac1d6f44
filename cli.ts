#!/usr/bin/env -S deno run --allow-read
/**
 * The pynb-dag-runner command line. Each sub-command documents the permission flags it needs in
 * its `--help`; `validate` and `plan` need only `--allow-read`.
 *
 * @example Validate a pipeline
 * ```sh
 * deno run --allow-read cli.ts validate examples/mnist-digits-demo-pipeline/pipeline.yaml
 * ```
 *
 * @module
 */
import { runCli } from "./lib/cli/main.ts";

if (import.meta.main) {
  Deno.exit(await runCli(Deno.args));
}
