/**
 * The critical path of a plan: the chain of instances that bounds the run's duration, by
 * declared timeouts.
 *
 * @module
 */
import type { Plan, PlannedInstance } from "./types.ts";

/** The longest chain of a plan by worst-case duration. */
export interface CriticalPath {
  /** Instance ids, upstream first. */
  ids: string[];
  /** Sum of the worst-case durations of the chain, in seconds. */
  seconds: number;
}

/**
 * The worst-case duration of one instance: its timeout times its attempts (`retries + 1`).
 *
 * @param inst A planned instance.
 * @returns Seconds.
 *
 * @example
 * ```ts
 * import { worstCaseSeconds } from "./critical_path.ts";
 * console.assert(worstCaseSeconds({ timeoutSeconds: 60, retries: 2 }) === 180);
 * ```
 */
export function worstCaseSeconds(inst: Pick<PlannedInstance, "timeoutSeconds" | "retries">) {
  return inst.timeoutSeconds * (inst.retries + 1);
}

/**
 * Finds the chain of instances with the largest total worst-case duration: with enough
 * workers, no run of the plan can take longer. Ties go to the chain found first.
 *
 * @param plan A plan (instances in topological order).
 * @returns The chain and its duration; empty for an empty plan.
 *
 * @example
 * ```ts
 * import { criticalPath } from "./critical_path.ts";
 * const inst = (id: string, needs: string[], timeoutSeconds: number) => ({
 *   id, task: id, slug: id, matrix: {}, parameters: {}, needs, notebook: `${id}.py`,
 *   timeoutSeconds, retries: 0, kernel: "python3", env: {},
 * });
 * const path = criticalPath({
 *   pipeline: "demo", baseDir: "/tmp", parameters: {}, layers: [],
 *   instances: [inst("a", [], 60), inst("b", ["a"], 10), inst("c", ["a"], 600)],
 * });
 * console.assert(path.ids.join() === "a,c" && path.seconds === 660);
 * ```
 */
export function criticalPath(plan: Plan): CriticalPath {
  const total = new Map<string, number>();
  const via = new Map<string, string>();
  let end: string | undefined;
  for (const inst of plan.instances) {
    let best = 0;
    for (const need of inst.needs) {
      const t = total.get(need) ?? 0;
      if (t > best) {
        best = t;
        via.set(inst.id, need);
      }
    }
    const t = best + worstCaseSeconds(inst);
    total.set(inst.id, t);
    if (end === undefined || t > total.get(end)!) end = inst.id;
  }
  const ids: string[] = [];
  for (let id = end; id !== undefined; id = via.get(id)) ids.push(id);
  return { ids: ids.reverse(), seconds: end === undefined ? 0 : total.get(end)! };
}
