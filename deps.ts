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
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  stringify as stringifyYaml,
} from "npm:yaml@2.9.1";
export type { Document, Node as YamlNode, Pair, Scalar, YAMLMap, YAMLSeq } from "npm:yaml@2.9.1";
// The heavier packages live beside this file, each loaded only by the commands that use it (a
// module's re-exports are all evaluated when it is imported, so one file would load every one):
// `deps/cli.ts` (commander), `deps/otel.ts` (OpenTelemetry, the run log), `deps/site.ts` (the website), `deps/github.ts`
// (the GitHub client, zip archives).
