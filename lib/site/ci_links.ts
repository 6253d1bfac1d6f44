/**
 * Links from a run's CI context: the commit, the pull request and the workflow run on GitHub.
 * Built only from values that match their shape, so that run data never makes a link elsewhere.
 *
 * @module
 */
import type { CiContext } from "../log/schema.ts";

/** The links of a run's CI context; each is absent when its parts are. */
export interface CiLinks {
  /** `https://github.com/<repo>/commit/<sha>`. */
  commitUrl?: string;
  /** `https://github.com/<repo>/pull/<n>`. */
  prUrl?: string;
  /** The workflow run's page. */
  ciUrl?: string;
}

const REPO = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
const SHA = /^[0-9a-f]{7,64}$/i;

/**
 * Builds the links of a CI context.
 *
 * @param ci The context, if the run had one.
 * @returns The links that can be made.
 *
 * @example Links of a pull-request run
 * ```ts
 * import { ciLinks } from "./ci_links.ts";
 * const links = ciLinks({ provider: "github", repository: "o/r", commit: "abc1234", pullRequest: 7 });
 * console.assert(links.commitUrl === "https://github.com/o/r/commit/abc1234");
 * console.assert(links.prUrl === "https://github.com/o/r/pull/7");
 * ```
 */
export function ciLinks(ci: CiContext | undefined): CiLinks {
  if (!ci) return {};
  const links: CiLinks = {};
  const repo = REPO.test(ci.repository) && !ci.repository.includes("..")
    ? `https://github.com/${ci.repository}`
    : undefined;
  if (repo && ci.commit && SHA.test(ci.commit)) links.commitUrl = `${repo}/commit/${ci.commit}`;
  if (repo && ci.pullRequest !== undefined && ci.pullRequest > 0) {
    links.prUrl = `${repo}/pull/${ci.pullRequest}`;
  }
  if (ci.url && /^https?:\/\/[^\s]+$/i.test(ci.url)) links.ciUrl = ci.url;
  return links;
}
