/**
 * Durations in pipeline files (`timeout: 90s`). Their display, `formatDuration`, lives in the base
 * (`lib/_base/time.ts`) with the other duration formats.
 *
 * @module
 */
import { DURATION_UNITS } from "../_base/time.ts";
import { DurationError } from "./errors.ts";

const UNIT_SECONDS: Readonly<Record<string, number>> = DURATION_UNITS;
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
