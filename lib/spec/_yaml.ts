/**
 * Parsing YAML under `--allow-read` alone.
 *
 * The `yaml` package's Node build probes `process.env.LOG_TOKENS` and `LOG_STREAM` (debug
 * switches) on every parse; without `--allow-env`, Deno throws `NotCapable` there. We want
 * `validate` and `plan` to need nothing but `--allow-read`, so while a parse runs (synchronously)
 * an env read that is not permitted answers "unset" instead of throwing, which is what those
 * debug switches mean anyway. The patch is undone before returning.
 *
 * @module
 */
import { type Document, type LineCounter, parseDocument } from "../../deps.ts";

/** Options of {@linkcode parseYaml}. */
export interface ParseYamlOptions {
  /** Collects line starts, for positions. */
  lineCounter?: LineCounter;
}

/**
 * Parses one YAML (or JSON) document, keeping node positions; duplicate keys are errors and
 * `<<` merge keys are resolved.
 *
 * @param text The source text.
 * @param options A line counter for positions.
 * @returns The document, with `errors` for malformed input.
 */
export function parseYaml(text: string, options: ParseYamlOptions = {}): Document {
  return withUnsetEnvWhenDenied(() =>
    parseDocument(text, {
      prettyErrors: false,
      uniqueKeys: true,
      // `<<: *common` merge keys keep pipeline files short; YAML 1.1 had them, 1.2 made them opt-in.
      merge: true,
      ...(options.lineCounter === undefined ? {} : { lineCounter: options.lineCounter }),
    })
  );
}

/**
 * Converts a parsed document to plain data (resolving aliases).
 *
 * @param doc A document from {@linkcode parseYaml}.
 * @returns The data.
 */
export function yamlToJs(doc: Document): unknown {
  return withUnsetEnvWhenDenied(() => doc.toJS({ maxAliasCount: 1000 }));
}

const PROBES = ["LOG_TOKENS", "LOG_STREAM"];

function withUnsetEnvWhenDenied<T>(fn: () => T): T {
  const granted = PROBES.every((variable) =>
    Deno.permissions.querySync({ name: "env", variable }).state === "granted"
  );
  if (granted) return fn();
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
