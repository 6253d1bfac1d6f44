/**
 * Pipeline files: the zod schema of a pipeline, loading and validating `.yaml`, `.json` and `.ts`
 * pipelines, durations, `--param` values and the JSON Schema of the format.
 *
 * @module
 */
export { definePipeline } from "./define.ts";
export type { PipelineSpec, PipelineSpecInput, TaskSpec, TaskSpecInput } from "./schema.ts";
export { loadPipeline, parsePipeline } from "./load.ts";
export type { LoadedPipeline, PipelineSource } from "./load.ts";
export { DurationError, ParamFlagError, PipelineFileError, PipelineSpecError } from "./errors.ts";
export { parseDuration } from "./duration.ts";
export { formatDuration } from "../_base/time.ts";
export { parseParamFlag } from "./params.ts";
export { pipelineJsonSchema } from "./json_schema.ts";
