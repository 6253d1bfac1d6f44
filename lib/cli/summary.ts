/**
 * `cli.ts summary <run-folder> [--site-url URL] [--compare <baseline-run-folder>]`: prints the
 * Markdown summary of a run for `$GITHUB_STEP_SUMMARY`. Needs `--allow-read` only.
 *
 * @module
 */
import { Command } from "../../deps/cli.ts";
import { UserError } from "../errors.ts";
import { readRunFolder } from "../log/read.ts";
import { renderSummary, type SummaryOptions } from "../github/summary.ts";
import { runPageUrl } from "../github/site_url.ts";
import { requirePermissions, summaryNeeds } from "./_permissions.ts";

/**
 * Builds the `summary` sub-command.
 *
 * @returns The commander command.
 *
 * @example Summarising a run into the step summary
 * ```sh
 * deno run --allow-read cli.ts summary runs/2026-11-27T04-00-00Z >> "$GITHUB_STEP_SUMMARY"
 * ```
 */
export function summaryCommand(): Command {
  return new Command("summary")
    .description(
      "Print a run as GitHub-flavoured Markdown for $GITHUB_STEP_SUMMARY: status table, DAG, " +
        "timeline, failures, values and metrics.",
    )
    .argument("<run-folder>", "the run folder (holding run.json or spans.jsonl)")
    .option("--site-url <url>", "base URL of the published site, to link the run's page")
    .option("--compare <baseline-run-folder>", "show each metric's change against this run")
    .addHelpText(
      "after",
      "\nPermissions: --allow-read\n" +
        'Example: deno run --allow-read cli.ts summary runs/<run-id> >> "$GITHUB_STEP_SUMMARY"',
    )
    .action(async (folder: string, opts: { siteUrl?: string; compare?: string }) => {
      const folders = opts.compare === undefined ? [folder] : [folder, opts.compare];
      await requirePermissions("summary", summaryNeeds(folders), "--allow-read");
      const run = await readRunFolder(folder);
      const options: SummaryOptions = {};
      if (opts.siteUrl !== undefined) {
        const url = URL.parse(opts.siteUrl);
        if (url === null || (url.protocol !== "https:" && url.protocol !== "http:")) {
          throw new UserError(
            `Cannot use --site-url '${opts.siteUrl}': it is not an http:// or https:// URL. ` +
              "Pass the address of the published site, for example https://owner.github.io/repo/.",
          );
        }
        options.siteUrl = runPageUrl(url, run.summary.runId);
      }
      if (opts.compare !== undefined) {
        options.baseline = (await readRunFolder(opts.compare)).summary;
      }
      let md = renderSummary(run.summary, options);
      if (run.interrupted) {
        md += "\n> [!WARNING]\n> This run has no `run.json`: it was interrupted, and the summary " +
          "was rebuilt from its spans.\n";
      }
      await writeAll(md);
    });
}

async function writeAll(text: string): Promise<void> {
  const bytes = new TextEncoder().encode(text);
  let written = 0;
  while (written < bytes.length) written += await Deno.stdout.write(bytes.subarray(written));
}
