/**
 * `cli.ts merge <part-folders>... --out <runs>`: assembles the parts of one run (written by
 * `run --only ... --run-id` in separate jobs) into one run folder `<runs>/<run-id>/`.
 *
 * @module
 */
import { Command } from "../../deps/cli.ts";
import { mergeRunParts } from "../log/part/merge.ts";

/** The permission flags `merge` needs. */
export const MERGE_PERMISSIONS = "--allow-read --allow-write";

/**
 * Builds the `merge` sub-command: prints the merged run folder on stdout, exits 0 when the merged
 * run succeeded, 1 when an instance failed, was skipped or cancelled, 2 on bad input (parts of
 * different runs or pipelines, a folder that is not a run folder).
 *
 * @returns The sub-command.
 *
 * @example Merging the parts downloaded by a workflow's last job
 * ```sh
 * deno run --allow-read --allow-write cli.ts merge parts/*\/* --out runs
 * ```
 */
export function mergeCommand(): Command {
  return new Command("merge")
    .description("Merge the part folders of one run into one run folder <out>/<run-id>/.")
    .argument("<part-folders...>", "run folders written by `run --only ... --run-id <id>`")
    .option("-o, --out <folder>", "folder that receives the merged run folder", "runs")
    .addHelpText(
      "after",
      `
One trace: every part's spans go under one run span; instances that no part records are
derived as skipped (below a failure) or cancelled. A merged folder already in --out is merged
too, then replaced; merging is idempotent and order-independent.
Exit code: 0 the run succeeded, 1 it did not, 2 bad input.

Permissions: ${MERGE_PERMISSIONS}

Example:
  deno run ${MERGE_PERMISSIONS} cli.ts merge parts/ingest/r1 parts/train/r1 --out runs
`,
    )
    .action(async (folders: string[], flags: { out: string }) => {
      const { folder, summary, warnings } = await mergeRunParts(folders, flags.out);
      for (const w of warnings) console.error(`Warning: ${w}`);
      Deno.stdout.writeSync(new TextEncoder().encode(`${folder}\n`));
      Deno.exitCode = summary.status === "succeeded" ? 0 : 1;
    });
}
