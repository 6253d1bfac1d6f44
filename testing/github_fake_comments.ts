/**
 * Issue comments for the fake GitHub API (testing/github_fake_api.ts): list (paged, with Link
 * headers), create and update, answering with the shapes GitHub's REST API documents
 * (https://docs.github.com/rest/issues/comments), including its 422 for a body over 65,536
 * characters.
 *
 * @module
 */

/** A comment the fake holds. */
export interface FakeComment {
  id: number;
  issue: number;
  body: string;
  /** Login of its author. @default "github-actions[bot]" */
  user?: string;
}

const DOCS = "https://docs.github.com/rest/issues/comments";

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}

function shape(c: FakeComment, origin: string, repo: string) {
  const user = c.user ?? "github-actions[bot]";
  return {
    id: c.id,
    node_id: `IC_kwDO${c.id}`,
    url: `${origin}/repos/${repo}/issues/comments/${c.id}`,
    html_url: `https://github.com/${repo}/pull/${c.issue}#issuecomment-${c.id}`,
    issue_url: `${origin}/repos/${repo}/issues/${c.issue}`,
    body: c.body,
    user: { login: user, id: 41898282, type: user.endsWith("[bot]") ? "Bot" : "User" },
    author_association: "NONE",
    created_at: "2026-11-20T04:00:00Z",
    updated_at: "2026-11-20T04:00:00Z",
  };
}

/**
 * Answers the comment endpoints, or undefined for any other request.
 *
 * @param req The request (authorised already).
 * @param state The comments, the repository, the API's origin and the page size.
 * @returns The response, or undefined.
 */
export async function answerComments(
  req: Request,
  state: { comments: FakeComment[]; repo: string; origin: string; pageSize: number },
): Promise<Response | undefined> {
  const url = new URL(req.url);
  const { comments, repo, origin } = state;
  // Link headers point at /repositories/<id>/..., as GitHub's do.
  const list = new RegExp(`^/(?:repos/${repo}|repositories/1)/issues/(\\d+)/comments$`)
    .exec(url.pathname);
  const one = new RegExp(`^/repos/${repo}/issues/comments/(\\d+)$`).exec(url.pathname);
  if (list === null && one === null) return undefined;
  let body = "";
  if (req.method === "POST" || req.method === "PATCH") {
    const data = await req.json() as { body?: unknown };
    if (typeof data.body !== "string") {
      return json(422, { message: "Invalid request.", documentation_url: DOCS, status: "422" });
    }
    body = data.body;
    if (body.length > 65_536) {
      return json(422, {
        message: "Validation Failed",
        errors: [{
          resource: "IssueComment",
          code: "custom",
          field: "body",
          message: "body is too long (maximum is 65536 characters)",
        }],
        documentation_url: `${DOCS}#create-an-issue-comment`,
        status: "422",
      });
    }
  }
  if (list !== null && req.method === "GET") {
    const issue = Number(list[1]);
    const all = comments.filter((c) => c.issue === issue);
    const perPage = Math.min(state.pageSize, Number(url.searchParams.get("per_page") ?? 30));
    const page = Number(url.searchParams.get("page") ?? 1);
    const pages = Math.max(1, Math.ceil(all.length / perPage));
    const link = (p: number, rel: string) =>
      `<${origin}/repositories/1/issues/${issue}/comments?per_page=${perPage}&page=${p}>; rel="${rel}"`;
    const links = page < pages ? [link(page + 1, "next"), link(pages, "last")] : [];
    const slice = all.slice((page - 1) * perPage, page * perPage).map((c) =>
      shape(c, origin, repo)
    );
    return json(200, slice, links.length ? { link: links.join(", ") } : {});
  }
  if (list !== null && req.method === "POST") {
    const c = { id: 9000 + comments.length + 1, issue: Number(list[1]), body };
    comments.push(c);
    return json(201, shape(c, origin, repo));
  }
  if (one !== null && req.method === "PATCH") {
    const c = comments.find((x) => x.id === Number(one[1]));
    if (c === undefined) return json(404, { message: "Not Found", documentation_url: DOCS });
    c.body = body;
    return json(200, shape(c, origin, repo));
  }
  return json(404, { message: "Not Found", documentation_url: DOCS, status: "404" });
}
