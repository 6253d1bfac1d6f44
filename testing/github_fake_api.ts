/**
 * A fake GitHub REST API on 127.0.0.1 for `cli.ts collect` tests: the artifact list (paginated
 * with `Link` headers), the zip endpoint (302 to a separate blob host, or 410 Gone), rate limits
 * and server errors on demand. Payloads follow GitHub's documented shapes.
 *
 * @module
 */
import { answerComments, type FakeComment } from "./github_fake_comments.ts";

export type { FakeComment };

/** One artifact the fake repository holds. */
export interface FakeArtifact {
  id: number;
  name: string;
  /** The zip served by the blob host. */
  zip?: Uint8Array;
  /** Listed as expired. */
  expired?: boolean;
  /** The zip endpoint answers 410 Gone. */
  gone?: boolean;
  /** Listed digest (`sha256:...`); computed from `zip` when true. */
  digest?: boolean;
  /** Branch of the workflow run that uploaded it. @default "main" */
  branch?: string;
  /** Uploaded by a pull request from a fork (another head repository). */
  fork?: boolean;
  /** Listed, but deleted since: the zip endpoint answers 404. */
  deleted?: boolean;
}

/** Faults of the fake API. */
export interface FakeOptions {
  /** Repository, `owner/name`. @default "octo/demo" */
  repo?: string;
  /** The token the fake accepts. */
  token: string;
  artifacts: FakeArtifact[];
  /** Issue and pull-request comments (changed in place by create and update). */
  comments?: FakeComment[];
  /** Artifacts per page. @default 2 */
  pageSize?: number;
  /** Page numbers whose first request is refused by a rate limit. */
  rateLimited?: Map<number, "retry-after" | "reset">;
  /** Artifact ids whose first blob download answers 502. */
  blobFailsOnce?: Set<number>;
  /** Every listing answers 403 without rate limit headers (a token without actions: read). */
  forbidden?: boolean;
  /** Artifact ids whose blob download never answers (until the fake is stopped). */
  blobHangs?: Set<number>;
  /** Artifact ids listed with a digest that does not match their zip. */
  wrongDigest?: Set<number>;
  /** Artifact ids whose blob host always answers 403 (as Azure does to a refused SAS). */
  blobForbidden?: Set<number>;
  /**
   * How long a download URL stays valid, in milliseconds (GitHub documents one minute); the
   * blob host answers 403 to an expired one, as Azure does. @default 60000
   */
  urlTtlMs?: number;
}

/** A request the fake received. */
export interface SeenRequest {
  host: "api" | "blob";
  path: string;
  status: number;
  authorized: boolean;
}

/** A running fake, stopped by `await using`. */
export interface FakeGitHub extends AsyncDisposable {
  apiUrl: string;
  /** `--allow-net` value covering both hosts. */
  netFlag: string;
  requests: SeenRequest[];
}

const DOCS = "https://docs.github.com/rest/actions/artifacts";

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Starts the fake API and its blob host on two loopback ports.
 *
 * @param options Repository, token, artifacts and faults.
 * @returns The running fake.
 */
