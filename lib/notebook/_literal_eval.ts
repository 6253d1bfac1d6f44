/**
 * Python's `ast.literal_eval` for the literals that cell metadata values use in scripts.
 *
 * @module
 */
import type { JsonObject, JsonValue } from "../_base/json.ts";

/** Thrown by {@linkcode literalEval} when a text is not a Python literal. */
export class LiteralError extends Error {}

/**
 * Python's `ast.literal_eval` for the literals metadata values use: strings (single, double or
 * triple quoted, with escapes and an optional `r` prefix), numbers, `True`/`False`/`None`, lists,
 * tuples and dicts.
 */
export function literalEval(text: string): JsonValue {
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
