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
import { isMap, LineCounter, parseDocument, stringifyYaml } from "../../deps.ts";
import type { JsonValue } from "../plan/types.ts";
import { NotebookError } from "./errors.ts";
import { assignCellIds } from "./ipynb.ts";
import {
  cellLanguage,
  commentMagic,
  JUPYTER_LANGUAGES,
  sameLanguage,
  StringParser,
  uncommentMagic,
  unescapeCodeStart,
  usualLanguageName,
} from "./_magics.ts";
import {
  DEFAULT_NOTEBOOK_METADATA,
  filterMetadata,
  IGNORE_CELL_METADATA,
  isActive,
  isJsonMetadata,
  metadataToDoublePercentOptions,
  textToMetadata,
  updateMetadataFilters,
} from "./_metadata.ts";
import { type Lines, linesFrom, pep8LinesBetweenCells } from "./_pep8.ts";
import type { Cell, JsonObject, Notebook } from "./schema.ts";

/** Options of {@linkcode parsePercent}. */
export interface ParsePercentOptions {
  /**
   * Where the text came from, for error messages.
   * @default "<text>"
   */
  path?: string;
}

const START = /^\s*#\s*%%(%*)\s(.*)$/;
const ALT_START = /^\s*#\s*(%%|<codecell>|In\[[0-9 ]*\]:?)\s*$/;
const BLANK = /^\s*$/;
const HEADER = /^---\s*$/;
const JUPYTER = /^jupyter\s*:\s*$/;
const LEFT_SPACE = /^\s/;
const ENCODING = /^[ \t\f]*#.*?coding[:=][ \t]*([-_.a-zA-Z0-9]+)/;

/** The lines of a text, like Python's `str.splitlines()` for `\n`, `\r\n` and `\r`. */
function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split(/\r\n|\r|\n/);
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** `source.splitlines()`, plus an empty last line when the source ends with a newline. */
function cellSource(source: string): string[] {
  if (source === "") return [""];
  const lines = splitLines(source);
  return /[\r\n]$/.test(source) ? [...lines, ""] : lines;
}

/** Removes a `# ` (or `#`) prefix from each line that has one. */
function uncomment(lines: string[], prefix = "#"): string[] {
  if (!prefix) return lines;
  return lines.map((line) =>
    line.startsWith(prefix + " ")
      ? line.slice(prefix.length + 1)
      : line.startsWith(prefix)
      ? line.slice(prefix.length)
      : line
  );
}

/** Whether a string is pure ASCII. */
function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

