/**
 * The context every page renderer shares: the output folder and a function rendering a named
 * template inside the common layout (navigation, CSP, assets).
 *
 * @module
 */
import type { Eta } from "../../deps/site.ts";

/**
 * The Content-Security-Policy of every page: scripts and styles only from the site's own files
 * (no inline script, no inline style), images from the site or `data:` URLs, frames only as
 * sandboxed `srcdoc` documents, no plugins, no forms, no `<base>`.
 */
export const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; " +
  "img-src 'self' data:; frame-src 'self'; base-uri 'none'; form-action 'none'";

/** Shared by every page renderer. */
export interface PageContext {
  /** Output folder. */
  out: string;
  /** Site title. */
  title: string;
  /** Public base URL (`/repo/` or `https://...`), for the canonical link; may be empty. */
  baseUrl: string;
  /** Number of problems, shown in the navigation. */
  problemCount: number;
  /**
   * Renders template `@<name>` in the layout.
   *
   * @param name Template name.
   * @param data Page data; must include `root` (relative path to the site root), `pageTitle`
   *   and `path` (the page's path in the site, for the canonical link under `baseUrl`).
   */
  page(
    name: string,
    data: Record<string, unknown> & { root: string; pageTitle: string; path: string },
  ): string;
}

/**
 * Creates a page context.
 *
 * @param eta Engine with the templates registered.
 * @param options Output folder, title, base URL, problem count.
 * @returns The context.
 *
 * @example A context
 * ```ts ignore
 * const ctx = pageContext(eta, { out: "_site", title: "Runs", baseUrl: "", problemCount: 0 });
 * ```
 */
export function pageContext(
  eta: Eta,
  options: { out: string; title: string; baseUrl: string; problemCount: number },
): PageContext {
  return {
    ...options,
    page(name, data) {
      return eta.render(`@${name}`, {
        ...data,
        canonical: options.baseUrl ? options.baseUrl + data.path : "",
        siteTitle: options.title,
        csp: CSP,
        problemCount: options.problemCount,
      });
    },
  };
}
