/**
 * Draws the DAG of a run as an SVG: laid out by `@dagrejs/dagre`, one box per task instance,
 * coloured by status (CSS classes `st-<status>`), each linking to the instance page.
 *
 * @module
 */
import { dagre } from "../../deps.ts";
import { escapeHtml } from "./_html.ts";

/** One node of the DAG. */
export interface DagNode {
  /** Instance id (unique). */
  id: string;
  /** Status, used as a CSS class. */
  status: string;
  /** Relative link to the instance page. */
  href: string;
  /** Ids of upstream nodes. */
  needs: string[];
  /** Short second line (duration). */
  detail?: string;
}

const CHAR_W = 7.2;

/**
 * Lays out and draws a DAG.
 *
 * @param nodes The nodes; edges come from `needs` (unknown ids are ignored).
 * @returns An `<svg>` element with `role="img"`, or an empty-state paragraph for no nodes.
 *
 * @example A two-node DAG
 * ```ts
 * import { renderDagSvg } from "./dag_svg.ts";
 * const svg = renderDagSvg([
 *   { id: "a", status: "succeeded", href: "a.html", needs: [] },
 *   { id: "b", status: "failed", href: "b.html", needs: ["a"] },
 * ]);
 * console.assert(svg.includes("<path"));
 * ```
 */
export function renderDagSvg(nodes: DagNode[]): string {
  if (nodes.length === 0) return `<p class="muted">No tasks.</p>`;
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "LR", nodesep: 14, ranksep: 48, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  const ids = new Set(nodes.map((n) => n.id));
  for (const n of nodes) {
    const label = n.id.length > 48 ? n.id.slice(0, 47) + "…" : n.id;
    g.setNode(n.id, { width: Math.max(90, label.length * CHAR_W + 24), height: 40, label });
  }
  for (const n of nodes) {
    for (const up of n.needs) if (ids.has(up)) g.setEdge(up, n.id);
  }
  dagre.layout(g);
  const graph = g.graph();
  const width = Math.ceil(graph.width ?? 0);
  const height = Math.ceil(graph.height ?? 0);
  const parts: string[] = [];
  for (const e of g.edges()) {
    const pts = g.edge(e).points ?? [];
    if (pts.length === 0) continue;
    const d = pts.map((p: { x: number; y: number }, i: number) =>
      `${i ? "L" : "M"}${p.x.toFixed(1)},${p.y.toFixed(1)}`
    ).join(" ");
    parts.push(`<path class="dag-edge" d="${d}" marker-end="url(#dag-arrow)"/>`);
  }
  for (const n of nodes) {
    const box = g.node(n.id);
    const x = box.x - box.width / 2;
    const y = box.y - box.height / 2;
    const label = String((box as { label?: string }).label ?? n.id);
    parts.push(
      `<a href="${escapeHtml(n.href)}" class="dag-node st-${escapeHtml(n.status)}">` +
        `<title>${escapeHtml(`${n.id}: ${n.status}`)}</title>` +
        `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${
          box.width.toFixed(1)
        }" height="${box.height}" rx="6"/>` +
        `<text x="${box.x.toFixed(1)}" y="${(box.y - 3).toFixed(1)}">${escapeHtml(label)}</text>` +
        `<text class="dag-detail" x="${box.x.toFixed(1)}" y="${(box.y + 12).toFixed(1)}">${
          escapeHtml(n.detail ? `${n.status} · ${n.detail}` : n.status)
        }</text></a>`,
    );
  }
  return `<svg class="dag" role="img" aria-label="Task graph" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg">` +
    `<defs><marker id="dag-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" ` +
    `markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="dag-arrow"/>` +
    `</marker></defs>${parts.join("")}</svg>`;
}
