/**
 * One pull-request comment that says how the run compares with the default branch, updated in
 * place on every push: found again by a hidden marker at its start, trimmed under GitHub's
 * 65,536-character limit of a comment body.
 *
 * @module
 */
import { z } from "../../deps.ts";
import { createGitHubClient, type GitHubClientOptions } from "./client.ts";
import { parseRepo } from "./collect.ts";

/** The hidden marker that starts the comment, so the next push finds it. */
export const COMMENT_MARKER = "<!-- pynb-dag-runner -->";
/** GitHub refuses comment bodies longer than this many characters. */
export const MAX_COMMENT_CHARS = 65_536;

const CommentSchema = z.object({
  id: z.number(),
  body: z.string().nullish(),
  html_url: z.string(),
});
type Comment = z.infer<typeof CommentSchema>;

/** Options of {@linkcode commentBody}. */
export interface CommentBodyOptions {
  /**
   * Longest body, in characters (UTF-16 units, as GitHub counts).
   * @default MAX_COMMENT_CHARS
   */
  limit?: number;
  /**
   * Where the whole summary can be read, named when the body is trimmed.
   * @default undefined (not named)
   */
  fullUrl?: string;
}

/**
 * The comment's body: the marker, then the Markdown, trimmed at a line end under the limit (an
 * open code block closed) with a note saying so.
 *
 * @param markdown The run's summary.
 * @param options The limit and where the full summary is.
 * @returns The body.
 *
 * @example A short summary is kept whole
 * ```ts
 * import { COMMENT_MARKER, commentBody } from "./pr_comment.ts";
 * console.assert(commentBody("## Run\n") === `${COMMENT_MARKER}\n## Run\n`);
 * ```
 */
export function commentBody(markdown: string, options: CommentBodyOptions = {}): string {
  const limit = options.limit ?? MAX_COMMENT_CHARS;
  const head = `${COMMENT_MARKER}\n`;
  if (head.length + markdown.length <= limit) return head + markdown;
  const note = `\n\n> [!NOTE]\n> Trimmed to fit a comment` +
    (options.fullUrl ? `: the whole summary is in [the workflow run](${options.fullUrl}).` : ".") +
    "\n";
  const room = limit - head.length - note.length - "\n```\n".length;
  let kept = markdown.slice(0, Math.max(0, room));
  const cut = kept.lastIndexOf("\n");
  if (cut > 0) kept = kept.slice(0, cut);
  const fences = kept.split("\n").filter((l) => l.trimStart().startsWith("```")).length;
  if (fences % 2 === 1) kept += "\n```";
  return head + kept + note;
}

/** What {@linkcode upsertPullRequestComment} did. */
export interface CommentResult {
  /** `created`, or `updated` when the marker was found. */
  action: "created" | "updated";
  /** The comment's id. */
  id: number;
  /** Its web address. */
  url: string;
}

/**
 * Creates the run's comment on a pull request, or updates the one that starts with the marker
 * (every page of comments is read).
 *
 * @param repo `owner/name`.
 * @param pullRequest The pull request's number.
 * @param options The body, and the client's token and API URL.
 * @returns What was done.
 * @throws {GitHubAccessError} When the token may not read or write the comments.
 *
 * @example Commenting
 * ```ts ignore
 * await upsertPullRequestComment("octo/demo", 7, { body: commentBody(md), token });
 * ```
 */
export async function upsertPullRequestComment(
  repo: string,
  pullRequest: number,
  options: GitHubClientOptions & { body: string },
): Promise<CommentResult> {
  const { owner, repo: name } = parseRepo(repo);
  const { body, ...clientOptions } = options;
  const gh = createGitHubClient(clientOptions);
  const raw = await gh.paginate(gh.rest.issues.listComments, {
    owner,
    repo: name,
    issue_number: pullRequest,
    per_page: 100,
  });
  const comments: Comment[] = z.array(CommentSchema).parse(raw);
  // Ours starts with the marker; a reply quoting it does not.
  const mine = comments.find((c) => (c.body ?? "").startsWith(COMMENT_MARKER));
  if (mine !== undefined) {
    const res = await gh.rest.issues.updateComment({
      owner,
      repo: name,
      comment_id: mine.id,
      body,
    });
    const c = CommentSchema.parse(res.data);
    return { action: "updated", id: c.id, url: c.html_url };
  }
  const res = await gh.rest.issues.createComment({
    owner,
    repo: name,
    issue_number: pullRequest,
    body,
  });
  const c = CommentSchema.parse(res.data);
  return { action: "created", id: c.id, url: c.html_url };
}
