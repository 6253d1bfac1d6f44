/**
 * Jupytext's percent format for Python scripts (`# %%` cells), read and written in TypeScript
 * with Jupytext's own rules, so that `.py` notebooks written by Jupytext, VS Code or Spyder read
 * as Jupytext reads them, and notebooks written here read back the same in Jupytext.
 *
 * ```python
 * # ---
 * # jupyter:
 * #   kernelspec:
 * #     display_name: Python 3
 * #     language: python
 * #     name: python3
 * # ---
 *
 * # %% [markdown]
 * # # A title
 *
 * # %% tags=["parameters"]
 * n = 10
 *
 * # %%
 * # %matplotlib inline
 * print(n)
 * ```
 *
 * A port of Jupytext's `header.py`, `cell_reader.py` (`DoublePercentScriptCellReader`),
 * `cell_to_text.py` (`DoublePercentCellExporter`) and `jupytext.py` (MIT licence); see
 * `docs/notebook-format.md` for what is supported and how it was checked.
 *
 * @module
 */
import { assignCellIds } from "./ipynb.ts";
import { readCell } from "./_cell_reader.ts";
import { cellToText, type Format } from "./_cell_writer.ts";
import { dumpYaml, readHeader } from "./_header.ts";
import { JUPYTER_LANGUAGES, usualLanguageName } from "./_magics.ts";
import { DEFAULT_NOTEBOOK_METADATA } from "./_metadata.ts";
import { filterMetadata, updateMetadataFilters } from "./_metadata_filter.ts";
import { type Lines, pep8LinesBetweenCells } from "./_pep8.ts";
import {
  commentLines,
  defaultLanguage,
  HEADER,
  isAscii,
  isObject,
  jupytextOf,
  splitLines,
} from "./_text.ts";
import type { Cell, Notebook } from "./schema.ts";
import type { JsonObject } from "../_base/json.ts";

/** Options of {@linkcode parsePercent}. */
export interface ParsePercentOptions {
  /**
   * Where the text came from, for error messages.
   * @default "<text>"
   */
  path?: string;
}

/**
 * Reads a Jupytext percent-format script (`# %%` cells) into a notebook, as Jupytext does:
 * the YAML header's `jupyter:` section becomes the notebook metadata (other header keys a raw
 * cell), `# %% [markdown]` / `[md]` / `[raw]` cells are uncommented, commented magics
 * (`# %matplotlib inline`) become magics again, `# %% language="R"` cells get their `%%R` magic
 * back, and cell options (`tags=["parameters"]`, `key="value"`, JSON) become cell metadata.
 *
 * @param text The script.
 * @param options Where the text came from, for error messages.
 * @returns An nbformat 4.5 notebook without outputs; cells have deterministic ids.
 * @throws {NotebookError} The YAML header is not valid, or names an encoding other than UTF-8.
 *
 * @example Reading a script with a parameters cell
 * ```ts
 * import { parsePercent } from "./percent.ts";
 * const nb = parsePercent('# %% tags=["parameters"]\nn = 1\n\n# %% [markdown]\n# Hello\n');
 * console.assert(nb.cells.length === 2);
 * console.assert(JSON.stringify(nb.cells[0]?.metadata.tags) === '["parameters"]');
 * console.assert(nb.cells[1]?.cell_type === "markdown" && nb.cells[1].source === "Hello");
 * ```
 */
export function parsePercent(text: string, options: ParsePercentOptions = {}): Notebook {
  const path = options.path ?? "<text>";
  const lines = splitLines(text.startsWith("\ufeff") ? text.slice(1) : text);
  const header = readHeader(lines, path);
  const metadata = header.metadata;
  const defaultLang = defaultLanguage(metadata, false);
  const commentMagics = jupytextOf(metadata)?.comment_magics !== false;
  const cells: Cell[] = header.cell ? [header.cell] : [];
  let json = false;
  for (let start = header.next; start < lines.length;) {
    const read = readCell(lines, start, defaultLang, commentMagics);
    cells.push(read.cell);
    json ||= read.json;
    start += read.next > 0 ? read.next : 1;
  }
  setMainAndCellLanguage(metadata, cells);
  const keys = new Set(cells.flatMap((c) => Object.keys(c.metadata)));
  updateMetadataFilters(metadata, header.hadJupyter, keys);
  if (json) {
    const jupytext = (metadata.jupytext ??= {}) as JsonObject;
    if (!("cell_metadata_json" in jupytext)) jupytext.cell_metadata_json = true;
  }
  return assignCellIds({ nbformat: 4, nbformat_minor: 5, metadata, cells });
}

function setMainAndCellLanguage(metadata: JsonObject, cells: Cell[]): void {
  const main = defaultLanguage(metadata, false);
  const kernelspec = isObject(metadata.kernelspec) ? metadata.kernelspec : {};
  if (!("language" in kernelspec) && cells.length) {
    const jupytext = (metadata.jupytext ??= {}) as JsonObject;
    jupytext.main_language = main;
  }
  for (const cell of cells) {
    if (!("language" in cell.metadata)) continue;
    const language = String(cell.metadata.language);
    if (language === main) {
      delete cell.metadata.language;
      continue;
    }
    if (usualLanguageName(language) === main) continue;
    if (JUPYTER_LANGUAGES.has(language)) {
      delete cell.metadata.language;
      if ("magic_args" in cell.metadata) {
        const args = String(cell.metadata.magic_args);
        delete cell.metadata.magic_args;
        cell.source = `%%${language} ${args}\n${cell.source}`;
      } else {
        cell.source = `%%${language}\n${cell.source}`;
      }
    }
  }
}

