/**
 * Writes one cell as percent-format text: a port of Jupytext's `DoublePercentCellExporter`
 * (MIT licence).
 *
 * @module
 */
import type { JsonValue } from "../_base/json.ts";
import { cellLanguage, commentMagic, sameLanguage } from "./_magics.ts";
import { IGNORE_CELL_METADATA, isActive, metadataToDoublePercentOptions } from "./_metadata.ts";
import { filterMetadata } from "./_metadata_filter.ts";
import { cellSource, commentLines } from "./_text.ts";
import type { Cell } from "./schema.ts";

/** Jupytext format options read from the notebook's `jupytext` metadata. */
export interface Format {
  cellMetadataFilter: JsonValue | undefined;
  notebookMetadataFilter: JsonValue | undefined;
  cellMetadataJson: boolean;
  commentMagics: boolean;
  cellMarkers: string | undefined;
}

/** One cell written as text (Jupytext's DoublePercentCellExporter). */
export function cellToText(
  cell: Cell,
  defaultLang: string,
  fmt: Format,
  unsupported: Set<string>,
): { text: string[]; linesToNextCell: number | undefined } {
  let source = cellSource(cell.source);
  const unfiltered = cell.metadata;
  const metadata = filterMetadata(
    structuredClone(cell.metadata),
    fmt.cellMetadataFilter,
    IGNORE_CELL_METADATA,
    unsupported,
  );
  const magic = cellLanguage(source);
  if (magic?.magicArgs) metadata.magic_args = magic.magicArgs;
  if (magic) metadata.language = magic.language;
  const language = magic?.language ??
    (typeof cell.metadata.language === "string" ? cell.metadata.language : defaultLang);
  const n = unfiltered.lines_to_next_cell;
  const linesToNextCell = typeof n === "number" && Number.isInteger(n) && n >= 0 ? n : undefined;
  const tags = Array.isArray(metadata.tags) ? metadata.tags : [];
  const activeTag = tags.some((t) => typeof t === "string" && t.startsWith("active-"));
  if (cell.cell_type === "raw" && !("active" in metadata) && !activeTag) metadata.active = "";

  const active = isActive(".py", metadata, sameLanguage(language, defaultLang));
  if (cell.cell_type === "raw" && metadata.active === "") delete metadata.active;
  const isCode = cell.cell_type === "code" || (cell.cell_type === "raw" && "active" in metadata) ||
    activeTag;
  if (!isCode) metadata.cell_type = cell.cell_type;
  const options = metadataToDoublePercentOptions(metadata, fmt.cellMetadataJson);
  let indent = "";
  if (isCode && active && source.length) {
    const firstLine = source[0]!;
    if (firstLine.trim()) indent = /^(\s*)/.exec(firstLine)![1]!;
  }
  const marker = options.startsWith("%") || !options ? `%%${options}` : `%% ${options}`;
  const lines = commentLines([marker], indent + "#");
  if (isCode && active) {
    source = [...source];
    if (fmt.commentMagics) commentMagic(source, language);
    if (source.length === 1 && source[0] === "") return { text: lines, linesToNextCell };
    return { text: [...lines, ...source], linesToNextCell };
  }
  return { text: [...lines, ...markdownToText(source)], linesToNextCell };

  function markdownToText(src: string[]): string[] {
    let markers = typeof unfiltered.cell_marker === "string"
      ? unfiltered.cell_marker
      : fmt.cellMarkers;
    if (markers) {
      let left: string;
      let right: string;
      if (markers.includes(",")) {
        const comma = markers.indexOf(",");
        left = markers.slice(0, comma);
        right = markers.slice(comma + 1);
      } else {
        left = markers + "\n";
        if (markers.startsWith("r") || markers.startsWith("R")) markers = markers.slice(1);
        right = "\n" + markers;
      }
      const quote = right.slice(-3);
      if (
        (left.slice(0, 3) === quote ||
          ((left[0] === "r" || left[0] === "R") && left.slice(1, 4) === quote)) &&
        (quote === '"""' || quote === "'''")
      ) {
        if (left[0] !== "r" && left[0] !== "R" && src.join("\n").includes("\\")) left = "r" + left;
        const out = [...src];
        out[0] = left + out[0];
        out[out.length - 1] = out[out.length - 1] + right;
        return out;
      }
    }
    return commentLines(src, "#");
  }
}
