/**
 * Jupytext's percent format for TypeScript notebooks (Deno's kernel): a `.ts` file whose cells
 * start at `// %%` lines (`// %% [markdown]`, `// %% tags=["parameters"]`), markdown lines
 * commented with `// `, and an optional `// ---` YAML header holding the notebook's `jupyter:`
 * metadata (its kernelspec). One blank line separates cells; another count is kept in the cell's
 * `lines_to_next_cell`. A code line that would read as a cell marker is escaped with one more
 * `// `. Reading a script and writing it back gives the same bytes.
 *
 * @module
 */
import type { JsonObject } from "../_base/json.ts";
import { dumpYaml, parseJupyterYaml } from "./_header.ts";
import {
  IGNORE_CELL_METADATA,
  metadataToDoublePercentOptions,
  textToMetadata,
} from "./_metadata.ts";
import { commentLines, isObject, splitLines } from "./_text.ts";
import { assignCellIds } from "./ipynb.ts";
import type { Cell, Notebook } from "./schema.ts";

/** A cell marker: `// %%`, then its options after a space. */
const MARKER = /^\/\/\s*%%(?:\s(.*))?$/;
/** A code line a reader would take for a marker, with the escapes already added. */
const ESCAPED = /^(\/\/ )*\/\/\s*%%(\s|$)/;
const HEADER_LINE = "// ---";
/** The language Jupytext records for a script without a kernelspec. */
const MAIN_LANGUAGE = "typescript";

/**
 * The kernelspec of Deno's Jupyter kernel, as `deno jupyter --install` writes it.
 *
 * @example
 * ```ts
 * import { DENO_KERNELSPEC } from "./percent_ts.ts";
 * console.assert(DENO_KERNELSPEC.name === "deno" && DENO_KERNELSPEC.language === "typescript");
 * ```
 */
export const DENO_KERNELSPEC = {
  display_name: "Deno",
  language: "typescript",
  name: "deno",
} as const;

/**
 * Reads a TypeScript percent-format script.
 *
 * @param text The script.
 * @param options `path`, for error messages.
 * @returns The notebook (nbformat 4.5, cell ids assigned).
 * @throws {NotebookError} The YAML header is not valid.
 *
 * @example
 * ```ts
 * import { parsePercentTs } from "./percent_ts.ts";
 * const nb = parsePercentTs('// %% tags=["parameters"]\nconst n = 1;\n\n// %% [markdown]\n// # Hi\n');
 * console.assert(nb.cells[0]?.source === "const n = 1;" && nb.cells[1]?.source === "# Hi");
 * ```
 */
export function parsePercentTs(text: string, options: { path?: string } = {}): Notebook {
  const path = options.path ?? "<text>";
  const lines = splitLines(text.startsWith("\ufeff") ? text.slice(1) : text);
  let metadata: JsonObject = {};
  let start = 0;
  if (lines[0] === HEADER_LINE) {
    const end = lines.indexOf(HEADER_LINE, 1);
    if (end > 0) {
      const yaml = lines.slice(1, end).map((l) => l.replace(/^\/\/ ?/, "")).join("\n");
      metadata = parseJupyterYaml(yaml, path, 1);
      start = end + 1;
      if (lines[start] !== undefined && lines[start]!.trim() === "") start++;
    }
  }
  const cells: Cell[] = [];
  let i = start;
  while (i < lines.length) {
    const marker = MARKER.exec(lines[i]!);
    const first = marker ? i + 1 : i;
    let next = first;
    while (next < lines.length && !MARKER.test(lines[next]!)) next++;
    const body = lines.slice(first, next);
    if (marker || body.some((l) => l.trim())) {
      cells.push(readCell(marker?.[1] ?? "", body, next === lines.length));
    }
    i = next;
  }
  const kernelspec = isObject(metadata.kernelspec) ? metadata.kernelspec : undefined;
  if (kernelspec?.language === undefined && cells.length > 0) {
    const jupytext = (metadata.jupytext ??= {}) as JsonObject;
    jupytext.main_language ??= MAIN_LANGUAGE;
  }
  return assignCellIds({ nbformat: 4, nbformat_minor: 5, metadata, cells });
}

