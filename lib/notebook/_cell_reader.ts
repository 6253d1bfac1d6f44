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
  const lineAt = (i: number) => all[start + i]!;
  let metadata: JsonObject = {};
  let json = false;
  let comment = "#";
  const first = lineAt(0);
  if (START.test(first)) {
    const line = uncomment([first])[0]!;
    const options = line.slice(line.indexOf("%%") + 2);
    json = isJsonMetadata(options);
    const parsed = textToMetadata(options, true);
    metadata = parsed.metadata;
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
  }
  let language: string | undefined;
  if ("language" in metadata) {
    language = String(metadata.language);
    delete metadata.language;
  }

  // find_cell_end
  let cellType: "code" | "markdown" | "raw";
  if ("cell_type" in metadata) {
    cellType = metadata.cell_type === "raw" ? "raw" : "markdown";
    delete metadata.cell_type;
  } else if (!isActive(".ipynb", metadata)) {
    if (metadata.active === "") delete metadata.active;
    cellType = "raw";
    if (isActive(".py", metadata)) comment = "";
  } else {
    cellType = "code";
  }
  let nextCell = total;
  const parser = new StringParser(language ?? defaultLang);
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

  // find_cell_content
  const cellStart = START.test(first) || ALT_START.test(first) ? 1 : 0;
  const source = all.slice(start + cellStart, start + cellEnd);
  const orgContent = [...source];
  const content = extractContent(source);
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

  function extractContent(src: string[]): string[] {
    if (!isActive(".py", metadata, cellType === "code")) {
      let body = src.join("\n").trim();
      for (const prefix of ["", "r", "R"]) {
        for (const quote of ['"""', "'''"]) {
          let left = prefix + quote;
          let right = quote;
          if (
            body.startsWith(left) && body.endsWith(right) &&
            body.length >= left.length + right.length
          ) {
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
      }
    }
    if (
      !isActive(".py", metadata) ||
      (!("active" in metadata) && language && language !== defaultLang)
    ) {
      return uncomment(src, comment);
    }
    let out = src;
    if (commentMagics && isActive(".py", metadata)) {
      out = uncommentMagic(out, language ?? defaultLang, true);
    }
    if (cellType === "code") return unescapeCodeStart(out, language ?? defaultLang);
    return uncomment(out, comment);
  }
}