function commentLines(lines: string[], prefix: string): string[] {
  return lines.map((line) => (line ? `${prefix} ${line}` : prefix));
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function jupytextOf(metadata: JsonObject): JsonObject | undefined {
  return isObject(metadata.jupytext) ? metadata.jupytext : undefined;
}

function defaultLanguage(metadata: JsonObject, popMainLanguage: boolean): string {
  const jupytext = jupytextOf(metadata);
  const mainLanguage = typeof jupytext?.main_language === "string"
    ? jupytext.main_language
    : undefined;
  const kernelspec = isObject(metadata.kernelspec) ? metadata.kernelspec : {};
  const kernelLanguage = typeof kernelspec.language === "string" && kernelspec.language
    ? kernelspec.language
    : "python";
  const language = mainLanguage ?? kernelLanguage;
  if (mainLanguage !== undefined && mainLanguage === kernelLanguage && popMainLanguage) {
    delete jupytext!.main_language;
  }
  if (language === "R" || language === "sas") return language;
  if (language.startsWith("C++")) return "c++";
  return language.toLowerCase().replaceAll("#", "sharp");
}

function recursiveUpdate(target: JsonObject, update: JsonObject): JsonObject {
  for (const [key, value] of Object.entries(update)) {
    if (value === null) delete target[key];
    else if (isObject(value)) {
      target[key] = recursiveUpdate(isObject(target[key]) ? target[key] : {}, value);
    } else target[key] = value;
  }
  return target;
}

interface Header {
  metadata: JsonObject;
  hadJupyter: boolean;
  cell: Cell | undefined;
  next: number;
}

function readHeader(lines: string[], path: string): Header {
  const header: string[] = [];
  const jupyter: string[] = [];
  let inJupyter = false;
  let start = 0;
  let started = false;
  let ended = false;
  let metadata: JsonObject = {};
  const extra = (): JsonObject => (metadata.jupytext ??= {}) as JsonObject;
  let i = -1;
  let jupyterFirstLine = 0;
  for (i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (i === 0 && line.startsWith("#!")) {
      extra().executable = line.slice(2);
      start = i + 1;
      continue;
    }
    if (i === 0 || (i === 1 && !ENCODING.test(lines[0]!))) {
      const encoding = ENCODING.exec(line);
      if (encoding) {
        if (encoding[1] !== "utf-8") {
          throw new NotebookError(
            path,
            `line ${i + 1}: encoding ${JSON.stringify(encoding[1])} is not supported; ` +
              "save the file as UTF-8",
          );
        }
        extra().encoding = line;
        start = i + 1;
        continue;
      }
    }
    if (!line.startsWith("#")) break;
    line = uncomment([line])[0]!;
    if (HEADER.test(line)) {
      if (!started) {
        started = true;
        continue;
      }
      ended = true;
      break;
    }
    if (!started && line.trim()) break;
    if (JUPYTER.test(line)) {
      inJupyter = true;
      if (!jupyter.length) jupyterFirstLine = i;
    } else if (line && !LEFT_SPACE.test(line)) inJupyter = false;
    if (inJupyter) jupyter.push(line);
    else header.push(line);
  }
  if (!ended) return { metadata, hadJupyter: false, cell: undefined, next: start };

  if (jupyter.length) {
    const extraMetadata = metadata;
    metadata = parseJupyterYaml(jupyter.join("\n"), path, jupyterFirstLine);
    recursiveUpdate(metadata, extraMetadata);
  }
  let linesToNextCell = 1;
  if (lines.length > i + 1) {
    const next = uncomment([lines[i + 1]!])[0]!;
    if (!BLANK.test(next)) linesToNextCell = 0;
    else i = i + 1;
  } else {
    linesToNextCell = 0;
  }
  let cell: Cell | undefined;
  if (header.length) {
    const expected = pep8LinesBetweenCells(["---"], linesFrom(lines, i + 1));
    cell = {
      cell_type: "raw",
      metadata: linesToNextCell === expected ? {} : { lines_to_next_cell: linesToNextCell },
      source: ["---", ...header, "---"].join("\n"),
    };
  }
  return { metadata, hadJupyter: jupyter.length > 0, cell, next: i + 1 };
}

function parseJupyterYaml(text: string, path: string, firstLine: number): JsonObject {
  const lineCounter = new LineCounter();
  const doc = withEnvProbesUnset(() =>
    parseDocument(text, { version: "1.1", lineCounter, prettyErrors: false })
  );
  const error = doc.errors[0];
  if (error) {
    const line = lineCounter.linePos(error.pos[0]).line + firstLine;
    throw new NotebookError(
      path,
      `line ${line}: the 'jupyter:' section of the YAML header is not valid YAML: ` +
        error.message.split("\n")[0],
      { cause: error },
    );
  }
  if (!isMap(doc.contents)) return {};
  const value =
    withEnvProbesUnset(() => doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown>).jupyter;
  if (value === null || value === undefined) return {};
  if (!isObject(value)) {
    throw new NotebookError(path, `line ${firstLine + 1}: 'jupyter:' must be a mapping`);
  }
  return JSON.parse(JSON.stringify(value)) as JsonObject;
}

/**
 * Runs `fn` so that the `yaml` package's debug probes of `LOG_TOKENS` and `LOG_STREAM` read as
 * unset when env access is not granted, instead of throwing: `convert` needs only
 * `--allow-read` and `--allow-write`.
 */
function withEnvProbesUnset<T>(fn: () => T): T {
  const granted = ["LOG_TOKENS", "LOG_STREAM"].every((variable) =>
    Deno.permissions.querySync({ name: "env", variable }).state === "granted"
  );
  if (granted) return fn();
  const env = Deno.env as { get(key: string): string | undefined };
  const original = env.get;
  env.get = (key: string) => {
    try {
      return original.call(Deno.env, key);
    } catch (err) {
      if (err instanceof Deno.errors.NotCapable) return undefined;
      throw err;
    }
  };
  try {
    return fn();
  } finally {
    env.get = original;
  }
}

interface ReadCell {
  cell: Cell;
  next: number;
  json: boolean;
}

/** Reads the cell at the start of `lines` (Jupytext's DoublePercentScriptCellReader). */
function readCell(
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

interface Format {
  cellMetadataFilter: JsonValue | undefined;
  notebookMetadataFilter: JsonValue | undefined;
  cellMetadataJson: boolean;
  commentMagics: boolean;
  cellMarkers: string | undefined;
}

/** One cell written as text (Jupytext's DoublePercentCellExporter). */
function cellToText(
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

/** `yaml.safe_dump(value, default_flow_style=False)` as Jupytext writes headers. */
function dumpYaml(value: JsonObject): string[] {
  const text = stringifyYaml(value, {
    version: "1.1",
    sortMapEntries: true,
    indentSeq: false,
    singleQuote: true,
    lineWidth: 0,
    nullStr: "null",
  });
  return splitLines(text);
}
