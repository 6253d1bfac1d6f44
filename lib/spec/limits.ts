/**
 * Bounds on the input files a run accepts. A file past one of them is refused with a message
 * that names the bound, before anything is planned or started: a pipeline or notebook file is
 * input from people and from pull requests, and none of these bounds is near what a real one
 * needs.
 *
 * @example Checking a size before reading
 * ```ts
 * import { MAX_PIPELINE_BYTES } from "./limits.ts";
 * const size = 2_000;
 * console.assert(size <= MAX_PIPELINE_BYTES);
 * ```
 *
 * @module
 */

/** A pipeline file may hold at most 10 MB (10,000,000 bytes). */
export const MAX_PIPELINE_BYTES = 10_000_000;

/**
 * Mappings and lists of a pipeline file may be nested at most 200 levels deep, counted after
 * aliases are expanded.
 */
export const MAX_PIPELINE_DEPTH = 200;

/** A pipeline file may use at most 10,000 aliases (`*name`). */
export const MAX_PIPELINE_ALIASES = 10_000;

/**
 * Aliases may add at most 1,000,000 values to a pipeline file once expanded: an alias of an
 * alias of an alias multiplies ("billion laughs"); a pipeline that needs that much repetition
 * is better written as a `pipeline.ts`.
 */
export const MAX_PIPELINE_ALIAS_EXPANSION = 1_000_000;
