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
 * Formats a duration in seconds for people: `850 ms`, `12.3 s`, `4 min 05 s`, `2 h 03 min`.
 *
 * @param seconds The duration, or undefined.
 * @returns The formatted duration, `–` when unknown.
 *
 * @example Durations
 * ```ts
 * import { formatDuration } from "./_html.ts";
 * console.assert(formatDuration(245) === "4 min 05 s");
 * ```
 */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return "–";
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  if (seconds < 3600) {
    return `${Math.floor(seconds / 60)} min ${String(Math.round(seconds % 60)).padStart(2, "0")} s`;
  }
  return `${Math.floor(seconds / 3600)} h ${
    String(Math.floor((seconds % 3600) / 60)).padStart(2, "0")
  } min`;
}

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
