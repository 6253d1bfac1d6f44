/**
 * `cli.ts comment <markdown-file> --repo owner/name --pr N`: posts a run's summary (written by
 * `cli.ts summary ... --compare <baseline>`) as one pull-request comment, or updates the one
 * an earlier push posted (found by its hidden marker). Token from GITHUB_TOKEN (needs
 * `pull-requests: write`); never printed.
 *
 * @module
 */
import { Command, InvalidArgumentError } from "../../deps/cli.ts";
import { UserError } from "../errors.ts";
import { commentBody, upsertPullRequestComment } from "../github/pr_comment.ts";

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new InvalidArgumentError(`needs a whole number of 1 or more, got '${value}'.`);
  }
  return n;
}

function httpUrl(value: string): string {
  const url = URL.parse(value);
  if (url === null || (url.protocol !== "https:" && url.protocol !== "http:")) {
    throw new InvalidArgumentError(`'${value}' is not an http(s) URL.`);
  }
  return url.href.replace(/\/+$/, "");
}

/**
 * Builds the `comment` sub-command.
 *
 * @returns The commander command.
 *
 * @example Commenting on a pull request from a workflow
 * ```sh
 * deno run --allow-read=summary.md --allow-net=api.github.com --allow-env=GITHUB_TOKEN \
 *   cli.ts comment summary.md --repo "$GITHUB_REPOSITORY" --pr 7
 * ```
 */
export function commentCommand(): Command {
  return new Command("comment")
    .description(
      "Post a run's Markdown summary as one pull-request comment, updated in place on the " +
        "next push (found by a hidden marker), trimmed under GitHub's 65,536-character limit.",
    )
    .argument("<markdown-file>", "the summary, as `cli.ts summary` writes it")
    .requiredOption("--repo <owner/name>", "the repository of the pull request")
    .requiredOption("--pr <number>", "the pull request's number", positiveInt)
    .option("--api-url <url>", "GitHub REST API base URL", httpUrl, "https://api.github.com")
    .option("--full-url <url>", "where the whole summary is (named when trimmed)", httpUrl)
    .addHelpText(
      "after",
      "\nToken: GITHUB_TOKEN (needs pull-requests: write); never printed.\n" +
        "Permissions: --allow-read=<markdown-file> --allow-net=api.github.com " +
        "--allow-env=GITHUB_TOKEN",
    )
    .action(async (file: string, opts: {
      repo: string;
      pr: number;
      apiUrl: string;
      fullUrl?: string;
    }) => {
      const token = Deno.env.get("GITHUB_TOKEN");
      if (!token) {
        throw new UserError(
          "Cannot comment: GITHUB_TOKEN is not set. In a workflow, pass " +
            "`env: GITHUB_TOKEN: ${{ github.token }}` with `permissions: pull-requests: write`.",
        );
      }
      let markdown: string;
      try {
        markdown = await Deno.readTextFile(file);
      } catch (err) {
        if (err instanceof Deno.errors.NotCapable) throw err;
        throw new UserError(`Cannot read '${file}': ${(err as Error).message}`, { cause: err });
      }
      const body = commentBody(markdown, opts.fullUrl ? { fullUrl: opts.fullUrl } : {});
      const result = await upsertPullRequestComment(opts.repo, opts.pr, {
        body,
        token,
        apiUrl: opts.apiUrl,
      });
      console.log(
        `${result.action} comment ${result.id} on pull request #${opts.pr}: ${result.url}`,
      );
    });
}
