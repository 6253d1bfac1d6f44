/**
 * Listing and downloading workflow artifacts through the GitHub REST API.
 *
 * The download endpoint answers with a 302 redirect to a short-lived URL on a blob host
 * (`productionresultssa*.blob.core.windows.net`, or `*.actions.githubusercontent.com` for old
 * artifacts). That host rejects requests with an `Authorization` header, and must never see the
 * token anyway, so the redirect is followed here, by hand, without it.
 *
 * @module
 */
import type { Octokit } from "../../deps/github.ts";
import { z } from "../../deps.ts";
import type { GitHubClientOptions } from "./client.ts";
import { ArtifactGoneError, GitHubResponseError, UnsafeArchiveError } from "./errors.ts";

/** One artifact of a repository, as the artifacts API lists it (the fields read here). */
export interface WorkflowArtifact {
  /** The artifact id. */
  id: number;
  /** Its name. */
  name: string;
  /** Its zip's size. */
  size_in_bytes: number;
  /** Whether it expired (can no longer be downloaded). */
  expired: boolean;
  /** When it was created. */
  created_at?: string | null | undefined;
  /** When it expires. */
  expires_at?: string | null | undefined;
  /** `sha256:<hex>` of the zip, for artifacts uploaded with upload-artifact v4 and later. */
  digest?: string | null | undefined;
  /** The workflow run that uploaded it. */
  workflow_run?:
    | {
      id?: number | null | undefined;
      repository_id?: number | null | undefined;
      head_repository_id?: number | null | undefined;
      head_branch?: string | null | undefined;
      head_sha?: string | null | undefined;
    }
    | null
    | undefined;
}

/** One artifact as `GET /repos/{owner}/{repo}/actions/artifacts` lists it (fields we read). */
export const WorkflowArtifactSchema: z.ZodType<WorkflowArtifact> = z.object({
  id: z.number().int().positive(),
  name: z.string(),
  size_in_bytes: z.number().int().nonnegative(),
  expired: z.boolean(),
  created_at: z.string().nullable().optional(),
  expires_at: z.string().nullable().optional(),
  /** `sha256:<hex>` of the zip, for artifacts uploaded with upload-artifact v4 and later. */
  digest: z.string().nullable().optional(),
  workflow_run: z.object({
    id: z.number().int().nullable().optional(),
    repository_id: z.number().int().nullable().optional(),
    head_repository_id: z.number().int().nullable().optional(),
    head_branch: z.string().nullable().optional(),
    head_sha: z.string().nullable().optional(),
  }).nullable().optional(),
});

const ListPageSchema = z.object({
  total_count: z.number().int().nonnegative(),
  artifacts: z.array(WorkflowArtifactSchema),
});

/** A repository, as `owner/name`. */
export interface RepoRef {
  owner: string;
  repo: string;
}

/**
 * Lists every artifact of a repository, following the `Link` header through all pages.
 *
 * @param client A client from `createGitHubClient`.
 * @param repo The repository.
 * @returns All artifacts, validated, newest first (the API's order).
 * @throws {GitHubResponseError} When a page does not have the documented shape.
 *
 * @example Listing
 * ```ts ignore
 * import { createGitHubClient } from "./client.ts";
 * import { listArtifacts } from "./artifacts.ts";
 * const all = await listArtifacts(createGitHubClient(), { owner: "octo", repo: "demo" });
 * ```
 */
export async function listArtifacts(client: Octokit, repo: RepoRef): Promise<WorkflowArtifact[]> {
  const out: WorkflowArtifact[] = [];
  const pages = client.paginate.iterator("GET /repos/{owner}/{repo}/actions/artifacts", {
    owner: repo.owner,
    repo: repo.repo,
    per_page: 100,
  });
  for await (const page of pages) {
    // paginate() already unwrapped `artifacts`; validate what it returned.
    const parsed = z.array(WorkflowArtifactSchema).safeParse(page.data);
    if (!parsed.success) {
      const raw = ListPageSchema.safeParse(page.data);
      if (raw.success) {
        out.push(...raw.data.artifacts);
        continue;
      }
      throw new GitHubResponseError(
        `Cannot list the artifacts of ${repo.owner}/${repo.repo}: the answer does not have ` +
          `the documented shape (${parsed.error.issues[0]?.path.join(".")}: ${
            parsed.error.issues[0]?.message
          })`,
        { cause: parsed.error },
      );
    }
    out.push(...parsed.data);
  }
  return out;
}

