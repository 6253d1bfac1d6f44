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
  if (looksSecret(name)) {
    // Parameters are published: in the injected cell, P, the run log and the website.
    throw new ParamFlagError(
      `${name}=***`,
      `${JSON.stringify(name)} looks like the name of a secret, and parameters are published ` +
        `(notebook, run log, website); list the variable under secrets: in the pipeline file ` +
        `(secrets: [${name.toUpperCase()}]) and read it with os.environ in the notebook`,
    );
  }
  if (raw.trim() === "") return [name, ""];
  const { doc, problems } = parseYaml(raw);
  const problem = problems[0];
  if (problem !== undefined) {
    throw new ParamFlagError(
      text,
      `the value is not valid YAML (${problem.message.replace(/^invalid YAML: /, "")}); ` +
        `quote strings that contain special characters, e.g. --param 'title="a: b"'`,
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

/** Name parts that mark a secret: `api_token`, `DB_PASSWORD`, `awsSecretKey`. */
const SECRET_PARTS = new Set([
  "token",
  "secret",
  "secrets",
  "password",
  "passwd",
  "pwd",
  "passphrase",
  "credential",
  "credentials",
  "apikey",
  "privatekey",
]);
/** `key` marks a secret after these (`api_key`, `ACCESS_KEY`), or in an all-capitals name. */
const KEY_PREFIXES = new Set([
  "api",
  "access",
  "private",
  "secret",
  "auth",
  "signing",
  "encryption",
]);

/**
 * Whether a parameter name looks like the name of a secret: one of its parts (split at `_` and
 * at lower-to-upper case changes) is `token`, `secret`, `password`, `credentials`, ..., or `key`
 * after `api`, `access`, `private`, ... or in an all-capitals name (`STRIPE_KEY`). A plain
 * `sort_key` or `key_column` is not.
 *
 * @param name A parameter name.
 * @returns Whether `--param` refuses it.
 *
 * @example Names
 * ```ts
 * import { looksSecret } from "./params.ts";
 * console.assert(looksSecret("GITHUB_TOKEN") && looksSecret("dbPassword") && looksSecret("api_key"));
 * console.assert(!looksSecret("sort_key") && !looksSecret("train_ratio"));
 * ```
 */
export function looksSecret(name: string): boolean {
  const parts = name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase().split("_")
    .filter((p) => p !== "");
  if (parts.some((p) => SECRET_PARTS.has(p))) return true;
  return parts.some((p, i) =>
    p === "key" && (KEY_PREFIXES.has(parts[i - 1] ?? "") || name === name.toUpperCase())
  );
}
