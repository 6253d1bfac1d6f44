/**
 * The zod schema of a pipeline file and the types derived from it. The same schema checks
 * YAML, JSON and `pipeline.ts` pipelines; `load.ts` turns its issues into positioned messages.
 *
 * @module
 */
import { z } from "../../deps.ts";
import { type JsonValue, JsonValueSchema } from "../_base/json.ts";
import { parseDuration } from "./duration.ts";
import type { KernelSpec } from "./schema_input.ts";

export type { KernelSpec, PipelineSpecInput, TaskSpecInput } from "./schema_input.ts";

/** Names of tasks: letters, digits, `_`, `-`, `.`; they appear in ids, slugs and URLs. */
export const TASK_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
/** Parameter and matrix names become Python variables in the notebook. */
export const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Environment variable names. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Parameter names a notebook cannot receive: Python keywords, and `P` (the dict of all). */
export const RESERVED_PARAMS: ReadonlySet<string> = new Set([
  "P",
  ...("False None True and as assert async await break class continue def del elif else " +
    "except finally for from global if import in is lambda nonlocal not or pass raise return " +
    "try while with yield").split(" "),
]);

/** Built-in defaults, used where neither the task nor `defaults` says otherwise. */
export const BUILTIN_DEFAULTS = {
  /** One hour. */
  timeout: 3600,
  retries: 0,
  kernel: "python3",
} as const;

/** The keys allowed in each mapping of a pipeline file, for "did you mean" suggestions. */
export const KNOWN_KEYS = {
  pipeline: ["name", "description", "parameters", "secrets", "defaults", "tasks", "cache"],
  defaults: ["timeout", "retries", "kernel", "fast", "env", "compat"],
  task: [
    "notebook",
    "description",
    "needs",
    "parameters",
    "matrix",
    "timeout",
    "retries",
    "kernel",
    "fast",
    "env",
    "secrets",
    "inputs",
    "cache",
    "resources",
    "compat",
  ],
  resources: ["cpus", "memory"],
} as const;

function paramName(what: string): z.ZodType<string> {
  return z.string().superRefine((name, ctx) => {
    if (!PARAM_NAME.test(name)) {
      ctx.addIssue({
        code: "custom",
        message: `${what} ${JSON.stringify(name)} is not a valid Python name; use letters, ` +
          `digits and _ (not first a digit), e.g. "train_ratio"`,
      });
    } else if (RESERVED_PARAMS.has(name)) {
      ctx.addIssue({
        code: "custom",
        message: `${what} ${JSON.stringify(name)} is reserved in Python notebooks` +
          (name === "P" ? " (P is the dict of all parameters)" : " (a Python keyword)") +
          "; rename it",
      });
    }
  });
}

const ParametersSchema = z.record(paramName("parameter name"), JsonValueSchema);

const DurationSchema = z.unknown().transform((v, ctx): number => {
  if (typeof v === "number" || typeof v === "string") {
    try {
      return parseDuration(v);
    } catch { /* reported below */ }
  }
  ctx.issues.push({
    code: "custom",
    input: v,
    message: `${JSON.stringify(v) ?? String(v)} is not a duration; write a positive number of ` +
      `seconds or a duration such as 90s, 10m, 1h30m`,
  });
  return z.NEVER;
});

const RetriesSchema = z.number({ error: "must be a whole number of extra attempts, 0 to 100" })
  .int({ error: "must be a whole number of extra attempts, 0 to 100" })
  .min(0, { error: "must be a whole number of extra attempts, 0 to 100" })
  .max(100, { error: "must be a whole number of extra attempts, 0 to 100" });

const KernelNameSchema = z.string().min(1, { error: "must name a Jupyter kernel, e.g. python3" });
const MODULE_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** `kernel: python3`, or `kernel: { name: python3, preload: [numpy] }`. */
const KernelSchema = z.union([
  KernelNameSchema,
  z.strictObject({
    name: KernelNameSchema.optional(),
    preload: z.array(
      z.string().regex(MODULE_NAME, {
        error: (iss) =>
          `${JSON.stringify(iss.input)} is not a Python module name; give dotted names, ` +
          `e.g. preload: [numpy, sklearn.linear_model]`,
      }),
      { error: "must be a list of Python module names, e.g. preload: [numpy, sklearn]" },
    ).optional(),
  }),
], { error: "must name a Jupyter kernel (e.g. python3) or be { name, preload: [modules] }" });

/**
 * `compat: pynb-dag-runner`: notebooks written for the original pynb-dag-runner (Python) run
 * unchanged; their `P` holds `pipeline.<name>` and `task.<name>` keys.
 */
const CompatSchema = z.literal("pynb-dag-runner", {
  error: "must be pynb-dag-runner (notebooks written for the original pynb-dag-runner)",
});

const FastSchema = z.boolean({
  error: "must be true (fork kernels from a warm process, the default) or false (spawn each)",
});