/** Options of {@linkcode downloadArtifact}. */
export interface DownloadOptions extends GitHubClientOptions {
  /**
   * Largest zip accepted, in bytes.
   * @default 536870912 (512 MiB)
   */
  maxBytes?: number;
  /**
   * Timeout of one blob download, in milliseconds.
   * @default 600000
   */
  timeoutMs?: number;
}

/**
 * Downloads an artifact's zip: asks the API for a download URL, follows it to the blob host
 * without the token, and checks the size and the `digest` when the API gave one. The URL
 * expires a minute after it is issued, so every retry of a failed blob download (5xx, 403 or
 * 404 from the blob host, a network error) asks the API for a fresh one.
 *
 * @param client A client from `createGitHubClient`.
 * @param repo The repository.
 * @param artifact The artifact, as listed.
 * @param options Size limit, timeout, retries.
 * @returns The zip's bytes.
 * @throws {ArtifactGoneError} When the artifact expired (410 Gone).
 * @throws {GitHubResponseError} When it was deleted since it was listed (404), or the blob host
 *   kept failing.
 * @throws {UnsafeArchiveError} When the zip is too large or does not match its digest.
 *
 * @example Downloading one artifact
 * ```ts ignore
 * import { createGitHubClient } from "./client.ts";
 * import { downloadArtifact, listArtifacts } from "./artifacts.ts";
 * const gh = createGitHubClient({ token: Deno.env.get("GITHUB_TOKEN") });
 * const repo = { owner: "octo", repo: "demo" };
 * const [first] = await listArtifacts(gh, repo);
 * const zip = await downloadArtifact(gh, repo, first!);
 * ```
 */
