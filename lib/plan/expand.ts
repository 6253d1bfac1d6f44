/**
 * Expanding the tasks of a pipeline into task instances: one per combination of matrix values,
 * each with its parameters, limits and needs (matrix edges resolved). Pure.
 *
 * @module
 */
import type { DataPath } from "../spec/load.ts";
import type { DefaultsSpec, KernelSpec, PipelineSpec, TaskSpec } from "../spec/schema.ts";
import { BUILTIN_DEFAULTS } from "../spec/schema.ts";
import { PlanError, type PlanProblem, type ProblemSource } from "./errors.ts";
import { canonicalJson, instanceId } from "./ids.ts";
import type { JsonValue } from "../_base/json.ts";
import type { PlannedInstance } from "./types.ts";

/** More instances than this is almost certainly a mistake (and a huge website). */
export const MAX_INSTANCES = 100_000;

/** Where a data path of the pipeline is in its file, for messages (`undefined`: unknown). */
export type Locate = (path: DataPath) => ProblemSource | undefined;

/** The instances of a pipeline, in creation order (upstream tasks first, then matrix order). */
export interface Expansion {
  /** The instances; `slug` is still empty. */
  instances: PlannedInstance[];
  /** Creation index of each instance id: the tie-break of the topological order. */
  order: Map<string, number>;
  /** Layer of each instance id: 0 without needs, else one more than its deepest need. */
  layerOf: Map<string, number>;
}

/** What {@linkcode expandInstances} needs besides the spec. */
export interface ExpandOptions {
  /** Tasks, upstream first. */
  taskOrder: readonly string[];
  /** Overrides applied to every instance's parameters (`--param`). */
  overrides: Record<string, JsonValue>;
  /** Source positions for messages. */
  at: Locate;
}

/**
 * Expands every task into its instances and links each instance to the instances it needs.
 *
 * Matrix edges: when a task and a task it needs both have a matrix and share keys, each instance
 * waits for the instances with equal values of the shared keys; every other edge fans in (or out)
 * to all instances.
 *
 * @param spec The validated pipeline (needs known to exist, no cycle).
 * @param options Task order, overrides and source positions.
 * @returns The instances with their creation order and layers.
 * @throws {PlanError} For duplicate instance ids, matrix edges that link nothing, and more than
 *   {@linkcode MAX_INSTANCES} instances.
 *
 * @example A matrix task that needs a plain one
 * ```ts
 * import { expandInstances } from "./expand.ts";
 * const { instances, layerOf } = expandInstances({
 *   name: "demo",
 *   tasks: { a: { notebook: "a.py" }, b: { notebook: "b.py", needs: ["a"], matrix: { n: [1, 2] } } },
 * }, { taskOrder: ["a", "b"], overrides: {}, at: () => undefined });
 * console.assert(instances.map((i) => i.id).join() === "a,b[n=1],b[n=2]");
 * console.assert(layerOf.get("b[n=2]") === 1 && instances[2]?.needs[0] === "a");
 * ```
 */
export function expandInstances(spec: PipelineSpec, options: ExpandOptions): Expansion {
  const { at } = options;
  const problems: PlanProblem[] = [];
  const instances: PlannedInstance[] = [];
  const order = new Map<string, number>();
  const layerOf = new Map<string, number>();
  const byTask = new Map<string, PlannedInstance[]>();
  for (const task of options.taskOrder) {
    const def = spec.tasks[task]!;
    const combos = expandMatrix(def.matrix ?? {});
    if (instances.length + combos.length > MAX_INSTANCES) {
      throw new PlanError(spec.name, [{
        where: at(["tasks", task, "matrix"]),
        message: `the pipeline expands to more than ${MAX_INSTANCES} task instances; make the ` +
          `matrices smaller`,
      }]);
    }
    const own: PlannedInstance[] = [];
    for (const combo of combos) {
      const id = instanceId(task, combo);
      if (order.has(id)) {
        problems.push({
          where: at(["tasks", task, "matrix"]),
          message: `two instances of task ${JSON.stringify(task)} ` +
            `have the same id ${JSON.stringify(id)}; make the matrix values distinct`,
        });
        continue;
      }
      const needs: string[] = [];
      for (const need of def.needs ?? []) {
        const linked = linkedInstances(def, spec.tasks[need]!, byTask.get(need) ?? [], combo);
        if (linked.length === 0) {
          problems.push({
            where: at(["tasks", task, "needs"]),
            message: `instance ${JSON.stringify(id)} needs task ` +
              `${JSON.stringify(need)}, but no instance of ${JSON.stringify(need)} has the ` +
              `same values of the shared matrix keys; add the values to both matrices`,
          });
        }
        needs.push(...linked.map((i) => i.id));
      }
      const inst = instanceOf(spec, { id, task, combo, needs }, options.overrides);
      order.set(id, order.size);
      layerOf.set(id, needs.reduce((m, n) => Math.max(m, (layerOf.get(n) ?? 0) + 1), 0));
      own.push(inst);
      instances.push(inst);
    }
    byTask.set(task, own);
  }
  if (problems.length > 0) throw new PlanError(spec.name, problems);
  return { instances, order, layerOf };
}

