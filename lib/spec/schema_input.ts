/**
 * What a pipeline file (or `definePipeline()`) may contain before validation: the input side of
 * the schema in `schema.ts`, which re-exports these types.
 *
 * @module
 */
import type { JsonValue } from "../_base/json.ts";

/** What a pipeline file (or `definePipeline()`) may contain before validation. */
export interface PipelineSpecInput {
  /** Name of the pipeline, shown on the website. */
  name: string;
  /** A sentence about the pipeline. */
  description?: string;
  /** Parameters every task receives. */
  parameters?: Record<string, JsonValue>;
  /**
   * Environment variables every kernel receives, redacted from everything the run writes; never
   * parameters.
   */
  secrets?: string[];
  /** Values for tasks that do not set their own. */
  defaults?: {
    timeout?: string | number;
    retries?: number;
    kernel?: KernelSpec;
    fast?: boolean;
    env?: Record<string, string | number | boolean>;
    compat?: "pynb-dag-runner";
  };
  /** The cache folder of `run --cache` without a folder, or `false`: never cache. */
  cache?: string | false;
  /** The tasks, by name. */
  tasks: Record<string, TaskSpecInput>;
}

/** One task before validation. */
export interface TaskSpecInput {
  /** Notebook path, relative to the pipeline file: `.ipynb` or Jupytext percent `.py`. */
  notebook: string;
  /** A sentence about the task. */
  description?: string;
  /** Names of the tasks this one waits for. */
  needs?: string | string[];
  /** Parameters of this task (over the pipeline's). */
  parameters?: Record<string, JsonValue>;
  /** One instance per combination of values. */
  matrix?: Record<string, JsonValue[]>;
  /** Whole-task timeout: seconds, or `90s`, `10m`, `1h30m`. */
  timeout?: string | number;
  /** Extra attempts after a failure or timeout. */
  retries?: number;
  /** Jupyter kernel name, or `{ name, preload: [modules] }`. */
  kernel?: KernelSpec;
  /** Fork kernels from a warm process (default); `false` spawns each kernel. */
  fast?: boolean;
  /** Extra environment variables for the kernel. */
  env?: Record<string, string | number | boolean>;
  /** Environment variables this task's kernel receives, redacted from everything it writes. */
  secrets?: string[];
  /** Globs of files the notebook reads, relative to the pipeline file: part of its cache key. */
  inputs?: string | string[];
  /** `false`: never reuse a cached result of this task. */
  cache?: boolean;
  /** CPUs and memory (megabytes, or `512M`, `4G`) one instance asks of a cluster. */
  resources?: { cpus?: number; memory?: number | string };
  /** `pynb-dag-runner`: a notebook written for the original pynb-dag-runner, run unchanged. */
  compat?: "pynb-dag-runner";
}

/** A kernel name, or a name and the modules its warm process imports once. */
export type KernelSpec = string | {
  /** Jupyter kernel name. @default the defaults' kernel, else python3 */
  name?: string | undefined;
  /** Modules imported once, before kernels are forked (import-time effects happen once). */
  preload?: string[] | undefined;
};
