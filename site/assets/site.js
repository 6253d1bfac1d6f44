// pynb-dag-runner site: table sorting, runs filters, experiment comparison. No data from the
// page is ever evaluated or written as HTML: only textContent, attributes and `hidden`.
"use strict";

function cellKey(row, index, numeric) {
  const cell = row.cells[index];
  if (!cell) return numeric ? -Infinity : "";
  const raw = cell.dataset.v !== undefined ? cell.dataset.v : cell.textContent.trim();
  if (!numeric) return raw.toLowerCase();
  const n = parseFloat(raw);
  return Number.isNaN(n) ? -Infinity : n;
}

function makeSortable(table) {
  const heads = table.tHead ? Array.from(table.tHead.rows[0].cells) : [];
  heads.forEach((th, index) => {
    if (th.dataset.sort === undefined) return;
    th.classList.add("sort-head");
    th.tabIndex = 0;
    const sort = () => {
      const numeric = th.dataset.sort === "num";
      const dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
      heads.forEach((h) => h.removeAttribute("aria-sort"));
      th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
      const body = table.tBodies[0];
      const rows = Array.from(body.rows);
      rows.sort((a, b) => {
        const x = cellKey(a, index, numeric);
        const y = cellKey(b, index, numeric);
        return (x < y ? -1 : x > y ? 1 : 0) * dir;
      });
      rows.forEach((r) => body.appendChild(r));
    };
    th.addEventListener("click", sort);
    th.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        sort();
      }
    });
  });
}

function setupFilters(box) {
  const table = document.querySelector("table[data-filterable]");
  if (!table) return;
  const selects = Array.from(box.querySelectorAll("select[data-filter]"));
  const counter = box.querySelector("[data-filter-count]");
  const apply = () => {
    let shown = 0;
    const rows = Array.from(table.tBodies[0].rows);
    for (const row of rows) {
      const ok = selects.every((s) => !s.value || row.dataset[s.dataset.filter] === s.value);
      row.hidden = !ok;
      if (ok) shown++;
    }
    if (counter) counter.textContent = `${shown} of ${rows.length} runs`;
  };
  selects.forEach((s) => s.addEventListener("change", apply));
  apply();
}

function setupCompare() {
  const boxes = Array.from(document.querySelectorAll("input.cmp"));
  const section = document.getElementById("compare");
  if (!boxes.length || !section) return;
  const update = () => {
    const chosen = new Set(boxes.filter((b) => b.checked).map((b) => b.dataset.col));
    section.hidden = chosen.size < 2;
    const link = document.getElementById("compare-runs");
    if (link) {
      const runs = [...new Set(boxes.filter((b) => b.checked).map((b) => b.dataset.run))];
      link.href = `../compare.html?runs=${runs.map(encodeURIComponent).join(",")}`;
    }
    for (const cell of section.querySelectorAll(".cmp-col")) {
      cell.hidden = !chosen.has(cell.dataset.col);
    }
    for (const row of section.querySelectorAll("tr.cmp-row")) {
      const values = Array.from(row.querySelectorAll(".cmp-col"))
        .filter((c) => !c.hidden).map((c) => c.textContent);
      row.classList.toggle("differs", new Set(values).size > 1);
    }
  };
  boxes.forEach((b) => b.addEventListener("change", update));
  update();
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("table.sortable").forEach(makeSortable);
  const filters = document.getElementById("run-filters");
  if (filters) setupFilters(filters);
  setupCompare();
});
