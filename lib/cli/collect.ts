/**
 * `cli.ts collect --repo owner/name --out runs [--api-url URL] [--cache DIR] [--artifact-prefix P]
 * [--branch B [--include-pull-requests]] [--limit N]`:
 * downloads the run folders kept as workflow artifacts.
 *
 * Permissions: `--allow-net=api.github.com,*.blob.core.windows.net,*.actions.githubusercontent.com
 * --allow-read=<out>,<cache> --allow-write=<out>,<cache> --allow-env=GITHUB_TOKEN`.
 *
 * @module
 */
import { Command, InvalidArgumentError } from "../../deps/cli.ts";
import { UserError } from "../errors.ts";
import { type CollectOptions, collectRuns } from "../github/collect.ts";

/** The `--allow-net` hosts of `collect` against github.com. */
export const COLLECT_NET_HOSTS =
  "api.github.com,*.blob.core.windows.net,*.actions.githubusercontent.com";

/**
 * Builds the `collect` sub-command.
 *
 * @returns The commander command.
 *
 * @example Collecting a repository's runs in a workflow
 * ```sh
 * deno run --allow-net=api.github.com,*.blob.core.windows.net,*.actions.githubusercontent.com \
 *   --allow-read=runs,.pynb-cache --allow-write=runs,.pynb-cache --allow-env=GITHUB_TOKEN \
 *   cli.ts collect --repo "$GITHUB_REPOSITORY" --out runs --cache .pynb-cache
 * ```
 */
export function collectCommand(): Command {
  return new Command("collect")
    .description(
      "Download the run folders kept as workflow artifacts of a GitHub repository " +
        "(all pages, expired ones skipped, cached by artifact id and digest).",
    )
    .requiredOption("--repo <owner/name>", "the repository whose artifacts to collect")
    .requiredOption("--out <dir>", "folder to extract run folders into")
    .option("--api-url <url>", "GitHub REST API base URL", parseHttpUrl, "https://api.github.com")
    .option("--cache <dir>", "keep downloaded zips here, so a later call downloads only new ones")
    .option("--artifact-prefix <prefix>", "only artifacts whose name starts with this", "pynb-run-")
    .option(
      "--branch <name>",
      "only artifacts of workflow runs of this repository (never a fork's) on this branch",
    )
    .option(
      "--include-pull-requests",
      "with --branch: also runs on other branches of this repository (its own pull requests)",
    )
    .option("--limit <n>", "only the newest N artifacts that have not expired", positiveInt)
    .addHelpText(
      "after",
      `\nToken: GITHUB_TOKEN (needs actions: read); never printed.\n` +
        `Permissions: --allow-net=${COLLECT_NET_HOSTS}\n` +
        "  --allow-read=<out>,<cache> --allow-write=<out>,<cache> --allow-env=GITHUB_TOKEN",
    )
    .action(async (opts: {
      repo: string;
      out: string;
      apiUrl: string;
      cache?: string;
      artifactPrefix: string;
      branch?: string;
      includePullRequests?: boolean;
      limit?: number;
    }) => {
      const token = Deno.env.get("GITHUB_TOKEN");
      const options: CollectOptions = { apiUrl: opts.apiUrl, prefix: opts.artifactPrefix };
      if (token) options.token = token;
      else console.error("note: GITHUB_TOKEN is not set; requests are anonymous");
      if (opts.cache !== undefined) options.cacheDir = opts.cache;
      if (opts.branch !== undefined) options.branch = opts.branch;
      if (opts.includePullRequests) {
        if (opts.branch === undefined) {
          throw new UserError(
            "Cannot use --include-pull-requests without --branch: name the default branch " +
              '(in a workflow: --branch "$GITHUB_REF_NAME" in a job that runs on it).',
          );
        }
        options.includePullRequests = true;
      }
      if (opts.limit !== undefined) options.limit = opts.limit;
      const report = await collectRuns(opts.repo, opts.out, options);
      for (const a of report.collected) {
        const what = a.source === "present"
          ? "already collected"
          : a.source === "cached"
          ? "extracted from the cache"
          : "downloaded";
        const folders = [...a.written, ...a.present].join(", ");
        console.log(`${a.name}: ${what} (${folders})`);
      }
      for (const name of report.expired) console.log(`${name}: expired, skipped`);
      for (const f of report.failed) console.error(`warning: ${f.name}: ${f.message}`);
      const downloaded = report.collected.filter((a) => a.source === "downloaded").length;
      const written = report.collected.reduce((n, a) => n + a.written.length, 0);
      console.log(
        `collected ${report.collected.length} artifact(s) (${downloaded} downloaded), ` +
          `${written} new run folder(s) in ${opts.out}; ${report.expired.length} expired, ` +
          `${report.failed.length} failed, ${report.ignored} other artifact(s) ignored` +
          (report.pruned > 0
            ? `; dropped ${report.pruned} expired artifact(s) from the cache`
            : ""),
      );
    });
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new InvalidArgumentError(`needs a whole number of 1 or more, got '${value}'.`);
  }
  return n;
}

function parseHttpUrl(value: string): string {
  const url = URL.parse(value);
  if (url === null || (url.protocol !== "https:" && url.protocol !== "http:")) {
    throw new InvalidArgumentError(`'${value}' is not an http(s) URL.`);
  }
  return url.href.replace(/\/+$/, "");
}
