/**
 * The site's vendored chart library is uPlot 1.6.32's built file as npm publishes it, unchanged,
 * with its licence beside it. To update: `npm pack uplot@<version>`, copy
 * `package/dist/uPlot.iife.min.js`, `package/dist/uPlot.min.css` and `package/LICENSE` to
 * `site/assets/uplot.min.js`, `uplot.min.css` and `uplot.LICENSE.txt`, and record their sha256
 * here (the tarball of 1.6.32 has integrity
 * `sha512-KIMVnG68zvu5XXUbC4LQEPnhwOxBuLyW1AHtpm6IKTXImkbLgkMy+jabjLgSLMasNuGGzQm/ep3tOkyTxpiQIw==`).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { assertEquals, assertStringIncludes } from "./_deps.ts";
import { ROOT } from "./_helpers.ts";
import { ASSET_NAMES } from "../lib/site/templates.ts";

const VENDORED: Record<string, string> = {
  "uplot.min.js": "19c8d4c6ad88929a79f4ae49d6f7161566dfd0ba3d15cc495e974f787eb78f1f",
  "uplot.min.css": "df630c6a8d6f8eeaff264b50f73ce5b114f646ffd9a0bb74f049b0a00135fa04",
  "uplot.LICENSE.txt": "8f989229699b4fe2f1a0432d0e9edc338a8a911e250e2d1b01ecd770a5f5b1bd",
};

Deno.test("site/assets carries uPlot 1.6.32 as npm publishes it, with its licence", async () => {
  for (const [name, sha] of Object.entries(VENDORED)) {
    const bytes = await Deno.readFile(join(ROOT, "site", "assets", name));
    assertEquals(createHash("sha256").update(bytes).digest("hex"), sha, name);
    assertEquals((ASSET_NAMES as readonly string[]).includes(name), true, name);
  }
  const js = await Deno.readTextFile(join(ROOT, "site", "assets", "uplot.min.js"));
  assertStringIncludes(js.slice(0, 80), "uPlot (v1.6.32)");
});
