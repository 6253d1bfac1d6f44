/**
 * The one place that parses YAML, so that `validate`, `plan` and `convert` run under
 * `--allow-read` alone.
 *
 * The Node build of the `yaml` package (the one Deno loads: its `exports` pick `node` before the
 * env-free browser build) reads `process.env.LOG_TOKENS` for every token and
 * `process.env.LOG_STREAM` for every document: debug switches. Without `--allow-env` Deno throws
 * `NotCapable` there. So while a parse runs, those two read as unset (also with `--allow-env`:
 * an env read per token costs more than the parse of a big file), and any other env read that is
 * not permitted answers "unset" instead of throwing. The parse is synchronous, so no
 * other code can run (and see the patched `Deno.env.get`) before it is undone. Stringifying and
 * `toJS()` read no env and need no seam. The version of `yaml` in `deps.ts` was checked for these
 * probes (2.9.1, the latest): a new version must be checked again, and the test of this module
 * fails if a probe is added outside the parse.
 *
 * The import-direction test (`tests/architecture_test.ts`) fails when another file of `lib/`
 * imports `parseDocument`.
 *
 * @module
 */
import { type Document, parseDocument } from "../../deps.ts";

const PROBES = ["LOG_TOKENS", "LOG_STREAM"];

/** Options of {@linkcode parseYamlDocument}: those of the `yaml` package's `parseDocument`. */
export type ParseYamlOptions = NonNullable<Parameters<typeof parseDocument>[1]>;

/**
 * Parses one YAML (or JSON) document, without needing `--allow-env`.
 *
 * @param text The source text.
 * @param options The `yaml` package's parse, document and schema options.
 * @returns The document, with `errors` for malformed input.
 *
 * @example Parsing without --allow-env
 * ```ts
 * import { parseYamlDocument } from "./yaml.ts";
 * const doc = parseYamlDocument("a: 1", { uniqueKeys: true });
 * console.assert(doc.toJS().a === 1);
 * ```
 */
export function parseYamlDocument(text: string, options: ParseYamlOptions = {}): Document {
  return withoutEnvProbes(() => parseDocument(text, options));
}

function withoutEnvProbes<T>(fn: () => T): T {
  const env = Deno.env as { get(key: string): string | undefined };
  const original = env.get;
  env.get = (key: string) => {
    // Answer the probes directly: a thrown NotCapable per token would cost seconds on big files.
    if (PROBES.includes(key)) return undefined;
    try {
      return original.call(Deno.env, key);
    } catch (err) {
      if (err instanceof Deno.errors.NotCapable) return undefined;
      throw err;
    }
  };
  try {
    return fn();
  } finally {
    env.get = original;
  }
}
