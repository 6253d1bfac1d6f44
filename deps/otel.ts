/**
 * OpenTelemetry, for the run log (`lib/log`): loaded only by the commands that write or read
 * spans through the SDK, not by `validate` or `plan`. Pinned like everything in `deps.ts`.
 *
 * @module
 */

// One matched set: a transformer built for a newer API fails at import.
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
