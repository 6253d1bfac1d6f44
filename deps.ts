/**
 * Every third-party import of the library and the command line, pinned to an exact version.
 *
 * Specifiers are inline `npm:` URLs so that `deno run https://.../cli.ts` works without the
 * repository's import map.
 *
 * @module
 */

export { z } from "npm:zod@4.6.7";
export {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  stringify as stringifyYaml,
} from "npm:yaml@2.9.1";
export type { Document, Node as YamlNode, Pair, Scalar, YAMLMap, YAMLSeq } from "npm:yaml@2.9.1";
export { Command, CommanderError, InvalidArgumentError, Option } from "npm:commander@15.1.0";
export { Eta } from "npm:eta@4.6.0";
