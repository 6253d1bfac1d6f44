/**
 * Sets up caching for one run from the command line's choices: the cache folder, `--force`,
 * `--resume`, and the kernel fingerprints that keys need.
 *
 * @module
 */
import { UserError } from "../errors.ts";
import type { InstanceRunner } from "../execute/instance_runner.ts";
import type { PythonInfo } from "../execute/python.ts";
import type { Plan } from "../plan/types.ts";
import { closest } from "../spec/suggest.ts";
import { cachingInstanceRunner } from "./cached_runner.ts";
import { kernelFingerprints } from "./interpreter.ts";
import { KeyBuilder, type KeyBuilderOptions } from "./key_builder.ts";
import { RunFolderSource } from "./resume.ts";
import { CacheStore } from "./store.ts";

/** Options of {@linkcode setUpCaching}. */
export interface CacheSetupOptions {
  /** The interpreter that runs the notebooks: its version and kernel specs go into keys. */
  python: Pick<PythonInfo, "build" | "kernelSpecs">;
  /** The cache folder. @default no cache: keys are still computed and recorded */
  cacheDir?: string;
  /** A run folder whose succeeded instances are reused (`--resume`). @default none */
  resume?: string;
  /** Tasks or instance ids that run whatever is stored (`--force`). @default none */
  force?: string[];
  /** The run's notebooks, read once. @default read again for the keys */
  sources?: KeyBuilderOptions["sources"];
  /** Names of the secrets an instance's kernel receives. @default the instance's `secrets` */
  secretsOf?: KeyBuilderOptions["secretsOf"];
  /** Hears about corrupt entries, unmatched `inputs:` globs, results that cannot be reused. */
  warn: (message: string) => void;
}

/** Caching for one run. */
export interface CacheSetup {
  /** Wraps the run's instance runner. */
  wrap(inner: InstanceRunner): InstanceRunner;
  /** What the run will reuse, for the progress output (`cache .pynb-cache, resume of run X`). */
  description: string;
  /** Whether instances may be restored (a cache or `--resume`), not only keyed. */
  restores: boolean;
}

/**
 * Resolves `--force` names (tasks or instance ids) to instance ids.
 *
 * @param plan The plan.
 * @param names The names given.
 * @returns The instance ids.
 * @throws {UserError} When a name is neither a task nor an instance id of the plan.
 *
 * @example Forcing a matrix task
 * ```ts
 * import { forcedIds } from "./setup.ts";
 * const inst = (id: string, task: string) => ({ id, task });
 * const plan = { instances: [inst("a", "a"), inst("t[n=1]", "t"), inst("t[n=2]", "t")] };
 * console.assert([...forcedIds(plan, ["t"])].join() === "t[n=1],t[n=2]");
 * ```
 */
export function forcedIds(
  plan: { instances: readonly { id: string; task: string }[] },
  names: readonly string[],
): Set<string> {
  const ids = new Set<string>();
  for (const name of names) {
    const found = plan.instances.filter((i) => i.task === name || i.id === name);
    if (found.length === 0) {
      const tasks = [...new Set(plan.instances.map((i) => i.task))];
      const hint = closest(name, tasks) ?? closest(name, plan.instances.map((i) => i.id));
      throw new UserError(
        `Cannot use --force ${JSON.stringify(name)}: it is neither a task nor an instance id of ` +
          `the plan; ` +
          (hint === undefined ? `tasks are: ${tasks.join(", ")}` : `did you mean "${hint}"?`),
      );
    }
    for (const i of found) ids.add(i.id);
  }
  return ids;
}

/**
 * Sets up caching for a run: keys for every instance, the cache store, the `--resume` source and
 * the `--force` set.
 *
 * @param plan The run's plan.
 * @param options The command line's choices.
 * @returns A wrapper for the run's instance runner, and a description for the progress output.
 * @throws {UserError} When a `--force` name is unknown or the `--resume` folder is not a run.
 *
 * @example Caching a run
 * ```ts ignore
 * import { setUpCaching } from "./setup.ts";
 * const caching = await setUpCaching(plan, { python: await detectPython(), cacheDir: ".pynb-cache", warn });
 * const instanceRunner = caching.wrap(localInstanceRunner({ runner, prepare }));
 * ```
 */
export async function setUpCaching(plan: Plan, options: CacheSetupOptions): Promise<CacheSetup> {
  const forced = forcedIds(plan, options.force ?? []);
  const resume = options.resume === undefined
    ? undefined
    : await RunFolderSource.open(options.resume, { warn: options.warn });
  const kernels = kernelFingerprints(options.python, plan.instances.map((i) => i.kernel));
  const keys = new KeyBuilder(plan, kernels, {
    warn: options.warn,
    ...(options.secretsOf === undefined ? {} : { secretsOf: options.secretsOf }),
    ...(options.sources === undefined ? {} : { sources: options.sources }),
  });
  const store = options.cacheDir === undefined
    ? undefined
    : new CacheStore(options.cacheDir, { warn: options.warn });
  const parts = [
    ...(store === undefined ? [] : [`cache ${store.dir}`]),
    ...(resume === undefined
      ? []
      : [`resuming ${options.resume} (${resume.size} succeeded instance(s) to reuse)`]),
  ];
  return {
    wrap: (inner) =>
      cachingInstanceRunner({
        inner,
        keys,
        ...(store === undefined ? {} : { store }),
        ...(resume === undefined ? {} : { sources: [resume] }),
        force: (inst) => forced.has(inst.id),
      }),
    description: parts.join(", "),
    restores: store !== undefined || resume !== undefined,
  };
}
