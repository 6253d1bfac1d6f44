/**
 * Selection of part of a plan: `--only`, `--from`, `--to`.
 *
 * @module
 */
import { closest } from "../spec/suggest.ts";
import { SelectionError } from "./errors.ts";
import type { PlannedInstance } from "./types.ts";

/** Which instances to keep. Each given option selects a set; the plan keeps their intersection. */
export interface Selection {
  /**
   * Tasks or instance ids to run, nothing else.
   * @default every instance
   */
  only?: string[];
  /**
   * Tasks or instance ids to start from: they and everything downstream of them.
   * @default every instance
   */
  from?: string[];
  /**
   * Tasks or instance ids to end at: they and everything upstream of them.
   * @default every instance
   */
  to?: string[];
}

/**
 * Resolves a selection to the ids of the instances it keeps. Within one option the names add
 * up; across options the sets intersect (`--from split --to benchmark` keeps what lies between).
 *
 * @param pipeline Name of the pipeline, for messages.
 * @param instances Every instance of the plan, in topological order.
 * @param selection The selection flags.
 * @returns The kept ids, or `undefined` when no option is given.
 * @throws {SelectionError} When a name is neither a task nor an instance id, or nothing is kept.
 *
 * @example Selecting a task and what depends on it
 * ```ts
 * import { selectIds } from "./select.ts";
 * const inst = (id: string, needs: string[]) => ({ id, task: id, needs });
 * const ids = selectIds("demo", [inst("a", []), inst("b", ["a"]), inst("c", ["b"])], {
 *   from: ["b"],
 * });
 * console.assert([...ids!].join() === "b,c");
 * ```
 */
export function selectIds(
  pipeline: string,
  instances: readonly Pick<PlannedInstance, "id" | "task" | "needs">[],
  selection: Selection,
): Set<string> | undefined {
  const { only, from, to } = selection;
  if (only === undefined && from === undefined && to === undefined) return undefined;
  const byTask = new Map<string, string[]>();
  const ids = new Set<string>();
  const downstream = new Map<string, string[]>();
  for (const inst of instances) {
    ids.add(inst.id);
    const list = byTask.get(inst.task) ?? [];
    list.push(inst.id);
    byTask.set(inst.task, list);
    for (const need of inst.needs) {
      const down = downstream.get(need) ?? [];
      down.push(inst.id);
      downstream.set(need, down);
    }
  }
  const upstream = new Map(instances.map((i) => [i.id, i.needs]));
  const problems: string[] = [];
  const resolve = (flag: string, names: string[]): string[] =>
    names.flatMap((name) => {
      const found = byTask.get(name) ?? (ids.has(name) ? [name] : undefined);
      if (found !== undefined) return found;
      const hint = closest(name, byTask.keys()) ??
        (ids.size <= 5000 ? closest(name, ids) : undefined);
      problems.push(
        `${flag} ${JSON.stringify(name)} is neither a task nor an instance id` +
          (hint === undefined
            ? `; tasks are: ${[...byTask.keys()].join(", ")}`
            : `; did you mean ${JSON.stringify(hint)}?`),
      );
      return [];
    });
  const sets: Set<string>[] = [];
  if (only !== undefined) sets.push(new Set(resolve("--only", only)));
  if (from !== undefined) sets.push(closure(resolve("--from", from), downstream));
  if (to !== undefined) sets.push(closure(resolve("--to", to), upstream));
  if (problems.length > 0) throw new SelectionError(pipeline, problems);
  const [first, ...rest] = sets;
  const kept = new Set([...first!].filter((id) => rest.every((s) => s.has(id))));
  if (kept.size === 0) {
    const flags = [
      only && `--only ${only.join(" ")}`,
      from && `--from ${from.join(" ")}`,
      to && `--to ${to.join(" ")}`,
    ].filter(Boolean).join(" ");
    throw new SelectionError(pipeline, [
      `the selection ${flags} keeps no task instance; with --from and --to, the --to task must ` +
      `be downstream of the --from task`,
    ]);
  }
  // Keep topological order.
  return new Set(instances.map((i) => i.id).filter((id) => kept.has(id)));
}

function closure(start: string[], edges: ReadonlyMap<string, readonly string[]>): Set<string> {
  const seen = new Set(start);
  const queue = [...start];
  while (queue.length > 0) {
    for (const next of edges.get(queue.pop()!) ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return seen;
}
