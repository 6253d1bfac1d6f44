/**
 * Hostile text for the tests of what turns data into files: quotes, expansions, GitHub
 * expressions, line breaks of every kind, Slurm directives, control characters and non-ASCII.
 *
 * @module
 */

/** Pieces an attacker puts in names and values: quotes, expansions, line breaks, directives. */
export const HOSTILE = [
  "'",
  '"',
  "\\",
  "$",
  "${{ github.token }}",
  "$(id)",
  "`id`",
  "\n",
  "\r",
  "\r\n",
  "\n#SBATCH --uid=0\n",
  "\t",
  "\u2028",
  "\u2029",
  "\u0085",
  "\x1b[2J",
  "#",
  "{",
  "}",
  "!",
  "*",
  ";",
  "&",
  "|",
  " ",
  "é",
  "😀",
  "\x7f",
  "a",
  "Z9",
  "-",
  "--only",
  "%0A",
  ": x",
  "- y",
];

/** A deterministic source of hostile strings (an LCG, so a failure is reproducible). */
export function hostileStrings(seed: number, count: number): string[] {
  let state = seed >>> 0;
  const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0);
  const out: string[] = [];
  for (let n = 0; n < count; n++) {
    const parts = 1 + (next() % 6);
    let s = "";
    for (let p = 0; p < parts; p++) s += HOSTILE[next() % HOSTILE.length]!;
    out.push(s);
  }
  return out;
}
