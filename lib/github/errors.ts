/**
 * Errors of the GitHub integration. Those a user fixes (a token, a repository name, a
 * permission) extend `UserError`; the others describe one artifact that could not be collected.
 *
 * @module
 */
import { UserError } from "../errors.ts";

/**
 * GitHub refused the request: a missing or wrong token (401), missing permission (403) or an
 * unknown repository (404).
 *
 * @example Catching a refusal
 * ```ts
 * import { GitHubAccessError } from "./errors.ts";
 * const err = new GitHubAccessError(401, "Cannot list artifacts: bad credentials");
 * console.assert(err.status === 401);
 * ```
 */
export class GitHubAccessError extends UserError {
  /** HTTP status of the refusal. */
  status: number;
  /**
   * @param status HTTP status.
   * @param message What was refused and how to fix it.
   * @param options The underlying cause.
   */
  constructor(status: number, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "GitHubAccessError";
    this.status = status;
  }
}

/**
 * GitHub's rate limit is exhausted and resets later than the command is willing to wait.
 *
 * @example Reporting when the limit resets
 * ```ts
 * import { GitHubRateLimitError } from "./errors.ts";
 * const err = new GitHubRateLimitError(new Date(0), "Cannot list artifacts: rate limited");
 * console.assert(err.resetAt.getTime() === 0);
 * ```
 */
export class GitHubRateLimitError extends UserError {
  /** When GitHub lifts the limit. */
  resetAt: Date;
  /**
   * @param resetAt When the limit resets.
   * @param message What was limited.
   * @param options The underlying cause.
   */
  constructor(resetAt: Date, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "GitHubRateLimitError";
    this.resetAt = resetAt;
  }
}

/**
 * GitHub answered with something other than the documented shape, or kept failing (5xx) after
 * every retry.
 *
 * @example A server that kept failing
 * ```ts
 * import { GitHubResponseError } from "./errors.ts";
 * const err = new GitHubResponseError("Cannot list artifacts: HTTP 502 after 4 retries");
 * console.assert(err.name === "GitHubResponseError");
 * ```
 */
export class GitHubResponseError extends UserError {
  /**
   * @param message What GitHub answered.
   * @param options The underlying cause.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "GitHubResponseError";
  }
}

/**
 * An artifact expired or was deleted between listing and download (HTTP 410 Gone).
 *
 * @example Skipping a gone artifact
 * ```ts
 * import { ArtifactGoneError } from "./errors.ts";
 * const err = new ArtifactGoneError("pynb-run-v1-1-1", "Cannot download it: 410 Gone");
 * console.assert(err.artifact === "pynb-run-v1-1-1");
 * ```
 */
export class ArtifactGoneError extends Error {
  /** Name of the artifact. */
  artifact: string;
  /**
   * @param artifact Name of the artifact.
   * @param message What happened.
   * @param options The underlying cause.
   */
  constructor(artifact: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ArtifactGoneError";
    this.artifact = artifact;
  }
}

/**
 * An artifact's zip is corrupt, too large, or holds an entry that is not allowed (a path
 * escaping the output folder, a link, a device).
 *
 * @example Reporting an unsafe entry
 * ```ts
 * import { UnsafeArchiveError } from "./errors.ts";
 * const err = new UnsafeArchiveError("run.zip", "Cannot extract '../x': it escapes the folder");
 * console.assert(err.archive === "run.zip");
 * ```
 */
export class UnsafeArchiveError extends Error {
  /** Name of the archive (the artifact). */
  archive: string;
  /**
   * @param archive Name of the archive.
   * @param message What is wrong with it.
   * @param options The underlying cause.
   */
  constructor(archive: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "UnsafeArchiveError";
    this.archive = archive;
  }
}
