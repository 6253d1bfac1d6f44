/**
 * The span processor of {@linkcode SpanLog}: appends each span as it ends to `spans.jsonl`, one
 * complete OTLP/JSON `ExportTraceServiceRequest` per line, encoded by the official serializer.
 *
 * @module
 */
import { JsonTraceSerializer, type ReadableSpan, type SpanProcessor } from "../../../deps/otel.ts";

/**
 * Appends each ended span as one line; a line is written with one call, so it is whole.
 *
 * @example Writing spans of a provider to a file
 * ```ts ignore
 * import { TracerProvider } from "../../../deps/otel.ts";
 * const provider = new TracerProvider({ spanProcessors: [new JsonlSpanProcessor("spans.jsonl")] });
 * ```
 */
export class JsonlSpanProcessor implements SpanProcessor {
  #file: string;
  #encoder = new TextEncoder();
  /** @param file The `spans.jsonl` file to append to. */
  constructor(file: string) {
    this.#file = file;
  }
  onStart(): void {}
  onEnd(span: ReadableSpan): void {
    const request = JsonTraceSerializer.serializeRequest([span]);
    if (request === undefined) throw new Error(`Cannot encode span '${span.name}' as OTLP/JSON`);
    const line = new Uint8Array(request.length + 1);
    line.set(request);
    line[request.length] = 0x0a;
    Deno.writeFileSync(this.#file, line, { append: true, create: true });
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
