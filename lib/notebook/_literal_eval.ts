/**
 * Python's `ast.literal_eval` for the literals that cell metadata values use in scripts.
 *
 * @module
 */
import type { JsonObject, JsonValue } from "../_base/json.ts";

/** Thrown by {@linkcode literalEval} when a text is not a Python literal. */
export class LiteralError extends Error {}

const ESCAPES: Record<string, string> = {
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

const SCALAR =
  /^(True|False|None|[-+]?(\d[\d_]*\.?[\d_]*([eE][-+]?\d+)?|\.\d[\d_]*([eE][-+]?\d+)?))/;

/**
 * Python's `ast.literal_eval` for the literals metadata values use: strings (single, double or
 * triple quoted, with escapes and an optional `r` prefix), numbers, `True`/`False`/`None`, lists,
 * tuples and dicts.
 */
export function literalEval(text: string): JsonValue {
  const reader = new LiteralReader(text);
  const value = reader.value();
  reader.end();
  return value;
}

/** A recursive-descent reader of one Python literal; `#i` is the position in the text. */
class LiteralReader {
  #text: string;
  #i = 0;

  constructor(text: string) {
    this.#text = text;
  }

  /** Fails unless only white space is left. */
  end(): void {
    this.#ws();
    if (this.#i !== this.#text.length) this.#fail();
  }

  /** Reads any literal. */
  value(): JsonValue {
    this.#ws();
    const text = this.#text;
    const c = text[this.#i];
    if (c === undefined) return this.#fail();
    if (
      c === "'" || c === '"' || ((c === "r" || c === "R") && /['"]/.test(text[this.#i + 1] ?? ""))
    ) {
      return this.#strings();
    }
    if (c === "[" || c === "(") return this.#sequence(c === "[" ? "]" : ")");
    if (c === "{") return this.#dict();
    const m = SCALAR.exec(text.slice(this.#i));
    if (!m) return this.#fail();
    this.#i += m[0].length;
    if (m[0] === "True") return true;
    if (m[0] === "False") return false;
    if (m[0] === "None") return null;
    return Number(m[0].replaceAll("_", ""));
  }

  #fail(): never {
    throw new LiteralError(`not a Python literal: ${this.#text}`);
  }

  #ws(): void {
    while (this.#i < this.#text.length && /\s/.test(this.#text[this.#i]!)) this.#i++;
  }

  /** One string literal, or several adjacent ones, which concatenate. */
  #strings(): string {
    let s = this.#string();
    for (;;) {
      const save = this.#i;
      this.#ws();
      if (/['"]/.test(this.#text[this.#i] ?? "")) s += this.#string();
      else {
        this.#i = save;
        return s;
      }
    }
  }

  #string(): string {
    const text = this.#text;
    let raw = false;
    if (text[this.#i] === "r" || text[this.#i] === "R") {
      raw = true;
      this.#i++;
    }
    const q = text[this.#i];
    if (q !== "'" && q !== '"') return this.#fail();
    const triple = text.startsWith(q.repeat(3), this.#i);
    const close = triple ? q.repeat(3) : q;
    this.#i += close.length;
    let out = "";
    for (;;) {
      if (this.#i >= text.length) return this.#fail();
      if (text.startsWith(close, this.#i)) {
        this.#i += close.length;
        return out;
      }
      const c = text[this.#i]!;
      if (c === "\n" && !triple) return this.#fail();
      if (c === "\\" && this.#i + 1 < text.length) {
        out += raw ? this.#rawEscape() : this.#escape();
        continue;
      }
      out += c;
      this.#i++;
    }
  }

  /** A backslash and the character after it, kept as they are (`r"..."`). */
  #rawEscape(): string {
    const pair = this.#text.slice(this.#i, this.#i + 2);
    this.#i += 2;
    return pair;
  }

  /** An escape sequence (`\n`, `\x41`, `\u00e9`); an unknown one keeps its backslash. */
  #escape(): string {
    const text = this.#text;
    const n = text[this.#i + 1]!;
    if (n in ESCAPES) {
      this.#i += 2;
      return ESCAPES[n]!;
    }
    const hexLen = n === "x" ? 2 : n === "u" ? 4 : n === "U" ? 8 : 0;
    if (hexLen) {
      const hex = text.slice(this.#i + 2, this.#i + 2 + hexLen);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== hexLen) return this.#fail();
      this.#i += 2 + hexLen;
      return String.fromCodePoint(parseInt(hex, 16));
    }
    this.#i++;
    return "\\";
  }

  /** A list or a tuple, up to `end`. */
  #sequence(end: "]" | ")"): JsonValue[] {
    this.#i++;
    const items: JsonValue[] = [];
    for (;;) {
      this.#ws();
      if (this.#text[this.#i] === end) {
        this.#i++;
        return items;
      }
      items.push(this.value());
      this.#ws();
      if (this.#text[this.#i] === ",") this.#i++;
      else if (this.#text[this.#i] !== end) return this.#fail();
    }
  }

  /** A dict, with string or number keys. */
  #dict(): JsonObject {
    this.#i++;
    const obj: JsonObject = {};
    for (;;) {
      this.#ws();
      if (this.#text[this.#i] === "}") {
        this.#i++;
        return obj;
      }
      const key = this.value();
      if (typeof key !== "string" && typeof key !== "number") return this.#fail();
      this.#ws();
      if (this.#text[this.#i] !== ":") return this.#fail();
      this.#i++;
      obj[String(key)] = this.value();
      this.#ws();
      if (this.#text[this.#i] === ",") this.#i++;
      else if (this.#text[this.#i] !== "}") return this.#fail();
    }
  }
}
