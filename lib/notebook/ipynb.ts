/**
 * `.ipynb` text in and out: {@linkcode parseIpynb} validates a notebook file's JSON against
 * nbformat 4, {@linkcode serializeIpynb} writes it byte for byte as nbformat's own writer does
 * (`json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False)` after splitting multi-line
 * strings into lines, plus a final newline).
 *
 * @module
 */
import type { JsonValue } from "../_base/json.ts";
import { NotebookError } from "./errors.ts";
import { isJsonMime, type Notebook, NotebookSchema } from "./schema.ts";
import { dumpJson, jsonErrorWhere } from "./_python_json.ts";
import { fnv1a } from "../_base/hash.ts";

export { pyFloatRepr } from "./_python_json.ts";

/** Options of {@linkcode parseIpynb}. */
export interface ParseIpynbOptions {
  /**
   * Where the text came from, for error messages.
   * @default "<text>"
   */
  path?: string;
}

/**
 * Parses and validates the text of an `.ipynb` file (nbformat 4).
 *
 * Multi-line strings are joined into one string; cells of an nbformat 4.5+ notebook that lack an
 * `id` get a deterministic one.
 *
 * @param text The file's content.
 * @param options Where the text came from.
 * @returns The validated notebook.
 * @throws {NotebookError} The text is not JSON, not nbformat 4, or breaks the schema; the
 * message names the place, e.g. `cells[3].source`.
 *
 * @example Parsing a small notebook
 * ```ts
 * import { parseIpynb } from "./ipynb.ts";
 * const nb = parseIpynb(JSON.stringify({
 *   nbformat: 4, nbformat_minor: 5, metadata: {},
 *   cells: [{ cell_type: "code", id: "a", metadata: {}, source: ["x = 1\n", "x"], outputs: [],
 *     execution_count: null }],
 * }));
 * console.assert(nb.cells[0]?.source === "x = 1\nx");
 * ```
 */
export function parseIpynb(text: string, options: ParseIpynbOptions = {}): Notebook {
  const path = options.path ?? "<text>";
  let raw: unknown;
  const body = text.startsWith("\ufeff") ? text.slice(1) : text;
  try {
    raw = parsePythonJson(body);
  } catch (err) {
    if (err instanceof RangeError) {
      throw new NotebookError(path, "the JSON is nested too deeply to be a notebook", {
        cause: err,
      });
    }
    throw new NotebookError(path, `not valid JSON: ${jsonErrorWhere(err, text)}`, { cause: err });
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new NotebookError(path, "expected a JSON object with 'cells' and 'metadata'");
  }
  const version = (raw as Record<string, unknown>).nbformat;
  if (typeof version === "number" && version !== 4) {
    throw new NotebookError(
      path,
      `nbformat ${version} is not supported; convert it to nbformat 4 with ` +
        `'jupyter nbconvert --to notebook --nbformat 4 ${path}'`,
    );
  }
  let parsed: ReturnType<typeof NotebookSchema.safeParse>;
  try {
    parsed = NotebookSchema.safeParse(raw);
  } catch (err) {
    // Validation recurses into metadata and outputs; absurd nesting overflows the stack.
    if (err instanceof RangeError) {
      throw new NotebookError(path, "the JSON is nested too deeply to be a notebook", {
        cause: err,
      });
    }
    throw err;
  }
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 3).map((i) =>
      `${formatPath(i.path)}: ${i.message}`
    );
    const more = parsed.error.issues.length > 3
      ? ` (and ${parsed.error.issues.length - 3} more problems)`
      : "";
    throw new NotebookError(path, issues.join("; ") + more);
  }
  const nb = parsed.data;
  if (nb.nbformat_minor >= 5) {
    const seen = new Map<string, number>();
    nb.cells.forEach((cell, i) => {
      if (cell.id === undefined) return;
      const first = seen.get(cell.id);
      if (first !== undefined) {
        throw new NotebookError(
          path,
          `cells[${i}].id: ${JSON.stringify(cell.id)} is already the id of cells[${first}]; ` +
            "cell ids must be unique",
        );
      }
      seen.set(cell.id, i);
    });
    assignCellIds(nb);
  }
  return nb;
}

// A JSON string, or one of the tokens Python's json module writes for non-finite floats.
const STRING_OR_NON_FINITE = /"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g;

/**
 * `JSON.parse`, also accepting the `NaN`, `Infinity` and `-Infinity` that Python's json module
 * (and so nbformat) writes for non-finite floats, e.g. in papermill's parameter metadata. They
 * become `null`, as JSON has no such numbers.
 */
function parsePythonJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    if (!/NaN|Infinity/.test(text)) throw err;
    const replaced = text.replace(STRING_OR_NON_FINITE, (m) => (m.startsWith('"') ? m : "null"));
    try {
      return JSON.parse(replaced);
    } catch {
      throw err;
    }
  }
}

