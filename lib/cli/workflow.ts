/**
 * `cli.ts workflow <pipeline> [--group instance|task|layer] [--check <file>]`: prints a GitHub
 * Actions workflow that runs the pipeline as jobs, or checks that a committed one is up to date.
 *
 * @module
 */
import { isAbsolute, relative, resolve } from "node:path";
import { Command, Option } from "../../deps/cli.ts";
import { shellQuote } from "../_base/quote.ts";
import { UserError } from "../errors.ts";
import {
  DEFAULT_APT,
  generateWorkflow,
  type WorkflowEvent,
  type WorkflowGroup,
  type WorkflowOptions,
} from "../github/workflow.ts";
import { planPipeline } from "../plan/plan.ts";
import type { JsonValue } from "../_base/json.ts";
import { loadPipeline } from "../spec/load.ts";
import { parseParamFlag } from "../spec/params.ts";

interface WorkflowFlags {
  group: WorkflowGroup;
  name?: string;
  on?: WorkflowEvent[];
  cron?: string;
  apt?: string[];
  param?: Record<string, JsonValue>;
  check?: string;
}

function collectParam(
  text: string,
  acc: Record<string, JsonValue> | undefined,
): Record<string, JsonValue> {
  const [name, value] = parseParamFlag(text);
  return { ...acc, [name]: value };
}

/** The flags as the generated file's header repeats them (without `--check`). */
function commandLine(path: string, flags: WorkflowFlags): string {
  const words = ["deno", "task", "workflow", path, "--group", flags.group];
  if (flags.name !== undefined) words.push("--name", flags.name);
  if (flags.on !== undefined) words.push("--on", ...flags.on);
  if (flags.cron !== undefined) words.push("--cron", flags.cron);
  if (flags.apt !== undefined) words.push("--apt", ...flags.apt);
  for (const [k, v] of Object.entries(flags.param ?? {})) {
    words.push("--param", `${k}=${JSON.stringify(v)}`);
  }
  return words.map(shellQuote).join(" ");
}

/**
 * Builds the `workflow` sub-command: prints the workflow on stdout; with `--check <file>`, exits 0
 * when the file holds exactly what would be printed and 1 (with a diff hint) when it is stale.
 *
 * @returns The sub-command.
 *
 * @example Writing the demo's workflow
 * ```sh
 * deno run --allow-read cli.ts workflow examples/mnist-digits-demo-pipeline/pipeline.yaml \
 *   --group task > .github/workflows/demo-pipeline-jobs.yml
 * ```
 */
export function workflowCommand(): Command {
  return new Command("workflow")
    .description("Print a GitHub Actions workflow that runs the pipeline as jobs.")
    .argument("<pipeline>", "pipeline file, relative to the repository root")
    .addOption(
      new Option("--group <by>", "one job per instance, per task (a job matrix), or per layer")
        .choices(["instance", "task", "layer"]).default("instance"),
    )
    .option("--name <name>", "the workflow's name (default: <pipeline>-jobs)")
    .addOption(
      new Option("--on <events...>", "events that start it (default: workflow_dispatch)")
        .choices(["workflow_dispatch", "push", "pull_request"]),
    )
    .option("--cron <expression>", "also run on this schedule")
    .option(
      "--apt <packages...>",
      `Debian packages each job installs (default: ${DEFAULT_APT.join(" ")})`,
    )
    .option(
      "-p, --param <name=value>",
      "override a parameter for every instance (repeatable)",
      collectParam,
    )
    .option("--check <file>", "exit 1 if <file> differs from the workflow that would be printed")
    .addHelpText(
      "after",
      `
Needs: the repository's cli.ts, deps and package.json (jobs install Deno with npm ci). Each job
keeps its part as an artifact pynb-part-*; the last job merges them into runs/<run-id>, keeps it
as pynb-run-v1-<run>-<attempt> (what the site's publish job collects) and writes the step summary.

Permissions: --allow-read

Examples:
  deno task workflow pipeline.yaml --group task > .github/workflows/pipeline-jobs.yml
  deno task workflow pipeline.yaml --group task --check .github/workflows/pipeline-jobs.yml
`,
    )
    .action(async (path: string, flags: WorkflowFlags) => {
      const pipeline = await loadPipeline(path);
      const plan = planPipeline(pipeline, { overrides: flags.param ?? {} });
      const rel = relative(Deno.cwd(), pipeline.file);
      const options: WorkflowOptions = {
        pipelineFile: rel.startsWith("..") || isAbsolute(rel) ? path : rel,
        group: flags.group,
        command: commandLine(path, flags),
        ...(flags.name === undefined ? {} : { name: flags.name }),
        ...(flags.on === undefined ? {} : { on: flags.on }),
        ...(flags.cron === undefined ? {} : { cron: flags.cron }),
        ...(flags.apt === undefined ? {} : { apt: flags.apt }),
        ...(flags.param === undefined ? {} : { params: flags.param }),
      };
      const text = generateWorkflow(plan, options);
      if (flags.check === undefined) {
        Deno.stdout.writeSync(new TextEncoder().encode(text));
        return;
      }
      let committed: string;
      try {
        committed = await Deno.readTextFile(resolve(flags.check));
      } catch (err) {
        throw new UserError(`Cannot check '${flags.check}' (--check): ${(err as Error).message}`, {
          cause: err,
        });
      }
      if (committed === text) return;
      console.error(
        `error: '${flags.check}' is stale: it is not the workflow the pipeline gives now. ` +
          `Generate it again:\n  ${commandLine(path, flags)} > ${flags.check}`,
      );
      Deno.exitCode = 1;
    });
}
