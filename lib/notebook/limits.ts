/**
 * Bounds on notebook files. A notebook past one of them is refused with a message naming the
 * bound, before a run starts: notebooks come from people and pull requests.
 *
 * @example Checking a file size
 * ```ts
 * import { MAX_NOTEBOOK_BYTES } from "./limits.ts";
 * console.assert(MAX_NOTEBOOK_BYTES === 100_000_000);
 * ```
 *
 * @module
 */

/** A notebook file (`.ipynb` or percent `.py`) may hold at most 100 MB (100,000,000 bytes). */
export const MAX_NOTEBOOK_BYTES = 100_000_000;

/** The YAML header of a percent `.py` notebook may nest at most 200 levels deep. */
export const MAX_HEADER_DEPTH = 200;

/** The YAML header of a percent `.py` notebook may use at most 1,000 aliases. */
export const MAX_HEADER_ALIASES = 1_000;

/** Aliases may add at most 100,000 values to the YAML header of a percent `.py` notebook. */
export const MAX_HEADER_ALIAS_EXPANSION = 100_000;