const EnvSchema = z.record(
  z.string().regex(ENV_NAME, {
    error: (iss) =>
      `environment variable name ${JSON.stringify(iss.input)} is not allowed; use letters, ` +
      `digits and _ (not first a digit)`,
  }),
  z.union([z.string(), z.number(), z.boolean()], {
    error: "environment values must be strings (or numbers or booleans, turned into strings)",
  }).transform((v) => String(v)),
);

/** Variables the runner sets for every kernel: a secret cannot take their names. */
const RUNNER_ENV = /^(PYNB_|JUPYTER_|PYTHONPATH$|IPYTHONDIR$|MPLCONFIGDIR$)/;

const SecretsSchema = z.array(
  z.string({ error: "must be the name of an environment variable" }).superRefine((name, ctx) => {
    if (!ENV_NAME.test(name)) {
      ctx.addIssue({
        code: "custom",
        message: `secret name ${JSON.stringify(name)} is not an environment variable name; use ` +
          "letters, digits and _ (not first a digit), e.g. API_TOKEN",
      });
    } else if (RUNNER_ENV.test(name)) {
      ctx.addIssue({
        code: "custom",
        message: `secret name ${JSON.stringify(name)} is a variable the runner sets itself; ` +
          "pass the secret under another name",
      });
    }
  }),
  { error: "must be a list of environment variable names, e.g. secrets: [API_TOKEN]" },
).transform((names) => [...new Set(names)]);

const NotebookSchema = z.string().refine(
  (p) => p.endsWith(".ipynb") || p.endsWith(".py") || p.endsWith(".ts"),
  {
    error: (iss) =>
      `${JSON.stringify(iss.input)} is not a notebook path; give a .ipynb notebook or a ` +
      `Jupytext percent-format .py (or TypeScript .ts) file, relative to the pipeline file`,
  },
).refine((p) => !p.includes("\0"), {
  error: (iss) => `${JSON.stringify(iss.input)} contains a NUL byte, which no file name can hold`,
  abort: true,
});

const NeedsSchema = z.preprocess(
  (v) => (typeof v === "string" ? [v] : v),
  z.array(z.string({ error: "must be a task name" }), {
    error: "must be a task name or a list of task names, e.g. needs: [ingest]",
  }),
).transform((needs) => [...new Set(needs)]);

const MatrixSchema = z.record(
  paramName("matrix key"),
  z.array(JsonValueSchema, {
    error: "must be a list of values, e.g. nr_train_images: [600, 800]",
  }).min(1, { error: "has no values; give at least one, e.g. [600, 800]" }),
).refine((m) => Object.keys(m).length > 0, {
  error: "is empty; give at least one key with a list of values, or remove matrix",
});

const InputsSchema = z.preprocess(
  (v) => (typeof v === "string" ? [v] : v),
  z.array(
    z.string({ error: "must be a glob relative to the pipeline file, e.g. data/*.csv" })
      .min(1, { error: "must not be empty; give a glob such as data/*.csv" }),
    { error: "must be a glob or a list of globs relative to the pipeline file, e.g. [data/*.csv]" },
  ),
);

const TaskCacheSchema = z.boolean({
  error: "must be true or false (false: always run this task, never reuse a cached result)",
});

const PipelineCacheSchema = z.union([
  z.string().min(1),
  z.literal(false),
], {
  error: "must be a cache folder relative to the pipeline file (e.g. .pynb-cache) or false",
});

const MEMORY = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?\s*$/i;
const MemorySchema = z.unknown().transform((v, ctx): number => {
  const m = typeof v === "string" ? MEMORY.exec(v) : undefined;
  const mb = typeof v === "number" ? v : m
    ? Number(m[1]) *
      ({ K: 1 / 1024, "": 1, M: 1, G: 1024, T: 1024 * 1024 }[m[2]!.toUpperCase()] ?? 1)
    : NaN;
  if (Number.isFinite(mb) && mb >= 1) return Math.ceil(mb);
  ctx.issues.push({
    code: "custom",
    input: v,
    message: `${JSON.stringify(v) ?? String(v)} is not an amount of memory; write megabytes as a ` +
      `number, or a size such as 512M, 4G`,
  });
  return z.NEVER;
});

/** What one instance asks of a cluster (`run --executor slurm`); a local run ignores it. */
export const ResourcesSchema: z.ZodType<ResourcesSpec> = z.strictObject({
  cpus: z.number({ error: "must be a whole number of CPUs, 1 to 1024" }).int({
    error: "must be a whole number of CPUs, 1 to 1024",
  }).min(1, { error: "must be a whole number of CPUs, 1 to 1024" }).max(1024, {
    error: "must be a whole number of CPUs, 1 to 1024",
  }).optional(),
  memory: MemorySchema.optional(),
});

