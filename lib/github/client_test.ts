import { assertEquals, assertRejects } from "../../tests/_deps.ts";
import { createGitHubClient, rateLimitWait, withRetries } from "./client.ts";
import { GitHubRateLimitError, GitHubResponseError } from "./errors.ts";

function httpError(status: number, headers: Record<string, string> = {}): Error {
  return Object.assign(new Error(`HTTP ${status}`), { status, response: { headers } });
}

Deno.test("rateLimitWait() reads retry-after, then x-ratelimit-reset, else no limit", () => {
  const now = 1_000_000;
  assertEquals(rateLimitWait(429, { "retry-after": "3" }, now), 3000);
  assertEquals(
    rateLimitWait(403, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1010" }, now),
    11_000,
  );
  assertEquals(rateLimitWait(403, { "x-ratelimit-remaining": "12" }, now), undefined);
  assertEquals(rateLimitWait(429, {}, now), 60_000);
  assertEquals(rateLimitWait(500, { "retry-after": "1" }, now), undefined);
});

Deno.test("withRetries() retries 5xx with backoff, then gives up with a clear error", async () => {
  const notes: string[] = [];
  let calls = 0;
  const err = await assertRejects(
    () =>
      withRetries("list artifacts", () => {
        calls++;
        return Promise.reject(httpError(503));
      }, { retries: 2, backoffMs: 1, log: (l) => notes.push(l) }),
    GitHubResponseError,
    "Cannot list artifacts: HTTP 503 after 2 retries",
  );
  assertEquals(calls, 3);
  assertEquals(notes.length, 2);
  assertEquals(err.cause instanceof Error, true);
});

Deno.test("withRetries() refuses to wait for a limit that resets too late", async () => {
  let calls = 0;
  await assertRejects(
    () =>
      withRetries("list artifacts", () => {
        calls++;
        return Promise.reject(httpError(403, { "retry-after": "3600" }));
      }, { maxWaitSeconds: 60, log: () => {} }),
    GitHubRateLimitError,
    "rate limit is exhausted until",
  );
  assertEquals(calls, 1);
});

Deno.test("withRetries() passes 4xx answers through untouched", async () => {
  let calls = 0;
  const err = await assertRejects(
    () =>
      withRetries("x", () => {
        calls++;
        return Promise.reject(httpError(404));
      }, { log: () => {} }),
    Error,
    "HTTP 404",
  );
  assertEquals(calls, 1);
  assertEquals((err as Error & { status: number }).status, 404);
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
