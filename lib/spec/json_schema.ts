/**
 * A JSON Schema of the pipeline file for editors: with `# yaml-language-server: $schema=<url of
 * docs/pipeline.schema.json>` at the top of `pipeline.yaml`, VS Code and other editors complete
 * keys and flag mistakes while typing. The zod schema stays the authority; this is derived from it.
 *
 * @module
 */
import { z } from "../../deps.ts";
import { PipelineSpecSchema, RESERVED_PARAMS } from "./schema.ts";

type Json = Record<string, unknown>;

const DURATION: Json = {
  description: "Seconds, or a duration such as 90s, 10m, 1h30m.",
  anyOf: [
    { type: "number", exclusiveMinimum: 0 },
    { type: "string", pattern: "^\\s*(\\d+(\\.\\d+)?\\s*[dhms]?\\s*)+$" },
  ],
};

const PARAM_NAMES: Json = {
  type: "string",
  pattern: "^[A-Za-z_][A-Za-z0-9_]*$",
  not: { enum: [...RESERVED_PARAMS] },
};

const DESCRIPTIONS: Record<string, string> = {
  name: "Name of the pipeline, shown on the website.",
  description: "A sentence about it.",
  parameters: "Parameters (name: JSON value) every instance receives, over lower levels.",
  defaults: "timeout, retries, kernel, fast and env for tasks that do not set their own.",
  tasks: "The tasks by name: letters, digits, _, - and .",
  notebook: "Notebook path relative to the pipeline file: .ipynb or Jupytext percent .py.",
  needs: "A task name or a list of task names to wait for.",
  matrix: "key: [values]; one instance per combination. Shared keys link instances one to one.",
  retries: "Extra attempts after a failure or a timeout.",
  kernel: "Jupyter kernel name (e.g. python3), or { name, preload: [modules imported once] }.",
  compat:
    "pynb-dag-runner: notebooks written for the original pynb-dag-runner run unchanged (P with pipeline.* and task.* keys, PydarLogger).",
  fast: "Fork ipykernel kernels from a warm process (default true); false spawns each kernel.",
  env: "Extra environment variables of the kernel.",
  secrets: "Names of environment variables passed to the kernel only, and replaced by *** in " +
    "everything the run writes. Never parameters: a notebook reads them with os.environ.",
  resources: "What one instance asks of a cluster (run --executor slurm): cpus, memory.",
  inputs:
    "Globs of files the notebook reads, relative to the pipeline file; part of its cache key.",
  cache: "Caching (docs/caching.md): the cache folder of run --cache (pipeline), or false to " +
    "never reuse a stored result (pipeline or task).",
};

/**
 * Builds the JSON Schema (draft 2020-12) of a pipeline file.
 *
 * @returns The schema, as plain JSON data.
 *
 * @example Writing the schema for an editor
 * ```ts
 * import { pipelineJsonSchema } from "./json_schema.ts";
 * const schema = pipelineJsonSchema();
 * console.assert((schema.required as string[]).includes("tasks"));
 * ```
 */
export function pipelineJsonSchema(): Json {
  const schema = z.toJSONSchema(PipelineSpecSchema, {
    io: "input",
    unrepresentable: "any",
  }) as Json;
  const props = schema.properties as Record<string, Json>;
  const defaults = props.defaults!.properties as Record<string, Json>;
  const task = (props.tasks!.additionalProperties as Json).properties as Record<string, Json>;
  for (const where of [props, defaults, task]) {
    for (const [key, value] of Object.entries(where)) {
      const text = DESCRIPTIONS[key];
      if (text !== undefined) value.description = text;
    }
  }
  defaults.timeout = DURATION;
  task.timeout = DURATION;
  task.resources = {
    description: DESCRIPTIONS.resources,
    type: "object",
    additionalProperties: false,
    properties: {
      cpus: { type: "integer", minimum: 1, maximum: 1024, description: "sbatch --cpus-per-task" },
      memory: {
        description: "Megabytes, or a size such as 512M, 4G (sbatch --mem).",
        anyOf: [{ type: "number", minimum: 1 }, {
          type: "string",
          pattern: "^\\s*\\d+(\\.\\d+)?\\s*[KMGTkmgt]?i?[Bb]?\\s*$",
        }],
      },
    },
  };
  task.notebook = { ...task.notebook, pattern: "\\.(ipynb|py)$" };
  task.needs = {
    description: DESCRIPTIONS.needs,
    anyOf: [{ type: "string" }, { type: "array", items: { type: "string" } }],
  };
  task.inputs = {
    description: DESCRIPTIONS.inputs,
    anyOf: [{ type: "string" }, { type: "array", items: { type: "string", minLength: 1 } }],
  };
  props.parameters!.propertyNames = PARAM_NAMES;
  task.parameters!.propertyNames = PARAM_NAMES;
  task.matrix!.propertyNames = PARAM_NAMES;
  task.matrix!.minProperties = 1;
  props.tasks!.minProperties = 1;
  const secretNames = { type: "string", pattern: "^[A-Za-z_][A-Za-z0-9_]*$" };
  props.secrets!.items = secretNames;
  task.secrets!.items = secretNames;
  return {
    $schema: schema.$schema,
    title: "pynb-dag-runner pipeline",
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== "$schema")),
  };
}
