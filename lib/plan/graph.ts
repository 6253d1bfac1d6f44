/**
 * Graph algorithms on task names: finding a cycle.
 *
 * @module
 */

/**
 * Finds a cycle among tasks, where `needs.get(t)` lists what `t` waits for. Searches in the
 * order of `tasks`, so the answer is deterministic.
 *
 * @param tasks Task names, in declaration order.
 * @param needs The needs of each task (names that are not tasks are ignored).
 * @returns The cycle upstream first with its first task repeated at the end
 *   (`["a", "b", "a"]`: b needs a, a needs b), or `undefined`.
 *
 * @example
 * ```ts
 * import { findCycle } from "./graph.ts";
 * const needs = new Map([["a", ["c"]], ["b", ["a"]], ["c", ["b"]]]);
 * console.assert(findCycle(["a", "b", "c"], needs)?.join(" -> ") === "a -> b -> c -> a");
 * ```
 */
export function findCycle(
  tasks: readonly string[],
  needs: ReadonlyMap<string, readonly string[]>,
): string[] | undefined {
  const state = new Map<string, 1 | 2>(); // 1: on the stack, 2: done
  for (const start of tasks) {
    if (state.has(start)) continue;
    const stack: { task: string; next: number }[] = [{ task: start, next: 0 }];
    state.set(start, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const deps = needs.get(top.task) ?? [];
      if (top.next >= deps.length) {
        state.set(top.task, 2);
        stack.pop();
        continue;
      }
      const dep = deps[top.next++]!;
      if (!needs.has(dep)) continue;
      const s = state.get(dep);
      if (s === 1) {
        // The stack from `dep` to the top follows needs downward; reverse it to read upstream first.
        const from = stack.findIndex((f) => f.task === dep);
        return upstreamFirst(stack.slice(from).map((f) => f.task));
      }
      if (s === undefined) {
        state.set(dep, 1);
        stack.push({ task: dep, next: 0 });
      }
    }
  }
  return undefined;
}

/** `path` lists tasks where each needs the next; return them upstream first, closed. */
function upstreamFirst(path: string[]): string[] {
  // path = [x0, x1, ..., xk] with x0 needs x1, ..., xk needs x0.
  const up = [...path].reverse(); // xk, ..., x1, x0: each is needed by the next
  // Start the cycle at the task that comes first in the search (x0), for a stable message.
  const rotated = [up[up.length - 1]!, ...up.slice(0, up.length - 1)];
  return [...rotated, rotated[0]!];
}
