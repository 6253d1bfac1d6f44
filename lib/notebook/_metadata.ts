/**
 * Cell and notebook metadata in text notebooks, as Jupytext writes and reads them: the
 * `key="value" tags=["parameters"]` options of a `# %%` line. A TypeScript port of Jupytext's
 * `cell_metadata.py` (MIT licence), limited to the percent format.
 *
 * @module
 */
import type { JsonObject, JsonValue } from "../_base/json.ts";
import { pyFloatRepr } from "./_python_json.ts";
import { isJupyterLanguage } from "./_magics.ts";
import { literalEval } from "./_literal_eval.ts";
import { isObject } from "./_text.ts";

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

/** Whether a `# %%` options text is a JSON object rather than `key=value` pairs. */
export function isJsonMetadata(text: string): boolean {
  const curly = text.indexOf("{");
  if (curly < 0) return false;
  const equal = text.indexOf("=");
  return equal < 0 || curly < equal;
}

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
