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
export { Command, CommanderError, InvalidArgumentError, Option } from "npm:commander@15.1.0";
export { Eta } from "npm:eta@4.6.0";
// Website (lib/site): markdown, HTML sanitising, code highlighting, ANSI colours, DAG layout.
export { Marked } from "npm:marked@18.2.1";
// sanitize-html pulls in postcss/picocolors, which read process.env at import: that would need
// --allow-env. js-xss is a maintained whitelist sanitiser without that.
export { FilterXSS, whiteList as xssWhiteList } from "npm:xss@1.0.17";
export { default as hljs } from "npm:highlight.js@11.12.0/lib/core";
export { default as hljsPython } from "npm:highlight.js@11.12.0/lib/languages/python";
export { AnsiUp } from "npm:ansi_up@6.0.6";
export { default as dagre } from "npm:@dagrejs/dagre@3.1.3";

// OpenTelemetry, as one matched set: a transformer built for a newer API fails at import.
export { ROOT_CONTEXT, SpanStatusCode, trace } from "npm:@opentelemetry/api@1.10.0";
export type {
  Attributes,
  Link as SpanLink,
  Span,
  SpanContext,
  Tracer,
} from "npm:@opentelemetry/api@1.10.0";
export { JsonTraceSerializer } from "npm:@opentelemetry/otlp-transformer@0.301.1";
export { TracerProvider } from "npm:@opentelemetry/sdk-trace@3.1.1";
export type { ReadableSpan, SpanProcessor } from "npm:@opentelemetry/sdk-trace@3.1.1";
export { resourceFromAttributes } from "npm:@opentelemetry/resources@3.1.1";

// GitHub REST API client and zip archives (cli.ts collect).
export { Octokit } from "npm:@octokit/rest@22.0.1";
// Retries and rate-limit waits, matched with the @octokit/core 7 that @octokit/rest 22 uses.
export { retry } from "npm:@octokit/plugin-retry@8.1.1";
export { throttling } from "npm:@octokit/plugin-throttling@11.0.5";
export { unzipSync } from "npm:fflate@0.8.3";
export type { UnzipFileInfo } from "npm:fflate@0.8.3";
