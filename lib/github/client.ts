/**
 * A GitHub REST client: Octokit with `@octokit/plugin-retry` (5xx answers, network errors and
 * requests that hang, with backoff) and `@octokit/plugin-throttling` (waits out the rate limits
 * GitHub announces), a timeout per attempt, and 401/403/404 turned into one clear message. The
 * token is sent, never printed.
 *
 * @module
 */
import { Octokit, retry, throttling } from "../../deps/github.ts";
import { GitHubAccessError, GitHubRateLimitError, GitHubResponseError } from "./errors.ts";

/** Options of {@linkcode createGitHubClient}. */
export interface GitHubClientOptions {
  /**
   * Token sent as `Authorization: token ...`.
   * @default undefined (anonymous requests)
   */
  token?: string;
  /**
   * Base URL of the REST API (GitHub Enterprise, or a fake one in tests).
   * @default "https://api.github.com"
   */
  apiUrl?: string;
  /**
   * Retries of a request that failed with a 5xx status, a network error or a timeout.
   * @default 4
   */
  retries?: number;
  /**
   * Backoff unit in milliseconds: retry n waits n² units (plugin-retry's schedule).
   * @default 500
   */
  backoffMs?: number;
  /**
   * Longest wait for a rate limit to reset, in seconds; beyond it the request fails.
   * @default 300
   */
  maxWaitSeconds?: number;
  /**
   * Timeout of one attempt of an API request, in milliseconds.
   * @default 60000
   */
  requestTimeoutMs?: number;
  /**
   * Prints progress notes (retries, waits).
   * @default console.error
   */
  log?: (line: string) => void;
}

/** The fields of Octokit's RequestError this module reads. */
interface HttpFailure {
  status: number;
  message: string;
  request?: { method?: string; url?: string; request?: { retryCount?: number } };
  response?: { headers: Record<string, string | number | undefined> };
}

function isHttpFailure(err: unknown): err is HttpFailure {
  return err instanceof Error && typeof (err as Partial<HttpFailure>).status === "number";
}

/** The most rate-limited waits in a row before a request gives up. */
const MAX_LIMIT_WAITS = 5;

const OctokitWithPlugins = Octokit.plugin(retry, throttling);

/**
 * Creates an Octokit client that retries transient failures, waits out announced rate limits
 * (up to `maxWaitSeconds`), and turns 401, 403 and 404 answers into
 * {@linkcode GitHubAccessError}s saying how to fix them.
 *
 * @param options Token, API URL, retry and wait limits.
 * @returns The client.
 * @throws {Deno.errors.NotCapable} When the API host is not allowed by `--allow-net`.
 *
 * @example A client for a fake API on loopback
 * ```ts
 * import { createGitHubClient } from "./client.ts";
 * const gh = createGitHubClient({ apiUrl: "http://127.0.0.1:9", retries: 0, log: () => {} });
 * console.assert(typeof gh.paginate.iterator === "function");
 * ```
 */
export function createGitHubClient(options: GitHubClientOptions = {}): Octokit {
  const apiUrl = (options.apiUrl ?? "https://api.github.com").replace(/\/+$/, "");
  requireNet(apiUrl);
  const log = options.log ?? ((line: string) => console.error(line));
  const retries = options.retries ?? 4;
  const backoff = options.backoffMs ?? 500;
  const maxWait = options.maxWaitSeconds ?? 300;
  const timeoutMs = options.requestTimeoutMs ?? 60_000;
  const onLimit = (
    seconds: number,
    req: { method: string; url: string },
    _: unknown,
    n: number,
  ) => {
    if (seconds > maxWait || n >= MAX_LIMIT_WAITS) return false;
    log(`note: rate limited while trying to ${describeRequest(req)}; waiting ${seconds} s`);
    return true;
  };
  const octokit = new OctokitWithPlugins({
    ...(options.token ? { auth: options.token } : {}),
    baseUrl: apiUrl,
    userAgent: "pynb-dag-runner",
    // Octokit logs some answers itself; ours are clearer and never include headers.
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    // A fresh timeout per attempt: a hung connection is retried like a 5xx, not waited on
    // until the job's own timeout.
    request: { fetch: fetchWithTimeout(timeoutMs) },
    // Rate limits are the throttling plugin's; 429 is left to it too.
    retry: {
      retries,
      retryAfterBaseValue: backoff,
      doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451],
    },
    throttle: { onRateLimit: onLimit, onSecondaryRateLimit: onLimit },
  });
  // The plugin's documented `retryRequest` marks an error for retry; wrapping it is the one
  // place that sees every retry, so the note is printed here.
  const { retryRequest } = octokit.retry;
  octokit.retry.retryRequest = (error, count, after) => {
    const done = (error as HttpFailure).request?.request?.retryCount ?? 0;
    if (done < count) {
      const what = describeRequest((error as HttpFailure).request ?? {});
      log(`note: ${describe(error)} while trying to ${what}; retrying in ${after * backoff} ms`);
    }
    return retryRequest(error, count, after);
  };
  octokit.hook.wrap("request", async (request, endpoint) => {
    const what = describeRequest(octokit.request.endpoint.parse(endpoint));
    try {
      return await request(endpoint);
    } catch (err) {
      throw explain(err, what, retries, options.token !== undefined && options.token !== "");
    }
  });
  return octokit;
}

