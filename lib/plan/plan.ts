/**
 * The planner: a validated pipeline in, the expanded DAG of task instances out. Pure.
 *
 * @module
 */
import type { LoadedPipeline } from "../spec/load.ts";
import type { PipelineSpec, TaskSpec } from "../spec/schema.ts";
import { didYouMean } from "../spec/suggest.ts";
import { CycleError, PlanError, type PlanProblem } from "./errors.ts";
import { expandInstances, type Expansion, type Locate } from "./expand.ts";
import { findCycle } from "./graph.ts";
import { slugify } from "./ids.ts";
import { selectIds, type Selection } from "./select.ts";
import type { JsonValue } from "../_base/json.ts";
import type { Plan, PlannedInstance } from "./types.ts";

/** Options of {@linkcode planPipeline}. */
export interface PlanOptions extends Selection {
  /**
   * `--param` values: over pipeline parameters, task parameters and matrix values, for every
   * instance. Each name must be a parameter or matrix key somewhere in the pipeline.
   * @default {}
   */
  overrides?: Record<string, JsonValue>;
}

/**
 * Expands a pipeline into its plan, in named steps: check the tasks (needs, matrices,
 * overrides), check for a cycle, expand every task into instances with their edges, name them
 * (slugs), then keep the selection (`only`, `from`, `to`) and lay it out in layers. Needs of a
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
  const at = locator(pipeline);
  const overrides = options.overrides ?? {};
  const needsOf = checkTasks(spec, overrides, at);
  const taskNames = Object.keys(spec.tasks);
  checkCycle(spec.name, taskNames, needsOf, at);
  const expansion = expandInstances(spec, {
    taskOrder: taskOrder(taskNames, needsOf),
    overrides,
    at,
  });
  // Slugs over the whole pipeline, so a selection does not change them.
  const slugs = slugify(expansion.instances.map((i) => i.id));
  expansion.instances.forEach((inst, i) => inst.slug = slugs[i]!);
  const { instances, layers } = selectAndLayer(spec.name, expansion, options);
  return {
    pipeline: spec.name,
    baseDir: pipeline.baseDir,
    ...(spec.cache === undefined ? {} : { cache: spec.cache }),
    parameters: { ...spec.parameters, ...overrides },
    instances,
    layers,
  };
}

/** Source positions of the pipeline's data paths, quoted with the path the user wrote. */
function locator(pipeline: LoadedPipeline): Locate {
  return (path) => {
    const source = pipeline.source;
    const pos = source?.locate(path);
    return source === undefined || pos === undefined
      ? undefined
      : { file: source.shownPath, ...pos };
  };
}

/** Problems that get a "did you mean" suggestion; past them, validation stays linear. */
const SUGGESTED_PROBLEMS = 50;

/**
 * Checks what can be checked task by task: needs that are not tasks, empty matrices and
 * overrides that name nothing. Returns the needs of each task.
 */
function checkTasks(
  spec: PipelineSpec,
  overrides: Record<string, JsonValue>,
  at: Locate,
): Map<string, string[]> {
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
            `${JSON.stringify(need)}, which is not a task` +
            // A suggestion costs a scan of every task: the first ones are what a person reads.
            (problems.length < SUGGESTED_PROBLEMS ? didYouMean(need, taskNames) : ""),
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
  const known = knownParameters(spec.parameters ?? {}, tasks);
  for (const key of Object.keys(overrides)) {
    if (!known.has(key)) {
      problems.push({
        message: `--param ${key} names no parameter or matrix key of the pipeline (declare it ` +
          `under parameters first)${didYouMean(key, known)}`,
      });
    }
  }
  if (problems.length > 0) throw new PlanError(spec.name, problems);
  return needsOf;
}

/** Throws a {@linkcode CycleError} pointing at the need that closes a cycle, if there is one. */
function checkCycle(
  name: string,
  taskNames: string[],
  needsOf: Map<string, string[]>,
  at: Locate,
): void {
  const cycle = findCycle(taskNames, needsOf);
  if (cycle === undefined) return;
  // The last arrow x -> first closes the cycle: `first` needs x.
  const first = cycle[0]!;
  const closing = cycle[cycle.length - 2]!;
  const index = needsOf.get(first)?.indexOf(closing) ?? -1;
  throw new CycleError(name, cycle, at(["tasks", first, "needs", index]));
}

/**
 * Keeps the selection (needs to dropped instances removed, layers computed again) and sorts the
 * instances by layer, then by creation order.
 */
function selectAndLayer(
  name: string,
  { instances, order, layerOf }: Expansion,
  selection: Selection,
): { instances: PlannedInstance[]; layers: string[][] } {
  const selecting = selection.only !== undefined || selection.from !== undefined ||
    selection.to !== undefined;
  const kept = selecting
    ? selectIds(name, sortTopologically(instances, layerOf, order), selection)
    : undefined;
  const selected = kept === undefined ? instances : instances.filter((i) => kept.has(i.id));
  if (kept !== undefined) {
    for (const inst of selected) inst.needs = inst.needs.filter((n) => kept.has(n));
    layerOf = new Map();
    // Creation order is topological (tasks are expanded upstream first).
    for (const inst of selected) {
      layerOf.set(inst.id, inst.needs.reduce((m, n) => Math.max(m, layerOf.get(n)! + 1), 0));
    }
  }
  const sorted = sortTopologically(selected, layerOf, order);
  const layers: string[][] = [];
  for (const inst of sorted) (layers[layerOf.get(inst.id)!] ??= []).push(inst.id);
  return { instances: sorted, layers };
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
