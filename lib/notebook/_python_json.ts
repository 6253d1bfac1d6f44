/**
 * JSON as Python writes it: `json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False)`
 * (what nbformat writes) and Python's `repr` of floats; and where a JSON text is broken.
 *
 * @module
 */

/** Compares strings by code point, as Python sorts them. */
export function compareCodePoints(a: string, b: string): number {
  const ai = a[Symbol.iterator]();
  const bi = b[Symbol.iterator]();
  for (;;) {
    const x = ai.next();
    const y = bi.next();
    if (x.done || y.done) return x.done ? (y.done ? 0 : -1) : 1;
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

/** `json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False)`. */
export function dumpJson(value: unknown, indent: string): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return pyNumber(value);
  if (typeof value === "string") return JSON.stringify(value);
  const inner = indent + " ";
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return "[\n" + value.map((v) => inner + dumpJson(v, inner)).join(",\n") + "\n" + indent + "]";
  }
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => compareCodePoints(a, b));
  if (entries.length === 0) return "{}";
  return "{\n" +
    entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${dumpJson(v, inner)}`).join(",\n") +
    "\n" + indent + "}";
}

/**
 * Python's `repr` of a JSON number: integers as integers, other numbers in Python's float
 * notation (`1e-05`, `1e+16`, `0.5`). Non-finite numbers have no JSON form and become `null`.
 */
function pyNumber(n: number): string {
  if (!Number.isFinite(n)) return "null";
  // Integral numbers beyond 2^53 came from float notation (JavaScript holds no such ints).
  if (Number.isInteger(n) && Math.abs(n) < 2 ** 53) return Object.is(n, -0) ? "-0.0" : String(n);
  return pyFloatRepr(n);
}

/**
 * Python's `repr(float)` of a finite number: the shortest round-trip digits, in fixed notation
 * when the exponent is in [-4, 16), else scientific with a sign and at least two exponent digits.
 *
 * @param n A finite number.
 * @returns Its Python float literal, e.g. `1e-05`, `0.5`, `1e+16`, `3.0`.
 *
 * @example Python float notation
 * ```ts
 * import { pyFloatRepr } from "./_python_json.ts";
 * console.assert(pyFloatRepr(0.00001) === "1e-05");
 * console.assert(pyFloatRepr(3) === "3.0");
 * console.assert(pyFloatRepr(1e16) === "1e+16");
 * ```
 */
export function pyFloatRepr(n: number): string {
  if (Object.is(n, -0)) return "-0.0";
  const sign = n < 0 ? "-" : "";
  const [mantissa, expText] = Math.abs(n).toExponential().split("e") as [string, string];
  const digits = mantissa.replace(".", "");
  const exp = Number(expText);
  if (exp >= -4 && exp < 16) {
    if (exp >= digits.length - 1) return sign + digits + "0".repeat(exp - digits.length + 1) + ".0";
    if (exp >= 0) return sign + digits.slice(0, exp + 1) + "." + digits.slice(exp + 1);
    return sign + "0." + "0".repeat(-exp - 1) + digits;
  }
  const frac = digits.length > 1 ? "." + digits.slice(1) : "";
  const e = Math.abs(exp).toString().padStart(2, "0");
  return `${sign}${digits[0]}${frac}e${exp < 0 ? "-" : "+"}${e}`;
}

/** Describes where a JSON text that `JSON.parse` rejected is broken. */
export function jsonErrorWhere(err: unknown, text: string): string {
  const message = (err instanceof Error ? err.message : String(err)).split("\n")[0]!;
  const offset = jsonErrorOffset(text);
  if (offset === undefined) return message;
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const column = offset - before.lastIndexOf("\n");
  const near = JSON.stringify(text.slice(offset, offset + 20));
  return `syntax error at line ${line}, column ${column} (near ${near})`;
}

// JSON strings exclude control characters.
const JSON_TOKEN =
  // deno-lint-ignore no-control-regex
  /(?:"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null)/y;

/** The offset of the first JSON syntax error in `text` (`JSON.parse` no longer says where). */
function jsonErrorOffset(text: string): number | undefined {
  let i = 0;
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i]!)) i++;
  };
  const value = (): boolean => {
    ws();
    const c = text[i];
    if (c === "{" || c === "[") {
      const close = c === "{" ? "}" : "]";
      i++;
      ws();
      if (text[i] === close) {
        i++;
        return true;
      }
      for (;;) {
        if (c === "{") {
          ws();
          if (text[i] !== '"' || !value()) return false;
          ws();
          if (text[i] !== ":") return false;
          i++;
        }
        if (!value()) return false;
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === close) {
          i++;
          return true;
        }
        return false;
      }
    }
    JSON_TOKEN.lastIndex = i;
    const m = JSON_TOKEN.exec(text);
    if (!m) return false;
    i += m[0].length;
    return true;
  };
  if (!value()) return i;
  ws();
  return i < text.length ? i : undefined;
}