function readCell(options: string, body: string[], last: boolean): Cell {
  const { title, metadata } = textToMetadata(options, true);
  let cellType: Cell["cell_type"] = "code";
  let name = title;
  for (const type of ["markdown", "raw"] as const) {
    if (name.includes(`[${type}]`)) {
      cellType = type;
      name = name.replaceAll(`[${type}]`, "").trim();
    }
  }
  if (name) metadata.title = name;
  let blanks = 0;
  while (blanks < body.length && body[body.length - 1 - blanks]!.trim() === "") blanks++;
  const expected = last ? 0 : 1;
  if (blanks !== expected) metadata.lines_to_next_cell = blanks;
  const lines = body.slice(0, body.length - blanks);
  if (cellType === "code") {
    const source = lines.map((l) => ESCAPED.test(l) && l.startsWith("// ") ? l.slice(3) : l);
    return {
      cell_type: "code",
      metadata,
      source: source.join("\n"),
      outputs: [],
      execution_count: null,
    };
  }
  const source = lines.map((l) => l.startsWith("// ") ? l.slice(3) : l.replace(/^\/\//, ""));
  return { cell_type: cellType, metadata, source: source.join("\n") };
}

/**
 * Writes a notebook as a TypeScript percent-format script; outputs and cell ids are left out,
 * and of the notebook's metadata only its kernelspec and jupytext sections are kept.
 *
 * @param nb The notebook.
 * @returns The script.
 *
 * @example
 * ```ts
 * import { parsePercentTs, writePercentTs } from "./percent_ts.ts";
 * const text = '// %% tags=["parameters"]\nlet n = 1;\n\n// %%\nconsole.log(n);\n';
 * console.assert(writePercentTs(parsePercentTs(text)) === text);
 * ```
 */
export function writePercentTs(nb: Notebook): string {
  const out: string[] = [];
  const header = headerMetadata(nb.metadata);
  if (Object.keys(header).length > 0) {
    out.push(...commentLines(["---", ...dumpYaml({ jupyter: header }), "---"], "//"), "");
  }
  nb.cells.forEach((cell, index) => {
    const metadata: JsonObject = {};
    for (const [key, value] of Object.entries(cell.metadata)) {
      if (!IGNORE_CELL_METADATA.includes(key) && key !== "lines_to_next_cell") {
        metadata[key] = value;
      }
    }
    if (cell.cell_type !== "code") metadata.cell_type = cell.cell_type;
    const options = metadataToDoublePercentOptions(metadata, false);
    out.push(options ? `// %% ${options}` : "// %%");
    const source = splitLines(cell.source);
    out.push(
      ...(cell.cell_type === "code"
        ? source.map((l) => ESCAPED.test(l) ? `// ${l}` : l)
        : commentLines(source, "//")),
    );
    const n = cell.metadata.lines_to_next_cell;
    const blanks = typeof n === "number" ? n : index === nb.cells.length - 1 ? 0 : 1;
    for (let b = 0; b < blanks; b++) out.push("");
  });
  return out.length > 0 ? out.join("\n") + "\n" : "";
}

/** The kernelspec and jupytext sections, without what reading a script adds back itself. */
function headerMetadata(metadata: JsonObject): JsonObject {
  const header: JsonObject = {};
  if (isObject(metadata.kernelspec)) header.kernelspec = metadata.kernelspec;
  if (isObject(metadata.jupytext)) {
    const jupytext = { ...metadata.jupytext };
    if (jupytext.main_language === MAIN_LANGUAGE) delete jupytext.main_language;
    if (Object.keys(jupytext).length > 0) header.jupytext = jupytext;
  }
  return header;
}

/**
 * Whether a notebook is a TypeScript one (Deno's kernel): its kernelspec names `deno` or the
 * language `typescript`, or (a script without a header) Jupytext's main language is TypeScript.
 *
 * @param nb The notebook.
 * @returns `true` for a TypeScript notebook.
 *
 * @example
 * ```ts
 * import { isTypeScriptNotebook, parsePercentTs } from "./percent_ts.ts";
 * console.assert(isTypeScriptNotebook(parsePercentTs("// %%\n1\n")));
 * ```
 */
export function isTypeScriptNotebook(nb: Notebook): boolean {
  const spec = isObject(nb.metadata.kernelspec) ? nb.metadata.kernelspec : {};
  const jupytext = isObject(nb.metadata.jupytext) ? nb.metadata.jupytext : {};
  const info = isObject(nb.metadata.language_info) ? nb.metadata.language_info : {};
  return spec.name === "deno" || spec.language === "typescript" ||
    (spec.language === undefined &&
      (jupytext.main_language === MAIN_LANGUAGE || info.name === "typescript"));
}
