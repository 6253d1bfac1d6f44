/**
 * The planner: a validated pipeline in, the expanded DAG of task instances out. Pure.
 *
 * @module
 */
import type { LoadedPipeline } from "../spec/load.ts";
import type { DataPath } from "../spec/_positions.ts";
import type { TaskSpec } from "../spec/schema.ts";
import { BUILTIN_DEFAULTS } from "../spec/schema.ts";
import { didYouMean } from "../spec/suggest.ts";
import { CycleError, PlanError, type PlanProblem, type ProblemSource } from "./errors.ts";
import { findCycle } from "./graph.ts";
import { canonicalJson, instanceId, slugify } from "./ids.ts";
import { selectIds, type Selection } from "./select.ts";
import type { JsonValue, Plan, PlannedInstance } from "./types.ts";

/** Options of {@linkcode planPipeline}. */
export interface PlanOptions extends Selection {
  /**
   * `--param` values: over pipeline parameters, task parameters and matrix values, for every
   * instance. Each name must be a parameter or matrix key somewhere in the pipeline.
   * @default {}
   */
  overrides?: Record<string, JsonValue>;
}

/** More instances than this is almost certainly a mistake (and a huge website). */
export const MAX_INSTANCES = 100_000;

/**
 * Expands a pipeline into its plan: one instance per task and matrix combination, with edges,
 * topological order and layers, then keeps the selection (`only`, `from`, `to`). Needs of a
 * kept instance that point at dropped instances are removed, so the run starts from the
 * selection.
 *
 * Matrix edges: when a task and a task it needs both have a matrix and share keys, each
 * instance waits for the instances with equal values of the shared keys; every other edge
 * fans in (or out) to all instances.
 *
 * @param pipeline A loaded pipeline.
 * @param options Selection and parameter overrides.
 * @returns The plan.
 * @throws {CycleError} When needs form a cycle (the message lists it).
 * @throws {SelectionError} When a selection name is unknown or the selection is empty.
 * @throws {PlanError} For unknown needs, duplicate ids, empty matrices, matrix edges that
 *   link nothing, and unknown override names.
 *
 * @example Planning a matrix
 * ```ts
 * import { parsePipeline } from "../spec/load.ts";
 * import { planPipeline } from "./plan.ts";
 * const pipeline = parsePipeline(
 *   "name: demo\ntasks:\n  a: { notebook: a.py }\n  b: { notebook: b.py, needs: [a], matrix: { n: [1, 2] } }\n",
 *   { file: "/tmp/pipeline.yaml" },
 * );
 * const plan = planPipeline(pipeline);
 * console.assert(plan.instances.map((i) => i.id).join() === "a,b[n=1],b[n=2]");
 * console.assert(plan.layers.length === 2);
 * ```
 */
