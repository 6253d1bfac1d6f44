/**
 * The GitHub REST API client and zip archives (`lib/github`, `cli.ts collect`). Loaded only by the
 * commands that talk to GitHub. Pinned like everything in `deps.ts`.
 *
 * @module
 */

export { Octokit } from "npm:@octokit/rest@22.0.1";
// Retries and rate-limit waits, matched with the @octokit/core 7 that @octokit/rest 22 uses.
export { retry } from "npm:@octokit/plugin-retry@8.1.1";
export { throttling } from "npm:@octokit/plugin-throttling@11.0.5";
export { unzipSync } from "npm:fflate@0.8.3";
export type { UnzipFileInfo } from "npm:fflate@0.8.3";