/** Fails at once, not after every retry, when `--allow-net` does not cover the API host. */
function requireNet(apiUrl: string): void {
  const host = URL.parse(apiUrl)?.host;
  if (host === undefined) return;
  if (Deno.permissions.querySync({ name: "net", host }).state !== "granted") {
    throw new Deno.errors.NotCapable(
      `Requires net access to "${host}", run again with the --allow-net flag`,
    );
  }
}

function fetchWithTimeout(timeoutMs: number): typeof fetch {
  return (input, init) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    return fetch(input, { ...init, signal });
  };
}

/** `GET /repos/octo/demo/actions/artifacts`, without the query string or host. */
function describeRequest(req: { method?: string; url?: string }): string {
  const path = URL.parse(req.url ?? "", "http://x")?.pathname ?? req.url ?? "";
  return `${req.method ?? "GET"} ${path}`;
}

/** The error a caller sees for a request that failed for good. */
function explain(err: unknown, what: string, retries: number, hasToken: boolean): unknown {
  // Octokit wraps every fetch failure as a 500; a missing --allow-net is not one to report so.
  const cause = err instanceof Error ? err.cause : undefined;
  if (cause instanceof Deno.errors.NotCapable || cause instanceof Deno.errors.PermissionDenied) {
    return cause;
  }
  if (!isHttpFailure(err)) return err;
  const reset = rateLimitReset(err);
  if (reset !== undefined) {
    return new GitHubRateLimitError(
      reset,
      `Cannot ${what}: GitHub's rate limit is exhausted until ${reset.toISOString()}. ` +
        "Try again later, or use a token with a higher limit.",
      { cause: err },
    );
  }
  if (err.status >= 500) {
    return new GitHubResponseError(
      `Cannot ${what}: ${describe(err)} after ${retries} retries. GitHub may be having ` +
        "an outage (https://www.githubstatus.com); try again later.",
      { cause: err },
    );
  }
  const hint = ACCESS_HINTS[err.status];
  if (hint === undefined) return err;
  return new GitHubAccessError(
    err.status,
    `Cannot ${what}: GitHub answered ${err.status} (${firstLine(err.message)}). ${hint(hasToken)}`,
    { cause: err },
  );
}

/** When a rate-limited answer's limit resets; `undefined` for any other answer. */
function rateLimitReset(err: HttpFailure): Date | undefined {
  if (err.status !== 403 && err.status !== 429) return undefined;
  const headers = err.response?.headers ?? {};
  const retryAfter = Number(headers["retry-after"]);
  if (headers["retry-after"] !== undefined && Number.isFinite(retryAfter)) {
    return new Date(Date.now() + Math.max(0, retryAfter) * 1000);
  }
  if (String(headers["x-ratelimit-remaining"]) === "0") {
    const reset = Number(headers["x-ratelimit-reset"]) * 1000;
    return new Date(Number.isFinite(reset) ? reset : Date.now() + 60_000);
  }
  // GitHub documents waiting at least a minute on a secondary limit without headers.
  return err.status === 429 || /\bsecondary rate\b/i.test(err.message)
    ? new Date(Date.now() + 60_000)
    : undefined;
}

function describe(err: unknown): string {
  const cause = err instanceof Error ? err.cause : undefined;
  if (
    (err instanceof Error && err.name === "TimeoutError") ||
    (cause instanceof Error && cause.name === "TimeoutError")
  ) {
    return "no answer in time";
  }
  if (isHttpFailure(err) && !(cause instanceof Error)) return `HTTP ${err.status}`;
  return `a network error (${(cause instanceof Error ? cause : err as Error).message})`;
}

const ACCESS_HINTS: Record<number, (hasToken: boolean) => string> = {
  401: (hasToken) =>
    hasToken
      ? "The token in GITHUB_TOKEN is wrong or expired."
      : "Set GITHUB_TOKEN (in a workflow: `env: GITHUB_TOKEN: ${{ github.token }}`).",
  403: () =>
    "The token may not read this repository's Actions artifacts: give the job " +
    "`permissions: actions: read`, or use a token with the `actions:read` scope.",
  404: () =>
    "Check the repository name (owner/name); a private repository also answers 404 when " +
    "the token cannot see it.",
};

function firstLine(text: string): string {
  return (text.split("\n")[0] ?? "").slice(0, 200);
}
