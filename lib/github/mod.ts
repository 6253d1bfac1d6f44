/**
 * GitHub: the step summary, annotations, artifacts collected into run folders, generated
 * workflows.
 *
 * @module
 */
export { renderSummary } from "./summary.ts";
export { DEFAULT_APT, generateWorkflow } from "./workflow.ts";
export type { WorkflowEvent, WorkflowGroup, WorkflowOptions } from "./workflow.ts";
export type { SummaryOptions } from "./summary.ts";
export { collectRuns, parseRepo } from "./collect.ts";
export type { CollectedArtifact, CollectOptions, CollectReport } from "./collect.ts";
export { downloadArtifact, listArtifacts } from "./artifacts.ts";
export type { RepoRef, WorkflowArtifact } from "./artifacts.ts";
export { createGitHubClient } from "./client.ts";
export {
  COMMENT_MARKER,
  commentBody,
  MAX_COMMENT_CHARS,
  upsertPullRequestComment,
} from "./pr_comment.ts";
export type { CommentBodyOptions, CommentResult } from "./pr_comment.ts";
export type { GitHubClientOptions } from "./client.ts";
export { extractRunFolders } from "./zip.ts";
export type { ExtractOptions, ExtractResult } from "./zip.ts";
export {
  ArtifactGoneError,
  GitHubAccessError,
  GitHubRateLimitError,
  GitHubResponseError,
  UnsafeArchiveError,
} from "./errors.ts";
