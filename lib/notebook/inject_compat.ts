/**
 * The injected `P` of a notebook written for the original pynb-dag-runner (Python), so that it
 * runs unchanged: `pipeline.<name>` for pipeline parameters and the run's context,
 * `task.<name>` for the task's own parameters and matrix values.
 *
 * @module
 */
import type { JsonValue } from "../_base/json.ts";
import type { RunContext } from "./inject.ts";
import { pythonLiteral } from "./python_literal.ts";

/** What the original pynb-dag-runner's `P` holds besides the parameters. */
export interface PydarContext {
  /** Names of the parameters that are the task's own (task parameters, matrix keys). */
  taskParameters: readonly string[];
  /**
   * The GitHub Actions context (`repository`, `run_id`, `sha`, ...) by lower-case name without
   * `GITHUB_`; each becomes `pipeline.github.<name>`.
   * @default none (a run outside CI)
   */
  github?: Readonly<Record<string, string>>;
  /** The notebook's path as the pipeline names it (`task.notebook`). @default absent */
  notebook?: string;
  /** The whole-task timeout in seconds (`task.timeout_s`). @default absent */
  timeoutSeconds?: number;
  /** Retries after a failure (`task.max_nr_retries`). @default absent */
  retries?: number;
}

/**
 * The entries of the original pynb-dag-runner's `P`, in order: the run's context
 * (`pipeline.pipeline_run_id`, `pipeline.github.*`, `task.*` limits, `run.retry_nr`), then
 * `pipeline.<name>` and `task.<name>` for the parameters (which win over a context key of the
 * same name).
 *
 * @param parameters The instance's parameters.
 * @param context The run, task, instance and attempt.
 * @param compat Which parameters are the task's, and the CI context.
 * @returns The keys and values of `P`.
 *
 * @example A matrix instance
 * ```ts
 * import { pydarParameters } from "./inject_compat.ts";
 * const p = pydarParameters({ data_lake_root: "lake", n: 600 }, {
 *   runId: "r1", taskId: "train", instanceId: "train[n=600]", attempt: 1,
 * }, { taskParameters: ["n"] });
 * console.assert(p.get("pipeline.data_lake_root") === "lake" && p.get("task.n") === 600);
 * console.assert(p.get("pipeline.pipeline_run_id") === "r1");
 * ```
 */
export function pydarParameters(
  parameters: Readonly<Record<string, JsonValue>>,
  context: RunContext,
  compat: PydarContext,
): Map<string, JsonValue> {
  const p = new Map<string, JsonValue>();
  p.set("pipeline.pipeline_run_id", context.runId);
  for (const [name, value] of Object.entries(compat.github ?? {}).sort()) {
    p.set(`pipeline.github.${name}`, value);
  }
  p.set("task.task_id", context.instanceId);
  if (compat.notebook !== undefined) p.set("task.notebook", compat.notebook);
  if (compat.timeoutSeconds !== undefined) p.set("task.timeout_s", compat.timeoutSeconds);
  if (compat.retries !== undefined) p.set("task.max_nr_retries", compat.retries);
  p.set("run.retry_nr", context.attempt - 1);
  const own = new Set(compat.taskParameters);
  for (const [name, value] of Object.entries(parameters)) {
    p.set(`${own.has(name) ? "task" : "pipeline"}.${name}`, value);
  }
  return p;
}

/**
 * The injected cell's source for an original pynb-dag-runner notebook: a new `P` that replaces
 * the defaults (as the original did), and no other variable.
 *
 * @param parameters The instance's parameters.
 * @param context The run, task, instance and attempt.
 * @param compat Which parameters are the task's, and the CI context.
 * @returns Python source.
 *
 * @example
 * ```ts
 * import { pydarSource } from "./inject_compat.ts";
 * const src = pydarSource({ n: 600 }, {
 *   runId: "r1", taskId: "train", instanceId: "train", attempt: 1,
 * }, { taskParameters: ["n"] });
 * console.assert(src.includes('    "task.n": 600,\n'));
 * ```
 */
export function pydarSource(
  parameters: Readonly<Record<string, JsonValue>>,
  context: RunContext,
  compat: PydarContext,
): string {
  const entries = [...pydarParameters(parameters, context, compat)];
  return [
    "# Parameters (the original pynb-dag-runner's P)",
    "P = {",
    ...entries.map(([key, value]) => `    ${pythonLiteral(key)}: ${pythonLiteral(value)},`),
    "}",
    "",
  ].join("\n");
}
