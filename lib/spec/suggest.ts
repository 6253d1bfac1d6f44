/**
 * "Did you mean" suggestions for misspelt keys, task names and instance ids.
 *
 * @module
 */

/**
 * The edit distance between two strings (optimal string alignment: insertions, deletions,
 * substitutions and swaps of two neighbouring characters each count 1).
 *
 * @param a First string.
 * @param b Second string.
 * @returns The number of single-character edits that turn `a` into `b`.
 *
 * @example
 * ```ts
 * import { editDistance } from "./suggest.ts";
 * console.assert(editDistance("notebok", "notebook") === 1);
 * ```
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, (before[j - 2] ?? 0) + 1);
      }
      cur[j] = d;
    }
    before = prev;
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/**
 * Picks the candidate closest to `word`, if it is close enough to be a likely typo (a third
 * of the word's length in edits, at least 1, or the same text in another case).
 *
 * @param word What the user wrote.
 * @param candidates Valid names.
 * @returns The best candidate, or `undefined`.
 *
 * @example Suggesting a task name
 * ```ts
 * import { closest } from "./suggest.ts";
 * console.assert(closest("ingset", ["ingest", "eda"]) === "ingest");
 * console.assert(closest("zzz", ["ingest"]) === undefined);
 * ```
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.floor(word.length / 3);
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = word.toLowerCase();
  for (const c of candidates) {
    // A length that differs by more than the limit is more edits away than that.
    if (Math.abs(c.length - word.length) > limit) continue;
    const d = c.toLowerCase() === lower ? 0.5 : editDistance(word, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(limit, 0.5) ? best : undefined;
}

/**
 * Formats a suggestion as a message suffix: `; did you mean "ingest"?`, or an empty string.
 *
 * @param word What the user wrote.
 * @param candidates Valid names.
 * @returns The suffix.
 *
 * @example
 * ```ts
 * import { didYouMean } from "./suggest.ts";
 * console.assert(didYouMean("notebok", ["notebook"]) === '; did you mean "notebook"?');
 * ```
 */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const best = closest(word, candidates);
  return best === undefined ? "" : `; did you mean ${JSON.stringify(best)}?`;
}