/**
 * Gives every cell without an `id` a deterministic one derived from its type, source and place,
 * unique within the notebook. Ids are only valid from nbformat 4.5 on, so this also raises
 * `nbformat_minor` to 5.
 *
 * @param nb The notebook, changed in place.
 * @returns The same notebook.
 *
 * @example Ids for new cells
 * ```ts
 * import { assignCellIds } from "./ipynb.ts";
 * const nb = assignCellIds({ nbformat: 4, nbformat_minor: 4, metadata: {},
 *   cells: [{ cell_type: "markdown", metadata: {}, source: "# Title" }] });
 * console.assert(/^[0-9a-f]{8}$/.test(nb.cells[0]?.id ?? ""));
 * console.assert(nb.nbformat_minor === 5);
 * ```
 */
export function assignCellIds(nb: Notebook): Notebook {
  if (nb.nbformat_minor < 5) nb.nbformat_minor = 5;
  const used = new Set(nb.cells.flatMap((c) => (c.id === undefined ? [] : [c.id])));
  nb.cells.forEach((cell, i) => {
    if (cell.id !== undefined) return;
    cell.id = uniqueId(fnv1a(`${i}\0${cell.cell_type}\0${cell.source}`), used);
  });
  return nb;
}

/**
 * A fresh cell id: `base` if unused, else `base-2`, `base-3`, ...
 *
 * @param base The preferred id.
 * @param used Ids already taken; the new id is added to it.
 * @returns The new id.
 *
 * @example Avoiding a taken id
 * ```ts
 * import { uniqueId } from "./ipynb.ts";
 * console.assert(uniqueId("a", new Set(["a"])) === "a-2");
 * ```
 */
export function uniqueId(base: string, used: Set<string>): string {
  let id = base;
  for (let n = 2; used.has(id); n++) id = `${base}-${n}`;
  used.add(id);
  return id;
}

/**
 * Serializes a notebook exactly as nbformat's `nbformat.write` does: multi-line strings split
 * into lists of lines, keys sorted, one-space indent, non-ASCII characters kept, a final
 * newline. Transient keys (`metadata.orig_nbformat`, `metadata.signature`, cells'
 * `metadata.trusted`) are dropped as nbformat drops them.
 *
 * @param nb The notebook.
 * @returns The `.ipynb` text.
 *
 * @example Writing a notebook
 * ```ts
 * import { serializeIpynb } from "./ipynb.ts";
 * const text = serializeIpynb({ nbformat: 4, nbformat_minor: 5, metadata: {},
 *   cells: [{ cell_type: "markdown", id: "m", metadata: {}, source: "a\nb" }] });
 * console.assert(text.includes('"source": [\n    "a\\n",\n    "b"\n   ]'));
 * console.assert(text.endsWith("}\n"));
 * ```
 */
export function serializeIpynb(nb: Notebook): string {
  const metadata: Record<string, JsonValue> = { ...nb.metadata };
  delete metadata.orig_nbformat;
  delete metadata.orig_nbformat_minor;
  delete metadata.signature;
  const cells = nb.cells.map((cell) => {
    const out: Record<string, unknown> = { ...cell };
    const cellMetadata: Record<string, JsonValue> = { ...cell.metadata };
    delete cellMetadata.trusted;
    out.metadata = cellMetadata;
    out.source = splitLinesKeepEnds(cell.source);
    if (cell.cell_type !== "code" && cell.attachments !== undefined) {
      out.attachments = Object.fromEntries(
        Object.entries(cell.attachments).map(([name, bundle]) => [name, splitBundle(bundle)]),
      );
    }
    if (cell.cell_type === "code") {
      out.outputs = cell.outputs.map((o) => {
        if (o.output_type === "stream") return { ...o, text: splitLinesKeepEnds(o.text) };
        if (o.output_type === "display_data" || o.output_type === "execute_result") {
          return { ...o, data: splitBundle(o.data) };
        }
        return o;
      });
    }
    return out;
  });
  return dumpJson({ ...nb, metadata, cells }, "") + "\n";
}

const NON_TEXT_SPLIT_MIMES = new Set(["application/javascript", "image/svg+xml"]);

function splitBundle(data: Record<string, JsonValue>): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const [mime, value] of Object.entries(data)) {
    out[mime] = typeof value === "string" && !isJsonMime(mime) &&
        (mime.startsWith("text/") || NON_TEXT_SPLIT_MIMES.has(mime))
      ? splitLinesKeepEnds(value)
      : value;
  }
  return out;
}

// Python's str.splitlines() line boundaries.
// deno-lint-ignore no-control-regex -- Python's line breaks include control characters.
const PY_LINE_BREAK = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/g;

/**
 * Splits a string into lines, keeping the line ends, exactly like Python's
 * `str.splitlines(True)` (which nbformat uses), including its less common line breaks.
 *
 * @param text The string.
 * @returns The lines; `[]` for an empty string.
 *
 * @example Splitting a source
 * ```ts
 * import { splitLinesKeepEnds } from "./ipynb.ts";
 * console.assert(JSON.stringify(splitLinesKeepEnds("a\r\nb\n")) === '["a\\r\\n","b\\n"]');
 * ```
 */
export function splitLinesKeepEnds(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  for (const m of text.matchAll(PY_LINE_BREAK)) {
    const end = m.index + m[0].length;
    lines.push(text.slice(start, end));
    start = end;
  }
  if (start < text.length) lines.push(text.slice(start));
  return lines;
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(String(key))) out += (out ? "." : "") + String(key);
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out || "(top level)";
}
