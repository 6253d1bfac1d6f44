/**
 * Cell and notebook metadata in text notebooks, as Jupytext writes and reads them: the
 * `key="value" tags=["parameters"]` options of a `# %%` line, and the filters that decide which
 * metadata a text file carries. A TypeScript port of Jupytext's `cell_metadata.py` and
 * `metadata_filter.py` (MIT licence), limited to the percent format.
 *
 * @module
 */
import type { JsonValue } from "../plan/types.ts";
import { pyFloatRepr } from "./ipynb.ts";
import { isJupyterLanguage } from "./_magics.ts";
import type { JsonObject } from "./schema.ts";

/** Cell metadata that only Jupytext uses, never written as `key=value`. */
export const JUPYTEXT_CELL_METADATA = [
  "skipline",
  "noskipline",
  "cell_marker",
  "lines_to_next_cell",
  "lines_to_end_of_cell_marker",
];

/** Cell metadata that stays in the `.ipynb` only (Jupytext's `_IGNORE_CELL_METADATA`). */
export const IGNORE_CELL_METADATA = [
  "autoscroll",
  "collapsed",
  "scrolled",
  "trusted",
  "execution",
  "ExecuteTime",
  ...JUPYTEXT_CELL_METADATA,
].map((k) => `-${k}`).join(",");

/** Notebook metadata that a text notebook's header carries by default. */
export const DEFAULT_NOTEBOOK_METADATA = [
  "jupytext",
  "kernelspec",
  "org_babel",
  "kernel_info",
  "orphan",
  "tocdepth",
].join(",");

const IS_IDENTIFIER = /^[a-zA-Z_.]+[a-zA-Z0-9_.]*$/;
// Jupytext 1.17.3 added '@' and '/' (jupytext#1445).
const IS_VALID_METADATA_KEY = /^[a-zA-Z0-9_.\-@/]+$/;

/** Whether a metadata key can be written as `key=value`. */
export function isValidMetadataKey(key: string): boolean {
  return IS_VALID_METADATA_KEY.test(key);
}

/** `json.dumps(value)` with Python's defaults: ASCII only, `", "` and `": "` separators. */
export function pyJsonDumps(value: JsonValue): string {
  if (value === null) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      return Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
    }
    return Number.isInteger(value) ? BigInt(value).toString() : pyFloatRepr(value);
  }
  if (typeof value === "string") {
    return JSON.stringify(value).replace(
      /[\u007f-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );
  }
  if (Array.isArray(value)) return `[${value.map(pyJsonDumps).join(", ")}]`;
  return `{${
    Object.entries(value).map(([k, v]) => `${pyJsonDumps(k)}: ${pyJsonDumps(v)}`).join(", ")
  }}`;
}

