/**
 * Loads the site's Eta templates and static assets from `site/`, relative to this module's URL:
 * read from disk for `file:`, fetched for `https:` (so `deno run https://.../cli.ts site` works).
 *
 * @module
 */
import { Eta } from "../../deps/site.ts";
import { UserError } from "../errors.ts";

/** Template names under `site/templates/<name>.eta`. */
export const TEMPLATE_NAMES = [
  "layout",
  "index",
  "run",
  "instance",
  "experiment",
  "problems",
  "compare",
] as const;
/**
 * Asset names under `site/assets/`, copied to `<out>/assets/`. `uplot.*` is uPlot's built file,
 * vendored from its npm package (tests/vendored_assets_test.ts checks it is the package's).
 */
export const ASSET_NAMES = [
  "site.css",
  "site.js",
  "tracker.css",
  "tracker_dom.js",
  "runs_query.js",
  "runs_table.js",
  "compare.js",
  "charts.js",
  "charts.css",
  "uplot.min.js",
  "uplot.min.css",
  "uplot.LICENSE.txt",
] as const;

/** The loaded templates, compiled, and the assets' text. */
export interface SiteFiles {
  /** An Eta engine with every template registered as `@<name>`. */
  eta: Eta;
  /** Asset file contents by name. */
  assets: Record<string, string>;
}

/** Default location of `site/`: next to `lib/` in the repository or the published URL. */
export const DEFAULT_SITE_BASE: URL = new URL("../../site/", import.meta.url);

async function readText(url: URL): Promise<string> {
  try {
    if (url.protocol === "file:") return await Deno.readTextFile(url);
    // A text module, loaded like the code next to it: no --allow-net for a site built from a URL.
    const text: { default: string } = await import(url.href, { with: { type: "text" } });
    return text.default;
  } catch (err) {
    throw new UserError(
      `Cannot load site file '${url.href}': ${(err as Error).message}. ` +
        (url.protocol === "file:"
          ? "Check that the site/ folder is complete."
          : `Check that ${url.host} serves the site/ folder next to lib/.`),
      { cause: err },
    );
  }
}

/**
 * Loads and compiles every template and reads every asset.
 *
 * @param base URL of the `site/` folder.
 * @returns The Eta engine and the assets.
 * @throws {UserError} When a file cannot be read or fetched.
 *
 * @example Loading the bundled templates
 * ```ts ignore
 * import { loadSiteFiles } from "./templates.ts";
 * const { eta } = await loadSiteFiles();
 * ```
 */
export async function loadSiteFiles(base: URL = DEFAULT_SITE_BASE): Promise<SiteFiles> {
  const eta = new Eta({ autoEscape: true, autoTrim: [false, "nl"], cache: true });
  const texts = await Promise.all([
    ...TEMPLATE_NAMES.map((n) => readText(new URL(`templates/${n}.eta`, base))),
    ...ASSET_NAMES.map((n) => readText(new URL(`assets/${n}`, base))),
  ]);
  TEMPLATE_NAMES.forEach((n, i) => eta.loadTemplate(`@${n}`, texts[i] ?? ""));
  const assets: Record<string, string> = {};
  ASSET_NAMES.forEach((n, i) => assets[n] = texts[TEMPLATE_NAMES.length + i] ?? "");
  return { eta, assets };
}
