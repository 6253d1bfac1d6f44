// pynb-dag-runner site: the runs list as an experiment table, drawn from data/runs.js. Columns
// for parameters, values and metrics (picked by the user, remembered in localStorage), sort on
// any column, a query kept in `?q=`, pages of PAGE rows, runs ticked for compare.html. Data is
// only ever written with textContent and attributes, never as HTML.
"use strict";

(function () {
  const PAGE = 50;
  const BUILTIN = [
    { id: "status", label: "Status" },
    { id: "id", label: "Run" },
    { id: "trigger", label: "Trigger" },
    { id: "branch", label: "Branch" },
    { id: "commit", label: "Commit" },
    { id: "started", label: "Started" },
    { id: "duration", label: "Duration", num: true },
    { id: "tasks", label: "Tasks", nosort: true },
  ];

  const { el, fmtTime, fmtDuration, fmtCell, safeClass, safeHref } = self.pynbDom;

  function storageKey() {
    return `pynb-runs-columns:${location.pathname}`;
  }

  function loadPicked(data) {
    try {
      const saved = JSON.parse(localStorage.getItem(storageKey()) || "null");
      if (Array.isArray(saved)) {
        const names = new Set(data.columns.map((c) => c.name));
        return saved.filter((n) => typeof n === "string" && names.has(n));
      }
    } catch (_) {
      // No storage (private mode, file://): the automatic columns.
    }
    return data.auto.slice();
  }

  function savePicked(picked) {
    try {
      localStorage.setItem(storageKey(), JSON.stringify(picked));
    } catch (_) {
      // Not remembered, still applied.
    }
  }

  function setup(box, data) {
    const table = document.getElementById("runs-table");
    const input = box.querySelector("#run-query");
    const counter = box.querySelector("[data-filter-count]");
    const errorsOut = document.getElementById("query-errors");
    const pager = document.getElementById("runs-pager");
    const picker = document.getElementById("col-picker-list");
    const compareLink = document.getElementById("compare-link");
    if (!table || !input) return;
    const colIndex = new Map(data.columns.map((c, i) => [c.name, i]));
    const rows = data.runs.map((r) => ({
      r,
      text: [
        r.id,
        r.pipeline,
        r.status,
        r.trigger,
        r.branch,
        r.commit,
        ...r.x.filter((v) => typeof v === "string"),
      ].join(" ").toLowerCase(),
    }));
    const state = {
      q: new URLSearchParams(location.search).get("q") || "",
      sort: undefined,
      dir: 1,
      page: 0,
      picked: loadPicked(data),
      chosen: new Set(),
    };
    const tableApi = {
      columns: data.columns.map((c) => c.name),
      get(row, k) {
        if (typeof k === "number") return row.r.x[k] ?? null;
        if (k === "started") return row.r.startedAt;
        return row.r[k] ?? null;
      },
      text: (row) => row.text,
    };
    input.value = state.q;
    const sortParam = new URLSearchParams(location.search).get("sort");
    if (sortParam && (colIndex.has(sortParam) || BUILTIN.some((b) => b.id === sortParam))) {
      state.sort = colIndex.has(sortParam) ? colIndex.get(sortParam) : sortParam;
      state.dir = new URLSearchParams(location.search).get("desc") === "1" ? -1 : 1;
    }

    function sortValue(row, key) {
      if (typeof key === "number") return row.r.x[key];
      if (key === "started") return row.r.startedAt;
      return row.r[key];
    }

    function shown() {
      const compiled = pynbQuery.compile(state.q, tableApi);
      let list = rows.filter((row) => compiled.test(row));
      if (state.sort !== undefined) {
        const k = state.sort;
        list = list.slice().sort((a, b) => {
          const x = sortValue(a, k);
          const y = sortValue(b, k);
          // Empty cells last whatever the direction.
          if (x === null || x === undefined) return y === null || y === undefined ? 0 : 1;
          if (y === null || y === undefined) return -1;
          if (typeof x === "number" && typeof y === "number") return (x - y) * state.dir;
          const s = String(x).toLowerCase();
          const t = String(y).toLowerCase();
          return (s < t ? -1 : s > t ? 1 : 0) * state.dir;
        });
      }
      return { list, errors: compiled.errors };
    }

    function headCell(label, key, title) {
      const active = state.sort === key;
      const th = el("th", {
        scope: "col",
        "aria-sort": active ? (state.dir === 1 ? "ascending" : "descending") : undefined,
        title,
      });
      if (key === undefined) {
        th.textContent = label;
        return th;
      }
      const btn = el("button", { type: "button", class: "sort-btn" });
      // Long column names break after a dot, a bracket or an equals sign, not a letter at a time.
      label.split(/(?<=[.\]=_])/).forEach((part, i) => {
        if (i) btn.append(el("wbr"));
        btn.append(part);
      });
      btn.addEventListener("click", () => {
        if (state.sort === key) state.dir = -state.dir;
        else {
          state.sort = key;
          state.dir = typeof key === "number" || key === "duration" ? -1 : 1;
        }
        state.page = 0;
        const name = typeof key === "number" ? data.columns[key].name : key;
        setParams({ sort: name, desc: state.dir === -1 ? "1" : "" });
        render();
      });
      th.append(btn);
      return th;
    }

    function renderHead() {
      const tr = el(
        "tr",
        {},
        el(
          "th",
          { scope: "col", class: "cmp-head" },
          el("span", {
            class: "sr-only",
            text: "Compare",
          }),
        ),
      );
      for (const b of BUILTIN) tr.append(headCell(b.label, b.nosort ? undefined : b.id));
      for (const name of state.picked) {
        const c = data.columns[colIndex.get(name)];
        tr.append(headCell(name, colIndex.get(name), `${c.kind}${c.varying ? ", varies" : ""}`));
      }
      table.tHead.replaceChildren(tr);
    }

    function runCells(r) {
      const cmp = el("input", { type: "checkbox", class: "cmp-run", "data-key": r.key });
      cmp.checked = state.chosen.has(r.key);
      cmp.addEventListener("change", () => {
        if (cmp.checked) state.chosen.add(r.key);
        else state.chosen.delete(r.key);
        updateCompare();
      });
      const tr = el("tr", {
        "data-status": r.status,
        "data-trigger": r.trigger,
        "data-branch": r.branch,
      });
      tr.append(el(
        "td",
        {},
        el(
          "label",
          { class: "cmp-label" },
          cmp,
          el("span", {
            class: "sr-only",
            text: `compare run ${r.id}`,
          }),
        ),
      ));
      tr.append(
        el("td", {}, el("span", { class: `pill st-${safeClass(r.status)}`, text: r.status })),
      );
      tr.append(
        el(
          "td",
          { class: "run-cell" },
          el("a", { href: `runs/${encodeURIComponent(r.key)}/index.html`, text: r.id }),
          el("div", { class: "muted small", text: r.pipeline || "pipeline unknown" }),
        ),
      );
      const trig = el("td", { text: r.trigger });
      if (r.pr !== undefined) {
        const pr = safeHref(r.prUrl);
        trig.append(
          " ",
          pr
            ? el("a", { href: pr, text: `#${r.pr}` })
            : el("span", { class: "muted", text: `#${r.pr}` }),
        );
      }
      tr.append(trig, el("td", { text: r.branch || "–" }));
      const commit = r.commit ? el("code", { text: r.commit.slice(0, 7) }) : "–";
      const cu = safeHref(r.commitUrl);
      tr.append(
        el("td", {}, cu && r.commit ? el("a", { href: cu, title: r.commit }, commit) : commit),
      );
      tr.append(el("td", { class: "nowrap", text: fmtTime(r.startedAt) }));
      tr.append(el("td", { class: "num", text: fmtDuration(r.duration) }));
      const counts = el("td", { class: "counts" });
      for (const [k, n] of Object.entries(r.counts)) {
        counts.append(
          el("span", { class: `count st-${safeClass(k)}`, title: k, text: `${n} ${k}` }),
          " ",
        );
      }
      tr.append(counts);
      for (const name of state.picked) {
        const v = r.x[colIndex.get(name)];
        tr.append(el("td", { class: typeof v === "number" ? "num" : undefined, text: fmtCell(v) }));
      }
      return tr;
    }

    function renderPager(total) {
      const pages = Math.max(1, Math.ceil(total / PAGE));
      state.page = Math.min(state.page, pages - 1);
      pager.replaceChildren();
      if (pages === 1) return;
      const go = (p, label, disabled) => {
        const b = el("button", { type: "button", text: label, disabled });
        b.addEventListener("click", () => {
          state.page = p;
          render();
        });
        return b;
      };
      pager.append(
        go(state.page - 1, "Previous", state.page === 0),
        el("span", { text: ` page ${state.page + 1} of ${pages} ` }),
        go(state.page + 1, "Next", state.page >= pages - 1),
      );
    }

    function updateCompare() {
      const keys = [...state.chosen];
      compareLink.hidden = keys.length < 2;
      compareLink.textContent = `Compare ${keys.length} runs`;
      compareLink.href = `compare.html?runs=${keys.map(encodeURIComponent).join(",")}`;
    }

    function render() {
      const { list, errors } = shown();
      renderHead();
      renderPager(list.length);
      const slice = list.slice(state.page * PAGE, state.page * PAGE + PAGE);
      table.tBodies[0].replaceChildren(...slice.map((row) => runCells(row.r)));
      counter.textContent = `${list.length} of ${rows.length} runs`;
      errorsOut.textContent = errors.join(" ");
      errorsOut.hidden = errors.length === 0;
    }

    function renderPicker() {
      picker.replaceChildren();
      for (const c of data.columns) {
        const box = el("input", { type: "checkbox", value: c.name });
        box.checked = state.picked.includes(c.name);
        box.addEventListener("change", () => {
          const on = new Set(
            Array.from(picker.querySelectorAll("input:checked")).map((b) => b.value),
          );
          state.picked = data.columns.map((x) => x.name).filter((n) => on.has(n));
          savePicked(state.picked);
          render();
        });
        picker.append(el(
          "label",
          {},
          box,
          ` ${c.name}`,
          el("span", {
            class: "muted small",
            text: ` ${c.kind}${c.varying ? "" : ", constant"}`,
          }),
        ));
      }
    }

    /** The menus show the query's `status:`, `trigger:` and `branch:` terms. */
    function syncSelects() {
      const terms = pynbQuery.parse(state.q);
      for (const s of box.querySelectorAll("select[data-filter]")) {
        const term = terms.find((t) =>
          t.kind === "cmp" && t.op === ":" && !t.not && t.key.toLowerCase() === s.dataset.filter
        );
        const want = term ? term.value : "";
        s.value = Array.from(s.options).some((o) => o.value === want) ? want : "";
      }
    }

    /** Keeps the view in the address (`?q=`, `?sort=`, `?desc=1`) so that it can be shared. */
    function setParams(params) {
      const url = new URL(location.href);
      for (const [k, v] of Object.entries(params)) {
        if (v) url.searchParams.set(k, v);
        else url.searchParams.delete(k);
      }
      try {
        history.replaceState(null, "", url.href);
      } catch (_) {
        // file:// in some browsers: the view still applies.
      }
    }

    function setQuery(q) {
      state.q = q;
      syncSelects();
      state.page = 0;
      setParams({ q });
      render();
    }

    input.addEventListener("input", () => setQuery(input.value));
    for (const s of box.querySelectorAll("select[data-filter]")) {
      s.addEventListener("change", () => {
        const q = pynbQuery.setField(input.value, s.dataset.filter, s.value);
        input.value = q;
        setQuery(q);
      });
    }
    renderPicker();
    syncSelects();
    render();
    updateCompare();
    box.classList.add("ready");
  }

  document.addEventListener("DOMContentLoaded", () => {
    const box = document.getElementById("runs-query");
    if (box && self.pynbRuns && self.pynbQuery && self.pynbDom) setup(box, self.pynbRuns);
  });
})();
