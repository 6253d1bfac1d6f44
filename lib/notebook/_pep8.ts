/**
 * How many blank lines separate two cells of a `.py` notebook so that the script follows PEP 8
 * (two around functions and classes, one otherwise). A TypeScript port of Jupytext's `pep8.py`
 * (MIT licence).
 *
 * @module
 */
import { StringParser } from "./_magics.ts";

/**
 * Lines read from the start: an array, or a view of the rest of a longer array (so that finding
 * the blank lines between n cells does not copy the script n times).
 */
export interface Lines {
  /** Number of lines. */
  readonly length: number;
  /** The line at `i` (from 0), `undefined` past the end. */
  at(i: number): string | undefined;
}

/**
 * The lines of `all` from `start` on, without copying.
 *
 * @param all The lines.
 * @param start The first line of the view.
 * @returns A view.
 */
export function linesFrom(all: readonly string[], start: number): Lines {
  return {
    length: Math.max(0, all.length - start),
    at: (i) => (i < 0 ? undefined : all[start + i]),
  };
}

const blank = (line: string | undefined) => line === undefined || line.trim() === "";

function nextInstructionIsFunctionOrClass(lines: Lines): boolean {
  const parser = new StringParser("python");
  for (let i = 0; i < lines.length; i++) {
    const line = lines.at(i)!;
    if (parser.isQuoted()) {
      parser.readLine(line);
      continue;
    }
    parser.readLine(line);
    if (!line.trim()) {
      if (i > 0 && blank(lines.at(i - 1))) return false;
      continue;
    }
    if (line.startsWith("def ") || line.startsWith("class ")) return true;
    if (/^[#@ )]/.test(line)) continue;
    return false;
  }
  return false;
}

function cellEndsWithFunctionOrClass(lines: string[]): boolean {
  const nonQuoted: string[] = [];
  const parser = new StringParser("python");
  for (const line of lines) {
    if (!parser.isQuoted()) nonQuoted.push(line);
    parser.readLine(line);
  }
  const reversed = nonQuoted.reverse();
  for (let i = 0; i < reversed.length; i++) {
    const line = reversed[i]!;
    if (!line.trim()) {
      if (i > 0 && blank(reversed[i - 1])) return false;
      continue;
    }
    if (/^[# )]/.test(line)) continue;
    return line.startsWith("def ") || line.startsWith("class ");
  }
  return false;
}

function cellEndsWithCode(lines: string[]): boolean {
  const last = lines[lines.length - 1];
  if (last === undefined || !last.trim()) return false;
  return !last.startsWith("#");
}

function cellHasCode(lines: Lines): boolean {
  for (let i = 0; i < lines.length; i++) {
    const stripped = lines.at(i)!.trim();
    if (stripped.startsWith("#")) continue;
    if (!stripped) {
      if (i > 0 && blank(lines.at(i - 1))) return false;
      continue;
    }
    return true;
  }
  return false;
}

/**
 * The number of blank lines PEP 8 wants between two paragraphs of a Python script.
 *
 * @param prevLines The lines of the previous cell.
 * @param nextLines Every line after it.
 * @returns 0, 1 or 2.
 */
export function pep8LinesBetweenCells(prevLines: string[], nextLines: Lines): number {
  if (!nextLines.length) return 1;
  if (!prevLines.length) return 0;
  if (cellEndsWithFunctionOrClass(prevLines)) return cellHasCode(nextLines) ? 2 : 1;
  if (cellEndsWithCode(prevLines) && nextInstructionIsFunctionOrClass(nextLines)) return 2;
  return 1;
}
