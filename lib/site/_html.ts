/**
 * Small helpers shared by the site renderers: HTML escaping, safe file names, formatting.
 *
 * @module
 */

const ESC: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * Escapes text for HTML element content and quoted attribute values.
 *
 * @param value Any value; non-strings are converted with `String()`.
 * @returns The escaped text.
 *
 * @example Escaping
 * ```ts
 * import { escapeHtml } from "./_html.ts";
 * console.assert(escapeHtml("<b>") === "&lt;b&gt;");
 * ```
 */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESC[c] ?? c);
}

// The run-page key must be the one the step summary links to: one definition, in the base.
export { safeName } from "../_base/names.ts";

/**
 * Formats an ISO timestamp as `2026-11-20 06:00 UTC` (stable across machines: always UTC).
 *
 * @param iso The timestamp, or undefined.
 * @returns The formatted time, `–` when unknown or invalid.
 *
 * @example Times
 * ```ts
 * import { formatTime } from "./_html.ts";
 * console.assert(formatTime("2026-11-20T06:00:00Z") === "2026-11-20 06:00 UTC");
 * ```
 */
export function formatTime(iso: string | undefined): string {
  if (!iso) return "–";
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "–";
  return new Date(t).toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

/**
 * Shows a JSON value compactly for a table cell: strings as they are, the rest as JSON, cut at
 * `max` characters.
 *
 * @param value The value.
 * @param max Longest text shown.
 * @returns The text (not yet escaped).
 *
 * @example Values
 * ```ts
 * import { formatValue } from "./_html.ts";
 * console.assert(formatValue({ a: 1 }) === '{"a":1}');
 * ```
 */
export function formatValue(value: unknown, max = 200): string {
  const text = typeof value === "string" ? value : JSON.stringify(value) ?? String(value);
  return text.length > max ? text.slice(0, max - 1) + "…" : text;
}
