/**
 * Writes `compare.html`, the page that sets runs side by side: `compare.html?runs=A,B,...` (run
 * keys, the first is the baseline). The page is one static file; its script reads the runs'
 * `runs/<key>/data.js` and draws parameters, values and metrics of every instance with their
 * difference against the first run, an "only differences" switch, and figures side by side.
 *
 * @module
 */
import { join } from "node:path";
import type { PageContext } from "./page.ts";

/**
 * Writes `compare.html`.
 *
 * @param ctx The page context.
 * @returns Bytes written.
 *
 * @example The compare page
 * ```ts ignore
 * await renderCompare(ctx);
 * ```
 */
export async function renderCompare(ctx: PageContext): Promise<number> {
  const html = ctx.page("compare", {
    root: "",
    path: "compare.html",
    pageTitle: `Compare runs · ${ctx.title}`,
  });
  await Deno.writeTextFile(join(ctx.out, "compare.html"), html);
  return html.length;
}