export async function downloadArtifact(
  client: Octokit,
  repo: RepoRef,
  artifact: WorkflowArtifact,
  options: DownloadOptions = {},
): Promise<Uint8Array> {
  const maxBytes = options.maxBytes ?? 512 * 1024 * 1024;
  if (artifact.size_in_bytes > maxBytes) {
    throw tooLarge(artifact.name, maxBytes, `it is ${artifact.size_in_bytes} bytes`);
  }
  const retries = options.retries ?? 4;
  const log = options.log ?? ((line: string) => console.error(line));
  let bytes: Uint8Array;
  for (let attempt = 0;; attempt++) {
    const url = await downloadUrl(client, repo, artifact);
    if (url instanceof Uint8Array) {
      bytes = url;
      break;
    }
    try {
      bytes = await fetchBlob(artifact.name, url, maxBytes, options);
      break;
    } catch (err) {
      if (!(err instanceof BlobError)) throw err;
      if (attempt >= retries) {
        throw new GitHubResponseError(`${err.message}, after ${retries} retries`, { cause: err });
      }
      const delay = (options.backoffMs ?? 500) * 2 ** attempt;
      log(`note: ${err.message}; retrying in ${delay} ms with a fresh download URL`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
  if (bytes.length > maxBytes) {
    throw tooLarge(artifact.name, maxBytes, `it is ${bytes.length} bytes`);
  }
  if (artifact.digest) {
    const actual = `sha256:${await sha256Hex(bytes)}`;
    if (actual !== artifact.digest) {
      throw new UnsafeArchiveError(
        artifact.name,
        `Cannot use '${artifact.name}': its zip's ${actual} does not match the listed ` +
          `digest ${artifact.digest} (a corrupt or replaced download)`,
      );
    }
  }
  return bytes;
}

function tooLarge(name: string, maxBytes: number, size = "it is larger"): UnsafeArchiveError {
  return new UnsafeArchiveError(
    name,
    `Cannot download '${name}': ${size}, more than the limit of ${maxBytes} bytes`,
  );
}

/** A fresh short-lived download URL (or, from a server that answers directly, the bytes). */
async function downloadUrl(
  client: Octokit,
  repo: RepoRef,
  artifact: WorkflowArtifact,
): Promise<string | Uint8Array> {
  let res;
  try {
    res = await client.request(
      "GET /repos/{owner}/{repo}/actions/artifacts/{artifact_id}/{archive_format}",
      {
        owner: repo.owner,
        repo: repo.repo,
        artifact_id: artifact.id,
        archive_format: "zip",
        request: { redirect: "manual" },
      },
    );
  } catch (err) {
    const status = (err as { status?: number }).status;
    if (status === 410) {
      throw new ArtifactGoneError(
        artifact.name,
        `Cannot download '${artifact.name}': GitHub answered 410 Gone (it expired or was deleted)`,
        { cause: err },
      );
    }
    if (status === 404) {
      throw new GitHubResponseError(
        `Cannot download '${artifact.name}': GitHub answered 404 (it was deleted after it ` +
          "was listed)",
        { cause: err },
      );
    }
    throw err;
  }
  const location = res.headers.location;
  const status: number = res.status;
  if (status >= 300 && status < 400 && typeof location === "string") return location;
  if (status === 200 && (res.data as unknown) instanceof ArrayBuffer) {
    return new Uint8Array(res.data as unknown as ArrayBuffer);
  }
  throw new GitHubResponseError(
    `Cannot download '${artifact.name}': GitHub answered ${status} without a download URL`,
  );
}

/** A blob download that failed in a way a fresh URL may fix. */
class BlobError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BlobError";
  }
}

async function fetchBlob(
  name: string,
  url: string,
  maxBytes: number,
  options: DownloadOptions,
): Promise<Uint8Array> {
  const host = URL.parse(url)?.host ?? "?";
  const timeoutMs = options.timeoutMs ?? 600_000;
  let res: Response;
  try {
    // No Authorization header: the URL itself is the short-lived credential.
    res = await fetch(url, { redirect: "follow", signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    if (err instanceof Deno.errors.NotCapable || err instanceof Deno.errors.PermissionDenied) {
      throw err;
    }
    if (err instanceof Error && err.name === "TimeoutError") {
      throw timedOut(name, host, timeoutMs, err);
    }
    throw new BlobError(`Cannot download '${name}' from ${host}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new BlobError(`Cannot download '${name}' from ${host}: HTTP ${res.status}`);
  }
  if (Number(res.headers.get("content-length") ?? "0") > maxBytes) {
    await res.body?.cancel();
    throw tooLarge(name, maxBytes);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of res.body ?? new ReadableStream<Uint8Array>()) {
      total += chunk.length;
      if (total > maxBytes) throw tooLarge(name, maxBytes);
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof UnsafeArchiveError) throw err;
    if (err instanceof Error && err.name === "TimeoutError") {
      throw timedOut(name, host, timeoutMs, err);
    }
    throw new BlobError(`Cannot download '${name}' from ${host}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** A download that outlived its timeout is not retried: it would take as long again. */
function timedOut(name: string, host: string, timeoutMs: number, cause: Error): Error {
  return new GitHubResponseError(
    `Cannot download '${name}' from ${host}: no complete answer within ${timeoutMs / 1000} s`,
    { cause },
  );
}

/**
 * Hex SHA-256 of bytes.
 *
 * @param bytes Any bytes.
 * @returns 64 lower-case hex digits.
 *
 * @example Hashing
 * ```ts
 * import { sha256Hex } from "./artifacts.ts";
 * console.assert((await sha256Hex(new Uint8Array())).startsWith("e3b0c442"));
 * ```
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
