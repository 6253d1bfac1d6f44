/**
 * Parsing pipeline YAML: duplicate keys are errors and `<<` merge keys are resolved. The parse
 * itself goes through the base's YAML seam (`lib/_base/yaml.ts`), so that `validate` and `plan`
 * need nothing but `--allow-read`.
 *
 * @module
 */
import type { Document, LineCounter } from "../../deps.ts";
import { parseYamlDocument } from "../_base/yaml.ts";

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
  return parseYamlDocument(text, {
    prettyErrors: false,
    uniqueKeys: true,
    // `<<: *common` merge keys keep pipeline files short; YAML 1.1 had them, 1.2 made them opt-in.
    merge: true,
    ...(options.lineCounter === undefined ? {} : { lineCounter: options.lineCounter }),
  });
}

/**
 * Converts a parsed document to plain data (resolving aliases).
 *
 * @param doc A document from {@linkcode parseYaml}.
 * @returns The data.
 */
export function yamlToJs(doc: Document): unknown {
  return doc.toJS({ maxAliasCount: 1000 });
}
