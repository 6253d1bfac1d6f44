/**
 * Durations in pipeline files (`timeout: 90s`) and their display.
 *
 * @module
 */
import { DurationError } from "./errors.ts";

const UNIT_SECONDS: Record<string, number> = { d: 86400, h: 3600, m: 60, s: 1 };
const WHOLE = /^(?:\d+(?:\.\d+)?[dhms])+$/;
const PART = /(\d+(?:\.\d+)?)([dhms])/g;

/**
 * Parses a duration into seconds: a number of seconds (`90`, `"90"`), or numbers with units
 * `d`, `h`, `m`, `s` (`"90s"`, `"10m"`, `"1h30m"`, `"1.5h"`). Spaces between parts are allowed.
 *
 * @param v The duration as written.
 * @returns Seconds, greater than zero.
 * @throws {DurationError} When `v` is not a positive duration.
 *
 * @example Parsing durations
 * ```ts
 * import { parseDuration } from "./duration.ts";
 * console.assert(parseDuration("1h30m") === 5400);
 * console.assert(parseDuration(90) === 90);
 * ```
 */
export function parseDuration(v: string | number): number {
  let seconds: number;
  if (typeof v === "number") {
    seconds = v;
  } else if (typeof v === "string") {
    const text = v.replaceAll(/\s+/g, "").toLowerCase();
    if (/^\d+(?:\.\d+)?$/.test(text)) {
      seconds = Number(text);
    } else if (WHOLE.test(text)) {
      seconds = 0;
      for (const [, n, unit] of text.matchAll(PART)) {
        seconds += Number(n) * (UNIT_SECONDS[unit ?? "s"] ?? 1);
      }
    } else {
      throw new DurationError(v);
    }
  } else {
    throw new DurationError(v);
  }
  if (!Number.isFinite(seconds) || seconds <= 0) throw new DurationError(v);
  return seconds;
}

/**
 * Formats seconds for people: `45s`, `10m`, `1h 30m`, `2d 3h`.
 *
 * @param seconds A duration in seconds.
 * @returns The shortest exact-enough text (sub-second parts are rounded).
 *
 * @example Formatting a duration
 * ```ts
 * import { formatDuration } from "./duration.ts";
 * console.assert(formatDuration(5400) === "1h 30m");
 * ```
 */
export function formatDuration(seconds: number): string {
  let rest = Math.round(seconds);
  if (rest <= 0) return seconds > 0 ? "<1s" : "0s";
  const parts: string[] = [];
  for (const [unit, size] of Object.entries(UNIT_SECONDS)) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.join(" ");
}
