/**
 * Reads one cell of a percent-format script: a port of Jupytext's
 * `DoublePercentScriptCellReader` (MIT licence).
 *
 * @module
 */
import { StringParser, uncommentMagic, unescapeCodeStart } from "./_magics.ts";
import { isActive, isJsonMetadata, textToMetadata } from "./_metadata.ts";
import { linesFrom, pep8LinesBetweenCells } from "./_pep8.ts";
import { ALT_START, BLANK, splitLines, START, uncomment } from "./_text.ts";
import type { Cell } from "./schema.ts";
import type { JsonObject } from "../_base/json.ts";

/** A cell read from a script, where the next one starts, and whether its options were JSON. */
export interface ReadCell {
  cell: Cell;
  next: number;
  json: boolean;
}

/** Reads the cell at the start of `lines` (Jupytext's DoublePercentScriptCellReader). */
export function readCell(
  all: readonly string[],
  start: number,
  defaultLang: string,
  commentMagics: boolean,
): ReadCell {
  const total = all.length - start;
  const first = all[start]!;
  const { metadata, json } = START.test(first)
    ? readCellMarker(first)
    : { metadata: {} as JsonObject, json: false };
  let language: string | undefined;
  if ("language" in metadata) {
    language = String(metadata.language);
    delete metadata.language;
  }
  const { cellType, comment } = takeCellType(metadata);
  const { nextCell, cellEnd } = findCellEnd(all, start, language ?? defaultLang);

  // find_cell_content
  const cellStart = START.test(first) || ALT_START.test(first) ? 1 : 0;
  const source = all.slice(start + cellStart, start + cellEnd);
  const orgContent = [...source];
  const content = extractContent(source, {
    metadata,
    cellType,
    comment,
    language,
    defaultLang,
    commentMagics,
  });
  let linesToNextCell = 1;
  if (cellEnd < total) {
    linesToNextCell = nextCell - cellEnd;
    if (nextCell >= total) linesToNextCell += 1;
  }

  const expected = pep8LinesBetweenCells(
    orgContent.length ? orgContent : [""],
    linesFrom(all, start + nextCell),
  );
  if (linesToNextCell !== expected) metadata.lines_to_next_cell = linesToNextCell;
  if (language) metadata.language = language;
  const text = content.join("\n");
  const cell: Cell = cellType === "code"
    ? { cell_type: "code", execution_count: null, metadata, outputs: [], source: text }
    : { cell_type: cellType, metadata, source: text };
  return { cell, next: nextCell, json };
}

/** The metadata of a `# %% title [markdown] key="value"` line, and whether its options are JSON. */
function readCellMarker(first: string): { metadata: JsonObject; json: boolean } {
  const line = uncomment([first])[0]!;
  const options = line.slice(line.indexOf("%%") + 2);
  const json = isJsonMetadata(options);
  const parsed = textToMetadata(options, true);
  const metadata = parsed.metadata;
  let title = parsed.title;
  for (const cellType of ["markdown", "raw", "md"]) {
    const code = `[${cellType}]`;
    if (title.includes(code)) {
      title = title.replaceAll(code, "").trim();
      metadata.cell_type = cellType;
      if (cellType === "md") {
        metadata.region_name = cellType;
        metadata.cell_type = "markdown";
      }
      break;
    }
  }
  let depth = 0;
  while (title.startsWith("%")) {
    depth++;
    title = title.slice(1);
  }
  if (depth) {
    metadata.cell_depth = depth;
    title = title.trim();
  }
  if (title) metadata.title = title;
  return { metadata, json };
}

/** The cell's type, taken out of its metadata, and the comment prefix of its lines. */
function takeCellType(
  metadata: JsonObject,
): { cellType: "code" | "markdown" | "raw"; comment: string } {
  if ("cell_type" in metadata) {
    const cellType = metadata.cell_type === "raw" ? "raw" : "markdown";
    delete metadata.cell_type;
    return { cellType, comment: "#" };
  }
  if (!isActive(".ipynb", metadata)) {
    if (metadata.active === "") delete metadata.active;
    return { cellType: "raw", comment: isActive(".py", metadata) ? "" : "#" };
  }
  return { cellType: "code", comment: "#" };
}

