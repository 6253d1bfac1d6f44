// %% [markdown]
// # Histogram (TypeScript)
//
// Reads the points the Python task logged, counts them in `bins` bins and draws the histogram
// as an SVG figure.

// %% tags=["parameters"]
const bins = 4;

// %%
import * as pdr from "pynb_dag_runner";

const [data] = pdr.upstream("make-data");
const points: number[] = JSON.parse(Deno.readTextFileSync(data!.artifacts["points.json"]!));
const lo = Math.min(...points);
const hi = Math.max(...points);
const width = (hi - lo) / bins;
const counts = new Array<number>(bins).fill(0);
for (const p of points) counts[Math.min(bins - 1, Math.floor((p - lo) / width))]! += 1;
counts;

// %%
const bars = counts.map((c, i) => {
  const h = (c / Math.max(...counts)) * 100;
  return `<rect x="${i * (200 / bins)}" y="${100 - h}" width="${
    200 / bins - 2
  }" height="${h}" fill="steelblue"/>`;
}).join("");
pdr.logFigure(
  "histogram",
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100" width="400" height="200">${bars}</svg>`,
);
pdr.logValue("counts", counts);
pdr.logMetric("largest_bin_share", Math.max(...counts) / points.length);
console.log(`${points.length} points in ${bins} bins of width ${width.toFixed(3)}`);
