/**
 * The nbformat 4 notebook schema: what `.ipynb` files hold, validated once when read.
 *
 * Multi-line strings, stored in files either as one string or as a list of lines, are joined into
 * one string on the way in (as nbformat's reader does) and split again by `serializeIpynb`
 * (`ipynb.ts`). Unknown keys are preserved everywhere, so a notebook read and written back loses
 * nothing.
 *
 * @module
 */
import { z } from "../../deps.ts";
import { type JsonObject, type JsonValue, JsonValueSchema } from "../_base/json.ts";

const JsonObjectSchema: z.ZodType<JsonObject> = z.record(z.string(), JsonValueSchema, {
  error: "expected an object",
});

/**
 * Whether a mime type holds JSON rather than text (nbformat's `_is_json_mime`).
 *
 * @param mime A mime type such as `text/plain` or `application/vnd.plotly.v1+json`.
 * @returns `true` for `application/json` and `application/*+json`.
 *
 * @example JSON and text mime types
 * ```ts
 * import { isJsonMime } from "./schema.ts";
 * console.assert(isJsonMime("application/vnd.plotly.v1+json"));
 * console.assert(!isJsonMime("text/html"));
 * ```
 */
export function isJsonMime(mime: string): boolean {
  return mime === "application/json" ||
    (mime.startsWith("application/") && mime.endsWith("+json"));
}

/** A string stored as one string or as a list of lines; read as one string. */
const MultilineSchema = z
  .union([z.string(), z.array(z.string())], { error: "expected a string or a list of strings" })
  .transform((v) => (typeof v === "string" ? v : v.join("")));

/** A mime bundle: text types joined into one string, JSON types kept as they are. */
const MimeBundleSchema = z
  .record(z.string(), JsonValueSchema, { error: "expected an object of mime type to content" })
  .transform((data) => {
    const out: JsonObject = {};
    for (const [mime, value] of Object.entries(data)) {
      out[mime] = !isJsonMime(mime) && Array.isArray(value) &&
          value.every((l) => typeof l === "string")
        ? value.join("")
        : value;
    }
    return out;
  });

const StreamOutputSchema = z.looseObject({
  output_type: z.literal("stream"),
  name: z.string({ error: "expected a stream name such as 'stdout'" }),
  text: MultilineSchema,
});
const DisplayDataSchema = z.looseObject({
  output_type: z.literal("display_data"),
  data: MimeBundleSchema,
  metadata: JsonObjectSchema.default({}),
});
const ExecuteResultSchema = z.looseObject({
  output_type: z.literal("execute_result"),
  execution_count: z.int({ error: "expected an integer or null" }).nullable(),
  data: MimeBundleSchema,
  metadata: JsonObjectSchema.default({}),
});
const ErrorOutputSchema = z.looseObject({
  output_type: z.literal("error"),
  ename: z.string({ error: "expected the exception name" }),
  evalue: z.string({ error: "expected the exception value" }),
  traceback: z.array(z.string(), { error: "expected a list of strings" }),
});

/**
 * One output of a code cell: `stream`, `display_data`, `execute_result` or `error`.
 *
 * @example A stream output stored as lines
 * ```ts
 * import { OutputSchema } from "./schema.ts";
 * const out = OutputSchema.parse({ output_type: "stream", name: "stdout", text: ["a\n", "b"] });
 * console.assert(out.output_type === "stream" && out.text === "a\nb");
 * ```
 */
export const OutputSchema: z.ZodType<Output> = z.discriminatedUnion(
  "output_type",
  [StreamOutputSchema, DisplayDataSchema, ExecuteResultSchema, ErrorOutputSchema],
  { error: "expected output_type 'stream', 'display_data', 'execute_result' or 'error'" },
);

/** Cell ids as nbformat 4.5 defines them. */
const CellIdSchema = z.string().regex(/^[a-zA-Z0-9-_]{1,64}$/, {
  error: "expected 1 to 64 letters, digits, '-' or '_'",
});

const AttachmentsSchema = z.record(z.string(), MimeBundleSchema).optional();

const CodeCellSchema = z.looseObject({
  cell_type: z.literal("code"),
  id: CellIdSchema.optional(),
  metadata: JsonObjectSchema.default({}),
  source: MultilineSchema,
  outputs: z.array(OutputSchema, { error: "expected a list of outputs" }).default([]),
  execution_count: z.int({ error: "expected an integer or null" }).nullable().default(null),
});
const MarkdownCellSchema = z.looseObject({
  cell_type: z.literal("markdown"),
  id: CellIdSchema.optional(),
  metadata: JsonObjectSchema.default({}),
  source: MultilineSchema,
  attachments: AttachmentsSchema,
});
const RawCellSchema = z.looseObject({
  cell_type: z.literal("raw"),
  id: CellIdSchema.optional(),
  metadata: JsonObjectSchema.default({}),
  source: MultilineSchema,
  attachments: AttachmentsSchema,
});

/**
 * One cell: `code`, `markdown` or `raw`.
 *
 * @example A code cell without outputs gets the defaults
 * ```ts
 * import { CellSchema } from "./schema.ts";
 * const cell = CellSchema.parse({ cell_type: "code", source: "x = 1" });
 * console.assert(cell.cell_type === "code" && cell.outputs.length === 0);
 * ```
 */
