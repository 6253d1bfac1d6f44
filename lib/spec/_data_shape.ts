/**
 * The shape check of pipeline data that did not come from YAML (a `pipeline.ts` default
 * export): JavaScript objects can hold cycles and any depth, which JSON and the planner cannot.
 *
 * @module
 */
import { formatPath } from "./_issues.ts";
import { MAX_PIPELINE_DEPTH } from "./limits.ts";

/**
 * Finds the first place where the data refers to itself or nests past
 * {@linkcode MAX_PIPELINE_DEPTH}.
 *
 * @param raw The data.
 * @returns The dotted path and what is wrong, or `undefined` when the data is a tree of
 *   bounded depth.
 */
export function findBadShape(raw: unknown): { path: string; message: string } | undefined {
  const open = new Set<object>();
  const path: PropertyKey[] = [];
  const visit = (v: unknown): string | undefined => {
    if (v === null || typeof v !== "object") return undefined;
    if (open.has(v)) return "refers to a value that contains it (a cycle); JSON cannot hold it";
    if (path.length >= MAX_PIPELINE_DEPTH) {
      return `is nested more than ${MAX_PIPELINE_DEPTH} levels deep`;
    }
    open.add(v);
    const entries: [PropertyKey, unknown][] = Array.isArray(v)
      ? v.map((x, i) => [i, x])
      : Object.entries(v);
    for (const [key, child] of entries) {
      path.push(key);
      const bad = visit(child);
      if (bad !== undefined) return bad;
      path.pop();
    }
    open.delete(v);
    return undefined;
  };
  const message = visit(raw);
  return message === undefined ? undefined : { path: formatPath(path), message };
}
