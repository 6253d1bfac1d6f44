/**
 * The caching instance runner: a decorator around another {@linkcode InstanceRunner}. It keys
 * each instance; a key found in a {@linkcode ResultSource} (the run given to `--resume`, then the
 * cache) is restored into the run folder and recorded `cached` without running anything;
 * otherwise the inner runner runs it, and a succeeded result is saved to the cache.
 *
 * @module
 */
import { join } from "node:path";
import { attemptDir } from "../log/layout.ts";
import type { TaskRecord } from "../log/schema.ts";
import type { PlannedInstance } from "../plan/types.ts";
import {
  type InstanceContext,
  type InstanceRunner,
  recordAttemptFolder,
} from "../execute/instance_runner.ts";
import { pendingRecord, seconds } from "../execute/run_recorder.ts";
import type { KeyBuilder } from "./key_builder.ts";
import type { ResultSource } from "./resume.ts";
import type { CacheStore } from "./store.ts";

/** Options of {@linkcode cachingInstanceRunner}. */
export interface CachingOptions {
  /** Runs what cannot be restored. */
  inner: InstanceRunner;
  /** Computes the keys of the run's instances. */
  keys: KeyBuilder;
  /** The cache: restored from and saved to. @default no cache */
  store?: CacheStore;
  /** Earlier results to reuse first (`--resume`). @default none */
  sources?: ResultSource[];
  /** Instances that run whatever is stored (`--force`). @default none */
  force?: (instance: PlannedInstance) => boolean;
}

/** Restores a stored result of `key` as attempt 1 of the instance, or says it cannot. */
async function restore(
  inst: PlannedInstance,
  key: string,
  sources: readonly ResultSource[],
  context: InstanceContext,
): Promise<TaskRecord | undefined> {
  const start = context.now();
  const target = join(context.runFolder, attemptDir(inst.slug, 1));
  for (const source of sources) {
    const from = await source.restore(key, target);
    if (from === undefined) continue;
    const end = context.now();
    context.recorder.start(start);
    const { attempt, logged } = await recordAttemptFolder(inst, 1, {
      status: "succeeded",
      startedAt: start,
      endedAt: end,
      exitCode: 0,
    }, context);
    const record: TaskRecord = {
      ...pendingRecord(inst),
      ...logged,
      status: "succeeded",
      startedAt: start.toISOString(),
      endedAt: end.toISOString(),
      durationSeconds: seconds(start, end),
      attempts: [attempt],
      cacheKey: key,
      cached: true,
      cachedFrom: from.runId,
    };
    context.recorder.end(record);
    return record;
  }
  return undefined;
}

/** Saves a succeeded instance's last attempt; a failed save is a warning, never a failure. */
async function save(store: CacheStore, record: TaskRecord, context: InstanceContext) {
  const last = record.attempts.at(-1);
  if (last === undefined || record.cacheKey === undefined) return;
  const folder = join(context.runFolder, attemptDir(record.slug, last.attempt));
  try {
    // A restored result keeps the run that produced it.
    const runId = record.cachedFrom ?? context.runId;
    await store.save(record.cacheKey, folder, { runId, instanceId: record.id });
  } catch (err) {
    context.observer.warning?.(
      `${record.id}: cannot save to the cache '${store.dir}': ${(err as Error).message}`,
    );
  }
}

/**
 * Wraps an instance runner with a cache and `--resume`: see the module documentation. Every
 * instance gets its key recorded (`cacheKey`, span `pynb.task.cache_key`); a task with
 * `cache: false` always runs and is never saved; one named by `--force` runs, and its result is
 * saved unless an entry exists. Only succeeded instances are saved.
 *
 * @param options The inner runner, keys, cache, earlier results, forced instances.
 * @returns The runner.
 *
 * @example Wrapping the local runner
 * ```ts ignore
 * import { cachingInstanceRunner } from "./cached_runner.ts";
 * const runner = cachingInstanceRunner({ inner: localRunner, keys, store });
 * ```
 */
export function cachingInstanceRunner(options: CachingOptions): InstanceRunner {
  const sources: ResultSource[] = [
    ...(options.sources ?? []),
    ...(options.store === undefined ? [] : [options.store]),
  ];
  return {
    async run(inst, upstream, context) {
      const key = await options.keys.keyOf(inst, upstream);
      const reusable = inst.cache !== false && !(options.force?.(inst) ?? false);
      if (reusable) {
        const hit = await restore(inst, key, sources, context);
        if (hit !== undefined) {
          // A result reused from --resume joins the cache (a cache hit is there already).
          if (options.store !== undefined) await save(options.store, hit, context);
          return hit;
        }
      }
      const recorder = context.recorder;
      const record = await options.inner.run(inst, upstream, {
        ...context,
        recorder: {
          start: (at) => recorder.start(at),
          attempt: (info) => recorder.attempt(info),
          end: (r) => recorder.end({ ...r, cacheKey: key }),
          get ended() {
            return recorder.ended;
          },
        },
      });
      record.cacheKey = key;
      if (record.status === "succeeded" && inst.cache !== false && options.store !== undefined) {
        await save(options.store, record, context);
      }
      return record;
    },
  };
}
