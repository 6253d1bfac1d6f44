/**
 * Waiting, and durations for people. A duration is shown one way per use:
 *
 * - {@linkcode formatDuration}: a configured duration (a timeout, a critical path) in the units
 *   of pipeline files, `1h 30m`, which `parseDuration` reads back;
 * - {@linkcode formatElapsedPage}: a measured duration on a web page, `850 ms`, `12.3 s`,
 *   `4 min 05 s`;
 * - {@linkcode formatElapsedSummary}: a measured duration in a Markdown step summary, `2.3s`,
 *   `1m 23s`;
 * - {@linkcode formatElapsedTerminal}: a measured duration in a terminal column, `4.2s`, `3m05s`.
 *
 * @module
 */

/** Seconds per unit of the pipeline file's duration notation, largest first. */
export const DURATION_UNITS: Readonly<Record<"d" | "h" | "m" | "s", number>> = {
  d: 86400,
  h: 3600,
  m: 60,
  s: 1,
};

/**
 * Resolves after `ms` milliseconds.
 *
 * @param ms The delay in milliseconds.
 *
 * @example Waiting a little
 * ```ts
 * import { sleep } from "./time.ts";
 * const t0 = Date.now();
 * await sleep(5);
 * console.assert(Date.now() - t0 >= 4);
 * ```
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Formats a configured duration in the pipeline file's units, largest first: `45s`, `10m`,
 * `1h 30m`, `2d 3h`.
 *
 * @param seconds A duration in seconds.
 * @returns The shortest exact-enough text (sub-second parts are rounded; `<1s` for less).
 *
 * @example Formatting a timeout
 * ```ts
 * import { formatDuration } from "./time.ts";
 * console.assert(formatDuration(5400) === "1h 30m");
 * ```
 */
export function formatDuration(seconds: number): string {
  let rest = Math.round(seconds);
  if (rest <= 0) return seconds > 0 ? "<1s" : "0s";
  const parts: string[] = [];
  for (const [unit, size] of Object.entries(DURATION_UNITS)) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.join(" ");
}

/**
 * Formats a measured duration for a page or a summary: `850 ms`, `12.3 s`, `4 min 05 s`,
 * `2 h 03 min`.
 *
 * @param seconds The duration, or undefined.
 * @returns The formatted duration, `–` when unknown.
 *
 * @example Durations on a page
 * ```ts
 * import { formatElapsedPage } from "./time.ts";
 * console.assert(formatElapsedPage(245) === "4 min 05 s");
 * console.assert(formatElapsedPage(undefined) === "–");
 * ```
 */
export function formatElapsedPage(seconds: number | undefined): string {
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
 * Formats a measured duration for a Markdown step summary: `2.3s`, `1m 23s`, `1h 2m 3s`.
 *
 * @param seconds The duration.
 * @returns The duration for people.
 *
 * @example Durations in a summary
 * ```ts
 * import { formatElapsedSummary } from "./time.ts";
 * console.assert(formatElapsedSummary(83) === "1m 23s");
 * console.assert(formatElapsedSummary(2.345) === "2.3s");
 * ```
 */
export function formatElapsedSummary(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h ${m}m ${s % 60}s` : `${m}m ${s % 60}s`;
}

/**
 * Formats a measured duration for a terminal column, short and of steady width: `4.2s`, `3m05s`,
 * `1h02m`.
 *
 * @param seconds The duration, or undefined.
 * @returns The text, `-` when unknown.
 *
 * @example Durations in a terminal
 * ```ts
 * import { formatElapsedTerminal } from "./time.ts";
 * console.assert(formatElapsedTerminal(185) === "3m05s");
 * ```
 */
export function formatElapsedTerminal(seconds: number | undefined): string {
  if (seconds === undefined) return "-";
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m${String(Math.floor(seconds % 60)).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}
