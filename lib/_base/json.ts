/**
 * JSON values: the type of parameters, matrix values, notebook metadata and logged values, and
 * the one zod schema that validates them wherever they come from outside.
 *
 * @module
 */
import { z } from "../../deps.ts";

/** A JSON value, as parameters, matrix values, notebook metadata and logged values are. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

/** A JSON object, as notebook and cell metadata are. */
export type JsonObject = { [key: string]: JsonValue };

/**
 * Any JSON value. Numbers must be finite: JSON has no `NaN` or infinities, and YAML's `.nan` and
 * `.inf` must not slip through as parameters.
 *
 * @example Validating a value
 * ```ts
 * import { JsonValueSchema } from "./json.ts";
 * console.assert(JsonValueSchema.safeParse({ tags: ["parameters"], n: 1 }).success);
 * console.assert(!JsonValueSchema.safeParse(Number.NaN).success);
 * ```
 */
export const JsonValueSchema: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([
    z.string(),
    z.number().refine(Number.isFinite, { error: "must be a finite number" }),
    z.boolean(),
    z.null(),
    z.array(JsonValueSchema),
    z.record(z.string(), JsonValueSchema),
  ], { error: "must be a JSON value (string, number, boolean, null, list or mapping)" })
);
