/**
 * Draws the Gantt timeline of a run as an SVG: one row per task instance, one bar per attempt on
 * a real time axis, so retries, failures and waiting time are visible.
 *
 * @module
 */
import { escapeHtml } from "./_html.ts";
import { formatElapsedPage } from "../_base/time.ts";

/** One bar: an attempt. */
export interface GanttBar {
  /** Attempt number. */
  attempt: number;
  /** Attempt status (CSS class `st-<status>`). */
  status: string;
  /** Start, ms since epoch. */
  start: number;
  /** End, ms since epoch (the run's end for a running attempt). */
  end: number;
}

/** One row: a task instance. */
export interface GanttRow {
  /** Instance id. */
  id: string;
  /** Relative link to the instance page. */
  href: string;
  /** Its attempts. */
  bars: GanttBar[];
}

const LABEL_W = 264;
const CHART_W = 640;
const ROW_H = 24;
const AXIS_H = 26;

function niceStep(totalSeconds: number): number {
  const target = totalSeconds / 6;
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200];
  return steps.find((s) => s >= target) ?? 86400;
}

function tickLabel(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) {
    return `${Math.floor(seconds / 60)}m${seconds % 60 ? `${seconds % 60}s` : ""}`;
  }
  return `${Math.floor(seconds / 3600)}h${
    seconds % 3600 ? `${Math.floor((seconds % 3600) / 60)}m` : ""
  }`;
}

/**
 * Draws a Gantt chart.
 *
 * @param rows Rows in display order; rows without bars (skipped tasks) are drawn empty.
 * @returns An `<svg>` element, or an empty-state paragraph when nothing ran.
 *
 * @example One bar
 * ```ts
 * import { renderGanttSvg } from "./gantt_svg.ts";
 * const svg = renderGanttSvg([{ id: "a", href: "a.html", bars: [
 *   { attempt: 1, status: "succeeded", start: 0, end: 5000 },
 * ] }]);
 * console.assert(svg.includes("gantt-bar"));
 * ```
 */
export function renderGanttSvg(rows: GanttRow[]): string {
  const bars = rows.flatMap((r) => r.bars);
  if (bars.length === 0) return `<p class="muted">Nothing ran.</p>`;
  const t0 = Math.min(...bars.map((b) => b.start));
  const t1 = Math.max(...bars.map((b) => b.end), t0 + 1000);
  const total = (t1 - t0) / 1000;
  const sx = (t: number) => LABEL_W + ((t - t0) / 1000 / total) * CHART_W;
  const height = AXIS_H + rows.length * ROW_H + 6;
  const width = LABEL_W + CHART_W + 16;
  const parts: string[] = [];
  const step = niceStep(total);
  for (let s = 0; s <= total + 1e-9; s += step) {
    const x = sx(t0 + s * 1000).toFixed(1);
    parts.push(
      `<line class="gantt-grid" x1="${x}" x2="${x}" y1="${AXIS_H - 4}" y2="${height}"/>` +
        `<text class="gantt-tick" x="${x}" y="${AXIS_H - 9}">${tickLabel(s)}</text>`,
    );
  }
  rows.forEach((row, i) => {
    const y = AXIS_H + i * ROW_H;
    // Cut in the middle: the end of an instance id (its matrix values) tells rows apart.
    const label = row.id.length > 34 ? `${row.id.slice(0, 15)}…${row.id.slice(-18)}` : row.id;
    if (i % 2 === 0) {
      parts.push(
        `<rect class="gantt-stripe" y="${y}" width="${width}" height="${ROW_H}"/>`,
      );
    }
    // One link per row around its label and bars; a tooltip only where the label is cut.
    const bars = row.bars.map((b) => {
      const x = sx(b.start);
      const w = Math.max(2, sx(b.end) - x);
      return `<rect class="gantt-bar st-${escapeHtml(b.status)}" x="${Math.round(x)}" y="${
        y + 4
      }" width="${Math.round(w)}" height="${ROW_H - 8}"><title>#${b.attempt} ${
        escapeHtml(b.status)
      } ${formatElapsedPage((b.end - b.start) / 1000)}</title></rect>`;
    }).join("");
    parts.push(
      `<a href="${escapeHtml(row.href)}"><text class="gantt-label" x="${LABEL_W - 8}" y="${
        y + ROW_H / 2 + 4
      }">${escapeHtml(label)}${
        label === row.id ? "" : `<title>${escapeHtml(row.id)}</title>`
      }</text>${bars}</a>`,
    );
  });
  return `<svg class="gantt" role="group" aria-label="Timeline of attempts" width="${width}" ` +
    `height="${height}" viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg">${
      parts.join("")
    }</svg>`;
}
