/**
 * The caching of a run: its cache folder (given, or the pipeline's `cache:`), `resume` and
 * `force`, with the permissions they need checked first.
 *
 * @module
 */
import { resolve } from "node:path";
import { type CacheSetup, type CacheSetupOptions, setUpCaching } from "../cache/setup.ts";
import type { Plan } from "../plan/types.ts";
import { cachingNeeds, requireRunPermissions } from "./permissions.ts";

import { DEFAULT_CACHE_DIR } from "./options.ts";

export { DEFAULT_CACHE_DIR } from "./options.ts";

/** What a run asks of the cache. */
export interface RunCachingOptions {
  /** A folder; `true`: the pipeline's or the default; `false`: none. @default the pipeline's */
  cache?: string | boolean | undefined;
  /** A run folder to resume. @default none */
  resume?: string | undefined;
  /** Tasks or instance ids to run whatever is stored. @default none */
  force?: readonly string[] | undefined;
}

/**
 * The cache folder of a run: the one given; for `true` the pipeline's `cache:` (a folder
 * relative to the pipeline file) or the default; none for `false`, or for neither.
 *
 * @param cache The run's choice.
 * @param plan The plan (its `cache:` and folder).
 * @returns The cache folder, if any.
 *
 * @example The pipeline's folder
 * ```ts
 * import { cacheDirOf } from "./caching.ts";
 * console.assert(cacheDirOf(undefined, { cache: "c", baseDir: "/p" }) === "/p/c");
 * console.assert(cacheDirOf(false, { cache: "c", baseDir: "/p" }) === undefined);
 * ```
 */
export function cacheDirOf(
  cache: string | boolean | undefined,
  plan: Pick<Plan, "cache" | "baseDir">,
): string | undefined {
  if (cache === false) return undefined;
  if (typeof cache === "string") return cache;
  const fromPipeline = typeof plan.cache === "string"
    ? resolve(plan.baseDir, plan.cache)
    : undefined;
  if (cache === true) return fromPipeline ?? DEFAULT_CACHE_DIR;
  return fromPipeline;
}

/**
 * Sets up the caching of a run, once its permissions are checked.
 *
 * @param pipeline The pipeline as given, for the messages.
 * @param plan The plan.
 * @param options The run's caching choices, its interpreter and notebooks, where to warn.
 * @returns The decorator of the run's instance runner.
 * @throws {MissingPermissionError} When the cache folder or the run to resume is not granted.
 *
 * @example Caching a run
 * ```ts ignore
 * const caching = await runCaching("p.yaml", plan, { cache: true, python, warn: console.warn });
 * ```
 */
export async function runCaching(
  pipeline: string,
  plan: Plan,
  options: RunCachingOptions & Pick<CacheSetupOptions, "python" | "sources" | "warn">,
): Promise<CacheSetup> {
  const cacheDir = cacheDirOf(options.cache, plan);
  await requireRunPermissions(pipeline, cachingNeeds({ cacheDir, resume: options.resume }));
  return await setUpCaching(plan, {
    python: options.python,
    ...(options.sources === undefined ? {} : { sources: options.sources }),
    ...(cacheDir === undefined ? {} : { cacheDir }),
    ...(options.resume === undefined ? {} : { resume: options.resume }),
    ...(options.force === undefined ? {} : { force: [...options.force] }),
    warn: options.warn,
  });
}
