/**
 * Instance ids and file-system-safe slugs.
 *
 * @module
 */
import type { JsonValue } from "../_base/json.ts";
import { fnv1a } from "../_base/hash.ts";

/**
 * JSON with object keys sorted, so equal values have equal text.
 *
 * @param v A JSON value.
 * @returns Its canonical JSON text.
 *
 * @example
 * ```ts
 * import { canonicalJson } from "./ids.ts";
 * console.assert(canonicalJson({ b: 1, a: [2] }) === '{"a":[2],"b":1}');
 * ```
 */
export function canonicalJson(v: JsonValue): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (v !== null && typeof v === "object") {
    return `{${
      Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k] ?? null)}`)
        .join(",")
    }}`;
  }
  return JSON.stringify(v);
}

/**
 * The id of an instance: the task name, plus `[key=value,...]` with keys sorted for a matrix
 * task. String values appear as written, other values as JSON.
 *
 * @param task Task name.
 * @param matrix The instance's matrix values.
 * @returns The id.
 *
 * @example
 * ```ts
 * import { instanceId } from "./ids.ts";
 * console.assert(instanceId("train", { size: 600, algo: "svm" }) === "train[algo=svm,size=600]");
 * console.assert(instanceId("ingest", {}) === "ingest");
 * ```
 */
export function instanceId(task: string, matrix: Record<string, JsonValue>): string {
  const keys = Object.keys(matrix).sort();
  if (keys.length === 0) return task;
  const parts = keys.map((k) => {
    const v = matrix[k] ?? null;
    return `${k}=${typeof v === "string" ? v : canonicalJson(v)}`;
  });
  return `${task}[${parts.join(",")}]`;
}

const MAX_SLUG = 80;

/**
 * Slugs for ids: letters, digits, `.`, `_` and `-` only, unique even on case-insensitive file
 * systems. A slug that would collide or be too long gets a hash of the id appended.
 *
 * @param ids Instance ids, unique.
 * @returns A slug per id, in the same order.
 *
 * @example
 * ```ts
 * import { slugify } from "./ids.ts";
 * const [s] = slugify(["train-model[nr_train_images=600]"]);
 * console.assert(s === "train-model_nr_train_images-600");
 * ```
 */
export function slugify(ids: readonly string[]): string[] {
  const base = ids.map((id) =>
    id.replace("[", "_").replaceAll("=", "-").replaceAll(",", "_").replace(/\]$/, "")
      .replace(/[^A-Za-z0-9._-]+/g, "_")
  );
  const counts = new Map<string, number>();
  for (const b of base) counts.set(b.toLowerCase(), (counts.get(b.toLowerCase()) ?? 0) + 1);
  return base.map((b, i) => {
    if (counts.get(b.toLowerCase()) === 1 && b.length <= MAX_SLUG) return b;
    return `${b.slice(0, MAX_SLUG - 9)}-${fnv1a(ids[i] ?? "")}`;
  });
}
