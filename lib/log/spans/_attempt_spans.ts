/**
 * Attempt spans grouped by instance, for rebuilding a run from its spans.
 *
 * @module
 */
import { attrString, type FlatSpan } from "./otlp_read.ts";
import { SPAN } from "./span_schema.ts";

const A = SPAN.attr;

/**
 * Attempt spans by instance id. An attempt number that is not a positive safe integer is no
 * attempt of this runner (a corrupt or forged line), and is left out.
 *
 * @param spans Every span of a run.
 * @returns Instance id to its attempt spans, in file order.
 *
 * @example No spans
 * ```ts
 * import { attemptsByTaskId } from "./_attempt_spans.ts";
 * console.assert(attemptsByTaskId([]).size === 0);
 * ```
 */
export function attemptsByTaskId(spans: FlatSpan[]): Map<string, FlatSpan[]> {
  const byTask = new Map<string, FlatSpan[]>();
  for (const s of spans) {
    const n = s.attributes[A.attempt];
    const id = attrString(s.attributes[A.taskId]);
    if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 1 || id === undefined) continue;
    const list = byTask.get(id);
    if (list === undefined) byTask.set(id, [s]);
    else list.push(s);
  }
  return byTask;
}