export async function startFakeGitHub(options: FakeOptions): Promise<FakeGitHub> {
  const repo = options.repo ?? "octo/demo";
  const pageSize = options.pageSize ?? 2;
  const requests: SeenRequest[] = [];
  const limitedOnce = new Set<number>();
  const failedOnce = new Set<number>();
  const digests = new Map<number, string>();
  for (const a of options.artifacts) {
    if (a.digest && a.zip) digests.set(a.id, `sha256:${await sha256(a.zip)}`);
    if (options.wrongDigest?.has(a.id)) digests.set(a.id, `sha256:${"0".repeat(64)}`);
  }
  // Deno.serve binds before it returns, so the port is known at once.
  const listen = { hostname: "127.0.0.1", port: 0, onListen: () => {} };

  let blobOrigin = "";
  const { promise: stopped, resolve: stop } = Promise.withResolvers<void>();
  const blobServer = Deno.serve(listen, async (req) => {
    const url = new URL(req.url);
    const authorized = req.headers.has("authorization");
    const id = Number(/\/artifacts\/(\d+)\.zip$/.exec(url.pathname)?.[1]);
    const a = options.artifacts.find((x) => x.id === id);
    let res: Response;
    if (options.blobHangs?.has(id)) {
      await stopped;
      res = new Response("stopped", { status: 503 });
    } else if (authorized) {
      // Azure Blob Storage refuses a SAS URL sent with an Authorization header.
      res = new Response("<Error><Code>InvalidAuthenticationInfo</Code></Error>", {
        status: 400,
      });
    } else if (
      options.blobForbidden?.has(id) || Date.parse(url.searchParams.get("se") ?? "") < Date.now()
    ) {
      res = new Response(
        "<Error><Code>AuthenticationFailed</Code><Message>Server failed to authenticate the " +
          "request. Signed expiry time must be after signed start time.</Message></Error>",
        { status: 403 },
      );
    } else if (!url.searchParams.has("sig") || a?.zip === undefined) {
      res = new Response("<Error><Code>BlobNotFound</Code></Error>", { status: 404 });
    } else if (options.blobFailsOnce?.has(id) && !failedOnce.has(id)) {
      failedOnce.add(id);
      res = new Response("<Error><Code>ServerBusy</Code></Error>", { status: 502 });
    } else {
      res = new Response(a.zip as Uint8Array<ArrayBuffer>, {
        headers: { "content-type": "application/zip" },
      });
    }
    requests.push({ host: "blob", path: url.pathname, status: res.status, authorized });
    return res;
  });
  blobOrigin = `http://127.0.0.1:${blobServer.addr.port}`;

  const apiServer: Deno.HttpServer<Deno.NetAddr> = Deno.serve(
    listen,
    async (req): Promise<Response> => {
      const url = new URL(req.url);
      const auth = req.headers.get("authorization");
      const ok = auth === `token ${options.token}` || auth === `Bearer ${options.token}`;
      const origin = `http://127.0.0.1:${apiServer.addr.port}`;
      const state = { comments: options.comments ?? [], repo, origin, pageSize };
      const res: Response = (ok ? await answerComments(req, state) : undefined) ??
        answer(url, auth);
      requests.push({
        host: "api",
        path: url.pathname + url.search,
        status: res.status,
        authorized: auth !== null,
      });
      return res;
    },
  );
  const apiOrigin = `http://127.0.0.1:${apiServer.addr.port}`;

  function answer(url: URL, auth: string | null): Response {
    if (auth !== `token ${options.token}` && auth !== `Bearer ${options.token}`) {
      return json(401, { message: "Bad credentials", documentation_url: DOCS, status: "401" });
    }
    // Link headers point at /repositories/<id>/..., as GitHub's do.
    const list = new RegExp(`^/(repos/${repo}|repositories/1)/actions/artifacts$`);
    const zip = new RegExp(`^/repos/${repo}/actions/artifacts/(\\d+)/zip$`);
    if (list.test(url.pathname)) {
      if (options.forbidden) {
        return json(403, {
          message: "Resource not accessible by integration",
          documentation_url: DOCS,
          status: "403",
        });
      }
      const perPage = Math.min(pageSize, Number(url.searchParams.get("per_page") ?? 30));
      const page = Number(url.searchParams.get("page") ?? 1);
      const limit = options.rateLimited?.get(page);
      if (limit !== undefined && !limitedOnce.has(page)) {
        limitedOnce.add(page);
        const reset = Math.ceil(Date.now() / 1000) + 1;
        const headers: Record<string, string> = {
          "x-ratelimit-limit": "5000",
          "x-ratelimit-remaining": "0",
          "x-ratelimit-used": "5000",
          "x-ratelimit-reset": String(reset),
          "x-ratelimit-resource": "core",
        };
        if (limit === "retry-after") headers["retry-after"] = "1";
        return json(403, {
          message: "API rate limit exceeded for installation.",
          documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
          status: "403",
        }, headers);
      }
      const pages = Math.max(1, Math.ceil(options.artifacts.length / perPage));
      // GitHub lists newest first.
      const sorted = [...options.artifacts].sort((a, b) => b.id - a.id);
      const slice = sorted.slice((page - 1) * perPage, page * perPage);
      const link = (p: number, rel: string) =>
        `<${apiOrigin}/repositories/1/actions/artifacts?per_page=${perPage}&page=${p}>; rel="${rel}"`;
      const links = [];
      if (page > 1) links.push(link(page - 1, "prev"), link(1, "first"));
      if (page < pages) links.push(link(page + 1, "next"), link(pages, "last"));
      return json(200, {
        total_count: options.artifacts.length,
        artifacts: slice.map((a) => ({
          id: a.id,
          node_id: `MDg6QXJ0aWZhY3Q${a.id}`,
          name: a.name,
          size_in_bytes: a.zip?.length ?? 0,
          url: `${apiOrigin}/repos/${repo}/actions/artifacts/${a.id}`,
          archive_download_url: `${apiOrigin}/repos/${repo}/actions/artifacts/${a.id}/zip`,
          expired: a.expired ?? false,
          created_at: "2026-11-20T04:00:00Z",
          updated_at: "2026-11-20T04:00:00Z",
          expires_at: "2027-02-18T04:00:00Z",
          digest: digests.get(a.id) ?? null,
          workflow_run: {
            id: 1000 + a.id,
            repository_id: 1,
            head_repository_id: a.fork ? 2 : 1,
            head_branch: a.branch ?? "main",
            head_sha: "0123456789abcdef0123456789abcdef01234567",
          },
        })),
      }, links.length ? { link: links.join(", ") } : {});
    }
    const m = zip.exec(url.pathname);
    if (m !== null) {
      const a = options.artifacts.find((x) => x.id === Number(m[1]));
      if (a === undefined || a.deleted) {
        return json(404, { message: "Not Found", documentation_url: DOCS, status: "404" });
      }
      if (a.gone || a.expired) {
        return json(410, {
          message: "Artifact has expired",
          documentation_url: DOCS,
          status: "410",
        });
      }
      const expiry = new Date(Date.now() + (options.urlTtlMs ?? 60_000)).toISOString();
      return new Response(null, {
        status: 302,
        headers: {
          location: `${blobOrigin}/actions-results/run-${a.id}/artifacts/${a.id}.zip` +
            `?sv=2021-12-02&se=${encodeURIComponent(expiry)}&sig=abc%3D`,
        },
      });
    }
    return json(404, { message: "Not Found", documentation_url: DOCS, status: "404" });
  }

  return {
    apiUrl: apiOrigin,
    netFlag: `--allow-net=127.0.0.1:${apiServer.addr.port},127.0.0.1:${blobServer.addr.port}`,
    requests,
    async [Symbol.asyncDispose]() {
      stop();
      await apiServer.shutdown();
      await blobServer.shutdown();
    },
  };
}
