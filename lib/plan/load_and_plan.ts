/**
 * Load, plan and check in one step: what `validate`, `plan` and `run` all start with.
 *
 * @module
 */
import { type LoadedPipeline, loadPipeline } from "../spec/load.ts";
import { checkNotebooks } from "./check_files.ts";
import { type PlanOptions, planPipeline } from "./plan.ts";
import type { Plan } from "./types.ts";

/** A pipeline loaded, planned and checked. */
export interface PlannedPipeline {
  /** The validated pipeline, its file and folder absolute. */
  pipeline: LoadedPipeline;
  /** Its plan. */
  plan: Plan;
  /**
   * The absolute path of every notebook of the plan (each an existing file), by the path written
   * in the pipeline.
   */
  notebooks: ReadonlyMap<string, string>;
}

/**
 * Loads a pipeline file, plans it and checks that its notebooks exist. Paths are resolved once,
 * here: the pipeline file against the working folder, the notebooks against its folder.
 *
 * @param path The pipeline file, as the user wrote it (it is quoted in messages).
 * @param options Selection and `--param` overrides.
 * @returns The pipeline, its plan and its notebook files.
 * @throws {PipelineFileError} When the file cannot be read or is of an unknown kind.
 * @throws {PipelineSpecError} With every problem of the file when it does not validate.
 * @throws {PlanError} When it cannot be planned (unknown needs, cycles, matrix edges, selection).
 * @throws {MissingNotebookError} Listing every notebook that is not a file.
 *
 * @example Planning the demo pipeline
 * ```ts
 * import { loadAndPlan } from "./load_and_plan.ts";
 * const { plan, notebooks } = await loadAndPlan(
 *   new URL("../../examples/mnist-digits-demo-pipeline/pipeline.yaml", import.meta.url).pathname,
 * );
 * console.assert(plan.instances.length > 0);
 * console.assert([...notebooks.values()].every((p) => p.startsWith(plan.baseDir)));
 * ```
 */
export async function loadAndPlan(
  path: string,
  options: PlanOptions = {},
): Promise<PlannedPipeline> {
  const pipeline = await loadPipeline(path);
  const plan = planPipeline(pipeline, options);
  const notebooks = await checkNotebooks(plan);
  return { pipeline, plan, notebooks };
}
