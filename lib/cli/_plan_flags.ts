/**
 * The flags `plan` and `run` share: the selection (`--only`, `--from`, `--to`) and `--param`.
 *
 * @module
 */
import type { PlanOptions } from "../plan/plan.ts";
import type { JsonValue } from "../_base/json.ts";
import { parseParamFlag } from "../spec/params.ts";

/** The selection and override flags, as commander parses them. */
export interface PlanFlags {
  only?: string[];
  from?: string[];
  to?: string[];
  param?: Record<string, JsonValue>;
}

/**
 * Accumulates one `--param name=value` (the value is YAML) for commander.
 *
 * @param text The flag's value.
 * @param acc The parameters given so far.
 * @returns Them with this one.
 * @throws {InvalidArgumentError} When the flag is not `name=value`.
 *
 * @example
 * ```ts
 * import { collectParam } from "./_plan_flags.ts";
 * console.assert(collectParam("n=3", { a: 1 }).n === 3);
 * ```
 */
export function collectParam(
  text: string,
  acc: Record<string, JsonValue> | undefined,
): Record<string, JsonValue> {
  const [name, value] = parseParamFlag(text);
  return { ...acc, [name]: value };
}

/**
 * The planner's options from the flags.
 *
 * @param flags The parsed flags.
 * @returns The options of `planPipeline` / `loadAndPlan`.
 *
 * @example
 * ```ts
 * import { planOptions } from "./_plan_flags.ts";
 * console.assert(planOptions({ only: ["a"] }).only?.[0] === "a");
 * ```
 */
export function planOptions(flags: PlanFlags): PlanOptions {
  const options: PlanOptions = { overrides: flags.param ?? {} };
  if (flags.only !== undefined) options.only = flags.only;
  if (flags.from !== undefined) options.from = flags.from;
  if (flags.to !== undefined) options.to = flags.to;
  return options;
}
