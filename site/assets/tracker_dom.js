// pynb-dag-runner site: the helpers the runs table and the compare page share, as
// `self.pynbDom`. Elements are built with textContent and attributes only, never from HTML.
"use strict";

(function (root) {
  /** An element with attributes (`class`, `text` for its text) and children (nodes or text). */
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") e.className = v;
      else if (k === "text") e.textContent = v;
      else e.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children) if (c !== undefined && c !== null) e.append(c);
    return e;
  }

  /** `2026-11-20 06:00 UTC`, like the pages built by the site. */
  function fmtTime(iso) {
    const t = Date.parse(iso);
    return Number.isNaN(t)
      ? "–"
      : new Date(t).toISOString().slice(0, 16).replace("T", " ") + " UTC";
  }

  /** `850 ms`, `12.3 s`, `2 min 05 s`, `1 h 02 min`, like the pages built by the site. */
  function fmtDuration(s) {
    if (typeof s !== "number" || !Number.isFinite(s)) return "–";
    if (s < 1) return `${Math.round(s * 1000)} ms`;
    if (s < 60) return `${s.toFixed(1)} s`;
    if (s < 3600) {
      return `${Math.floor(s / 60)} min ${String(Math.round(s % 60)).padStart(2, "0")} s`;
    }
    return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
  }

  /** A cell's text: numbers to 6 significant digits, `–` for none. */
  function fmtCell(v) {
    if (v === null || v === undefined) return "–";
    if (typeof v === "number") return String(Number(v.toPrecision(6)));
    return String(v);
  }

  /** Letters, `_` and `-` only: a status as a class name. */
  function safeClass(s) {
    return String(s).replace(/[^a-z_-]/gi, "");
  }

  /** The URL if it is https, else undefined: links from run data never run script. */
  function safeHref(url) {
    return typeof url === "string" && /^https:\/\/[^\s]+$/i.test(url) ? url : undefined;
  }

  root.pynbDom = { el, fmtTime, fmtDuration, fmtCell, safeClass, safeHref };
})(typeof self !== "undefined" ? self : globalThis);
