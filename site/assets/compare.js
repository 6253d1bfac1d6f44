// pynb-dag-runner site: compare.html?runs=A,B,... sets runs side by side from their
// runs/<key>/data.js: parameters, values and metrics of every instance, the difference against
// the first run, an "only differences" switch, figures side by side. Data is only ever written
// with textContent and attributes, never as HTML.
"use strict";

(function () {
  const KEY = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
  const MAX_RUNS = 12;

  const { el, fmtTime, fmtCell: fmt, safeClass, safeHref } = self.pynbDom;

  /** A figure's source from the run's data: an image data URL, or a path inside the site. */
  function safeSrc(src) {
    if (typeof src !== "string") return undefined;
    if (/^data:image\/(png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/=]+$/.test(src)) return src;
    if (/^[A-Za-z0-9_][A-Za-z0-9._/-]*$/.test(src) && !src.split("/").includes("..")) return src;
    return undefined;
  }

  function own(obj, name) {
    return obj && Object.prototype.hasOwnProperty.call(obj, name) ? obj[name] : null;
  }

  const SVG = "http://www.w3.org/2000/svg";
  const COLORS = ["#0969da", "#cf222e", "#1a7f37", "#8250df", "#bc4c00", "#1b7c83"];

  function svgEl(tag, attrs) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    return e;
  }

  /** One metric's step curves of every run overlaid, with a legend and a text alternative. */
  function stepChart(name, curves, runs) {
    const W = 560;
    const H = 200;
    const P = { l: 52, r: 10, t: 10, b: 24 };
    const pts = curves.flatMap((c) => c || []);
    const xs = pts.map((p) => p[0]);
    const ys = pts.map((p) => p[1]);
    const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
    let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
    if (y0 === y1) [y0, y1] = [y0 - 1, y1 + 1];
    const sx = (x) => P.l + ((x - x0) / ((x1 - x0) || 1)) * (W - P.l - P.r);
    const sy = (y) => H - P.b - ((y - y0) / (y1 - y0)) * (H - P.t - P.b);
    const summary = curves.map((c, i) =>
      c ? `${runs[i].id}: ${c.length} steps, last ${fmt(c.at(-1)[1])} at step ${c.at(-1)[0]}` : ""
    ).filter((x) => x).join("; ");
    const svg = svgEl("svg", {
      class: "chart step-chart",
      viewBox: `0 0 ${W} ${H}`,
      role: "img",
      "aria-label": `${name} over steps. ${summary}`,
    });
    for (const [y, label] of [[y0, fmt(y0)], [y1, fmt(y1)]]) {
      svg.append(svgEl("line", { x1: P.l, x2: W - P.r, y1: sy(y), y2: sy(y), class: "axis" }));
      const t = svgEl("text", { x: P.l - 4, y: sy(y) + 4, "text-anchor": "end", class: "tick" });
      t.textContent = label;
      svg.append(t);
    }
    for (const [x, anchor] of [[x0, "start"], [x1, "end"]]) {
      const t = svgEl("text", { x: sx(x), y: H - 6, "text-anchor": anchor, class: "tick" });
      t.textContent = `step ${fmt(x)}`;
      svg.append(t);
    }
    curves.forEach((c, i) => {
      if (!c) return;
      const line = svgEl("polyline", {
        points: c.map((p) => `${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(" "),
        fill: "none",
        stroke: COLORS[i % COLORS.length],
        "stroke-width": 2,
      });
      const title = svgEl("title", {});
      title.textContent = `${runs[i].id}: last ${fmt(c.at(-1)[1])}`;
      line.append(title);
      svg.append(line);
    });
    const legend = el("ul", { class: "legend small" });
    curves.forEach((c, i) => {
      if (!c) return;
      const sw = el("span", { class: "swatch", "data-i": String(i % COLORS.length) });
      legend.append(el("li", {}, sw, ` ${runs[i].id}`));
    });
    return el(
      "figure",
      { class: "step-figure" },
      svg,
      legend,
      el("figcaption", {
        class: "sr-only",
        text: summary,
      }),
    );
  }

  /** `+2`, `-0.013` and `▲ 3.1%` / `▼ 3.1%` against the baseline; "" when not numbers. */
  function delta(v, base) {
    if (typeof v !== "number" || typeof base !== "number") return "";
    const d = v - base;
    if (d === 0) return "±0";
    const abs = `${d > 0 ? "+" : "-"}${Number(Math.abs(d).toPrecision(4))}`;
    if (base === 0) return abs;
    const pct = Math.abs(d / base) * 100;
    return `${abs} ${d > 0 ? "▲" : "▼"} ${Number(pct.toPrecision(2))}%`;
  }

  function loadRun(key) {
    return new Promise((resolve) => {
      const s = document.createElement("script");
      s.src = `runs/${key}/data.js`;
      s.onload = () => resolve((self.pynbRunData || {})[key]);
      s.onerror = () => resolve(undefined);
      document.head.append(s);
    });
  }

  /** Rows of the table: [{group, label, cells: [value per run], kind}]. */
  function buildRows(runs) {
    const rows = [];
    const add = (group, label, get, kind) =>
      rows.push({ group, label, kind: kind || "value", cells: runs.map(get) });
    add("Run", "status", (r) => r.status, "text");
    add("Run", "duration (s)", (r) => r.duration ?? null);
    const paramNames = [...new Set(runs.flatMap((r) => Object.keys(r.parameters || {})))].sort();
    for (const p of paramNames) add("Run", p, (r) => own(r.parameters, p));
    const ids = [];
    for (const r of runs) for (const t of r.tasks || []) if (!ids.includes(t.id)) ids.push(t.id);
    for (const id of ids) {
      const task = (r) => (r.tasks || []).find((t) => t.id === id);
      add(id, "status", (r) => task(r)?.status ?? null, "text");
      add(id, "duration (s)", (r) => task(r)?.duration ?? null);
      for (const part of ["params", "values", "metrics"]) {
        const names = [...new Set(runs.flatMap((r) => Object.keys(task(r)?.[part] || {})))].sort();
        for (const n of names) add(id, n, (r) => own(task(r)?.[part], n));
      }
      const stepped = [...new Set(runs.flatMap((r) => Object.keys(task(r)?.steps || {})))].sort();
      for (const n of stepped) {
        const curves = runs.map((r) => {
          const c = own(task(r)?.steps, n);
          return Array.isArray(c) && c.length > 1 ? c : null;
        });
        rows.push({ group: id, label: `${n} (steps)`, kind: "steps", cells: curves });
      }
      const figs = [...new Set(runs.flatMap((r) => (task(r)?.figures || []).map((f) => f.name)))];
      for (const f of figs) {
        add(id, f, (r) => {
          const fig = (task(r)?.figures || []).find((x) => x.name === f);
          return fig ? safeSrc(fig.src) ?? null : null;
        }, "figure");
      }
    }
    return rows;
  }

  function headRow(runs) {
    const tr = el("tr", {}, el("th", { scope: "col", text: "" }));
    runs.forEach((r, i) => {
      const th = el("th", { scope: "col", class: "run-head" });
      th.append(el("a", { href: `runs/${r.key}/index.html`, text: r.id }));
      if (i === 0) th.append(el("span", { class: "muted small", text: " (baseline)" }));
      const meta = el("div", { class: "small run-meta" });
      meta.append(
        el("span", {
          class: `pill st-${safeClass(r.status)}`,
          text: r.status,
        }),
        " ",
        fmtTime(r.startedAt),
      );
      const where = el("div", { class: "small run-meta" }, r.branch ? `${r.branch} ` : "");
      const cu = safeHref(r.commitUrl);
      if (r.commit) {
        const code = el("code", { text: r.commit.slice(0, 7) });
        where.append(cu ? el("a", { href: cu, title: r.commit }, code) : code);
      }
      const pu = safeHref(r.prUrl);
      if (r.pr !== undefined) {
        where.append(" ", pu ? el("a", { href: pu, text: `#${r.pr}` }) : `#${r.pr}`);
      }
      th.append(meta, where);
      tr.append(th);
    });
    return tr;
  }

  function bodyRows(rows, runsOf) {
    const width = runsOf.length;
    const out = [];
    let group;
    for (const row of rows) {
      if (row.group !== group) {
        group = row.group;
        out.push(el(
          "tr",
          { class: "cmp-group", "data-group": group },
          el("th", {
            scope: "colgroup",
            colspan: width + 1,
            text: group,
          }),
        ));
      }
      const same = row.cells.every((c) => JSON.stringify(c) === JSON.stringify(row.cells[0]));
      const tr = el("tr", { class: same ? "cmp-same" : "cmp-diff", "data-group": group });
      tr.append(el("th", { scope: "row", text: row.label }));
      if (row.kind === "steps") {
        tr.append(el("td", { colspan: width }, stepChart(row.label, row.cells, runsOf)));
        out.push(tr);
        continue;
      }
      row.cells.forEach((c, i) => {
        const td = el("td", {});
        if (row.kind === "figure") {
          td.append(
            c ? el("img", { src: c, alt: `${row.label} of run ${i + 1}`, loading: "lazy" }) : "–",
          );
        } else {
          td.append(fmt(c));
          const d = i === 0 ? "" : delta(c, row.cells[0]);
          if (d) {
            td.append(
              " ",
              el("span", {
                class: `delta ${d.startsWith("+") ? "up" : d.startsWith("-") ? "down" : ""}`,
                text: d,
              }),
            );
          }
        }
        tr.append(td);
      });
      out.push(tr);
    }
    return out;
  }

  function applyOnlyDiff(table, on) {
    const groups = new Map();
    for (const tr of table.tBodies[0].rows) {
      if (tr.classList.contains("cmp-group")) continue;
      tr.hidden = on && tr.classList.contains("cmp-same");
      const g = tr.dataset.group;
      groups.set(g, (groups.get(g) || false) || !tr.hidden);
    }
    for (const tr of table.tBodies[0].querySelectorAll("tr.cmp-group")) {
      tr.hidden = !groups.get(tr.dataset.group);
    }
  }

  async function main() {
    const status = document.getElementById("compare-status");
    const table = document.getElementById("compare-table");
    const tools = document.querySelector(".compare-tools");
    const only = document.getElementById("only-diff");
    const param = new URLSearchParams(location.search).get("runs") || "";
    const keys = [...new Set(param.split(",").map((k) => k.trim()).filter((k) => k))];
    if (!keys.length) return;
    const bad = keys.filter((k) => !KEY.test(k));
    if (bad.length || keys.length > MAX_RUNS) {
      status.textContent = bad.length
        ? `Cannot compare: '${bad[0]}' is not a run of this site. Pick runs in the runs list.`
        : `Cannot compare ${keys.length} runs: at most ${MAX_RUNS} at once.`;
      return;
    }
    status.textContent = `Loading ${keys.length} runs…`;
    const loaded = await Promise.all(keys.map(loadRun));
    const missing = keys.filter((_, i) => !loaded[i]);
    const runs = loaded.filter((r) => r);
    if (runs.length === 0) {
      status.textContent = `Cannot compare: none of ${keys.join(", ")} is a run of this site.`;
      return;
    }
    status.textContent = `${runs.length} runs, differences against ${runs[0].id}.` +
      (missing.length
        ? ` Not found (not in this site, or built by an older release): ${missing.join(", ")}.`
        : "");
    const rows = buildRows(runs);
    table.tHead.replaceChildren(headRow(runs));
    table.tBodies[0].replaceChildren(...bodyRows(rows, runs));
    table.hidden = false;
    tools.hidden = false;
    only.checked = new URLSearchParams(location.search).get("diff") === "1";
    applyOnlyDiff(table, only.checked);
    only.addEventListener("change", () => {
      applyOnlyDiff(table, only.checked);
      const url = new URL(location.href);
      if (only.checked) url.searchParams.set("diff", "1");
      else url.searchParams.delete("diff");
      try {
        history.replaceState(null, "", url.href);
      } catch (_) {
        // file:// in some browsers: the switch still applies.
      }
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (self.pynbDom) main();
  });
})();
