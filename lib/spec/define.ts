/**
 * The typed helper for pipelines written in TypeScript (`pipeline.ts`).
 *
 * @module
 */
import type { PipelineSpecInput } from "./schema.ts";

/**
 * Declares a pipeline in TypeScript with type checking. `loadPipeline("pipeline.ts")` imports
 * the module and validates its default export with the same schema as a YAML file.
 *
 * @param spec The pipeline, as it would be written in YAML.
 * @returns `spec` unchanged.
 *
 * @example A generated pipeline
 * ```ts
 * import { definePipeline } from "./define.ts";
 * const sizes = [600, 800, 1000];
 * export default definePipeline({
 *   name: "sweep",
 *   tasks: {
 *     ingest: { notebook: "ingest.py", timeout: "60s" },
 *     train: { notebook: "train.py", needs: ["ingest"], matrix: { size: sizes } },
 *   },
 * });
 * ```
 */
export function definePipeline(spec: PipelineSpecInput): PipelineSpecInput {
  return spec;
}
