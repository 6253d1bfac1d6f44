/**
 * `--param name=value` flags of the command line.
 *
 * @module
 */
import type { JsonValue } from "../_base/json.ts";
import { ParamFlagError } from "./errors.ts";
import { parseYaml, yamlToJs } from "./_yaml.ts";
import { PARAM_NAME, RESERVED_PARAMS } from "./schema.ts";

/**
 * Parses a `--param name=value` flag. The value is read as a YAML scalar or flow value, so
 * `n=3` gives the number 3, `s=abc` the string "abc", `l=[1,2]` a list, `m={a: 1}` a mapping,
 * `s="3"` the string "3" and `s=` the empty string.
 *
 * @param text The flag's value, `name=value`.
 * @returns The parameter's name and value.
 * @throws {ParamFlagError} When there is no `=`, the name is not a Python name, or the value is
 *   not valid YAML / JSON.
 *
 * @example Parsing flags
 * ```ts
 * import { parseParamFlag } from "./params.ts";
 * const [name, value] = parseParamFlag("nr_train_images=600");
 * console.assert(name === "nr_train_images" && value === 600);
 * ```
 */
export function parseParamFlag(text: string): [name: string, value: JsonValue] {
  const eq = text.indexOf("=");
  if (eq < 0) throw new ParamFlagError(text, "write name=value, e.g. --param train_ratio=0.7");
  const name = text.slice(0, eq).trim();
  const raw = text.slice(eq + 1);
  if (!PARAM_NAME.test(name)) {
    throw new ParamFlagError(
      text,
      `${JSON.stringify(name)} is not a valid Python name; use letters, digits and _`,
    );
  }
  if (RESERVED_PARAMS.has(name)) {
    throw new ParamFlagError(text, `${JSON.stringify(name)} is reserved in Python notebooks`);
  }
  if (raw.trim() === "") return [name, ""];
  const doc = parseYaml(raw);
  const problem = doc.errors[0];
  if (problem !== undefined) {
    throw new ParamFlagError(
      text,
      `the value is not valid YAML (${problem.message.split("\n")[0]}); quote strings ` +
        `that contain special characters, e.g. --param 'title="a: b"'`,
    );
  }
  const value: unknown = yamlToJs(doc);
  if (!isJson(value)) {
    throw new ParamFlagError(text, "the value must be JSON-compatible (no .inf, .nan or tags)");
  }
  return [name, value];
}

function isJson(v: unknown): v is JsonValue {
  if (v === null || typeof v === "string" || typeof v === "boolean") return true;
  if (typeof v === "number") return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(isJson);
  if (typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.values(v as Record<string, unknown>).every(isJson);
  }
  return false;
}