/** Whether a cell is active in a given format (`.py`, `.ipynb`) per its `active` metadata. */
export function isActive(ext: string, metadata: JsonObject, defaultValue = true): boolean {
  const runControl = metadata.run_control;
  if (isObject(runControl) && runControl.frozen === true) return ext === ".ipynb";
  const tags = metadata.tags;
  if (Array.isArray(tags)) {
    for (const tag of tags) {
      if (typeof tag === "string" && tag.startsWith("active-")) {
        return tag.split("-").includes(ext.replace(".", ""));
      }
    }
  }
  if (!("active" in metadata)) return defaultValue;
  return String(metadata.active).split(/[.,]/).includes(ext.replace(".", ""));
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Whether a `# %%` options text is a JSON object rather than `key=value` pairs. */
export function isJsonMetadata(text: string): boolean {
  const curly = text.indexOf("{");
  if (curly < 0) return false;
  const equal = text.indexOf("=");
  return equal < 0 || curly < equal;
}

/** Thrown by {@linkcode relaxJsonLoads} when a value is neither JSON nor a Python literal. */
class LiteralError extends Error {}

/** Parses JSON, else a Python literal (`'text'`, `True`, `(1, 2)`). */
export function relaxJsonLoads(text: string, catchErrors: boolean): JsonValue {
  const t = text.trim();
  try {
    return JSON.parse(t);
  } catch { /* not JSON: try a Python literal */ }
  try {
    return literalEval(t);
  } catch (err) {
    if (!catchErrors) throw err;
    return { incorrectly_encoded_metadata: t };
  }
}

function parseKeyEqualValue(textIn: string): JsonObject {
  const text = textIn.trim();
  if (!text) return {};
  const lastSpace = text.lastIndexOf(" ");
  const lastWord = text.slice(lastSpace + 1);
  if (!text.startsWith("--") && IS_IDENTIFIER.test(lastWord)) {
    const result: JsonObject = { [lastWord]: null };
    if (lastSpace > 0) Object.assign(result, parseKeyEqualValue(text.slice(0, lastSpace)));
    return result;
  }
  let equal = text.length;
  for (;;) {
    equal = equal <= 0 ? -1 : text.lastIndexOf("=", equal - 1);
    if (equal < 0) return { incorrectly_encoded_metadata: text };
    const prevSpace = text.slice(0, equal).trimEnd().lastIndexOf(" ");
    const key = text.slice(prevSpace + 1, equal).trim();
    if (!isValidMetadataKey(key)) continue;
    let value: JsonValue;
    try {
      value = relaxJsonLoads(text.slice(equal + 1), false);
    } catch {
      continue;
    }
    const metadata = prevSpace > 0 ? parseKeyEqualValue(text.slice(0, prevSpace)) : {};
    metadata[key] = value;
    return metadata;
  }
}

/**
 * Parses the options of a cell marker into a title (or language) and metadata.
 *
 * @param textIn What follows `# %%`.
 * @param allowTitle Whether free text before the options is a title (percent format).
 */
export function textToMetadata(
  textIn: string,
  allowTitle: boolean,
): { title: string; metadata: JsonObject } {
  const text = textIn.trim();
  const curly = text.indexOf("{");
  const equal = text.indexOf("=");
  if (curly < 0 || (equal >= 0 && equal < curly)) {
    if (!allowTitle) {
      if (isJupyterLanguage(text)) return { title: text, metadata: {} };
      if (!text.includes(" ")) return { title: "", metadata: parseKeyEqualValue(text) };
      const space = text.indexOf(" ");
      const language = text.slice(0, space);
      if (isJupyterLanguage(language)) {
        return { title: language, metadata: parseKeyEqualValue(text.slice(space + 1)) };
      }
      return { title: "", metadata: parseKeyEqualValue(text) };
    }
    let words: string[];
    if (equal >= 0) {
      words = text.slice(0, equal).split(" ");
      while (words.length && !words[words.length - 1]) words.pop();
      if (words.length) words.pop();
    } else {
      words = text.split(" ");
    }
    while (
      words.length && (!words[words.length - 1]!.trim() || words[words.length - 1]!.startsWith("."))
    ) {
      words.pop();
    }
    const title = words.join(" ");
    return { title, metadata: parseKeyEqualValue(text.slice(title.length)) };
  }
  const parsed = relaxJsonLoads(text.slice(curly), true);
  return {
    title: text.slice(0, curly).trim(),
    metadata: isObject(parsed) ? parsed : { incorrectly_encoded_metadata: text.slice(curly) },
  };
}

/** Writes a title and metadata as `title key="value" flag` (or `title {json}`). */
export function metadataToText(title: string, metadataIn: JsonObject, plainJson: boolean): string {
  const metadata: JsonObject = {};
  for (const [k, v] of Object.entries(metadataIn)) {
    if (!JUPYTEXT_CELL_METADATA.includes(k)) metadata[k] = v;
  }
  const text = title ? [title] : [];
  if (plainJson) {
    if (Object.keys(metadata).length) text.push(pyJsonDumps(metadata));
  } else {
    for (const [key, value] of Object.entries(metadata)) {
      if (key === "incorrectly_encoded_metadata") text.push(String(value));
      else if (value === null) text.push(key);
      else text.push(`${key}=${pyJsonDumps(value)}`);
    }
  }
  return text.join(" ");
}

/** The options of a `# %%` line: depth, title, `[markdown]`, then metadata. Consumes keys. */
export function metadataToDoublePercentOptions(metadata: JsonObject, plainJson: boolean): string {
  const text: string[] = [];
  if ("title" in metadata) {
    text.push(String(metadata.title));
    delete metadata.title;
  }
  if ("cell_depth" in metadata) {
    text.unshift("%".repeat(Number(metadata.cell_depth)));
    delete metadata.cell_depth;
  }
  if ("cell_type" in metadata) {
    const name = "region_name" in metadata ? metadata.region_name : metadata.cell_type;
    delete metadata.region_name;
    delete metadata.cell_type;
    text.push(`[${String(name)}]`);
  }
  return metadataToText(text.join(" "), metadata, plainJson);
}

type Filter = { additional?: string[] | "all"; excluded?: string[] | "all" };

function filterAsDict(config: JsonValue | undefined): Filter {
  if (config === undefined || config === null) return {};
  if (config === true) return { additional: "all" };
  if (config === false) return { excluded: "all" };
  if (isObject(config)) return config as Filter;
  const out: { additional?: string[]; excluded?: string[] } = {};
  for (const raw of String(config).split(",")) {
    const key = raw.trim();
    if (key.startsWith("-")) (out.excluded ??= []).push(key.slice(1).trim());
    else if (key.startsWith("+")) (out.additional ??= []).push(key.slice(1).trim());
    else (out.additional ??= []).push(key);
  }
  const result: Filter = {};
  for (const section of ["additional", "excluded"] as const) {
    const list = out[section];
    if (list) result[section] = list.includes("all") ? "all" : list.filter((k) => k);
  }
  return result;
}

function filterAsString(filter: Filter): string {
  const entries = filter.additional === "all"
    ? ["all"]
    : (filter.additional ?? []).filter((k) => !JUPYTEXT_CELL_METADATA.includes(k));
  if (filter.excluded === "all") entries.push("-all");
  else entries.push(...(filter.excluded ?? []).map((e) => `-${e}`));
  return entries.join(",");
}

function secondLevel(keys: Iterable<string>): Map<string, string[]> {
  const sub = new Map<string, string[]>();
  for (const key of keys) {
    const dot = key.indexOf(".");
    if (dot < 0) continue;
    const left = key.slice(0, dot);
    sub.set(left, [...(sub.get(left) ?? []), key.slice(dot + 1)]);
  }
  return sub;
}

function subsetMetadata(
  metadata: JsonObject,
  keepOnly: Set<string> | undefined,
  exclude: Set<string> | undefined,
  unsupported: Set<string>,
): JsonObject {
  const supported = Object.keys(metadata).filter((k) => {
    if (isValidMetadataKey(k)) return true;
    unsupported.add(k);
    return false;
  });
  const filtered: JsonObject = {};
  if (keepOnly !== undefined) {
    for (const k of supported) if (keepOnly.has(k)) filtered[k] = metadata[k]!;
    for (const [k, sub] of secondLevel(keepOnly)) {
      const v = metadata[k];
      if (supported.includes(k) && isObject(v)) {
        filtered[k] = subsetMetadata(v, new Set(sub), undefined, unsupported);
      }
    }
  } else {
    for (const k of supported) filtered[k] = metadata[k]!;
  }
  if (exclude !== undefined) {
    for (const k of exclude) delete filtered[k];
    for (const [k, sub] of secondLevel(exclude)) {
      const v = filtered[k];
      if (isObject(v)) filtered[k] = subsetMetadata(v, undefined, new Set(sub), unsupported);
    }
  }
  return filtered;
}

/**
 * Filters cell or notebook metadata by a user filter (`"tags,-all"`, `"-all"`, ...) on top of a
 * default filter, as Jupytext does. Keys that cannot be written are collected in `unsupported`.
 */
export function filterMetadata(
  metadataIn: JsonObject,
  userFilter: JsonValue | undefined,
  defaultFilter: string,
  unsupported: Set<string> = new Set(),
): JsonObject {
  let metadata = metadataIn;
  const def = filterAsDict(defaultFilter);
  const user = filterAsDict(userFilter);
  let defaultExclude = def.excluded ?? [];
  const defaultInclude = def.additional ?? [];
  if (
    Array.isArray(defaultInclude) && defaultInclude.length && Array.isArray(defaultExclude) &&
    !defaultExclude.length
  ) {
    defaultExclude = "all";
  }
  const userExclude = user.excluded ?? [];
  const userInclude = user.additional ?? [];
  const asSet = (v: string[] | "all") => new Set(v === "all" ? [] : v);
  if (defaultExclude === "all") {
    if (userInclude === "all") {
      return subsetMetadata(metadata, undefined, asSet(userExclude), unsupported);
    }
    if (userExclude === "all") {
      return subsetMetadata(metadata, asSet(userInclude), undefined, unsupported);
    }
    return subsetMetadata(
      metadata,
      new Set([...asSet(userInclude), ...asSet(defaultInclude)]),
      asSet(userExclude),
      unsupported,
    );
  }
  if (userInclude === "all") {
    return subsetMetadata(metadata, undefined, asSet(userExclude), unsupported);
  }
  if (userExclude === "all") {
    return subsetMetadata(metadata, asSet(userInclude), undefined, unsupported);
  }
  if (Array.isArray(metadata.tags) && metadata.tags.length === 0) {
    metadata = { ...metadata };
    delete metadata.tags;
  }
  const include = asSet(userInclude);
  const exclude = new Set([
    ...asSet(userExclude),
    ...[...asSet(defaultExclude)].filter((k) => !include.has(k)),
  ]);
  return subsetMetadata(metadata, undefined, exclude, unsupported);
}

/**
 * After reading a text notebook, records in `metadata.jupytext` which metadata the text carried,
 * so that writing the notebook back to text gives the same file (Jupytext's
 * `update_metadata_filters`).
 */
export function updateMetadataFilters(
  metadata: JsonObject,
  hadJupyterHeader: boolean,
  cellMetadataKeys: Set<string>,
): void {
  const jupytext = isObject(metadata.jupytext) ? metadata.jupytext : undefined;
  if (!hadJupyterHeader) {
    const j = jupytext ?? {};
    metadata.jupytext = j;
    j.notebook_metadata_filter = "-all";
    if (!("cell_metadata_filter" in j)) {
      j.cell_metadata_filter = filterAsString({
        additional: [...cellMetadataKeys],
        excluded: "all",
      });
    }
    return;
  }
  if (jupytext && "cell_metadata_filter" in jupytext) {
    const filter = filterAsDict(jupytext.cell_metadata_filter);
    if (Array.isArray(filter.excluded)) {
      filter.excluded = filter.excluded.filter((k) => !cellMetadataKeys.has(k));
    }
    filter.additional ??= [];
    if (Array.isArray(filter.additional)) {
      for (const k of cellMetadataKeys) {
        if (!filter.additional.includes(k)) filter.additional.push(k);
      }
    }
    jupytext.cell_metadata_filter = filterAsString(filter);
    return;
  }
  const nbFilter = String(jupytext?.notebook_metadata_filter ?? "").split(",").filter((k) => k);
  if (nbFilter.includes("all") || nbFilter.includes("-all")) return;
  const defaults = DEFAULT_NOTEBOOK_METADATA.split(",");
  for (const key of Object.keys(metadata)) {
    if (defaults.includes(key) || nbFilter.includes(key) || nbFilter.includes(`-${key}`)) continue;
    nbFilter.push(key);
  }
  if (nbFilter.length) {
    const j = jupytext ?? {};
    metadata.jupytext = j;
    j.notebook_metadata_filter = nbFilter.join(",");
  }
}

/**
 * Python's `ast.literal_eval` for the literals metadata values use: strings (single, double or
 * triple quoted, with escapes and an optional `r` prefix), numbers, `True`/`False`/`None`, lists,
 * tuples and dicts.
 */
function literalEval(text: string): JsonValue {
  let i = 0;
  const fail = (): never => {
    throw new LiteralError(`not a Python literal: ${text}`);
  };
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const parseString = (): string => {
    let raw = false;
    if (text[i] === "r" || text[i] === "R") {
      raw = true;
      i++;
    }
    const q = text[i];
    if (q !== "'" && q !== '"') return fail();
    const triple = text.startsWith(q.repeat(3), i);
    const close = triple ? q.repeat(3) : q;
    i += close.length;
    let out = "";
    for (;;) {
      if (i >= text.length) return fail();
      if (text.startsWith(close, i)) {
        i += close.length;
        return out;
      }
      const c = text[i]!;
      if (c === "\n" && !triple) return fail();
      if (c === "\\" && i + 1 < text.length) {
        const n = text[i + 1]!;
        if (raw) {
          out += c + n;
          i += 2;
          continue;
        }
        const simple: Record<string, string> = {
          n: "\n",
          t: "\t",
          r: "\r",
          "\\": "\\",
          "'": "'",
          '"': '"',
          "0": "\0",
          a: "\x07",
          b: "\b",
          f: "\f",
          v: "\v",
          "\n": "",
        };
        if (n in simple) {
          out += simple[n];
          i += 2;
          continue;
        }
        const hexLen = n === "x" ? 2 : n === "u" ? 4 : n === "U" ? 8 : 0;
        if (hexLen) {
          const hex = text.slice(i + 2, i + 2 + hexLen);
          if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== hexLen) return fail();
          out += String.fromCodePoint(parseInt(hex, 16));
          i += 2 + hexLen;
          continue;
        }
        out += c;
        i++;
        continue;
      }
      out += c;
      i++;
    }
  };
  const parseValue = (): JsonValue => {
    ws();
    const c = text[i];
    if (c === undefined) return fail();
    if (c === "'" || c === '"' || ((c === "r" || c === "R") && /['"]/.test(text[i + 1] ?? ""))) {
      let s = parseString();
      // Adjacent string literals concatenate.
      for (;;) {
        const save = i;
        ws();
        if (/['"]/.test(text[i] ?? "")) s += parseString();
        else {
          i = save;
          return s;
        }
      }
    }
    if (c === "[" || c === "(") {
      const end = c === "[" ? "]" : ")";
      i++;
      const items: JsonValue[] = [];
      for (;;) {
        ws();
        if (text[i] === end) {
          i++;
          return items;
        }
        items.push(parseValue());
        ws();
        if (text[i] === ",") i++;
        else if (text[i] !== end) return fail();
      }
    }
    if (c === "{") {
      i++;
      const obj: JsonObject = {};
      for (;;) {
        ws();
        if (text[i] === "}") {
          i++;
          return obj;
        }
        const key = parseValue();
        if (typeof key !== "string" && typeof key !== "number") return fail();
        ws();
        if (text[i] !== ":") return fail();
        i++;
        obj[String(key)] = parseValue();
        ws();
        if (text[i] === ",") i++;
        else if (text[i] !== "}") return fail();
      }
    }
    const m = /^(True|False|None|[-+]?(\d[\d_]*\.?[\d_]*([eE][-+]?\d+)?|\.\d[\d_]*([eE][-+]?\d+)?))/
      .exec(text.slice(i));
    if (!m) return fail();
    i += m[0].length;
    if (m[0] === "True") return true;
    if (m[0] === "False") return false;
    if (m[0] === "None") return null;
    return Number(m[0].replaceAll("_", ""));
  };
  const value = parseValue();
  ws();
  if (i !== text.length) fail();
  return value;
}
