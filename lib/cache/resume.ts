/**
 * `run --resume <run-folder>`: the succeeded instances of an earlier run, found by cache key, as
 * a source of results to restore. The earlier run may have been interrupted or killed: its
 * summary is rebuilt from its spans, where every ended instance recorded its key.
 *
 * @module
 */
import { join } from "node:path";
import type { JsonValue } from "../_base/json.ts";
import { copyFileInside, walkInside } from "../_base/safe_tree.ts";
import { canonicalJson } from "../plan/ids.ts";
import { ATTEMPT_LAYOUT, attemptDir } from "../log/layout.ts";
import { readRunFolder } from "../log/read.ts";
import type { Metric, TaskRecord } from "../log/schema.ts";
import { readAttemptValues } from "../log/values.ts";

/** Where a restored result came from. */
export interface RestoredFrom {
  /** The run that produced the result. */
  runId: string;
}

/** Restores the stored result of a key into an attempt folder (a cache, an earlier run). */
export interface ResultSource {
  /**
   * Fills `target`, a folder that does not exist yet, with the files of the result of `key`; on
   * a miss `target` does not exist afterwards either.
   *
   * @param key The instance key.
   * @param target The attempt folder of the new run.
   * @returns Where the result came from on a hit, `undefined` on a miss.
   */
  restore(key: string, target: string): Promise<RestoredFrom | undefined>;
}

/** Options of {@linkcode RunFolderSource.open}. */
export interface RunFolderSourceOptions {
  /** Hears about results that cannot be reused (a file missing or changed). @default none */
  warn?: (message: string) => void;
}

/**
 * The succeeded instances of an earlier run folder, by cache key.
 *
 * @example Resuming from a run folder
 * ```ts ignore
 * import { RunFolderSource } from "./resume.ts";
 * const source = await RunFolderSource.open("runs/2026-11-30T10-00-00Z-ab12");
 * console.log(source.size, "instances can be reused");
 * ```
 */
export class RunFolderSource implements ResultSource {
  #folder: string;
  #runId: string;
  #byKey: Map<string, TaskRecord>;
  #warn: (message: string) => void;

  private constructor(
    folder: string,
    runId: string,
    byKey: Map<string, TaskRecord>,
    warn: (message: string) => void,
  ) {
    this.#folder = folder;
    this.#runId = runId;
    this.#byKey = byKey;
    this.#warn = warn;
  }

  /**
   * Reads an earlier run folder (rebuilt from its spans when it has no `run.json`).
   *
   * @param folder The run folder given to `--resume`.
   * @param options Warnings.
   * @returns The source.
   * @throws {RunFolderError} When the folder is not a readable run folder.
   */
  static async open(
    folder: string,
    options: RunFolderSourceOptions = {},
  ): Promise<RunFolderSource> {
    // The folder given is the user's (a link such as runs/latest is fine); nothing below it is
    // followed.
    const real = await Deno.realPath(folder).catch(() => folder);
    const run = await readRunFolder(real);
    const byKey = new Map<string, TaskRecord>();
    for (const t of run.summary.tasks) {
      if (t.status === "succeeded" && t.cacheKey !== undefined && t.attempts.length > 0) {
        byKey.set(t.cacheKey, t);
      }
    }
    return new RunFolderSource(real, run.summary.runId, byKey, options.warn ?? (() => {}));
  }

  /** How many succeeded instances with a key the run has. */
  get size(): number {
    return this.#byKey.size;
  }

  /** {@inheritDoc ResultSource.restore} */
  async restore(key: string, target: string): Promise<RestoredFrom | undefined> {
    const record = this.#byKey.get(key);
    if (record === undefined) return undefined;
    try {
      await copyRecordedAttempt(this.#folder, record, target);
    } catch (err) {
      await Deno.remove(target, { recursive: true }).catch(() => {});
      this.#warn(
        `cannot reuse '${record.id}' of run ${this.#runId}: ${(err as Error).message}; it runs`,
      );
      return undefined;
    }
    return { runId: record.cachedFrom ?? this.#runId };
  }
}

/** Files an attempt folder may hold besides the artifacts its record lists. */
const KNOWN_FILES: ReadonlySet<string> = new Set([
  ATTEMPT_LAYOUT.notebook,
  ATTEMPT_LAYOUT.stderr,
  ATTEMPT_LAYOUT.values,
]);

/**
 * Copies the last attempt of a succeeded instance out of an earlier run folder, if its files
 * are what the run recorded: read through the untrusted-folder reader (a link or special file
 * anywhere is refused), its notebook there, no file the record does not know, every artifact
 * with its recorded sha256, and `values.jsonl` holding the values and metrics the spans
 * recorded (an edited value is not reused).
 */
async function copyRecordedAttempt(
  folder: string,
  record: TaskRecord,
  target: string,
): Promise<void> {
  const last = record.attempts.at(-1)!;
  const attemptRel = attemptDir(record.slug, last.attempt);
  const expected = new Map(
    record.artifacts.map((a) => [a.path.slice(attemptRel.length + 1), a.sha256]),
  );
  const listing = await walkInside(folder, attemptRel);
  if (listing.refused.length > 0) throw new Error(listing.refused[0]!.message);
  const files = listing.files.map((f) => f.rel.slice(attemptRel.length + 1));
  if (!files.includes(ATTEMPT_LAYOUT.notebook)) throw new Error("its notebook is missing");
  for (const path of files) {
    const want = expected.get(path);
    if (want === undefined && !KNOWN_FILES.has(path)) throw new Error(`${path} is not recorded`);
    const got = await copyFileInside(folder, `${attemptRel}/${path}`, join(target, path));
    if (got === undefined) throw new Error(`${path} is missing`);
    if (want !== undefined && want !== got.sha256) throw new Error(`${path} has changed`);
    expected.delete(path);
  }
  if (expected.size > 0) throw new Error(`${[...expected.keys()][0]} is missing`);
  const logged = await readAttemptValues(target, ".");
  const metric = (m: Metric): JsonValue => [m.name, m.value, m.step ?? null];
  if (
    canonicalJson(logged.values) !== canonicalJson(record.values) ||
    canonicalJson(logged.metrics.map(metric)) !== canonicalJson(record.metrics.map(metric))
  ) {
    throw new Error("its values.jsonl differs from the values and metrics its spans recorded");
  }
}
