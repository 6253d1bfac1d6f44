/**
 * The result cache: instance keys, the cache store, resuming from a run folder, the caching
 * instance runner and pruning.
 *
 * @module
 */
export {
  CACHE_KEY_VERSION,
  canonicalJson,
  instanceKey,
  normaliseNotebook,
  outputHash,
} from "./key.ts";
export type { InputFile, KernelFingerprint, KeyParts, UpstreamKey } from "./key.ts";
export { KeyBuilder } from "./key_builder.ts";
export { matchInputs } from "./inputs.ts";
export { CacheStore } from "./store.ts";
export { ManifestSchema } from "./manifest.ts";
export type { Manifest } from "./manifest.ts";
export { RunFolderSource } from "./resume.ts";
export type { ResultSource } from "./resume.ts";
export { cachingInstanceRunner } from "./cached_runner.ts";
export type { CachingOptions } from "./cached_runner.ts";
export { parseSize, pruneCache } from "./prune.ts";
export type { PruneOptions, PruneResult } from "./prune.ts";
