/**
 * Draws small line charts as SVG: a metric over steps, or a value over runs. Drawn at build time,
 * so charts need no script and work from the file system.
 *
 * @module
 */
import { escapeHtml } from "./_html.ts";

/** One point. */
export interface ChartPoint {
  x: number;
  y: number;
  /** Tooltip text. */
  label: string;
  /** Optional relative link (a run's page). */
  href?: string;
}

/** One line. */
export interface ChartSeries {
  name: string;
  points: ChartPoint[];
}

/** Options of {@linkcode renderLineChart}. */
export interface ChartOptions {
  /**
   * Format x ticks as dates (x in ms since epoch).
   * @default false
   */
  timeAxis?: boolean;
  /**
   * Accessible title.
   * @default "chart"
   */
  title?: string;
}

const W = 560;
const H = 220;
const M = { l: 56, r: 32, t: 12, b: 28 };
const PALETTE = 8;
const MAX_DOTS = 300;

function ticks(min: number, max: number, count: number): number[] {
  if (min === max) return [min];
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) {
    out.push(Number(v.toPrecision(12)));
  }
  return out;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const TIME_STEPS = [HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY, 14 * DAY, 30 * DAY];

/** Ticks on whole hours or days (UTC), about four of them. */
function timeTicks(min: number, max: number): number[] {
  const step = TIME_STEPS.find((s) => (max - min) / s <= 5) ?? 90 * DAY;
  const out: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max; t += step) out.push(t);
  return out;
}

function fmt(v: number): string {
  if (Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-3 && v !== 0)) return v.toExponential(1);
  return String(Number(v.toPrecision(4)));
}

/**
 * Draws a line chart with one coloured line per series and a legend.
 *
 * @param series The lines; points are sorted by x.
 * @param options Axis and title options.
 * @returns An `<svg>` element (`chart` class), or an empty-state paragraph without points.
 *
 * @example A metric over steps
 * ```ts
 * import { renderLineChart } from "./chart_svg.ts";
 * const svg = renderLineChart([{ name: "loss", points: [
 *   { x: 0, y: 1, label: "1" }, { x: 1, y: 0.5, label: "0.5" },
 * ] }]);
 * console.assert(svg.includes("<polyline"));
 * ```
 */
export function renderLineChart(series: ChartSeries[], options: ChartOptions = {}): string {
  const all = series.flatMap((s) => s.points).filter((p) =>
    Number.isFinite(p.x) && Number.isFinite(p.y)
  );
  if (all.length === 0) return `<p class="muted">No data points.</p>`;
  let [x0, x1] = [Math.min(...all.map((p) => p.x)), Math.max(...all.map((p) => p.x))];
  let [y0, y1] = [Math.min(...all.map((p) => p.y)), Math.max(...all.map((p) => p.y))];
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  if (y0 === y1) [y0, y1] = [y0 - Math.abs(y0 || 1) * 0.1, y1 + Math.abs(y1 || 1) * 0.1];
  const pad = (y1 - y0) * 0.06;
  y0 -= pad;
  y1 += pad;
  const sx = (x: number) => M.l + ((x - x0) / (x1 - x0)) * (W - M.l - M.r);
  const sy = (y: number) => H - M.b - ((y - y0) / (y1 - y0)) * (H - M.t - M.b);
  const parts: string[] = [];
  for (const t of ticks(y0, y1, 4)) {
    const y = sy(t).toFixed(1);
    parts.push(
      `<line class="chart-grid" x1="${M.l}" x2="${W - M.r}" y1="${y}" y2="${y}"/>` +
        `<text class="chart-ytick" x="${M.l - 6}" y="${Number(y) + 4}">${fmt(t)}</text>`,
    );
  }
  const xt = options.timeAxis
    ? timeTicks(x0, x1)
    : ticks(x0, x1, 6).filter((t) => t >= x0 && t <= x1);
  const hourly = options.timeAxis && xt.length > 1 && (xt[1]! - xt[0]!) < DAY;
  for (const t of xt) {
    const iso = new Date(t).toISOString();
    const label = options.timeAxis
      ? (hourly ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : iso.slice(5, 10))
      : fmt(t);
    parts.push(
      `<text class="chart-xtick" x="${sx(t).toFixed(1)}" y="${H - M.b + 16}">${label}</text>`,
    );
  }
  parts.push(
    `<line class="chart-axis" x1="${M.l}" x2="${W - M.r}" y1="${H - M.b}" y2="${H - M.b}"/>`,
  );
  series.forEach((s, i) => {
    const pts = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y))
      .sort((a, b) => a.x - b.x);
    const cls = `series-${i % PALETTE}`;
    if (pts.length > 1) {
      parts.push(
        `<polyline class="chart-line ${cls}" points="${
          pts.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(" ")
        }"/>`,
      );
    }
    // Past a few hundred points, dots add weight and no readable detail.
    if (all.length > MAX_DOTS) return;
    for (const p of pts) {
      const dot = `<circle class="chart-dot ${cls}" cx="${sx(p.x).toFixed(1)}" cy="${
        sy(p.y).toFixed(1)
      }" r="3.5"><title>${escapeHtml(`${s.name}: ${p.label}`)}</title></circle>`;
      parts.push(p.href ? `<a href="${escapeHtml(p.href)}">${dot}</a>` : dot);
    }
  });
  const legend = series.length > 1 || series[0]?.name
    ? `<ul class="chart-legend">${
      series.map((s, i) =>
        `<li><span class="swatch series-${i % PALETTE}"></span>${escapeHtml(s.name)}</li>`
      ).join("")
    }</ul>`
    : "";
  return `<figure class="chart-box"><svg class="chart" role="group" aria-label="${
    escapeHtml(options.title ?? "chart")
  }" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" xmlns="http://www.w3.org/2000/svg">${
    parts.join("")
  }</svg>${legend}</figure>`;
}
