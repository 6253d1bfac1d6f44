/**
 * The plan: what the planner produces and the executor consumes.
 *
 * Planning is pure, so these are plain data types; `cli.ts plan --format json` prints a
 * {@linkcode Plan} minus `baseDir` (see `docs/plan-format.md`).
 *
 * @module
 */

import type { JsonValue } from "../_base/json.ts";

/** One runnable unit: a task, or one combination of a matrix task. */
export interface PlannedInstance {
  /** Stable id: `task` or `task[key=value,...]` with keys sorted. */
  id: string;
  /** Name of the task in the pipeline file. */
  task: string;
  /** File-system-safe, unique name derived from `id`, used for folders and page names. */
  slug: string;
  /** The matrix values of this instance (empty for a task without a matrix). */
  matrix: Record<string, JsonValue>;
  /** Parameters: pipeline `parameters` < task `parameters` < matrix values. */
  parameters: Record<string, JsonValue>;
  /** Ids of the instances this one waits for. */
  needs: string[];
  /** Notebook path as written in the pipeline file, relative to the pipeline file's folder. */
  notebook: string;
  /** Whole-task timeout in seconds. */
  timeoutSeconds: number;
  /** Extra attempts after a failure or timeout. */
  retries: number;
  /** Jupyter kernel name. */
  kernel: string;
  /** Modules the kernel's warm process imports once (`kernel: { preload }`); absent: none. */
  preload?: string[];
  /** `false`: spawn the kernel even where it could be forked (`fast: false`); absent: fork. */
  fast?: false;
  /** Extra environment variables for the kernel. */
  env: Record<string, string>;
  /**
   * Names of the environment variables the kernel receives as secrets (the pipeline's and the
   * task's), sorted; absent when there are none. Their values are never in the plan.
   */
  secrets?: string[];
  /** CPUs and memory (megabytes) asked of a cluster; absent when the task sets none. */
  resources?: { cpus?: number | undefined; memoryMb?: number | undefined } | undefined;
  /** Globs of files the notebook reads (`inputs:`), relative to the pipeline file. */
  inputs?: string[];
  /** `false` when the task says `cache: false`: never restored from or saved to a cache. */
  cache?: false;
  /**
   * `compat: pynb-dag-runner` (the task's, else the defaults'): the notebook is in the original
   * pynb-dag-runner's style; `taskParameters` names the parameters that `P` holds as `task.<name>`
   * (the task's own and its matrix keys); the others are `pipeline.<name>`. Absent: no compat.
   */
  compat?: { style: "pynb-dag-runner"; taskParameters: string[] };
}

/** A validated, expanded pipeline, ready to execute. */
export interface Plan {
  /** Pipeline name. */
  pipeline: string;
  /** Absolute folder of the pipeline file; notebook paths are relative to it. */
  baseDir: string;
  /** The pipeline's `cache:`: the default folder of `run --cache`, or `false` (never cache). */
  cache?: string | false;
  /** Pipeline-wide parameters as declared (already merged into each instance). */
  parameters: Record<string, JsonValue>;
  /** Instances in a topological order. */
  instances: PlannedInstance[];
  /** Topological layers: every instance's needs are in earlier layers. */
  layers: string[][];
}
