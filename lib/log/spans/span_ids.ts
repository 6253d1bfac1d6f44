/**
 * Span and trace ids derived from the run id and the span's name, for runs written in parts
 * (`run --only ... --run-id`, one part per Slurm or GitHub Actions job): every part of a run
 * then shares one trace and one run span, a part links to the spans of upstream instances that
 * ran elsewhere without reading them, and `merge` gives the same bytes however often it runs.
 *
 * Span names are unique within a run (`run <pipeline>`, `plan <pipeline>`, `task <id>`,
 * `attempt <id> #<n>`), so the pair (run id, span name) names one span.
 *
 * @module
 */
import { createHash } from "node:crypto";

function digest(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * The trace id of a run written in parts: 32 hex digits of `sha256("trace " + runId)`.
 *
 * @param runId The run id.
 * @returns 32 lowercase hex digits, never all zeros.
 *
 * @example The trace of a run
 * ```ts
 * import { derivedTraceId } from "./span_ids.ts";
 * console.assert(derivedTraceId("r1") === derivedTraceId("r1"));
 * console.assert(/^[0-9a-f]{32}$/.test(derivedTraceId("r1")));
 * ```
 */
export function derivedTraceId(runId: string): string {
  return nonZero(digest(`trace ${runId}`).slice(0, 32));
}

/**
 * The id of the span named `name` in the run `runId`: 16 hex digits of
 * `sha256("span " + runId + "\n" + name)`.
 *
 * @param runId The run id.
 * @param name The span's name, e.g. `task train[n=600]`.
 * @returns 16 lowercase hex digits, never all zeros.
 *
 * @example A task span's id
 * ```ts
 * import { derivedSpanId } from "./span_ids.ts";
 * console.assert(derivedSpanId("r1", "task a") !== derivedSpanId("r1", "task b"));
 * ```
 */
export function derivedSpanId(runId: string, name: string): string {
  return nonZero(digest(`span ${runId}\n${name}`).slice(0, 16));
}

/**
 * The context of an instance's task span in a run written in parts: for links to upstream
 * instances that ran in another part.
 *
 * @param runId The run id.
 * @param instanceId The instance id.
 * @returns Trace id, span id and the sampled flag.
 *
 * @example Linking to `ingest`
 * ```ts
 * import { derivedSpanId, derivedTaskContext } from "./span_ids.ts";
 * console.assert(derivedTaskContext("r1", "ingest").spanId === derivedSpanId("r1", "task ingest"));
 * ```
 */
export function derivedTaskContext(
  runId: string,
  instanceId: string,
): { traceId: string; spanId: string; traceFlags: number } {
  return {
    traceId: derivedTraceId(runId),
    spanId: derivedSpanId(runId, `task ${instanceId}`),
    traceFlags: 1,
  };
}

// OpenTelemetry treats an all-zero id as invalid; sha256 makes it vanishingly rare anyway.
function nonZero(hex: string): string {
  return /^0+$/.test(hex) ? `${hex.slice(0, -1)}1` : hex;
}

/**
 * An OpenTelemetry id generator that hands out the derived ids: the trace id of the run, and
 * for each span the id named by {@linkcode NamedIdGenerator.nextName} (set just before the span
 * is started; random when unset).
 *
 * @example Naming the next span
 * ```ts
 * import { derivedSpanId, NamedIdGenerator } from "./span_ids.ts";
 * const ids = new NamedIdGenerator("r1");
 * ids.nextName = "task a";
 * console.assert(ids.generateSpanId() === derivedSpanId("r1", "task a"));
 * ```
 */
export class NamedIdGenerator {
  #runId: string;
  /** Name of the span about to start; consumed by the next {@linkcode generateSpanId}. */
  nextName: string | undefined;

  /** @param runId The run id. */
  constructor(runId: string) {
    this.#runId = runId;
  }

  /** @returns The run's trace id. */
  generateTraceId(): string {
    return derivedTraceId(this.#runId);
  }

  /** @returns The id of the named span, or a random one. */
  generateSpanId(): string {
    const name = this.nextName;
    this.nextName = undefined;
    if (name !== undefined) return derivedSpanId(this.#runId, name);
    return Array.from(
      crypto.getRandomValues(new Uint8Array(8)),
      (b) => b.toString(16).padStart(2, "0"),
    ).join("");
  }
}
