/**
 * Planning (pure): a validated pipeline expanded into instances with ids, slugs, needs and layers;
 * selections, the critical path and the text, JSON and Mermaid formats of a plan.
 *
 * @module
 */
export { planPipeline } from "./plan.ts";
export type { PlanOptions } from "./plan.ts";
export { CycleError, PlanError, SelectionError } from "./errors.ts";
export { checkNotebooks, MissingNotebookError, notebookFiles } from "./check_files.ts";
export { loadAndPlan } from "./load_and_plan.ts";
export type { PlannedPipeline } from "./load_and_plan.ts";
export { criticalPath } from "./critical_path.ts";
export type { CriticalPath } from "./critical_path.ts";
export { formatPlan } from "./format.ts";
export type { PlanFormat } from "./format.ts";
export type { Plan, PlannedInstance } from "./types.ts";
export type { JsonValue } from "../_base/json.ts";
export type { Selection } from "./select.ts";
