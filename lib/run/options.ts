/**
 * The options and the result of {@linkcode runPipeline}: what a run is asked to do, in the
 * words of the pipeline, not of the command line.
 *
 * @module
 */
import type { JsonValue } from "../_base/json.ts";
import type { RunObserver } from "../execute/executor.ts";
import type { ForkServer } from "../execute/fork_server.ts";
import type { PythonInfo } from "../execute/python.ts";
import type { RunOrigin } from "../log/ci/ci_context.ts";
import type { RunSummary, TaskRecord } from "../log/schema.ts";
import type { Selection } from "../plan/select.ts";
import type { Plan } from "../plan/types.ts";

/** The default output folder of a run. */
export const DEFAULT_OUT = "runs";

/** The default cache folder of a run's `cache: true` and of `cache prune`. */
export const DEFAULT_CACHE_DIR = ".pynb-cache";

/** The default shared folder of a run placed on Slurm. */
export const DEFAULT_SHARED_DIR = ".pynb-slurm";

/** Where the instances of a run are placed: processes of this machine, or Slurm jobs. */
export type Executor = "local" | SlurmExecutor;

/** A run placed on a Slurm cluster: one batch job per instance. */
export interface SlurmExecutor {
  /** The kind of placement. */
  type: "slurm";
  /**
   * A folder every node sees, for job scripts, job output and parts (`<dir>/<run id>`).
   * @default ".pynb-slurm"
   */
  sharedDir?: string;
  /** The Slurm partition of the jobs. @default the cluster's */
  partition?: string;
}

/** A run that is one part of a run, written by one job of a CI workflow or a cluster. */
export interface PartOptions {
  /**
   * Run folders of the same run (same `runId`) that hold the instances the selection needs
   * outside it; empty for a part without upstream instances.
   */
  upstream: readonly string[];
}

/** What a run tells while it goes on (the progress display). Every method is optional. */
export interface PipelineObserver extends RunObserver {
  /** The run is planned and its folder made; instances start next. */
  runStarted?(run: RunStart): void;
  /** A line of news (Slurm submissions, cancellations). */
  note?(text: string): void;
}

/** What is known when a run starts. */
export interface RunStart {
  /** The run id. */
  runId: string;
  /** The run folder, as `<out>/<run id>`. */
  folder: string;
  /** The plan that runs. */
  plan: Plan;
  /** The interpreter that runs the notebooks. */
  python: PythonInfo;
  /** What the run may reuse (`cache .pynb-cache, resuming ...`), or `""`. */
  reuse: string;
}

/** Options of {@linkcode runPipeline}. */
export interface RunOptions {
  /** The folder that receives the run folder `<out>/<run id>`. @default "runs" */
  out?: string;
  /** The run's id and folder name. @default the start time and a random suffix */
  runId?: string;
  /** Notebooks running at once. @default navigator.hardwareConcurrency */
  concurrency?: number;
  /** Values over the pipeline's parameters, for every instance. @default {} */
  params?: Record<string, JsonValue>;
  /** Run only part of the pipeline (`only`, `from`, `to`: tasks or instance ids). @default all */
  selection?: Selection;
  /** The interpreter with nbclient and ipykernel. @default `PYNB_PYTHON`, else found on PATH */
  python?: string;
  /** Cancel everything else after the first instance that fails for good. @default false */
  failFast?: boolean;
  /**
   * The result cache: a folder; `true` for the pipeline's `cache:` or `.pynb-cache`; `false` for
   * none even when the pipeline names one.
   * @default the pipeline's `cache:` folder, if any
   */
  cache?: string | boolean;
  /** Tasks or instance ids that run whatever the cache holds. @default none */
  force?: readonly string[];
  /** A run folder whose succeeded, unchanged instances are reused. @default none */
  resume?: string;
  /** Where instances run. @default "local" */
  executor?: Executor;
  /** Run the selection as one part of the run `runId`. @default a whole run */
  part?: PartOptions;
  /** Aborting it stops every kernel; the run is recorded as cancelled. @default none */
  signal?: AbortSignal;
  /** Hears progress and warnings. @default none */
  observer?: PipelineObserver;
  /** Trigger and CI context of the run. @default read from the environment (`GITHUB_*`) */
  origin?: RunOrigin;
  /**
   * A fork server already warming for this run (`warmForkServer`; `cli.ts run` starts it before
   * it loads the rest of the runner). The run takes its drivers and closes it, also when it
   * fails before its notebooks.
   * @default one started while the pipeline is read and planned (local runs without a cache)
   */
  forkServer?: ForkServer;
}

/** What {@linkcode runPipeline} did. */
export interface RunResult {
  /** How the run ended. */
  status: RunSummary["status"];
  /** The run id. */
  runId: string;
  /** The run folder, as `<out>/<run id>`. */
  folder: string;
  /** The record of every instance, in plan order. */
  tasks: TaskRecord[];
  /** The run's summary, as written to `run.json` (secrets redacted). */
  summary: RunSummary;
  /** Whether `signal` stopped the run. */
  interrupted: boolean;
}
