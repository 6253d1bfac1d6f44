// pynb-dag-runner experiment charts, drawn with uPlot from the page's data file
// (data/experiments/<task>.js): a number against run index, time or any parameter; step
// metrics overlaid across runs with smoothing; durations over runs; parallel coordinates.
// Names and values come from notebooks: they are only ever set as textContent or attribute
// values, never parsed as HTML.
"use strict";

(function () {
  const SVGNS = "http://www.w3.org/2000/svg";
  const PALETTE = [
    "#0969da",
    "#bf3989",
    "#1a7f37",
    "#9a6700",
    "#8250df",
    "#cf222e",
    "#0a7ea4",
    "#57606a",
  ];
  const MAIN = "#0969da";
  const PR = "#bf3989";
  const MAX_SERIES = 8;
  const MAX_LINES = 400;
  const MAX_AXES = 10;

  function el(tag, attrs, text) {
    const node = tag.startsWith("svg:")
      ? document.createElementNS(SVGNS, tag.slice(4))
      : document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function loadData(src) {
    return new Promise((resolve, reject) => {
      const script = el("script", { src });
      script.addEventListener("load", () => resolve(self.pynbExperimentData));
      script.addEventListener("error", () => reject(new Error(`cannot load ${src}`)));
      document.head.appendChild(script);
    });
  }

  const isPr = (run) => run.trigger === "pull_request" || run.pr > 0;
  const num = (v) => String(Number(v.toPrecision(6)));

  function control(box, label, input) {
    const wrap = el("label", { class: "chart-control" }, label + " ");
    wrap.appendChild(input);
    box.appendChild(wrap);
    return input;
  }

  function select(options, id) {
    const s = el("select", { id });
    options.forEach(([value, text]) => s.appendChild(el("option", { value }, text)));
    return s;
  }

  function theme(section) {
    const fg = getComputedStyle(section).color || "#24292f";
    return { fg, grid: "rgba(128,128,128,0.25)" };
  }

  function axes(t, xOpts) {
    return [
      Object.assign({ stroke: t.fg, grid: { stroke: t.grid }, ticks: { stroke: t.grid } }, xOpts),
      { stroke: t.fg, grid: { stroke: t.grid }, ticks: { stroke: t.grid }, size: 60 },
    ];
  }

  function width(box) {
    return Math.max(280, Math.min(900, box.clientWidth || 600));
  }

  /** A number against run index, start time or a parameter, with hover naming the run. */
  function scatter(section, data, t, prs) {
    const box = el("div", { class: "chart-panel", id: "chart-scatter" });
    box.appendChild(el("h3", {}, "A number against a parameter, run or time"));
    const controls = el("div", { class: "chart-controls" });
    box.appendChild(controls);
    const ySel = control(controls, "Number", select(data.numbers.map((n, i) => [i, n]), "chart-y"));
    const xOptions = [["index", "run index"], ["time", "start time"]].concat(
      data.params.map((p, i) => [`p${i}`, `parameter ${p}`]),
    );
    const xSel = control(controls, "against", select(xOptions, "chart-x"));
    if (data.varying > 0) xSel.value = "p0";
    const plot = el("div", { class: "chart-plot" });
    const tip = el("div", { class: "chart-tip", role: "status", "aria-live": "polite" });
    const alt = el("p", { class: "chart-alt muted small" });
    box.append(plot, tip, alt);
    section.appendChild(box);
    let u;
    let points = [];
    let hovered = null;

    function xOf(row, kind) {
      const run = data.runs[row.r];
      if (kind === "index") return data.runs.length - 1 - row.r;
      if (kind === "time") return run.at / 1000;
      return row.p[Number(kind.slice(1))];
    }

    function draw() {
      const yi = Number(ySel.value);
      const kind = xSel.value;
      let cats = null;
      const raw = data.rows.filter((row) => row.n[yi] !== null && row.n[yi] !== undefined)
        .map((row) => ({ row, x: xOf(row, kind), y: row.n[yi], pr: isPr(data.runs[row.r]) }))
        .filter((p) => p.x !== null && p.x !== undefined);
      if (raw.some((p) => typeof p.x !== "number")) {
        cats = [...new Set(raw.map((p) => String(p.x)))].sort();
        raw.forEach((p) => p.x = cats.indexOf(String(p.x)));
      }
      points = raw.sort((a, b) => a.x - b.x || a.y - b.y);
      const shownPrs = prs.checked;
      const xs = points.map((p) => p.x);
      const main = points.map((p) => p.pr ? null : p.y);
      const pull = points.map((p) => p.pr ? p.y : null);
      const xAxis = cats
        ? { splits: () => cats.map((_, i) => i), values: () => cats }
        : kind === "index"
        ? { values: (_, splits) => splits.map((v) => Number.isInteger(v) ? `#${v + 1}` : "") }
        : {};
      const opts = {
        width: width(section),
        height: 260,
        scales: {
          x: cats ? { time: false, range: [-0.5, cats.length - 0.5] } : { time: kind === "time" },
        },
        legend: { live: false },
        cursor: { points: { show: false }, drag: { x: true, y: false } },
        axes: axes(t, xAxis),
        series: [
          { label: xOptions.find((o) => o[0] === kind)[1] },
          {
            label: "default branch",
            stroke: MAIN,
            paths: () => null,
            points: { show: true, size: 7, fill: MAIN, stroke: MAIN },
          },
          {
            label: "pull requests",
            stroke: PR,
            show: shownPrs,
            paths: () => null,
            points: { show: true, size: 8, width: 2, fill: "transparent", stroke: PR },
          },
        ],
        hooks: { setCursor: [hover] },
      };
      if (u) u.destroy();
      plot.textContent = "";
      u = new uPlot(opts, [xs, main, pull], plot);
      const nMain = main.filter((v) => v !== null).length;
      const nPr = pull.length - nMain;
      const ys = points.filter((p) => shownPrs || !p.pr).map((p) => p.y);
      alt.textContent = `${data.numbers[yi]} against ${xSel.selectedOptions[0].textContent}: ` +
        `${nMain} default-branch points` + (shownPrs ? ` and ${nPr} pull-request points` : "") +
        (ys.length ? `, from ${num(Math.min(...ys))} to ${num(Math.max(...ys))}.` : ".") +
        (nPr && !shownPrs ? ` ${nPr} pull-request points are hidden.` : "");
    }

    function hover(self) {
      const { left, top } = self.cursor;
      hovered = null;
      if (left === undefined || left < 0) {
        tip.hidden = true;
        return;
      }
      let best = 24 * 24;
      for (const p of points) {
        if (p.pr && !self.series[2].show) continue;
        if (!p.pr && !self.series[1].show) continue;
        const dx = self.valToPos(p.x, "x") - left;
        const dy = self.valToPos(p.y, "y") - top;
        if (dx * dx + dy * dy < best) [best, hovered] = [dx * dx + dy * dy, p];
      }
      tip.hidden = !hovered;
      if (!hovered) return;
      const run = data.runs[hovered.row.r];
      tip.textContent = "";
      tip.append(
        el("strong", {}, `run ${run.id}`),
        el("span", {}, hovered.row.id),
        el(
          "span",
          {},
          (run.pr ? `pull request #${run.pr} · ` : "") +
            (run.commit ? `commit ${run.commit.slice(0, 7)}` : "no commit") +
            (run.branch ? ` · ${run.branch}` : ""),
        ),
        el("span", {}, `${data.numbers[Number(ySel.value)]} = ${hovered.y}`),
      );
      const px = self.valToPos(hovered.x, "x");
      const left0 = plot.offsetLeft + self.over.offsetLeft;
      const x = px > self.over.clientWidth / 2 ? px - 12 - tip.offsetWidth : px + 12;
      tip.style.left = `${left0 + x}px`;
      tip.style.top = `${
        plot.offsetTop + self.over.offsetTop + self.valToPos(hovered.y, "y") + 12
      }px`;
    }

    plot.addEventListener("click", () => {
      if (hovered) location.href = hovered.row.href;
    });
    ySel.addEventListener("change", draw);
    xSel.addEventListener("change", draw);
    prs.addEventListener("change", draw);
    draw();
    return () => u && u.setSize({ width: width(section), height: 260 });
  }

  /** Exponential moving average, debiased the way TensorBoard does it. */
  function smooth(values, weight) {
    let last = 0;
    let n = 0;
    return values.map((v) => {
      if (v === null) return null;
      last = last * weight + (1 - weight) * v;
      n++;
      return last / (1 - weight ** n);
    });
  }

  function chosenRows(data, si) {
    const boxes = Array.from(document.querySelectorAll("input.cmp:checked"));
    let rows = boxes.map((b) => data.rows[Number(b.dataset.col.slice(1))]).filter((r) =>
      r && r.s[si]
    );
    if (!rows.length) {
      rows = data.rows.filter((r) => r.s[si] && !isPr(data.runs[r.r])).slice(0, 5);
    }
    return rows.slice(0, MAX_SERIES);
  }

  /** Step metrics of the ticked runs (or the newest five) overlaid, smoothed. */
  function steps(section, data, t) {
    if (!data.steps.length) return null;
    const box = el("div", { class: "chart-panel", id: "chart-steps" });
    box.appendChild(el("h3", {}, "Step metrics across runs"));
    const controls = el("div", { class: "chart-controls" });
    box.appendChild(controls);
    const mSel = control(controls, "Metric", select(data.steps.map((n, i) => [i, n]), "step-y"));
    const range = el("input", {
      type: "range",
      id: "step-smooth",
      min: 0,
      max: 0.95,
      step: 0.05,
      value: 0.6,
    });
    control(controls, "Smoothing", range);
    const plot = el("div", { class: "chart-plot" });
    const alt = el("p", { class: "chart-alt muted small" });
    box.append(plot, alt);
    section.appendChild(box);
    let u;
    function draw() {
      const si = Number(mSel.value);
      const rows = chosenRows(data, si);
      const xs = [...new Set(rows.flatMap((r) => r.s[si][0]))].sort((a, b) => a - b);
      const ys = rows.map((r) => {
        const at = new Map(r.s[si][0].map((s, i) => [s, r.s[si][1][i]]));
        return smooth(xs.map((x) => at.has(x) ? at.get(x) : null), Number(range.value));
      });
      if (u) u.destroy();
      plot.textContent = "";
      u = new uPlot(
        {
          width: width(section),
          height: 240,
          scales: { x: { time: false } },
          axes: axes(t, {}),
          series: [{ label: "step" }].concat(rows.map((r, i) => ({
            label: `${r.id} · ${data.runs[r.r].id}`,
            stroke: PALETTE[i % PALETTE.length],
            width: 2,
            spanGaps: true,
            points: { show: false },
          }))),
        },
        [xs].concat(ys),
        plot,
      );
      alt.textContent = `${data.steps[si]} over ${xs.length} steps for ${rows.length} ` +
        `instances (smoothing ${range.value}): ` +
        rows.map((r) => {
          const v = r.s[si][1];
          return `${r.id} of run ${data.runs[r.r].id} ends at ${num(v[v.length - 1])}`;
        }).join("; ") + ". Tick rows of the table below to choose the runs.";
    }
    mSel.addEventListener("change", draw);
    range.addEventListener("input", draw);
    document.querySelectorAll("input.cmp").forEach((b) => b.addEventListener("change", draw));
    draw();
    return () => u && u.setSize({ width: width(section), height: 240 });
  }

  /** Duration of each instance over runs (the most frequent instances). */
  function durations(section, data, t) {
    const counts = new Map();
    data.rows.forEach((r) => r.dur !== null && counts.set(r.id, (counts.get(r.id) || 0) + 1));
    if (!counts.size) return null;
    const ids = [...counts.keys()].sort((a, b) => counts.get(b) - counts.get(a))
      .slice(0, MAX_SERIES);
    const box = el("div", { class: "chart-panel", id: "chart-durations" });
    box.appendChild(el("h3", {}, "Duration over runs"));
    const plot = el("div", { class: "chart-plot" });
    const alt = el("p", { class: "chart-alt muted small" });
    box.append(plot, alt);
    section.appendChild(box);
    const order = data.runs.map((run, i) => [run.at / 1000, i]).sort((a, b) => a[0] - b[0]);
    const xs = order.map((o) => o[0]);
    const slot = new Map(order.map((o, i) => [o[1], i]));
    const ys = ids.map(() => xs.map(() => null));
    for (const r of data.rows) {
      const k = ids.indexOf(r.id);
      if (k >= 0 && r.dur !== null) ys[k][slot.get(r.r)] = r.dur;
    }
    const u = new uPlot(
      {
        width: width(section),
        height: 220,
        axes: axes(t, {}),
        series: [{ label: "start" }].concat(ids.map((id, i) => ({
          label: id,
          stroke: PALETTE[i % PALETTE.length],
          spanGaps: true,
          value: (_, v) => v === null ? "–" : `${num(v)} s`,
        }))),
      },
      [xs].concat(ys),
      plot,
    );
    alt.textContent = ids.map((id, k) => {
      const v = ys[k].filter((x) => x !== null);
      return `${id}: ${v.length} runs, ${num(Math.min(...v))} s to ${num(Math.max(...v))} s`;
    }).join("; ") +
      (counts.size > ids.length ? `; ${counts.size - ids.length} more not drawn.` : ".");
    return () => u.setSize({ width: width(section), height: 220 });
  }

  function dimensions(data) {
    const dims = [];
    data.params.slice(0, data.varying).forEach((name, i) =>
      dims.push({ name, get: (r) => r.p[i] })
    );
    data.numbers.forEach((name, i) => dims.push({ name, get: (r) => r.n[i] }));
    return dims.slice(0, MAX_AXES).map((d) => {
      const vals = data.rows.map(d.get).filter((v) => v !== null && v !== undefined);
      if (vals.every((v) => typeof v === "number")) {
        const lo = Math.min(...vals);
        const hi = Math.max(...vals);
        return Object.assign(d, {
          lo: num(lo),
          hi: num(hi),
          pos: (v) => hi === lo ? 0.5 : (v - lo) / (hi - lo),
        });
      }
      const cats = [...new Set(vals.map(String))].sort();
      return Object.assign(d, {
        lo: cats[0],
        hi: cats[cats.length - 1],
        pos: (v) => cats.length < 2 ? 0.5 : cats.indexOf(String(v)) / (cats.length - 1),
      });
    });
  }

  /** Parallel coordinates over the varying parameters and the numbers, hand-drawn SVG. */
  function parallel(section, data, prs) {
    const dims = dimensions(data);
    if (dims.length < 2) return null;
    const box = el("div", { class: "chart-panel", id: "chart-parallel" });
    box.appendChild(el("h3", {}, "Parameters and numbers, one line per instance"));
    const alt = el("p", { class: "chart-alt muted small" });
    const holder = el("div", { class: "chart-plot" });
    box.append(holder, alt);
    section.appendChild(box);
    function draw() {
      const gap = Math.max(140, Math.min(260, (width(section) - 160) / (dims.length - 1)));
      const W = gap * (dims.length - 1) + 160;
      const H = 260;
      const top = 30;
      const bottom = H - 30;
      const svg = el("svg:svg", {
        class: "parallel",
        viewBox: `0 0 ${W} ${H}`,
        width: W,
        height: H,
        role: "img",
        "aria-label": `parallel coordinates over ${dims.map((d) => d.name).join(", ")}`,
      });
      const x = (i) => 80 + i * gap;
      const rows = data.rows.filter((r) => prs.checked || !isPr(data.runs[r.r])).slice(
        0,
        MAX_LINES,
      );
      for (const r of rows) {
        const pts = [];
        dims.forEach((d, i) => {
          const v = d.get(r);
          if (v !== null && v !== undefined) {
            pts.push(`${x(i)},${(bottom - d.pos(v) * (bottom - top)).toFixed(1)}`);
          }
        });
        const line = el("svg:polyline", {
          class: isPr(data.runs[r.r]) ? "pc-line pc-pr" : "pc-line",
          points: pts.join(" "),
        });
        line.appendChild(el("svg:title", {}, `${r.id} · run ${data.runs[r.r].id}`));
        svg.appendChild(line);
      }
      dims.forEach((d, i) => {
        svg.appendChild(
          el("svg:line", { class: "pc-axis", x1: x(i), x2: x(i), y1: top, y2: bottom }),
        );
        svg.appendChild(el("svg:text", { class: "pc-name", x: x(i), y: 14 }, d.name));
        svg.appendChild(el("svg:text", { class: "pc-tick", x: x(i) + 4, y: top + 4 }, d.hi));
        svg.appendChild(el("svg:text", { class: "pc-tick", x: x(i) + 4, y: bottom + 14 }, d.lo));
      });
      holder.textContent = "";
      holder.appendChild(svg);
      alt.textContent = `${rows.length} instances over ${dims.length} axes: ` +
        dims.map((d) => `${d.name} from ${d.lo} to ${d.hi}`).join("; ") + ".";
    }
    prs.addEventListener("change", draw);
    draw();
    return null;
  }

  async function main() {
    const section = document.getElementById("exp-charts");
    if (!section || typeof uPlot === "undefined") return;
    let data;
    try {
      data = await loadData(section.dataset.src);
    } catch (err) {
      section.hidden = false;
      section.appendChild(
        el("p", { class: "muted" }, `The interactive charts are missing: ${err.message}.`),
      );
      return;
    }
    if (!data || data.v !== 1 || !data.rows.length) return;
    section.hidden = false;
    const t = theme(section);
    const controls = el("div", { class: "chart-controls" });
    const prs = el("input", { type: "checkbox", id: "chart-prs" });
    const label = el("label", { class: "chart-control" });
    label.append(prs, " show pull-request runs");
    controls.appendChild(label);
    section.appendChild(controls);
    const resizers = [];
    if (data.numbers.length) resizers.push(scatter(section, data, t, prs));
    resizers.push(
      steps(section, data, t),
      durations(section, data, t),
      parallel(section, data, prs),
    );
    document.querySelectorAll(".static-charts").forEach((n) => n.hidden = true);
    section.dataset.ready = "true";
    let pending = 0;
    addEventListener("resize", () => {
      cancelAnimationFrame(pending);
      pending = requestAnimationFrame(() => resizers.forEach((f) => f && f()));
    });
  }

  document.addEventListener("DOMContentLoaded", main);
})();
