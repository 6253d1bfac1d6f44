/**
 * Parsing YAML under `--allow-read` alone.
 *
 * Every call goes through `withYamlEnvProbes` (`lib/_yaml_env.ts`), so that `validate` and
 * `plan` need nothing but `--allow-read`.
 *
 * @module
 */
import { type Document, type LineCounter, parseDocument } from "../../deps.ts";
import { withYamlEnvProbes } from "../_yaml_env.ts";

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
  return withYamlEnvProbes(() =>
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
  return withYamlEnvProbes(() => doc.toJS({ maxAliasCount: 1000 }));
}
