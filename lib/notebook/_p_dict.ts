/**
 * The dict `P` that every injected cell defines, in Python and in TypeScript alike.
 *
 * @module
 */
import type { JsonValue } from "../_base/json.ts";
import type { RunContext } from "./inject.ts";

/**
 * The entries of `P`: every parameter in order, then the run context under `run.id`, `task.id`,
 * `task.instance` and `attempt`.
 *
 * @param parameters The parameters, in the order to list them.
 * @param context Where the notebook runs.
 * @returns Key and value pairs, for the caller to write as literals of its language.
 */
export function pEntries(
  parameters: Record<string, JsonValue>,
  context: RunContext,
): [string, JsonValue][] {
  return [
    ...Object.entries(parameters),
    ["run.id", context.runId],
    ["task.id", context.taskId],
    ["task.instance", context.instanceId],
    ["attempt", context.attempt],
  ];
}