/**
 * Jupytext's `find_cell_end`: where the next cell starts (relative to `start`), and where this
 * one's content ends once trailing blank lines are dropped.
 */
function findCellEnd(
  all: readonly string[],
  start: number,
  language: string,
): { nextCell: number; cellEnd: number } {
  const total = all.length - start;
  const lineAt = (i: number) => all[start + i]!;
  let nextCell = total;
  const parser = new StringParser(language);
  for (let i = 0; i < total; i++) {
    const line = lineAt(i);
    if (parser.isQuoted()) {
      parser.readLine(line);
      continue;
    }
    parser.readLine(line);
    if (i > 0 && (START.test(line) || ALT_START.test(line))) {
      nextCell = i;
      break;
    }
  }
  let cellEnd = nextCell;
  const blankAt = (i: number) => i >= 0 && BLANK.test(lineAt(i));
  if (nextCell >= 3 && !blankAt(nextCell - 3) && blankAt(nextCell - 2) && blankAt(nextCell - 1)) {
    cellEnd = nextCell - 2;
  } else if (blankAt(nextCell - 1)) cellEnd = nextCell - 1;
  return { nextCell, cellEnd };
}

/** What {@linkcode extractContent} needs to know about the cell. */
interface ContentContext {
  /** The cell's metadata; `cell_marker` is added to it for a triple-quoted text cell. */
  metadata: JsonObject;
  cellType: "code" | "markdown" | "raw";
  comment: string;
  language: string | undefined;
  defaultLang: string;
  commentMagics: boolean;
}

/** The cell's lines as the notebook holds them: uncommented, unquoted, magics restored. */
function extractContent(src: string[], c: ContentContext): string[] {
  if (!isActive(".py", c.metadata, c.cellType === "code")) {
    const unquoted = unquoteText(src.join("\n").trim(), c.metadata);
    if (unquoted !== undefined) return unquoted;
  }
  if (
    !isActive(".py", c.metadata) ||
    (!("active" in c.metadata) && c.language && c.language !== c.defaultLang)
  ) {
    return uncomment(src, c.comment);
  }
  let out = src;
  if (c.commentMagics && isActive(".py", c.metadata)) {
    out = uncommentMagic(out, c.language ?? c.defaultLang, true);
  }
  if (c.cellType === "code") return unescapeCodeStart(out, c.language ?? c.defaultLang);
  return uncomment(out, c.comment);
}

/**
 * A text cell written as a triple-quoted string (`"""`, `r"""`, `'''`): its lines, with the quotes
 * kept in `metadata.cell_marker` when they are not the default; `undefined` when not quoted.
 */
function unquoteText(text: string, metadata: JsonObject): string[] | undefined {
  for (const prefix of ["", "r", "R"]) {
    for (const quote of ['"""', "'''"]) {
      let body = text;
      let left = prefix + quote;
      let right = quote;
      if (
        !body.startsWith(left) || !body.endsWith(right) ||
        body.length < left.length + right.length
      ) continue;
      body = body.slice(left.length, body.length - right.length);
      if (body.startsWith("\n")) {
        body = body.slice(1);
        left += "\n";
      }
      if (body.endsWith("\n")) {
        body = body.slice(0, -1);
        right = "\n" + right;
      }
      if (!prefix) {
        if (left.length === 4 && right.length === 4) metadata.cell_marker = left.slice(0, 3);
      } else if (left.length - 1 === 4 && right.length === 4) {
        metadata.cell_marker = left.slice(0, 4);
      } else {
        metadata.cell_marker = `${left},${right}`;
      }
      return splitLines(body);
    }
  }
  return undefined;
}
