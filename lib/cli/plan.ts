/**
 * `cli.ts plan <pipeline>`: print the expanded DAG of a pipeline.
 *
 * @module
 */
import { Command, Option } from "../../deps/cli.ts";
import { loadAndPlan } from "../plan/load_and_plan.ts";
import { formatPlan, PLAN_FORMATS, type PlanFormat } from "../plan/format.ts";
import { collectParam, type PlanFlags, planOptions } from "./_plan_flags.ts";
import { readOnlyNeeds, requirePermissions } from "./_permissions.ts";

/**
 * Builds the `plan` sub-command: validates the pipeline like `validate`, then prints its plan
 * as text, JSON (see `docs/plan-format.md`) or a Mermaid graph. Needs only `--allow-read`.
 *
 * @returns The sub-command.
 *
 * @example Printing a plan as JSON
 * ```sh
 * deno run --allow-read cli.ts plan pipeline.yaml --format json --from train-model
 * ```
 */
export function planCommand(): Command {
  return new Command("plan")
    .description("Print the plan of a pipeline: its task instances, their needs and layers.")
    .argument("<pipeline>", "pipeline file: .yaml, .yml, .json, or a .ts module")
    .addOption(
      new Option("-f, --format <format>", "output format").choices(PLAN_FORMATS).default("text"),
    )
    .option("--only <names...>", "keep only these tasks or instance ids")
    .option("--from <names...>", "keep these tasks or instances and everything downstream")
    .option("--to <names...>", "keep these tasks or instances and everything upstream")
    .option(
      "-p, --param <name=value>",
      "override a parameter for every instance; the value is YAML (repeatable)",
      collectParam,
    )
    .addHelpText(
      "after",
      `
Selections intersect: --from split --to benchmark keeps what lies between. Needs that point
outside the selection are dropped, so the plan starts from the selection.

Permissions: --allow-read

Examples:
  deno run --allow-read cli.ts plan pipeline.yaml
  deno run --allow-read cli.ts plan pipeline.yaml --format mermaid --to benchmark
  deno run --allow-read cli.ts plan pipeline.yaml --format json --param train_test_ratio=0.8
`,
    )
    .action(async (path: string, flags: PlanFlags & { format: PlanFormat }) => {
      await requirePermissions("plan", readOnlyNeeds(path), "--allow-read");
      const { plan } = await loadAndPlan(path, planOptions(flags));
      await writeAll(formatPlan(plan, flags.format));
    });
}

async function writeAll(text: string): Promise<void> {
  const bytes = new TextEncoder().encode(text);
  const writer = Deno.stdout.writable.getWriter();
  try {
    await writer.write(bytes);
  } catch (err) {
    // The reader went away (`plan ... | head`): nothing left to say.
    if (!(err instanceof Deno.errors.BrokenPipe)) throw err;
  } finally {
    writer.releaseLock();
  }
}
