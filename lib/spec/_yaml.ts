/**
 * Parsing YAML under `--allow-read` alone, with every problem of the text (syntax, duplicate
 * keys, recursive aliases, alias bombs, nesting) found before the data is built.
 *
 * The parse itself goes through the base's YAML seam (`lib/_base/yaml.ts`), so that `validate`
 * and `plan` need nothing but `--allow-read`.
 *
 * @module
 */
import type { Document, LineCounter } from "../../deps.ts";
import { parseYamlDocument } from "../_base/yaml.ts";
import { checkYamlShape, type ShapeLimits, type ShapeProblem } from "../_base/yaml_shape.ts";
import {
  MAX_PIPELINE_ALIAS_EXPANSION,
  MAX_PIPELINE_ALIASES,
  MAX_PIPELINE_DEPTH,
} from "./limits.ts";

const LIMITS: ShapeLimits = {
  maxDepth: MAX_PIPELINE_DEPTH,
  maxAliases: MAX_PIPELINE_ALIASES,
  maxExpansion: MAX_PIPELINE_ALIAS_EXPANSION,
};

/** Options of {@linkcode parseYaml}. */
export interface ParseYamlOptions {
  /** Collects line starts, for positions. */
  lineCounter?: LineCounter;
}

/** A parsed document and what is wrong with it. */
export interface ParsedYaml {
  /** The document; use it only when `problems` is empty. */
  doc: Document;
  /** Syntax errors, or else problems of shape, each at a character offset. */
  problems: ShapeProblem[];
}

/**
 * Parses one YAML (or JSON) document, keeping node positions; duplicate keys, aliases inside
 * the value they name, alias bombs and nesting deeper than the limit are problems, and `<<`
 * merge keys are resolved. Time is linear in the size of the text.
 *
 * @param text The source text.
 * @param options A line counter for positions.
 * @returns The document and its problems.
 */
export function parseYaml(text: string, options: ParseYamlOptions = {}): ParsedYaml {
  let doc: Document;
  try {
    doc = parseYamlDocument(text, {
      prettyErrors: false,
      // Duplicate keys are found by checkYamlShape: the parser's own check is quadratic.
      uniqueKeys: false,
      // `<<: *common` merge keys keep pipeline files short; YAML 1.1 had them, 1.2 made them
      // opt-in.
      merge: true,
      ...(options.lineCounter === undefined ? {} : { lineCounter: options.lineCounter }),
    });
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    return { doc: parseYamlDocument(""), problems: [{ offset: 0, message: tooDeep() }] };
  }
  const overflow = doc.errors.find((e) => /call stack/i.test(e.message));
  if (overflow !== undefined) {
    // The parser recursed past the stack and said so: only absurd nesting does that.
    return { doc, problems: [{ offset: overflow.pos[0], message: tooDeep() }] };
  }
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => ({
      offset: e.pos[0],
      message: `invalid YAML: ${yamlMessage(e.message)}`,
    }));
    return { doc, problems };
  }
  const problems = checkYamlShape(doc, LIMITS).map((p) => ({
    offset: p.offset,
    message: `invalid YAML: ${p.message}`,
  }));
  return { doc, problems };
}

/**
 * Converts a parsed document without problems to plain data (resolving aliases).
 *
 * @param doc A document from {@linkcode parseYaml} whose problems were empty.
 * @returns The data.
 */
export function yamlToJs(doc: Document): unknown {
  // checkYamlShape has bounded aliases already, with positions; the package's own count would
  // cost a walk of the whole document per alias.
  return doc.toJS({ maxAliasCount: -1 });
}

function tooDeep(): string {
  return `invalid YAML: nested more than ${MAX_PIPELINE_DEPTH} levels deep`;
}

function yamlMessage(message: string): string {
  // yaml appends " at line L, column C" and a code frame; we print our own position.
  return message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
}
