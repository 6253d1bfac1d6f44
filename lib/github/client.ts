/**
 * A GitHub REST client (Octokit) that retries server errors with backoff, waits out rate limits
 * it is told about (`retry-after`, `x-ratelimit-remaining: 0` + `x-ratelimit-reset`), and turns
 * 401/403/404 into one clear message. The token is sent, never printed.
 *
 * @module
 */
import { Octokit } from "../../deps.ts";
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
   * Retries of a request that failed with a 5xx status or a network error.
   * @default 4
   */
  retries?: number;
  /**
   * First backoff delay in milliseconds; it doubles on each retry.
   * @default 500
   */
  backoffMs?: number;
  /**
   * Longest wait for a rate limit to reset, in seconds; beyond it the request fails.
   * @default 300
   */
  maxWaitSeconds?: number;
  /**
   * Timeout of one API request, in milliseconds.
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
  response?: { headers: Record<string, string | number | undefined> };
}

function isHttpFailure(err: unknown): err is HttpFailure {
  return err instanceof Error && typeof (err as Partial<HttpFailure>).status === "number";
}

/**
 * Milliseconds to wait before retrying a rate-limited response, `undefined` when the response
 * is not a rate limit.
 *
 * @param status HTTP status.
 * @param headers Response headers (lower-case names).
 * @param now Current time in milliseconds.
 * @returns The wait, or `undefined`.
 *
 * @example A secondary rate limit with retry-after
 * ```ts
 * import { rateLimitWait } from "./client.ts";
 * console.assert(rateLimitWait(403, { "retry-after": "2" }, 0) === 2000);
 * console.assert(rateLimitWait(403, {}, 0) === undefined);
 * ```
 */
export function rateLimitWait(
  status: number,
  headers: Record<string, string | number | undefined>,
  now: number,
): number | undefined {
  if (status !== 403 && status !== 429) return undefined;
  const retryAfter = Number(headers["retry-after"]);
  if (headers["retry-after"] !== undefined && Number.isFinite(retryAfter)) {
    return Math.max(0, retryAfter) * 1000;
  }
  if (String(headers["x-ratelimit-remaining"]) === "0") {
    const reset = Number(headers["x-ratelimit-reset"]) * 1000;
    return Number.isFinite(reset) ? Math.max(0, reset - now) + 1000 : 60_000;
  }
  // GitHub documents waiting at least a minute on a secondary limit without headers.
  return status === 429 ? 60_000 : undefined;
}

/**
 * Runs `attempt` again after 5xx answers and network errors, with exponential backoff, and
 * after rate limits, as long as the wait stays under `maxWaitSeconds`.
 *
 * @param what The action, for messages (`list artifacts of octo/demo`).
 * @param attempt The request.
 * @param options Retries, backoff, waits and the log.
 * @returns What the request returned.
 * @throws {GitHubRateLimitError} When the limit resets too late.
 * @throws {GitHubResponseError} When 5xx answers outlast the retries.
 *
 * @example Retrying a flaky call
 * ```ts
 * import { withRetries } from "./client.ts";
 * let n = 0;
 * const value = await withRetries("count", () => {
 *   if (n++ === 0) throw Object.assign(new Error("boom"), { status: 502 });
 *   return Promise.resolve(n);
 * }, { backoffMs: 1, log: () => {} });
 * console.assert(value === 2);
 * ```
 */
