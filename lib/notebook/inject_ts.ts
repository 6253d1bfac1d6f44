/**
 * papermill's rule for TypeScript notebooks (Deno's kernel): the injected cell declares each
 * parameter with the keyword (`const`, `let` or `var`) its default had in the cell tagged
 * `parameters`, then `P`. Values are written by a translator of JSON values that only ever
 * writes literals: no value can inject code.
 *
 * @module
 */
import type { JsonValue } from "../_base/json.ts";
import { ParameterNameError } from "./errors.ts";
import { pEntries } from "./_p_dict.ts";
import type { RunContext } from "./inject.ts";

const RESERVED = new Set(
  ("break case catch class const continue debugger default delete do else enum export extends " +
    "false finally for function if import in instanceof new null return super switch this throw " +
    "true try typeof var void while with yield let static implements interface package private " +
    "protected public await arguments eval undefined NaN Infinity").split(" "),
);
const IDENTIFIER = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*$/u;
const DECLARATION =
  /^[ \t]*(?:export[ \t]+)?(const|let|var)[ \t]+([\p{ID_Start}$_][\p{ID_Continue}$]*)/gmu;

/** A declaration keyword of the defaults cell. */
export type DeclarationKeyword = "const" | "let" | "var";

/**
 * Writes a JSON value as a TypeScript literal that evaluates to the same value: strings and
 * object keys as JSON strings (with U+2028 and U+2029 escaped), numbers as JSON numbers (`-0`,
 * and YAML's `.nan`, `.inf` as `NaN`, `Infinity`), arrays and objects as literals.
 *
 * @param value The value.
 * @returns TypeScript source, on one line.
 *
 * @example
 * ```ts
 * import { typescriptLiteral } from "./inject_ts.ts";
 * console.assert(typescriptLiteral({ a: [1, null, "x"] }) === '{"a": [1, null, "x"]}');
 * console.assert(typescriptLiteral("`${x}`") === '"`${x}`"');
 * ```
 */
export function typescriptLiteral(value: JsonValue): string {
  if (value === null || typeof value === "boolean") return String(value);
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "NaN";
    if (!Number.isFinite(value)) return value > 0 ? "Infinity" : "-Infinity";
    return Object.is(value, -0) ? "-0" : JSON.stringify(value);
  }
  if (typeof value === "string") {
    return JSON.stringify(value).replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
  }
  if (Array.isArray(value)) return `[${value.map(typescriptLiteral).join(", ")}]`;
  // A plain "__proto__" key would set the prototype; a computed one is an own property.
  const entries = Object.entries(value).map(([k, v]) =>
    `${k === "__proto__" ? `[${typescriptLiteral(k)}]` : typescriptLiteral(k)}: ${
      typescriptLiteral(v)
    }`
  );
  return `{${entries.join(", ")}}`;
}

/**
 * Checks that a parameter name can be a TypeScript variable.
 *
 * @param name The parameter name.
 * @throws {ParameterNameError} It is not an identifier, is a reserved word, or is `P`.
 *
 * @example
 * ```ts
 * import { checkTypeScriptName } from "./inject_ts.ts";
 * checkTypeScriptName("nr_train_images");
 * ```
 */
export function checkTypeScriptName(name: string): void {
  if (!IDENTIFIER.test(name)) {
    throw new ParameterNameError(name, "it is not a TypeScript identifier");
  }
  if (RESERVED.has(name)) {
    throw new ParameterNameError(name, `'${name}' is a TypeScript reserved word; rename it`);
  }
  if (name === "P") {
    throw new ParameterNameError(name, "'P' is the object of all parameters; rename it");
  }
}

/**
 * The declaration keyword of each name the defaults cell declares (`const n = 1` gives `n:
 * const`), and the first keyword found (for names it does not declare).
 *
 * @param source The source of the cell tagged `parameters`.
 * @returns The keywords.
 *
 * @example
 * ```ts
 * import { declarationKeywords } from "./inject_ts.ts";
 * const k = declarationKeywords("let n: number = 1;\nconst label = 'a';");
 * console.assert(k.byName.get("label") === "const" && k.first === "let");
 * ```
 */
export function declarationKeywords(
  source: string,
): { byName: Map<string, DeclarationKeyword>; first: DeclarationKeyword | undefined } {
  const byName = new Map<string, DeclarationKeyword>();
  let first: DeclarationKeyword | undefined;
  for (const match of source.matchAll(DECLARATION)) {
    const keyword = match[1] as DeclarationKeyword;
    first ??= keyword;
    if (!byName.has(match[2]!)) byName.set(match[2]!, keyword);
  }
  return { byName, first };
}

/**
 * The injected cell of a TypeScript notebook: `// Parameters`, one declaration per parameter with
 * its default's keyword (else the defaults cell's first keyword, else `const`), then `P`.
 *
 * @param parameters The parameters, in order.
 * @param context The run context that `P` carries.
 * @param defaults The source of the cell tagged `parameters` ("" when there is none).
 * @returns TypeScript source.
 * @throws {ParameterNameError} A name cannot be a TypeScript variable.
 *
 * @example
 * ```ts
 * import { injectedSourceTs } from "./inject_ts.ts";
 * const src = injectedSourceTs({ n: 600 }, {
 *   runId: "r1", taskId: "t", instanceId: "t", attempt: 1,
 * }, "let n = 1;");
 * console.assert(src.startsWith("// Parameters\nlet n = 600;\nlet P = {\n"));
 * ```
 */
export function injectedSourceTs(
  parameters: Record<string, JsonValue>,
  context: RunContext,
  defaults: string,
): string {
  for (const name of Object.keys(parameters)) checkTypeScriptName(name);
  const keywords = declarationKeywords(defaults);
  const keyword = (name: string) => keywords.byName.get(name) ?? keywords.first ?? "const";
  const entries = pEntries(parameters, context);
  return [
    "// Parameters",
    ...Object.entries(parameters).map(([name, value]) =>
      `${keyword(name)} ${name} = ${typescriptLiteral(value)};`
    ),
    `${keyword("P")} P = {`,
    ...entries.map(([key, value]) => `  ${typescriptLiteral(key)}: ${typescriptLiteral(value)},`),
    "};",
    "",
  ].join("\n");
}
