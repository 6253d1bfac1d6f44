/**
 * Planned task instances for unit tests of the stages after the planner (scheduler, instance
 * runner, run recorder, executor, cache): one fixture instead of a copy per test file.
 *
 * @module
 */
import type { PlannedInstance } from "../lib/plan/types.ts";

/**
 * A planned instance with plain defaults: no matrix, no parameters, no needs, notebook
 * `<id>.py`, a 60 s timeout, no retries, kernel `python3`, no env.
 *
 * @param id The instance id (also its task name and slug unless `fields` says otherwise).
 * @param fields Fields that differ from the defaults.
 * @returns The instance.
 *
 * @example An instance with a need and a retry
 * ```ts
 * import { plannedInstance } from "./instances.ts";
 * const train = plannedInstance("train", { needs: ["prep"], retries: 1 });
 * console.assert(train.notebook === "train.py" && train.needs[0] === "prep");
 * ```
 */
export function plannedInstance(
  id: string,
  fields: Partial<PlannedInstance> = {},
): PlannedInstance {
  return {
    id,
    task: id,
    slug: id,
    matrix: {},
    parameters: {},
    needs: [],
    notebook: `${id}.py`,
    timeoutSeconds: 60,
    retries: 0,
    kernel: "python3",
    env: {},
    ...fields,
  };
}
