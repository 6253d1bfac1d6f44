import { assertEquals } from "../../tests/_deps.ts";
import { runPython } from "../../tests/notebook_helpers.ts";
import type { JsonValue } from "../_base/json.ts";
import { pythonLiteral } from "./python_literal.ts";

// Python compares each literal with the value json.loads gives for the same case (Python's json
// accepts NaN and Infinity), strictly: same types (int vs float vs bool), NaN equal to NaN,
// -0.0 distinct from 0.0.
const COMPARE = `
import json, math, sys
def same(a, b):
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return a == b
expected = json.loads(sys.stdin.read())
results = []
for (name, literal), want in zip(CASES, expected):
    got = eval(literal, {"__builtins__": {"float": float}})
    results.append([name, same(got, want), repr(got)])
print(json.dumps(results))
`;

/** A JSON text Python's json module reads, with NaN and infinities as its extensions. */
function pythonJson(value: JsonValue): string {
  if (typeof value === "number" && !Number.isFinite(value)) {
    return Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
  }
  // Documented rule: integral numbers beyond 2^53 are not exact in JavaScript, so they are floats.
  if (typeof value === "number" && Number.isInteger(value) && Math.abs(value) >= 2 ** 53) {
    return `${BigInt(value)}.0`;
  }
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${pythonJson(v)}`)}}`;
  }
  return JSON.stringify(value);
}

async function checkInPython(cases: Record<string, JsonValue>): Promise<void> {
  const entries = Object.entries(cases);
  const casesPy = `CASES = ${
    JSON.stringify(entries.map(([name, value]) => [name, pythonLiteral(value)]))
  }\n`;
  const expected = `[${entries.map(([, v]) => pythonJson(v)).join(",")}]`;
  const results = JSON.parse(await runPython(casesPy + COMPARE, expected)) as [
    string,
    boolean,
    string,
  ][];
  const failed = results.filter(([, ok]) => !ok).map(([name, , got]) =>
    `${name}: ${pythonLiteral(cases[name]!)} gave ${got}`
  );
  assertEquals(failed, []);
  assertEquals(results.length, entries.length);
}

Deno.test("pythonLiteral() writes strings Python reads back exactly", async () => {
  await checkInPython({
    empty: "",
    quotes: `He said "hi" and 'bye'`,
    backslashes: "C:\\temp\\new\\x41 \\\\ end\\",
    newlines: "line 1\nline 2\r\nline 3\r",
    tabs_and_controls: "\t\x00\x01\x1b\x7f\x85\f\v",
    unicode: "héllo wörld ✓ 日本語 🎉 \u{1F600}",
    separators: "a\u2028b\u2029c\ufeffd",
    lone_surrogates: "x\ud800y\udc00z",
    triple_quotes: "\"\"\"'''",
    looks_like_code: "'); import os; os.system('echo pwned') #",
    braces: "{not} {a} format {string}",
  });
});

Deno.test("pythonLiteral() writes numbers with their Python type and exact value", async () => {
  await checkInPython({
    zero: 0,
    int: 42,
    negative_int: -7,
    big_int: 2 ** 53 - 1,
    float: 0.7,
    tiny_float: 1e-7,
    small_float: 0.0001,
    huge_float: 1.5e300,
    integral_beyond_2_53_is_float: 1e16 * 1.5,
    negative_zero_is_int_zero: -0,
    third: 1 / 3,
    negative_float: -2.5e-10,
    nan: NaN,
    inf: Infinity,
    neg_inf: -Infinity,
  });
});

Deno.test("pythonLiteral() writes booleans, None and nested lists and dicts", async () => {
  await checkInPython({
    true: true,
    false: false,
    none: null,
    list: [1, "two", 3.5, null, false],
    dict: { b: 1, a: [true, { 'key with "quotes"': NaN }], "ünï": "x\ny" },
    deep: [[[[{ x: [[], {}] }]]]],
    empty_list: [],
    empty_dict: {},
  });
});