export const CellSchema: z.ZodType<Cell> = z.discriminatedUnion(
  "cell_type",
  [CodeCellSchema, MarkdownCellSchema, RawCellSchema],
  { error: "expected cell_type 'code', 'markdown' or 'raw'" },
);

/**
 * A notebook in nbformat 4 (any minor version).
 *
 * @example Rejecting nbformat 3
 * ```ts
 * import { NotebookSchema } from "./schema.ts";
 * console.assert(!NotebookSchema.safeParse({ nbformat: 3, nbformat_minor: 0, cells: [] }).success);
 * ```
 */
export const NotebookSchema: z.ZodType<Notebook> = z.looseObject({
  nbformat: z.literal(4, { error: "expected 4 (only nbformat 4 notebooks are supported)" }),
  nbformat_minor: z.int({ error: "expected an integer" }).nonnegative(),
  metadata: JsonObjectSchema.default({}),
  cells: z.array(CellSchema, { error: "expected a list of cells" }),
});

/** A mime bundle: mime type to content (text joined into one string, JSON as it is). */
export type MimeBundle = { [mime: string]: JsonValue };

/** Text a kernel printed on `stdout` or `stderr`. */
export interface StreamOutput {
  /** Kind of output. */
  output_type: "stream";
  /** `stdout` or `stderr`. */
  name: string;
  /** The text, joined into one string. */
  text: string;
  /** Other keys, kept as they are. */
  [key: string]: unknown;
}
/** A rich display (`display(...)`, plots). */
export interface DisplayDataOutput {
  /** Kind of output. */
  output_type: "display_data";
  /** The content by mime type. */
  data: MimeBundle;
  /** Per-mime-type metadata. */
  metadata: JsonObject;
  /** Other keys (such as `transient`), kept as they are. */
  [key: string]: unknown;
}
/** The value of a cell's last expression. */
export interface ExecuteResultOutput {
  /** Kind of output. */
  output_type: "execute_result";
  /** The execution count of the cell. */
  execution_count: number | null;
  /** The content by mime type. */
  data: MimeBundle;
  /** Per-mime-type metadata. */
  metadata: JsonObject;
  /** Other keys, kept as they are. */
  [key: string]: unknown;
}
/** An exception raised by a cell. */
export interface ErrorOutput {
  /** Kind of output. */
  output_type: "error";
  /** Exception class name. */
  ename: string;
  /** Exception message. */
  evalue: string;
  /** Traceback lines (with ANSI colours). */
  traceback: string[];
  /** Other keys, kept as they are. */
  [key: string]: unknown;
}
/** One output of a code cell. */
export type Output = StreamOutput | DisplayDataOutput | ExecuteResultOutput | ErrorOutput;

/** A code cell. */
export interface CodeCell {
  /** Kind of cell. */
  cell_type: "code";
  /** Cell id (nbformat 4.5 and later). */
  id?: string | undefined;
  /** Cell metadata (`tags`, ...). */
  metadata: JsonObject;
  /** Source, joined into one string. */
  source: string;
  /** Outputs of the last execution. */
  outputs: Output[];
  /** Execution count of the last execution. */
  execution_count: number | null;
  /** Other keys, kept as they are. */
  [key: string]: unknown;
}
/** A markdown cell. */
export interface MarkdownCell {
  /** Kind of cell. */
  cell_type: "markdown";
  /** Cell id (nbformat 4.5 and later). */
  id?: string | undefined;
  /** Cell metadata. */
  metadata: JsonObject;
  /** Markdown source, joined into one string. */
  source: string;
  /** Attached files by name. */
  attachments?: Record<string, MimeBundle> | undefined;
  /** Other keys, kept as they are. */
  [key: string]: unknown;
}
/** A raw cell, passed through untouched. */
export interface RawCell {
  /** Kind of cell. */
  cell_type: "raw";
  /** Cell id (nbformat 4.5 and later). */
  id?: string | undefined;
  /** Cell metadata. */
  metadata: JsonObject;
  /** Source, joined into one string. */
  source: string;
  /** Attached files by name. */
  attachments?: Record<string, MimeBundle> | undefined;
  /** Other keys, kept as they are. */
  [key: string]: unknown;
}
/** One cell of a {@linkcode Notebook}. */
export type Cell = CodeCell | MarkdownCell | RawCell;

/**
 * A notebook as this library holds it: every multi-line string joined into one string.
 *
 * @example A notebook with one cell
 * ```ts
 * import type { Notebook } from "./schema.ts";
 * const nb: Notebook = {
 *   nbformat: 4, nbformat_minor: 5, metadata: {},
 *   cells: [{ cell_type: "markdown", id: "intro", metadata: {}, source: "# Title" }],
 * };
 * console.assert(nb.cells.length === 1);
 * ```
 */
export interface Notebook {
  /** Always 4. */
  nbformat: 4;
  /** Minor version; cell ids exist from 5 on. */
  nbformat_minor: number;
  /** Notebook metadata (`kernelspec`, `jupytext`, `papermill`, `pynb`, ...). */
  metadata: JsonObject;
  /** The cells. */
  cells: Cell[];
  /** Other keys, kept as they are. */
  [key: string]: unknown;
}
