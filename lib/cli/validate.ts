/**
 * `cli.ts validate <pipeline>`: check a pipeline file without running it.
 *
 * @module
 */
import { Command, Option } from "../../deps/cli.ts";
import { UserError } from "../errors.ts";
import { githubAnnotations } from "../github/annotations.ts";
import { loadAndPlan, type PlannedPipeline } from "../plan/load_and_plan.ts";
import { readOnlyNeeds, requirePermissions } from "./_permissions.ts";

/**
 * Builds the `validate` sub-command: loads the pipeline (schema, every problem with its line
 * and column), plans it (needs, cycles, matrix edges) and checks that its notebooks exist,
 * then prints a one-line summary. Needs only `--allow-read`.
 *
 * @returns The sub-command.
 *
 * @example Validating from the shell
 * ```sh
 * deno run --allow-read cli.ts validate examples/mnist-digits-demo-pipeline/pipeline.yaml
 * # OK examples/mnist-digits-demo-pipeline/pipeline.yaml: pipeline mnist-digits-demo-pipeline, ...
 * ```
 */
export function validateCommand(): Command {
  return new Command("validate")
    .description(
      "Check a pipeline file: keys and types, needs, cycles, matrix edges, notebook files.",
    )
    .argument("<pipeline>", "pipeline file: .yaml, .yml, .json, or a .ts module")
    .addOption(
      new Option(
        "--format <format>",
        "how to report problems: text on stderr, or also github workflow annotations on stdout " +
          "(marks each problem on the pull request's diff)",
      ).choices(["text", "github"]).default("text"),
    )
    .addHelpText(
      "after",
      `
Permissions: --allow-read

Exit codes: 0 valid, 2 invalid (every problem is listed with file:line:column).

Examples:
  deno run --allow-read cli.ts validate examples/mnist-digits-demo-pipeline/pipeline.yaml
  deno run --allow-read cli.ts validate pipeline.yaml --format github   # in a workflow step
`,
    )
    .action(async (path: string, flags: { format: "text" | "github" }) => {
      await requirePermissions("validate", readOnlyNeeds(path), "--allow-read");
      let planned: PlannedPipeline;
      try {
        planned = await loadAndPlan(path);
      } catch (err) {
        if (flags.format === "github" && err instanceof UserError) {
          console.log(githubAnnotations(err, path).join("\n"));
        }
        throw err;
      }
      const { pipeline, plan } = planned;
      const tasks = Object.keys(pipeline.spec.tasks).length;
      console.log(
        `OK ${path}: pipeline ${plan.pipeline}, ${count(tasks, "task")}, ` +
          `${count(plan.instances.length, "instance")} in ${count(plan.layers.length, "layer")}`,
      );
    });
}

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? "" : "s"}`;
}
