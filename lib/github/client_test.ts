import { assertEquals, assertRejects } from "../../tests/_deps.ts";
import { createGitHubClient, type GitHubClientOptions } from "./client.ts";
import { GitHubAccessError, GitHubRateLimitError, GitHubResponseError } from "./errors.ts";

/** A one-route API on loopback whose answer is chosen per call. */
async function withApi(
  answer: (call: number) => Response | Promise<Response>,
  options: GitHubClientOptions,
  fn: (list: () => Promise<unknown>) => Promise<void>,
): Promise<void> {
  let calls = 0;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => answer(calls++),
  );
  try {
    const gh = createGitHubClient({ apiUrl: `http://127.0.0.1:${server.addr.port}`, ...options });
    await fn(() =>
      gh.request("GET /repos/{owner}/{repo}/actions/artifacts", { owner: "octo", repo: "demo" })
    );
  } finally {
    await server.shutdown();
  }
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return Response.json(body, { status, headers });
}

Deno.test("createGitHubClient() retries 5xx with backoff, then gives up with a clear error", async () => {
  const notes: string[] = [];
  let calls = 0;
  await withApi(
    () => {
      calls++;
      return json(503, { message: "Service Unavailable" });
    },
    { retries: 2, backoffMs: 1, log: (l) => notes.push(l) },
    async (list) => {
      const err = await assertRejects(
        list,
        GitHubResponseError,
        "Cannot GET /repos/octo/demo/actions/artifacts: HTTP 503 after 2 retries",
      );
      assertEquals(err.cause instanceof Error, true);
    },
  );
  assertEquals(calls, 3);
  assertEquals(notes, [
    "note: HTTP 503 while trying to GET /repos/octo/demo/actions/artifacts; retrying in 1 ms",
    "note: HTTP 503 while trying to GET /repos/octo/demo/actions/artifacts; retrying in 4 ms",
  ]);
});

Deno.test("createGitHubClient() waits out a rate limit that resets soon", async () => {
  const notes: string[] = [];
  let calls = 0;
  await withApi(
    (n) => {
      calls++;
      if (n > 0) return json(200, { total_count: 0, artifacts: [] });
      return json(429, { message: "API rate limit exceeded" }, {
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": String(Math.floor(Date.now() / 1000)),
      });
    },
    { log: (l) => notes.push(l) },
    async (list) => {
      assertEquals(((await list()) as { data: unknown }).data, { total_count: 0, artifacts: [] });
    },
  );
  assertEquals(calls, 2);
  assertEquals(notes.length, 1);
  assertEquals(notes[0]?.startsWith("note: rate limited while trying to GET /repos/"), true);
});

Deno.test("createGitHubClient() refuses to wait for a limit that resets too late", async () => {
  let calls = 0;
  await withApi(
    () => {
      calls++;
      return json(403, { message: "You have exceeded a secondary rate limit." }, {
        "retry-after": "3600",
      });
    },
    { maxWaitSeconds: 60, log: () => {} },
    async (list) => {
      await assertRejects(list, GitHubRateLimitError, "rate limit is exhausted until");
    },
  );
  assertEquals(calls, 1);
});

Deno.test("createGitHubClient() does not retry 4xx answers and explains them", async () => {
  let calls = 0;
  await withApi(
    () => {
      calls++;
      return json(404, { message: "Not Found" });
    },
    { log: () => {} },
    async (list) => {
      const err = await assertRejects(list, GitHubAccessError, "GitHub answered 404 (Not Found)");
      assertEquals(err.status, 404);
    },
  );
  assertEquals(calls, 1);
});

Deno.test("createGitHubClient() retries a request that hangs past its timeout", async () => {
  let calls = 0;
  const { promise: release, resolve } = Promise.withResolvers<void>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async () => {
    if (calls++ === 0) await release;
    return Response.json({ total_count: 0, artifacts: [] });
  });
  try {
    const notes: string[] = [];
    const gh = createGitHubClient({
      apiUrl: `http://127.0.0.1:${server.addr.port}`,
      requestTimeoutMs: 300,
      backoffMs: 1,
      log: (l) => notes.push(l),
    });
    const res = await gh.request("GET /repos/{owner}/{repo}/actions/artifacts", {
      owner: "octo",
      repo: "demo",
    });
    assertEquals(res.data.total_count, 0);
    assertEquals(calls, 2);
    assertEquals(notes, [
      "note: no answer in time while trying to GET /repos/octo/demo/actions/artifacts; " +
      "retrying in 1 ms",
    ]);
  } finally {
    resolve();
    await server.shutdown();
  }
});
