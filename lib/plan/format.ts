/**
 * A plan as text for people, JSON for programs, or a Mermaid graph.
 *
 * @module
 */
import { formatDuration } from "../_base/time.ts";
import { criticalPath } from "./critical_path.ts";
import type { Plan } from "./types.ts";

/** The output formats of `cli.ts plan`. */
export const PLAN_FORMATS = ["text", "json", "mermaid"] as const;
/** One output format of `cli.ts plan`. */
export type PlanFormat = typeof PLAN_FORMATS[number];

/**
 * Formats a plan in one of {@linkcode PLAN_FORMATS}.
 *
 * @param plan The plan.
 * @param format `text`, `json` or `mermaid`.
 * @returns The text, ending with a newline.
 *
 * @example Formatting a plan
 * ```ts
 * import { formatPlan } from "./format.ts";
 * const plan = { pipeline: "demo", baseDir: "/tmp", parameters: {}, instances: [], layers: [] };
 * console.assert(formatPlan(plan, "mermaid").startsWith("graph LR"));
 * ```
 */
export function formatPlan(plan: Plan, format: PlanFormat): string {
  switch (format) {
    case "json":
      return formatPlanJson(plan);
    case "mermaid":
      return formatPlanMermaid(plan);
    default:
      return formatPlanText(plan);
  }
}

/**
 * The plan as JSON: the {@linkcode Plan} minus `baseDir` (machine-specific), plus its
 * `criticalPath`. See `docs/plan-format.md`.
 *
 * @param plan The plan.
 * @returns Pretty-printed JSON.
 *
 * @example
 * ```ts
 * import { formatPlanJson } from "./format.ts";
 * const plan = { pipeline: "demo", baseDir: "/tmp", parameters: {}, instances: [], layers: [] };
 * console.assert(JSON.parse(formatPlanJson(plan)).pipeline === "demo");
 * ```
 */
export function formatPlanJson(plan: Plan): string {
  const { pipeline, parameters, instances, layers } = plan;
  return JSON.stringify(
    { pipeline, parameters, instances, layers, criticalPath: criticalPath(plan) },
    null,
    2,
  ) + "\n";
}

/**
 * The plan for people: a summary line, the critical path, then each layer's instances with
 * their notebook, timeout, retries and needs.
 *
 * @param plan The plan.
 * @returns Plain text.
 *
 * @example
 * ```ts
 * import { formatPlanText } from "./format.ts";
 * const plan = { pipeline: "demo", baseDir: "/tmp", parameters: {}, instances: [], layers: [] };
 * console.assert(formatPlanText(plan).startsWith("Pipeline demo: 0 tasks"));
 * ```
 */
export function formatPlanText(plan: Plan): string {
  const tasks = new Set(plan.instances.map((i) => i.task)).size;
  const path = criticalPath(plan);
  const byId = new Map(plan.instances.map((i) => [i.id, i]));
  const width = Math.min(48, Math.max(0, ...plan.instances.map((i) => i.id.length)));
  const lines = [
    `Pipeline ${plan.pipeline}: ${plural(tasks, "task")}, ` +
    `${plural(plan.instances.length, "instance")} in ${plural(plan.layers.length, "layer")}`,
  ];
  if (path.ids.length > 0) {
    lines.push(
      `Critical path: ${formatDuration(path.seconds)} at worst (timeouts x attempts): ` +
        path.ids.join(" -> "),
    );
  }
  for (const [n, layer] of plan.layers.entries()) {
    lines.push("", `Layer ${n + 1}`);
    for (const id of layer) {
      const inst = byId.get(id)!;
      const attrs = [
        inst.notebook,
        `timeout ${formatDuration(inst.timeoutSeconds)}`,
        ...(inst.retries > 0 ? [plural(inst.retries, "retry", "retries")] : []),
        ...(inst.needs.length > 0 ? [`needs ${abbreviate(inst.needs)}`] : []),
      ];
      lines.push(`  ${id.padEnd(width)}  ${attrs.join(", ")}`);
    }
  }
  return lines.join("\n") + "\n";
}

/**
 * The plan as a Mermaid flowchart: one node per instance, the instances of a matrix task
 * grouped in a subgraph, an arrow from each need to the instance that waits for it. Labels are
 * escaped, so names cannot inject Mermaid syntax or HTML.
 *
 * @param plan The plan.
 * @returns Mermaid text.
 *
 * @example
 * ```ts
 * import { formatPlanMermaid } from "./format.ts";
 * const plan = { pipeline: "demo", baseDir: "/tmp", parameters: {}, instances: [], layers: [] };
 * console.assert(formatPlanMermaid(plan) === "graph LR\n");
 * ```
 */
export function formatPlanMermaid(plan: Plan): string {
  const node = new Map(plan.instances.map((inst, i) => [inst.id, `n${i}`]));
  const byTask = new Map<string, string[]>();
  for (const inst of plan.instances) {
    byTask.set(inst.task, [...byTask.get(inst.task) ?? [], inst.id]);
  }
  const lines = ["graph LR"];
  let group = 0;
  for (const [task, ids] of byTask) {
    const single = ids.length === 1 && ids[0] === task;
    if (single) {
      lines.push(`  ${node.get(task)}["${mermaidText(task)}"]`);
      continue;
    }
    lines.push(`  subgraph t${group++}["${mermaidText(task)}"]`);
    for (const id of ids) {
      const label = id.startsWith(`${task}[`) ? id.slice(task.length + 1, -1) : id;
      lines.push(`    ${node.get(id)}["${mermaidText(label)}"]`);
    }
    lines.push("  end");
  }
  for (const inst of plan.instances) {
    for (const need of inst.needs) lines.push(`  ${node.get(need)} --> ${node.get(inst.id)}`);
  }
  return lines.join("\n") + "\n";
}

function mermaidText(text: string): string {
  return text.replace(/[^A-Za-z0-9 _.,=\-[\]()/:+]/g, (c) => `#${c.codePointAt(0)};`);
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function abbreviate(ids: string[]): string {
  return ids.length <= 3
    ? ids.join(" ")
    : `${ids.slice(0, 2).join(" ")} and ${ids.length - 2} more`;
}
