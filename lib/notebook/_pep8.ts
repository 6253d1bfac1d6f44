/**
 * How many blank lines separate two cells of a `.py` notebook so that the script follows PEP 8
 * (two around functions and classes, one otherwise). A TypeScript port of Jupytext's `pep8.py`
 * (MIT licence).
 *
 * @module
 */
import { StringParser } from "./_magics.ts";

const blank = (line: string | undefined) => line === undefined || line.trim() === "";

function nextInstructionIsFunctionOrClass(lines: string[]): boolean {
  const parser = new StringParser("python");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (parser.isQuoted()) {
      parser.readLine(line);
      continue;
    }
    parser.readLine(line);
    if (!line.trim()) {
      if (i > 0 && blank(lines[i - 1])) return false;
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

function cellHasCode(lines: string[]): boolean {
  for (let i = 0; i < lines.length; i++) {
    const stripped = lines[i]!.trim();
    if (stripped.startsWith("#")) continue;
    if (!stripped) {
      if (i > 0 && blank(lines[i - 1])) return false;
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
export function pep8LinesBetweenCells(prevLines: string[], nextLines: string[]): number {
  if (!nextLines.length) return 1;
  if (!prevLines.length) return 0;
  if (cellEndsWithFunctionOrClass(prevLines)) return cellHasCode(nextLines) ? 2 : 1;
  if (cellEndsWithCode(prevLines) && nextInstructionIsFunctionOrClass(nextLines)) return 2;
  return 1;
}