export function planPipeline(pipeline: LoadedPipeline, options: PlanOptions = {}): Plan {
  const { spec } = pipeline;
  const name = spec.name;
  const at = (path: DataPath): ProblemSource | undefined => {
    const source = pipeline.source;
    const pos = source?.locate(path);
    return source === undefined || pos === undefined
      ? undefined
      : { file: source.shownPath, ...pos };
  };
  const tasks = Object.entries(spec.tasks);
  const taskNames = tasks.map(([t]) => t);
  const problems: PlanProblem[] = [];

  const needsOf = new Map<string, string[]>();
  for (const [task, def] of tasks) {
    const needs = def.needs ?? [];
    needsOf.set(task, needs);
    for (const [i, need] of needs.entries()) {
      if (!Object.hasOwn(spec.tasks, need)) {
        problems.push({
          where: at(["tasks", task, "needs", i]),
          message: `task ${JSON.stringify(task)} needs ` +
            `${JSON.stringify(need)}, which is not a task${didYouMean(need, taskNames)}`,
        });
      }
    }
    for (const [key, values] of Object.entries(def.matrix ?? {})) {
      if (values.length === 0) {
        problems.push({
          where: at(["tasks", task, "matrix", key]),
          message: `the matrix key ${JSON.stringify(key)} of task ` +
            `${JSON.stringify(task)} has no values; give at least one`,
        });
      }
    }
    if (def.matrix !== undefined && Object.keys(def.matrix).length === 0) {
      problems.push({
        where: at(["tasks", task, "matrix"]),
        message: `the matrix of task ${JSON.stringify(task)} is empty`,
      });
    }
  }
  const overrides = options.overrides ?? {};
  const known = knownParameters(spec.parameters ?? {}, tasks);
  for (const key of Object.keys(overrides)) {
    if (!known.has(key)) {
      problems.push({
        message: `--param ${key} names no parameter or matrix key of the pipeline (declare it ` +
          `under parameters first)${didYouMean(key, known)}`,
      });
    }
  }
  if (problems.length > 0) throw new PlanError(name, problems);

  const cycle = findCycle(taskNames, needsOf);
  if (cycle !== undefined) {
    // The last arrow x -> first closes the cycle: `first` needs x.
    const first = cycle[0]!;
    const closing = cycle[cycle.length - 2]!;
    const index = needsOf.get(first)?.indexOf(closing) ?? -1;
    throw new CycleError(name, cycle, at(["tasks", first, "needs", index]));
  }

  const instances: PlannedInstance[] = [];
  const order = new Map<string, number>();
  const layerOf = new Map<string, number>();
  const byTask = new Map<string, PlannedInstance[]>();
  const defaults = spec.defaults ?? {};
  for (const task of taskOrder(taskNames, needsOf)) {
    const def = spec.tasks[task]!;
    const combos = expandMatrix(def.matrix ?? {});
    if (instances.length + combos.length > MAX_INSTANCES) {
      throw new PlanError(name, [{
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
      for (const need of needsOf.get(task) ?? []) {
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
      const inst: PlannedInstance = {
        id,
        task,
        slug: "",
        matrix: combo,
        parameters: {
          ...spec.parameters,
          ...def.parameters,
          ...combo,
          ...overrides,
        },
        needs,
        notebook: def.notebook,
        timeoutSeconds: def.timeout ?? defaults.timeout ?? BUILTIN_DEFAULTS.timeout,
        retries: def.retries ?? defaults.retries ?? BUILTIN_DEFAULTS.retries,
        kernel: def.kernel ?? defaults.kernel ?? BUILTIN_DEFAULTS.kernel,
        env: { ...defaults.env, ...def.env },
        ...(def.inputs === undefined ? {} : { inputs: def.inputs }),
        ...(def.cache === false ? { cache: false as const } : {}),
      };
      order.set(id, order.size);
      layerOf.set(id, needs.reduce((m, n) => Math.max(m, (layerOf.get(n) ?? 0) + 1), 0));
      own.push(inst);
      instances.push(inst);
    }
    byTask.set(task, own);
  }
  if (problems.length > 0) throw new PlanError(name, problems);

  // Slugs over the whole pipeline, so a selection does not change them.
  const slugs = slugify(instances.map((i) => i.id));
  instances.forEach((inst, i) => inst.slug = slugs[i]!);

  const selecting = options.only !== undefined || options.from !== undefined ||
    options.to !== undefined;
  const kept = selecting
    ? selectIds(name, sortTopologically(instances, layerOf, order), options)
    : undefined;
  const selected = kept === undefined ? instances : instances.filter((i) => kept.has(i.id));
  if (kept !== undefined) {
    for (const inst of selected) inst.needs = inst.needs.filter((n) => kept.has(n));
    layerOf.clear();
    // Creation order is topological (tasks are expanded upstream first).
    for (const inst of selected) {
      layerOf.set(inst.id, inst.needs.reduce((m, n) => Math.max(m, layerOf.get(n)! + 1), 0));
    }
  }
  const sorted = sortTopologically(selected, layerOf, order);
  const layers: string[][] = [];
  for (const inst of sorted) (layers[layerOf.get(inst.id)!] ??= []).push(inst.id);
  return {
    pipeline: name,
    baseDir: pipeline.baseDir,
    ...(spec.cache === undefined ? {} : { cache: spec.cache }),
    parameters: { ...spec.parameters, ...overrides },
    instances: sorted,
    layers,
  };
}

/**
 * Every combination of matrix values, first key slowest, values in the order written.
 *
 * @param matrix The task's matrix (`{}` gives one empty combination).
 * @returns The combinations.
 *
 * @example
 * ```ts
 * import { expandMatrix } from "./plan.ts";
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

function knownParameters(
  pipelineParams: Record<string, JsonValue>,
  tasks: [string, TaskSpec][],
): Set<string> {
  const known = new Set(Object.keys(pipelineParams));
  for (const [, def] of tasks) {
    for (const k of Object.keys(def.parameters ?? {})) known.add(k);
    for (const k of Object.keys(def.matrix ?? {})) known.add(k);
  }
  return known;
}

/** Tasks upstream first (depth-first post-order, visiting tasks in declaration order). */
function taskOrder(names: string[], needs: Map<string, string[]>): string[] {
  const done = new Set<string>();
  const out: string[] = [];
  for (const start of names) {
    if (done.has(start)) continue;
    done.add(start);
    const stack: { task: string; next: number }[] = [{ task: start, next: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const deps = needs.get(top.task) ?? [];
      if (top.next < deps.length) {
        const dep = deps[top.next++]!;
        if (!done.has(dep)) {
          done.add(dep);
          stack.push({ task: dep, next: 0 });
        }
      } else {
        out.push(top.task);
        stack.pop();
      }
    }
  }
  return out;
}

/** By layer, then by the order instances were created (task order, then matrix order). */
function sortTopologically(
  instances: PlannedInstance[],
  layerOf: Map<string, number>,
  order: Map<string, number>,
): PlannedInstance[] {
  const size = order.size + 1;
  return instances
    .map((inst) => ({ inst, key: layerOf.get(inst.id)! * size + order.get(inst.id)! }))
    .sort((a, b) => a.key - b.key)
    .map((e) => e.inst);
}
