/**
 * Names made safe for file systems and URLs from untrusted text (run ids, task slugs, artifact
 * names). The site writes a run's pages under `safeName(runId)` and the step summary links there,
 * so both must compute the same name: this module is the one place that does.
 *
 * @module
 */
import { createHash } from "node:crypto";

/**
 * A file-system and URL safe name for an untrusted string: ASCII letters, digits, `.`, `_`, `-`,
 * plus a short hash when anything had to change, so two different inputs never collide.
 *
 * @param value The untrusted name (run id, slug, artifact name).
 * @returns A name safe as one path segment.
 *
 * @example Safe names
 * ```ts
 * import { safeName } from "./names.ts";
 * console.assert(safeName("ingest") === "ingest");
 * console.assert(safeName("../x") !== "../x");
 * console.assert(safeName("my plot.png").endsWith(".png"));
 * ```
 */
export function safeName(value: string): string {
  const cleaned = value.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^[._]+/, "").slice(0, 80);
  if (cleaned === value && cleaned.length > 0) return cleaned;
  const hash = createHash("sha256").update(value).digest("hex").slice(0, 8);
  // The hash goes before an extension, so `a b.png` stays a `.png`.
  const ext = /\.[A-Za-z0-9]{1,8}$/.exec(cleaned)?.[0] ?? "";
  const stem = cleaned.slice(0, cleaned.length - ext.length);
  return `${stem || "x"}-${hash}${ext}`;
}
