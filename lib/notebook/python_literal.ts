/**
 * Exact Python literals for JSON parameter values, for the injected-parameters cell.
 *
 * @module
 */
import type { JsonValue } from "../_base/json.ts";
import { pyFloatRepr } from "./_python_json.ts";

/** Integers beyond this are not exact in JavaScript, so they are written as floats. */
const MAX_EXACT_INT = 2 ** 53;

/**
 * Writes a JSON value as the Python literal that evaluates to the same value.
 *
 * - strings: double-quoted; quotes, backslashes, newlines, control characters, line/paragraph
 *   separators and lone surrogates escaped; any other Unicode character kept as it is;
 * - numbers: integers as `int` literals (up to 2^53, the largest JavaScript holds exactly),
 *   others as `float` literals in Python's own notation (`0.1`, `1e-05`, `1e+16`), and the
 *   non-JSON values YAML's `.nan`, `.inf`, `-.inf` give as `float('nan')`, `float('inf')`,
 *   `-float('inf')`;
 * - `true`/`false`/`null` as `True`/`False`/`None`; arrays as lists; objects as dicts.
 *
 * A JSON number carries no int/float distinction, so `1.0` (a JavaScript `1`) becomes the int
 * `1`.
 *
 * @param value The value.
 * @returns Python source for the value, on one line.
 *
 * @example Literals
 * ```ts
 * import { pythonLiteral } from "./python_literal.ts";
 * console.assert(pythonLiteral({ a: [1, 0.5, null, true] }) === '{"a": [1, 0.5, None, True]}');
 * console.assert(pythonLiteral('say "hi"\n') === '"say \\"hi\\"\\n"');
 * console.assert(pythonLiteral(-Infinity) === "-float('inf')");
 * ```
 */
export function pythonLiteral(value: JsonValue): string {
  if (value === null) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") return pythonNumber(value);
  if (typeof value === "string") return pythonString(value);
  if (Array.isArray(value)) return `[${value.map(pythonLiteral).join(", ")}]`;
  return `{${
    Object.entries(value).map(([k, v]) => `${pythonString(k)}: ${pythonLiteral(v)}`).join(", ")
  }}`;
}

function pythonNumber(n: number): string {
  if (Number.isNaN(n)) return "float('nan')";
  if (n === Infinity) return "float('inf')";
  if (n === -Infinity) return "-float('inf')";
  // String(-0) is "0": an integral number is an int, and Python ints have no negative zero.
  if (Number.isInteger(n) && Math.abs(n) < MAX_EXACT_INT) return String(n);
  return pyFloatRepr(n);
}

const SHORT_ESCAPES: Record<string, string> = {
  "\\": "\\\\",
  '"': '\\"',
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

/**
 * A double-quoted Python `str` literal.
 *
 * @param text The string.
 * @returns The literal.
 */
function pythonString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const char = text[i]!;
    const short = SHORT_ESCAPES[char];
    if (short !== undefined) {
      out += short;
    } else if (unit < 0x20 || (unit >= 0x7f && unit <= 0x9f)) {
      out += `\\x${unit.toString(16).padStart(2, "0")}`;
    } else if (unit === 0x2028 || unit === 0x2029 || unit === 0xfeff) {
      out += `\\u${unit.toString(16)}`;
    } else if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += text.slice(i, i + 2);
        i++;
      } else {
        out += `\\u${unit.toString(16)}`;
      }
    } else if (unit >= 0xdc00 && unit <= 0xdfff) {
      out += `\\u${unit.toString(16)}`;
    } else {
      out += char;
    }
  }
  return out + '"';
}
