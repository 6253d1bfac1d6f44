/**
 * Draws the DAG of a run as an SVG: laid out by `@dagrejs/dagre`, one box per task instance,
 * coloured by status (CSS classes `st-<status>`), each linking to the instance page.
 *
 * @module
 */
import { dagre } from "../../deps/site.ts";
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
 * @returns An `<svg>` element with `role="group"` (its nodes are links), or an empty-state paragraph for no nodes.
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
  const edges: Array<Array<{ x: number; y: number }>> = g.edges().map((e) =>
    (g.edge(e).points ?? []).map((p: { x: number; y: number }) => ({ x: p.x, y: p.y }))
  );
  const raw = nodes.map((n) => ({ id: n.id, b: g.node(n.id) }));
  // dagre's graph size leaves out edges routed around other nodes (they can run above the first
  // row): the drawing's bounds are those of every box and every edge point.
  const MARGIN = 8;
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const { b } of raw) {
    minX = Math.min(minX, b.x - b.width / 2);
    maxX = Math.max(maxX, b.x + b.width / 2);
    minY = Math.min(minY, b.y - b.height / 2);
    maxY = Math.max(maxY, b.y + b.height / 2);
  }
  for (const p of edges.flat()) {
    minX = Math.min(minX, p.x);
    maxX = Math.max(maxX, p.x);
    minY = Math.min(minY, p.y);
    maxY = Math.max(maxY, p.y);
  }
  if (!Number.isFinite(minX)) {
    minX =
      minY =
      maxX =
      maxY =
        0;
  }
  const dx = MARGIN - minX;
  const dy = MARGIN - minY;
  const boxes = new Map<string, Box>();
  for (const { id, b } of raw) {
    boxes.set(id, {
      x: b.x + dx,
      y: b.y + dy,
      width: b.width,
      height: b.height,
      label: String((b as { label?: string }).label ?? id),
    });
  }
  return {
    width: Math.ceil(maxX - minX + 2 * MARGIN),
    height: Math.ceil(maxY - minY + 2 * MARGIN),
    boxes,
    edges: edges.map((pts) => pts.map((p) => ({ x: p.x + dx, y: p.y + dy }))),
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
  return `<svg class="dag" role="group" aria-label="Task graph" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg">` +
    `<defs><marker id="dag-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" ` +
    `markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="dag-arrow"/>` +
    `</marker></defs>${parts.join("")}</svg>`;
}
