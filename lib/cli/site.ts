/**
 * `cli.ts site <runs...> --out _site`: build the static website from run folders.
 *
 * @module
 */
import { Command, InvalidArgumentError } from "../../deps/cli.ts";
import { UserError } from "../errors.ts";
import { buildSite } from "../site/build.ts";
import { requirePermissions, siteNeeds } from "./_permissions.ts";

function positiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) {
      throw new InvalidArgumentError(`${flag} needs a whole number of 1 or more, got '${value}'.`);
    }
    return n;
  };
}

function baseUrl(value: string): string {
  if (!/^(\/|https?:\/\/)/.test(value) || /\s/.test(value)) {
    throw new InvalidArgumentError(
      `--base-url needs a path starting with '/' or an http(s) URL, got '${value}'.`,
    );
  }
  return value.endsWith("/") ? value : `${value}/`;
}

/**
 * Builds the `site` sub-command. Needs only `--allow-read` and `--allow-write` (plus
 * `--allow-net=<host>` when `cli.ts` itself is run from an https URL, to fetch the templates).
 *
 * @returns The sub-command.
 *
 * @example Building a site from the shell
 * ```sh
 * deno run --allow-read --allow-write cli.ts site runs --out _site --title "Nightly"
 * ```
 */
export function siteCommand(): Command {
  return new Command("site")
    .description(
      "Build the static website (runs, DAG, timeline, notebooks, experiments) from run folders.",
    )
    .argument("<runs...>", "run folders, or folders holding run folders")
    .requiredOption("-o, --out <dir>", "output folder of the website")
    .option("--title <title>", "site title (default: the previous site's, or 'Pipeline runs')")
    .option("--base-url <url>", "public base URL of the site, e.g. /my-repo/", baseUrl)
    .option("--previous <dir>", "a previously published site: keep its history, add new runs")
    .option("--keep-runs <n>", "keep only the newest N runs", positiveInt("--keep-runs"))
    .option(
      "--keep-days <d>",
      "keep only runs started in the last D days",
      positiveInt("--keep-days"),
    )
    .option(
      "--max-artifact-bytes <n>",
      "link artifacts larger than N bytes to their workflow run instead of copying them",
      positiveInt("--max-artifact-bytes"),
    )
    .addHelpText(
      "after",
      `
Permissions: --allow-read --allow-write (no --allow-run, no --allow-net).

A run folder that cannot be read is listed on the site's problems page and does not stop the
build. With --previous, runs already published are carried over without re-rendering.

Example:
  deno run --allow-read --allow-write cli.ts site runs --out _site --previous published-site
`,
    )
    .action(
      async (
        runs: string[],
        opts: {
          out: string;
          title?: string;
          baseUrl?: string;
          previous?: string;
          keepRuns?: number;
          keepDays?: number;
          maxArtifactBytes?: number;
        },
      ) => {
        if (opts.out.trim() === "") throw new UserError("Cannot build the site: --out is empty");
        await requirePermissions("site", siteNeeds(runs, opts), "--allow-read --allow-write");
        const report = await buildSite(runs, {
          out: opts.out,
          ...(opts.title !== undefined ? { title: opts.title } : {}),
          ...(opts.baseUrl !== undefined ? { baseUrl: opts.baseUrl } : {}),
          ...(opts.previous !== undefined ? { previous: opts.previous } : {}),
          ...(opts.keepRuns !== undefined ? { keepRuns: opts.keepRuns } : {}),
          ...(opts.keepDays !== undefined ? { keepDays: opts.keepDays } : {}),
          ...(opts.maxArtifactBytes !== undefined
            ? { maxArtifactBytes: opts.maxArtifactBytes }
            : {}),
        });
        for (const p of report.problems) console.error(`warning: ${p.message}`);
        for (const w of report.warnings) console.error(`warning: ${w}`);
        console.log(
          `Built ${opts.out}: ${report.runs} runs (${report.rendered} rendered, ${report.carried} ` +
            `kept from the previous site, ${report.pruned} pruned), ${report.pages} pages, ` +
            `${report.problems.length} problems.`,
        );
        if (opts.baseUrl) console.log(`Published at ${opts.baseUrl}index.html`);
      },
    );
}