export async function withRetries<T>(
  what: string,
  attempt: () => Promise<T>,
  options: GitHubClientOptions = {},
): Promise<T> {
  const retries = options.retries ?? 4;
  const backoff = options.backoffMs ?? 500;
  const maxWait = (options.maxWaitSeconds ?? 300) * 1000;
  const log = options.log ?? ((line: string) => console.error(line));
  let failures = 0;
  let limits = 0;
  while (true) {
    try {
      return await attempt();
    } catch (err) {
      // Octokit wraps every fetch failure as a 500; a missing --allow-net is not one to retry.
      const cause = err instanceof Error ? err.cause : undefined;
      if (
        cause instanceof Deno.errors.NotCapable || cause instanceof Deno.errors.PermissionDenied
      ) {
        throw cause;
      }
      const status = isHttpFailure(err) ? err.status : 0;
      const headers = isHttpFailure(err) ? err.response?.headers ?? {} : {};
      const wait = rateLimitWait(status, headers, Date.now());
      if (wait !== undefined) {
        if (wait > maxWait || ++limits > 5) {
          const reset = new Date(Date.now() + wait);
          throw new GitHubRateLimitError(
            reset,
            `Cannot ${what}: GitHub's rate limit is exhausted until ${reset.toISOString()}. ` +
              "Try again later, or use a token with a higher limit.",
            { cause: err },
          );
        }
        log(`note: rate limited while trying to ${what}; waiting ${Math.ceil(wait / 1000)} s`);
        await sleep(wait);
        continue;
      }
      const transient = status >= 500 || (!isHttpFailure(err) && err instanceof TypeError);
      if (transient && failures < retries) {
        const delay = backoff * 2 ** failures++;
        log(`note: ${describe(err)} while trying to ${what}; retrying in ${delay} ms`);
        await sleep(delay);
        continue;
      }
      if (transient) {
        throw new GitHubResponseError(
          `Cannot ${what}: ${describe(err)} after ${retries} retries. GitHub may be having ` +
            "an outage (https://www.githubstatus.com); try again later.",
          { cause: err },
        );
      }
      throw err;
    }
  }
}

function describe(err: unknown): string {
  const cause = err instanceof Error ? err.cause : undefined;
  if (
    (err instanceof Error && err.name === "TimeoutError") ||
    (cause instanceof Error && cause.name === "TimeoutError")
  ) {
    return "no answer in time";
  }
  return isHttpFailure(err) ? `HTTP ${err.status}` : `a network error (${(err as Error).message})`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Creates an Octokit client whose every request goes through {@linkcode withRetries} and whose
 * 401, 403 and 404 answers become {@linkcode GitHubAccessError}s saying how to fix them.
 *
 * @param options Token, API URL, retry and wait limits.
 * @returns The client.
 *
 * @example Listing artifacts
 * ```ts ignore
 * import { createGitHubClient } from "./client.ts";
 * const gh = createGitHubClient({ token: Deno.env.get("GITHUB_TOKEN") });
 * const page = await gh.rest.actions.listArtifactsForRepo({ owner: "octo", repo: "demo" });
 * ```
 */
export function createGitHubClient(options: GitHubClientOptions = {}): Octokit {
  const octokit = new Octokit({
    ...(options.token ? { auth: options.token } : {}),
    baseUrl: (options.apiUrl ?? "https://api.github.com").replace(/\/+$/, ""),
    userAgent: "pynb-dag-runner",
    // Octokit logs some answers itself; ours are clearer and never include headers.
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });
  octokit.hook.wrap("request", async (request, endpoint) => {
    const path = new URL(octokit.request.endpoint.parse(endpoint).url, "http://x").pathname;
    const what = `${endpoint.method} ${path}`;
    try {
      // A fresh timeout per attempt: a hung connection is retried like a 5xx, not waited on
      // until the job's own timeout. The options object is shared with the inner hooks
      // (before-after-hook binds it), so it is changed in place rather than passed on.
      const attempt = async () => {
        endpoint.request = {
          ...endpoint.request,
          signal: AbortSignal.timeout(options.requestTimeoutMs ?? 60_000),
        };
        return await request(endpoint);
      };
      return await withRetries(what, attempt, options);
    } catch (err) {
      if (!isHttpFailure(err)) throw err;
      const hint = ACCESS_HINTS[err.status];
      if (hint === undefined) throw err;
      throw new GitHubAccessError(
        err.status,
        `Cannot ${what}: GitHub answered ${err.status} (${firstLine(err.message)}). ${
          hint(options.token !== undefined && options.token !== "")
        }`,
        { cause: err },
      );
    }
  });
  return octokit;
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