/** One task of the pipeline file, as validated. */
export const TaskSpecSchema: z.ZodType<TaskSpec> = z.strictObject({
  notebook: NotebookSchema,
  description: z.string().optional(),
  needs: NeedsSchema.optional(),
  parameters: ParametersSchema.optional(),
  matrix: MatrixSchema.optional(),
  timeout: DurationSchema.optional(),
  retries: RetriesSchema.optional(),
  kernel: KernelSchema.optional(),
  fast: FastSchema.optional(),
  env: EnvSchema.optional(),
  secrets: SecretsSchema.optional(),
  inputs: InputsSchema.optional(),
  cache: TaskCacheSchema.optional(),
  resources: ResourcesSchema.optional(),
  compat: CompatSchema.optional(),
});

/** The `defaults` of the pipeline file: values for tasks that do not set their own. */
export const DefaultsSchema: z.ZodType<DefaultsSpec> = z.strictObject({
  timeout: DurationSchema.optional(),
  retries: RetriesSchema.optional(),
  kernel: KernelSchema.optional(),
  fast: FastSchema.optional(),
  env: EnvSchema.optional(),
  compat: CompatSchema.optional(),
});

/** A whole pipeline file. */
export const PipelineSpecSchema: z.ZodType<PipelineSpec> = z.strictObject({
  name: z.string({ error: "must be a string naming the pipeline" }).min(1, {
    error: "must not be empty",
  }),
  description: z.string().optional(),
  parameters: ParametersSchema.optional(),
  secrets: SecretsSchema.optional(),
  defaults: DefaultsSchema.optional(),
  cache: PipelineCacheSchema.optional(),
  tasks: z.record(
    z.string().regex(TASK_NAME, {
      error: (iss) =>
        `task name ${JSON.stringify(iss.input)} is not allowed; task names use letters, ` +
        `digits, _, - and . (not first - or .), e.g. train-model`,
    }),
    TaskSpecSchema,
  ).refine((t) => Object.keys(t).length > 0, {
    error: "has no tasks; add at least one, e.g. ingest: { notebook: ingest.py }",
  }),
});

/** A validated pipeline: durations are seconds and `needs` is always a list. */
export interface PipelineSpec {
  /** Name of the pipeline. */
  name: string;
  /** A sentence about the pipeline. */
  description?: string | undefined;
  /** Parameters every task receives. */
  parameters?: Record<string, JsonValue> | undefined;
  /** Names of environment variables every kernel receives as secrets, without repeats. */
  secrets?: string[] | undefined;
  /** Values for tasks that do not set their own. */
  defaults?: DefaultsSpec | undefined;
  /** The cache folder of `run --cache` without a folder, or `false`: never cache. */
  cache?: string | false | undefined;
  /** The tasks, by name, in the order written. */
  tasks: Record<string, TaskSpec>;
}
/** The validated `defaults`. */
export interface DefaultsSpec {
  /** Whole-task timeout in seconds. */
  timeout?: number | undefined;
  /** Extra attempts after a failure or timeout. */
  retries?: number | undefined;
  /** Jupyter kernel name, or name and modules to preload. */
  kernel?: KernelSpec | undefined;
  /** Fork kernels from a warm process (ipykernel specs only). */
  fast?: boolean | undefined;
  /** Environment variables for every kernel. */
  env?: Record<string, string> | undefined;
  /** `pynb-dag-runner`: every task's notebook is in the original pynb-dag-runner's style. */
  compat?: "pynb-dag-runner" | undefined;
}
/** One validated task. */
export interface TaskSpec {
  /** Notebook path as written, relative to the pipeline file. */
  notebook: string;
  /** A sentence about the task. */
  description?: string | undefined;
  /** Names of the tasks this one waits for, without repeats. */
  needs?: string[] | undefined;
  /** Parameters of this task. */
  parameters?: Record<string, JsonValue> | undefined;
  /** Matrix keys and their values. */
  matrix?: Record<string, JsonValue[]> | undefined;
  /** Whole-task timeout in seconds. */
  timeout?: number | undefined;
  /** Extra attempts after a failure or timeout. */
  retries?: number | undefined;
  /** Jupyter kernel name, or name and modules to preload. */
  kernel?: KernelSpec | undefined;
  /** Fork kernels from a warm process (ipykernel specs only). */
  fast?: boolean | undefined;
  /** Extra environment variables for the kernel. */
  env?: Record<string, string> | undefined;
  /** Names of environment variables this task's kernel receives as secrets, without repeats. */
  secrets?: string[] | undefined;
  /** Globs of files the notebook reads, relative to the pipeline file: part of its cache key. */
  inputs?: string[] | undefined;
  /** `false`: never reuse a cached result of this task. */
  cache?: boolean | undefined;
  /** CPUs and memory an instance asks of a cluster. */
  resources?: ResourcesSpec | undefined;
  /** `pynb-dag-runner`: the notebook is in the original pynb-dag-runner's style. */
  compat?: "pynb-dag-runner" | undefined;
}
/** The validated `resources` of a task. */
export interface ResourcesSpec {
  /** CPUs of one instance (`sbatch --cpus-per-task`). */
  cpus?: number | undefined;
  /** Memory of one instance in megabytes (`sbatch --mem`). */
  memory?: number | undefined;
}
