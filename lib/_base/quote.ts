/**
 * The one place where data becomes text of a generated file: words of a bash script, comments,
 * JSON values a GitHub Actions step reads from its environment, Debian package names. Pipeline
 * data (names, paths, matrix values, `--param` values) is untrusted: each function here keeps it
 * data. Quoted words mean exactly their bytes to bash; a comment never holds a line break; JSON
 * data never holds `$`, `{`, `}` inside a string, so GitHub cannot find a `${{ }}` expression in
 * it; no result holds a control character (a raw newline would end a comment or a line, and a
 * `#SBATCH` line after it would become a Slurm directive).
 *
 * @module
 */
import { UserError } from "../errors.ts";
import type { JsonValue } from "./json.ts";

/** Words bash reads as themselves, unquoted. */
const SAFE_WORD = /^[A-Za-z0-9_./:=@%+-]+$/;
/** Printable ASCII but `$`: what a single-quoted word may hold as is. */
const PRINTABLE = /^[\x20-\x23\x25-\x7e]*$/;
/** Bytes an ANSI-C quoted word keeps as is; every other byte becomes `\xHH`. */
const ANSI_KEEP = /^[A-Za-z0-9 _./:=@%+,-]$/;

/**
 * Quotes a word for bash so that it means exactly its text: unchanged when it is safe, in single
 * quotes when it is printable ASCII without `$`, else as an ANSI-C word (`$'...'`) whose every other byte
 * is `\xHH`, so the script's text holds no control character, no newline and no `$`-brace.
 *
 * @param word The word.
 * @returns The quoted word, on one line.
 * @throws {RangeError} When the word holds a NUL character (no program argument can).
 *
 * @example Words of a job script
 * ```ts
 * import { shellQuote } from "./quote.ts";
 * console.assert(shellQuote("a.py") === "a.py");
 * console.assert(shellQuote("train[n=1]") === "'train[n=1]'");
 * console.assert(shellQuote("a\n#SBATCH x") === "$'a\\x0a\\x23SBATCH x'");
 * ```
 */
export function shellQuote(word: string): string {
  if (word.includes("\0")) {
    throw new RangeError(`Cannot quote ${JSON.stringify(word)} for a shell: it holds a NUL`);
  }
  if (SAFE_WORD.test(word)) return word;
  if (PRINTABLE.test(word)) return `'${word.replaceAll("'", `'"'"'`)}'`;
  let out = "";
  for (const byte of new TextEncoder().encode(word)) {
    const c = String.fromCharCode(byte);
    out += byte < 0x80 && ANSI_KEEP.test(c) ? c : `\\x${byte.toString(16).padStart(2, "0")}`;
  }
  return `$'${out}'`;
}

/**
 * Text for a comment of a generated file (YAML or shell): every character outside printable
 * ASCII becomes `\uXXXX`, so no line break, carriage return or Unicode line separator can end
 * the comment and start a line of code or a directive.
 *
 * @param text The text.
 * @returns One line of printable ASCII.
 *
 * @example A pipeline name with a newline
 * ```ts
 * import { commentText } from "./quote.ts";
 * console.assert(commentText("p\ndefaults: x") === "p\\u000adefaults: x");
 * ```
 */
export function commentText(text: string): string {
  return text.replace(
    /[^\x20-\x7e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** Characters a JSON string keeps as is in {@linkcode jsonData}. */
const JSON_KEEP = /^[A-Za-z0-9 _./:=@%+,!?*()|~^;<>&\[\]-]$/;

function jsonString(text: string): string {
  let out = '"';
  for (const c of text) {
    if (JSON_KEEP.test(c)) {
      out += c;
      continue;
    }
    for (let i = 0; i < c.length; i++) {
      out += `\\u${c.charCodeAt(i).toString(16).padStart(4, "0")}`;
    }
  }
  return `${out}"`;
}

/**
 * JSON text of a value for a data channel of a generated workflow (an environment variable a
 * step reads with `jq`): standard JSON that decodes to exactly the value, in which no string
 * holds `$`, `{`, `}`, a quote of the shell, `#`, `\` or a control character (each is a `\uXXXX`
 * escape), so GitHub's expression syntax, YAML and the shell see nothing but data.
 *
 * @param value The value.
 * @returns Its JSON text, on one line.
 *
 * @example An expression stays data
 * ```ts
 * import { jsonData } from "./quote.ts";
 * const text = jsonData(["${{ github.token }}"]);
 * console.assert(!text.includes("$") && JSON.parse(text)[0] === "${{ github.token }}");
 * ```
 */
export function jsonData(value: JsonValue): string {
  if (typeof value === "string") return jsonString(value);
  if (Array.isArray(value)) return `[${value.map(jsonData).join(",")}]`;
  if (value !== null && typeof value === "object") {
    return `{${
      Object.entries(value).map(([k, v]) => `${jsonString(k)}:${jsonData(v ?? null)}`).join(",")
    }}`;
  }
  return JSON.stringify(value);
}

/**
 * Debian's grammar of package names (Policy 5.6.1): lowercase letters, digits, `+`, `-` and
 * `.`, at least two characters, starting with a letter or a digit.
 */
export const DEBIAN_PACKAGE = /^[a-z0-9][a-z0-9+.-]+$/;

/**
 * Checks Debian package names given by the user (`--apt`).
 *
 * @param names The names.
 * @param where Where they come from, for the message (`--apt`).
 * @returns The names, unchanged.
 * @throws {UserError} When one is not a Debian package name.
 *
 * @example
 * ```ts
 * import { debianPackages } from "./quote.ts";
 * console.assert(debianPackages(["python3-sklearn", "g++"], "--apt").length === 2);
 * ```
 */
export function debianPackages(names: readonly string[], where: string): string[] {
  for (const name of names) {
    if (!DEBIAN_PACKAGE.test(name)) {
      throw new UserError(
        `Cannot use ${JSON.stringify(name)} (${where}): it is not a Debian package name ` +
          "(lowercase letters, digits, '+', '-' and '.', at least two characters, starting " +
          "with a letter or a digit)",
      );
    }
  }
  return [...names];
}

/**
 * Whether a text can be one line of a generated file as it is: printable ASCII or other
 * printable Unicode, no control character and no line or paragraph separator.
 *
 * @param text The text.
 * @returns `true` when it holds no character that could end a line.
 *
 * @example
 * ```ts
 * import { isOneLine } from "./quote.ts";
 * console.assert(isOneLine("train-model[n=600]") && !isOneLine("a\rb"));
 * ```
 */
export function isOneLine(text: string): boolean {
  // deno-lint-ignore no-control-regex
  return !/[\x00-\x1f\x7f-\x9f\u2028\u2029]/.test(text);
}

/**
 * A label for a place GitHub evaluates (a job's or a step's name, a matrix value shown in one):
 * every character but letters, digits, spaces and `_.:=@%+,!?*()|~^;<>&[]-` becomes `_`, so it
 * holds no `${{`, no quote and no line break. Labels are for people; ids stay exact elsewhere.
 *
 * @param text The text.
 * @returns The label.
 *
 * @example
 * ```ts
 * import { labelText } from "./quote.ts";
 * console.assert(labelText("train[x=${{ github.token }}]") === "train[x=___ github.token __]");
 * ```
 */
export function labelText(text: string): string {
  return [...text].map((c) => (JSON_KEEP.test(c) ? c : "_")).join("");
}
