/**
 * `cli.ts comment` against the local fake GitHub API (comment payloads shaped like GitHub's):
 * one comment per pull request, found again on later pages by its marker and updated in place,
 * trimmed under the 65,536-character limit, and a clear exit 2 without a token.
 *
 * @module
 */
import { join } from "node:path";
import { assertEquals, assertMatch, assertOk, assertStringIncludes } from "./_deps.ts";
import { runCliProcess, tempDir } from "./_helpers.ts";
import { type FakeComment, startFakeGitHub } from "../testing/github_fake_api.ts";
import { COMMENT_MARKER, commentBody, MAX_COMMENT_CHARS } from "../lib/github/pr_comment.ts";

const TOKEN = "ghs_commentTokenNeverPrinted";

Deno.test("cli.ts comment posts one pull-request comment and updates it on the next push", async (t) => {
  await using dir = await tempDir();
  const comments: FakeComment[] = [
    { id: 1, issue: 7, body: "Looks good", user: "alice" },
    { id: 2, issue: 7, body: `> ${COMMENT_MARKER}\n> quoted by a reviewer`, user: "bob" },
    { id: 3, issue: 8, body: `${COMMENT_MARKER}\nanother pull request's` },
  ];
  await using fake = await startFakeGitHub({ token: TOKEN, artifacts: [], comments });
  const file = join(dir.path, "summary.md");
  const comment = (env: Record<string, string> = { GITHUB_TOKEN: TOKEN }) =>
    runCliProcess(
      ["comment", file, "--repo", "octo/demo", "--pr", "7", "--api-url", fake.apiUrl],
      { flags: [`--allow-read=${file}`, fake.netFlag, "--allow-env=GITHUB_TOKEN"], env },
    );

  await t.step("the first push creates the comment, starting with the marker", async () => {
    await Deno.writeTextFile(file, "## Run succeeded\n\n| metric | change |\n| auc | +0.01 |\n");
    const res = await comment();
    assertEquals(res.code, 0, res.stderr);
    assertMatch(res.stdout, /^created comment 9004 on pull request #7: https:\/\/github\.com\//);
    const mine = comments.filter((c) => c.issue === 7 && c.body.startsWith(COMMENT_MARKER));
    assertEquals(mine.length, 1);
    assertStringIncludes(mine[0]!.body, "| auc | +0.01 |");
    assertEquals(res.stderr.includes(TOKEN) || res.stdout.includes(TOKEN), false);
  });

  await t.step("the next push updates it in place, found on a later page", async () => {
    await Deno.writeTextFile(file, "## Run failed\n");
    const res = await comment();
    assertEquals(res.code, 0, res.stderr);
    assertMatch(res.stdout, /^updated comment 9004 /);
    assertEquals(comments.filter((c) => c.issue === 7).length, 3);
    assertEquals(comments.find((c) => c.id === 9004)?.body, `${COMMENT_MARKER}\n## Run failed\n`);
    assertEquals(
      comments.find((c) => c.id === 3)?.body,
      `${COMMENT_MARKER}\nanother pull request's`,
    );
    // Three comments, two per page: the list was read page by page.
    assertOk(
      fake.requests.some((r) => r.path.includes("/issues/7/comments") && r.path.includes("page=2")),
    );
  });

  await t.step("a summary over GitHub's limit is trimmed, with a note", async () => {
    const row = "| `train-model[nr_train_images=600]` | 0.91 | +0.01 |\n";
    await Deno.writeTextFile(file, "## Run\n\n```text\n" + row.repeat(3000) + "```\n");
    const res = await comment();
    assertEquals(res.code, 0, res.stderr);
    const body = comments.find((c) => c.id === 9004)!.body;
    assertOk(body.length <= MAX_COMMENT_CHARS, `${body.length} characters`);
    assertStringIncludes(body, "Trimmed to fit a comment");
    assertEquals(body.split("\n").filter((l) => l.startsWith("```")).length % 2, 0);
  });

  await t.step("without --allow-net it names the flag, exit 2", async () => {
    const res = await runCliProcess(
      ["comment", file, "--repo", "octo/demo", "--pr", "7", "--api-url", fake.apiUrl],
      { flags: [`--allow-read=${file}`, "--allow-env=GITHUB_TOKEN"], env: { GITHUB_TOKEN: TOKEN } },
    );
    assertEquals(res.code, 2);
    assertStringIncludes(res.stderr, "--allow-net");
    assertEquals(res.stderr.includes("    at "), false);
  });

  await t.step("without a token it says what to set, exit 2", async () => {
    const res = await comment({});
    assertEquals(res.code, 2);
    assertStringIncludes(res.stderr, "Cannot comment: GITHUB_TOKEN is not set");
    assertEquals(res.stderr.includes("    at "), false);
  });
});

Deno.test("commentBody() keeps a short summary whole and names the full one when trimming", () => {
  assertEquals(commentBody("hi\n"), `${COMMENT_MARKER}\nhi\n`);
  const long = commentBody("line\n".repeat(100), { limit: 200, fullUrl: "https://x.test/run" });
  assertOk(long.length <= 200, `${long.length}`);
  assertStringIncludes(long, "[the workflow run](https://x.test/run)");
});
