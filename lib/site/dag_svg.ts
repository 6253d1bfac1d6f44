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
  // Layout is the costly part (about 10 ms for 10 nodes) and most runs of a pipeline share
  // their graph: lay out each shape once.
  const shape = JSON.stringify(nodes.map((n) => [n.id, n.needs]));
  let g = LAYOUTS.get(shape);
  if (!g) {
    g = layout(nodes);
    if (LAYOUTS.size >= MAX_LAYOUTS) LAYOUTS.delete(LAYOUTS.keys().next().value as string);
    LAYOUTS.set(shape, g);
  }
  return draw(nodes, g);
}

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
  label: string;
}
/** A laid-out graph, as plain data. */
interface Layout {
  width: number;
  height: number;
  boxes: Map<string, Box>;
  edges: { x: number; y: number }[][];
}
const LAYOUTS = new Map<string, Layout>();
const MAX_LAYOUTS = 64;

function layout(nodes: DagNode[]): Layout {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "LR", nodesep: 14, ranksep: 48, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  const ids = new Set(nodes.map((n) => n.id));
  for (const n of nodes) {
    const label = n.id.length > 48 ? n.id.slice(0, 47) + "…" : n.id;
    g.setNode(n.id, { width: Math.max(150, label.length * CHAR_W + 24), height: 40, label });
  }
  for (const n of nodes) {
    for (const up of n.needs) if (ids.has(up)) g.setEdge(up, n.id);
  }
  dagre.layout(g);
  const graph = g.graph();
  const boxes = new Map<string, Box>();
  for (const n of nodes) {
    const b = g.node(n.id);
    boxes.set(n.id, {
      x: b.x,
      y: b.y,
      width: b.width,
      height: b.height,
      label: String((b as { label?: string }).label ?? n.id),
    });
  }
  return {
    width: Math.ceil(graph.width ?? 0),
    height: Math.ceil(graph.height ?? 0),
    boxes,
    edges: g.edges().map((e) =>
      (g.edge(e).points ?? []).map((p: { x: number; y: number }) => ({ x: p.x, y: p.y }))
    ),
  };
}

function draw(nodes: DagNode[], g: Layout): string {
  const { width, height } = g;
  const parts: string[] = [];
  for (const pts of g.edges) {
    if (pts.length === 0) continue;
    const d = pts.map((p, i) => `${i ? "L" : "M"}${Math.round(p.x)},${Math.round(p.y)}`).join("");
    parts.push(`<path class="dag-edge" d="${d}" marker-end="url(#dag-arrow)"/>`);
  }
  // Whole pixels and no per-node tooltip: a 200-instance run page must stay small.
  for (const n of nodes) {
    const box = g.boxes.get(n.id);
    if (!box) continue;
    const cx = Math.round(box.x);
    const cy = Math.round(box.y);
    parts.push(
      `<a href="${escapeHtml(n.href)}" class="dag-node st-${escapeHtml(n.status)}">` +
        `<rect x="${Math.round(box.x - box.width / 2)}" y="${
          Math.round(box.y - box.height / 2)
        }" ` +
        `width="${Math.round(box.width)}" height="${Math.round(box.height)}"/>` +
        `<text x="${cx}" y="${cy - 3}">${escapeHtml(box.label)}</text>` +
        `<text class="dag-detail" x="${cx}" y="${cy + 12}">${
          // The colour says "succeeded"; any other status is spelled out.
          escapeHtml(
            n.status === "succeeded" && n.detail
              ? n.detail
              : n.detail
              ? `${n.status} · ${n.detail}`
              : n.status,
          )}</text></a>`,
    );
  }
  return `<svg class="dag" role="img" aria-label="Task graph" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg">` +
    `<defs><marker id="dag-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" ` +
    `markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="dag-arrow"/>` +
    `</marker></defs>${parts.join("")}</svg>`;
}