/** Options of {@linkcode writePercent}. */
export interface WritePercentOptions {
  /**
   * Called with the metadata keys that cannot be written as `key=value` and are left out.
   * @default ignore them
   */
  onUnsupportedKeys?: (keys: string[]) => void;
}

/**
 * Writes a notebook as a Jupytext percent-format script, as `jupytext --to py:percent` does
 * (without inserting Jupytext's own version into the header): a YAML header with the kernelspec
 * (and any `jupytext` settings), one `# %%` cell marker per cell with its title, type and
 * metadata, markdown and raw cells commented, magics commented, blank lines per PEP 8.
 * Outputs and execution counts are not part of the text format.
 *
 * @param nb The notebook.
 * @param options What to do about metadata that cannot be written.
 * @returns The script, ending with a newline.
 *
 * @example Writing a notebook as a script
 * ```ts
 * import { writePercent } from "./percent.ts";
 * const text = writePercent({
 *   nbformat: 4, nbformat_minor: 5, metadata: {},
 *   cells: [
 *     { cell_type: "markdown", metadata: {}, source: "# Title" },
 *     { cell_type: "code", metadata: { tags: ["parameters"] }, source: "n = 1",
 *       outputs: [], execution_count: null },
 *   ],
 * });
 * console.assert(text === '# %% [markdown]\n# # Title\n\n# %% tags=["parameters"]\nn = 1\n');
 * ```
 */
export function writePercent(nb: Notebook, options: WritePercentOptions = {}): string {
  const metadata = structuredClone(nb.metadata);
  const defaultLang = defaultLanguage(metadata, true);
  const jupytext = jupytextOf(metadata) ?? {};
  const fmt: Format = {
    cellMetadataFilter: jupytext.cell_metadata_filter,
    notebookMetadataFilter: jupytext.notebook_metadata_filter,
    cellMetadataJson: jupytext.cell_metadata_json === true,
    commentMagics: jupytext.comment_magics !== false,
    cellMarkers: typeof jupytext.cell_markers === "string" ? jupytext.cell_markers : undefined,
  };
  const unsupported = new Set<string>();

  const header: string[] = [];
  if (typeof jupytext.executable === "string") {
    header.push("#!" + jupytext.executable);
    delete jupytext.executable;
  }
  if (typeof jupytext.encoding === "string") {
    header.push(jupytext.encoding);
    delete jupytext.encoding;
  } else if (
    defaultLang !== "python" && nb.cells.some((c) => !isAscii(c.source))
  ) {
    header.push("# -*- coding: utf-8 -*-");
  }

  let cells = nb.cells;
  let yamlLines: string[] = [];
  let headerLinesToNextCell: number | undefined;
  const firstCell = cells[0];
  if (firstCell?.cell_type === "raw") {
    const lines = splitLines(firstCell.source.replace(/^[\n\t ]+|[\n\t ]+$/g, ""));
    if (lines.length >= 2 && HEADER.test(lines[0]!) && HEADER.test(lines[lines.length - 1]!)) {
      yamlLines = lines.slice(1, -1);
      const n = firstCell.metadata.lines_to_next_cell;
      if (typeof n === "number") headerLinesToNextCell = n;
      cells = cells.slice(1);
    }
  }
  if (
    "jupytext" in metadata && isObject(metadata.jupytext) && !Object.keys(metadata.jupytext).length
  ) {
    delete metadata.jupytext;
  }
  const filtered = filterMetadata(
    metadata,
    fmt.notebookMetadataFilter,
    DEFAULT_NOTEBOOK_METADATA,
    unsupported,
  );
  if (Object.keys(filtered).length) yamlLines.push(...dumpYaml({ jupyter: filtered }));
  const headerContent = yamlLines.length ? commentLines(["---", ...yamlLines, "---"], "#") : [];

  const texts = cells.map((cell) => cellToText(cell, defaultLang, fmt, unsupported));
  // The script is assembled backwards (PEP 8 spacing depends on what follows), in reverse order
  // so that each cell is copied once.
  const reversed: string[] = [];
  const following: Lines = {
    get length() {
      return reversed.length;
    },
    at: (k) => (k < 0 ? undefined : reversed[reversed.length - 1 - k]),
  };
  for (let i = texts.length - 1; i >= 0; i--) {
    const { text, linesToNextCell } = texts[i]!;
    const n = linesToNextCell ?? pep8LinesBetweenCells(text, following);
    for (let k = 0; k < n; k++) reversed.push("");
    for (let k = text.length - 1; k >= 0; k--) reversed.push(text[k]!);
  }
  const lines = reversed.reverse();
  const n = headerLinesToNextCell ?? pep8LinesBetweenCells(headerContent, lines);
  header.push(...headerContent, ...Array<string>(n).fill(""));
  if (unsupported.size) options.onUnsupportedKeys?.([...unsupported].sort());
  const out = [...header, ...lines].join("\n");
  return out.endsWith("\n") ? out : out + "\n";
}