/** One instance: parameters merged (pipeline < task < matrix < overrides), defaults applied. */
function instanceOf(
  spec: PipelineSpec,
  { id, task, combo, needs }: {
    id: string;
    task: string;
    combo: Record<string, JsonValue>;
    needs: string[];
  },
  overrides: Record<string, JsonValue>,
): PlannedInstance {
  const def = spec.tasks[task]!;
  const defaults = spec.defaults ?? {};
  const secrets = [...new Set([...spec.secrets ?? [], ...def.secrets ?? []])].sort();
  return {
    id,
    task,
    slug: "",
    matrix: combo,
    parameters: { ...spec.parameters, ...def.parameters, ...combo, ...overrides },
    needs,
    notebook: def.notebook,
    timeoutSeconds: def.timeout ?? defaults.timeout ?? BUILTIN_DEFAULTS.timeout,
    retries: def.retries ?? defaults.retries ?? BUILTIN_DEFAULTS.retries,
    ...kernelOf(def, defaults),
    env: { ...defaults.env, ...def.env },
    ...(secrets.length > 0 ? { secrets } : {}),
    ...(def.inputs === undefined ? {} : { inputs: def.inputs }),
    ...(def.cache === false ? { cache: false as const } : {}),
    ...(def.resources === undefined ? {} : { resources: resources(def.resources) }),
    ...compatOf(spec, def, combo, overrides),
  };
}

/** The original pynb-dag-runner's `P` keys: what is the task's own, what the pipeline's. */
function compatOf(
  spec: PipelineSpec,
  def: TaskSpec,
  combo: Record<string, JsonValue>,
  overrides: Record<string, JsonValue>,
): Pick<PlannedInstance, "compat"> {
  if ((def.compat ?? spec.defaults?.compat) !== "pynb-dag-runner") return {};
  const pipeline = new Set(Object.keys(spec.parameters ?? {}));
  const own = new Set([...Object.keys(def.parameters ?? {}), ...Object.keys(combo)]);
  for (const name of Object.keys(overrides)) if (!pipeline.has(name)) own.add(name);
  return { compat: { style: "pynb-dag-runner", taskParameters: [...own].sort() } };
}

/** A task's `resources:` as the plan carries them (memory in megabytes). */
function resources(
  r: NonNullable<TaskSpec["resources"]>,
): NonNullable<PlannedInstance["resources"]> {
  return {
    ...(r.cpus === undefined ? {} : { cpus: r.cpus }),
    ...(r.memory === undefined ? {} : { memoryMb: r.memory }),
  };
}

/** The kernel name, preload modules and fast flag of a task: the task's own, else the defaults'. */
function kernelOf(
  def: TaskSpec,
  defaults: DefaultsSpec,
): Pick<PlannedInstance, "kernel" | "preload" | "fast"> {
  const asObject = (k: KernelSpec | undefined) => typeof k === "string" ? { name: k } : k ?? {};
  const own = asObject(def.kernel);
  const base = asObject(defaults.kernel);
  const preload = own.preload ?? base.preload ?? [];
  return {
    kernel: own.name ?? base.name ?? BUILTIN_DEFAULTS.kernel,
    ...(preload.length > 0 ? { preload } : {}),
    ...((def.fast ?? defaults.fast ?? true) ? {} : { fast: false as const }),
  };
}

/**
 * Every combination of matrix values, first key slowest, values in the order written.
 *
 * @param matrix The task's matrix (`{}` gives one empty combination).
 * @returns The combinations.
 *
 * @example Two keys
 * ```ts
 * import { expandMatrix } from "./expand.ts";
 * console.assert(expandMatrix({ a: [1, 2], b: ["x"] }).length === 2);
 * ```
 */
export function expandMatrix(
  matrix: Record<string, JsonValue[]>,
): Record<string, JsonValue>[] {
  let combos: Record<string, JsonValue>[] = [{}];
  for (const [key, values] of Object.entries(matrix)) {
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  }
  return combos;
}

const indexCache = new WeakMap<PlannedInstance[], Map<string, Map<string, PlannedInstance[]>>>();

/** The instances of `upstream` an instance of `task` with matrix values `combo` waits for. */
function linkedInstances(
  task: TaskSpec,
  upstream: TaskSpec,
  upstreamInstances: PlannedInstance[],
  combo: Record<string, JsonValue>,
): PlannedInstance[] {
  const upKeys = Object.keys(upstream.matrix ?? {});
  const shared = Object.keys(task.matrix ?? {}).filter((k) => upKeys.includes(k)).sort();
  if (shared.length === 0) return upstreamInstances;
  const sig = shared.join("\0");
  let perKeys = indexCache.get(upstreamInstances);
  if (perKeys === undefined) indexCache.set(upstreamInstances, perKeys = new Map());
  let index = perKeys.get(sig);
  if (index === undefined) {
    index = new Map();
    for (const inst of upstreamInstances) {
      const k = shared.map((s) => canonicalJson(inst.matrix[s] ?? null)).join("\0");
      const list = index.get(k) ?? [];
      list.push(inst);
      index.set(k, list);
    }
    perKeys.set(sig, index);
  }
  return index.get(shared.map((s) => canonicalJson(combo[s] ?? null)).join("\0")) ?? [];
}
