/**
 * A run on this machine: one fork-server driver per worker slot forks a kernel per notebook, and
 * the executor runs the plan through it (cache and resume wrapped around each instance).
 *
 * @module
 */
import type { CacheSetup } from "../cache/setup.ts";
import { executePlan, type RunObserver } from "../execute/executor.ts";
import type { RunPart } from "../log/part/part.ts";
import { ForkServer, prewarmForPlan } from "../execute/fork_server.ts";
import {
  type AttemptRunner,
  type InstanceRunner,
  localInstanceRunner,
} from "../execute/instance_runner.ts";
import { notebookPreparer, type NotebookSources } from "../execute/prepare.ts";
import type { PythonInfo } from "../execute/python.ts";
import type { RunOrigin } from "../log/ci/ci_context.ts";
import type { RunSummary } from "../log/schema.ts";
import type { Plan } from "../plan/types.ts";
import type { RunSecrets } from "./secrets.ts";
import { mark } from "../_base/timeline.ts";

/** What a run passes to the local executor. */
export interface LocalRunContext {
  /** The plan (a part's plan includes its upstream instances). */
  plan: Plan;
  /** The part of a run this is, if any. */
  part?: RunPart | undefined;
  /** The interpreter with nbclient and ipykernel. */
  python: PythonInfo;
  /** The notebooks, read once. */
  sources: NotebookSources;
  /** The secrets of the pipeline and their redactor. */
  secrets: RunSecrets;
  /** Cache and resume. */
  caching: CacheSetup;
  /** Notebooks running at once. @default navigator.hardwareConcurrency */
  concurrency?: number | undefined;
  /** Cancel the rest after the first instance that fails for good. */
  failFast: boolean;
  /** The run id. */
  runId: string;
  /** The run folder. */
  runFolder: string;
  /** The pipeline file, for the record. */
  pipelineFile: string;
  /** Trigger and CI context. */
  origin: RunOrigin;
  /** The interrupt. */
  signal: AbortSignal;
  /** Progress. */
  observer: RunObserver;
  /** A fork server already warming (closed here like one made here). @default a new one */
  forkServer?: ForkServer | undefined;
}

/**
 * Runs the plan on this machine. With a cache or a run to resume, the drivers are started by the first
 * instance that runs, so a run that restores everything starts none.
 *
 * @param context Plan, interpreter, notebooks, secrets, caching, run folder, interrupt, progress.
 * @returns The run's summary.
 *
 * @example Running a plan locally
 * ```ts ignore
 * const summary = await runLocal({ plan, python, sources, secrets, caching, ...rest });
 * ```
 */
export async function runLocal(context: LocalRunContext): Promise<RunSummary> {
  const { plan, part, python, sources, secrets, caching } = context;
  const forkServer = context.forkServer ?? new ForkServer();
  const warm = once(() =>
    void prewarmForPlan(forkServer, plan, {
      python: python.path,
      concurrency: context.concurrency ?? navigator.hardwareConcurrency ?? 1,
    })
  );
  if (!caching.restores) warm();
  try {
    const runner: AttemptRunner = (request) => forkServer.run({ ...request, python: python.path });
    const prepare = notebookPreparer(sources);
    const { values, redactor } = secrets;
    return await executePlan(plan, {
      // A part's upstream instances were keyed in other parts: parts run without the cache.
      instanceRunner: (part === undefined ? caching.wrap : (r: InstanceRunner) => r)(
        warmingFirst(localInstanceRunner({ runner, prepare, secrets: values, redactor }), warm),
      ),
      runFolder: context.runFolder,
      runId: context.runId,
      ...(context.concurrency === undefined ? {} : { concurrency: context.concurrency }),
      failFast: context.failFast,
      signal: context.signal,
      observer: context.observer,
      pipelineFile: context.pipelineFile,
      origin: context.origin,
      ...(part === undefined ? {} : { part }),
    });
  } finally {
    mark("closing drivers");
    await forkServer.close();
    mark("drivers closed");
  }
}

/** A function that does its work the first time it is called only. */
function once(f: () => void): () => void {
  let done = false;
  return () => {
    if (!done) {
      done = true;
      f();
    }
  };
}

/** An instance runner that calls `first` before the first instance it runs. */
function warmingFirst(inner: InstanceRunner, first: () => void): InstanceRunner {
  return {
    run(instance, upstream, context) {
      first();
      return inner.run(instance, upstream, context);
    },
  };
}
