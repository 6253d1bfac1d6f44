/**
 * Where a run's page lives on the published site, for links from the step summary. The site
 * writes a run's pages to `runs/<key>/`, with `key` from the base's `safeName(runId)`
 * (a run whose key collides with another's gets a suffix there that this link cannot know;
 * that takes two run ids differing only in characters the site replaces).
 *
 * @module
 */
import { safeName } from "../_base/names.ts";

/**
 * The URL of a run's page on the published site.
 *
 * @param siteUrl Base URL of the site (a trailing slash is added when missing).
 * @param runId The run's id.
 * @returns The absolute URL of the run's page.
 *
 * @example Linking a run
 * ```ts
 * import { runPageUrl } from "./site_url.ts";
 * const url = runPageUrl(new URL("https://o.github.io/repo"), "2026-11-27T04-00-00Z");
 * console.assert(url === "https://o.github.io/repo/runs/2026-11-27T04-00-00Z/");
 * ```
 */
export function runPageUrl(siteUrl: URL, runId: string): string {
  const base = new URL(siteUrl.href.endsWith("/") ? siteUrl.href : `${siteUrl.href}/`);
  return new URL(`runs/${encodeURIComponent(safeName(runId))}/`, base).href;
}
