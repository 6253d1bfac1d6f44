// pynb-dag-runner site: the runs table's query language. Pure functions, no DOM, so that the
// unit tests run them in Deno. Terms are separated by spaces and all must hold (and):
//   score>2.5  lr=0.1  loss<=0.3  n!=3     a column compared with a number (or text)
//   branch:main  status:failed  trigger:schedule  commit:1a2b  pipeline:demo  run:2026-11
//   any-other-word                         free text, found anywhere in the row
//   "two words"  -status:failed            quotes group, a leading minus negates
// Column names may hold brackets with `=` inside: benchmark[n=600].auc>0.9.
"use strict";

(function (root) {
  const OPS = [">=", "<=", "!=", ">", "<", "=", ":"];
  /** Fields every row has; `:` on these means equal (prefix for commit and run). */
  const FIELDS = [
    "status",
    "trigger",
    "branch",
    "commit",
    "pipeline",
    "run",
    "started",
    "duration",
  ];

  function tokenize(text) {
    const out = [];
    let cur = "";
    let quoted = false;
    let any = false;
    for (const ch of String(text)) {
      if (ch === '"') {
        quoted = !quoted;
        any = true;
      } else if (!quoted && /\s/.test(ch)) {
        if (any) out.push(cur);
        cur = "";
        any = false;
      } else {
        cur += ch;
        any = true;
      }
    }
    if (any) out.push(cur);
    return out;
  }

  /** The first operator outside brackets: [index, op] or undefined. */
  function findOp(token) {
    let depth = 0;
    for (let i = 1; i < token.length; i++) {
      const ch = token[i];
      if (ch === "[") depth++;
      else if (ch === "]") depth = Math.max(0, depth - 1);
      else if (depth === 0) {
        for (const op of OPS) if (token.startsWith(op, i)) return [i, op];
      }
    }
    return undefined;
  }

  /**
   * Parses a query into terms: {kind: "cmp", key, op, value, not} or {kind: "text", value, not}.
   */
  function parse(text) {
    return tokenize(text).map((raw) => {
      let token = raw;
      let not = false;
      if (token.length > 1 && token[0] === "-" && !/^-[\d.]/.test(token)) {
        not = true;
        token = token.slice(1);
      }
      const found = findOp(token);
      if (!found) return { kind: "text", value: token, not };
      const [i, op] = found;
      return { kind: "cmp", key: token.slice(0, i), op, value: token.slice(i + op.length), not };
    });
  }

  function asNumber(v) {
    if (typeof v === "number") return v;
    if (typeof v === "boolean" || v === null || v === undefined) return NaN;
    const s = String(v).trim();
    return s === "" ? NaN : Number(s);
  }

  function compare(cell, op, want) {
    if (cell === null || cell === undefined || cell === "") return op === "!=";
    const a = asNumber(cell);
    const b = asNumber(want);
    let c;
    if (!Number.isNaN(a) && !Number.isNaN(b)) {
      const tol = 1e-12 * Math.max(1, Math.abs(a), Math.abs(b));
      c = Math.abs(a - b) <= tol ? 0 : a < b ? -1 : 1;
    } else {
      const x = String(cell).toLowerCase();
      const y = String(want).toLowerCase();
      c = x === y ? 0 : x < y ? -1 : 1;
    }
    switch (op) {
      case "=":
      case ":":
        return c === 0;
      case "!=":
        return c !== 0;
      case ">":
        return c > 0;
      case "<":
        return c < 0;
      case ">=":
        return c >= 0;
      default:
        return c <= 0;
    }
  }

  /**
   * Compiles a query for rows of a table.
   * @param text The query.
   * @param table {columns: string[] (names), get(row, field or column index), text(row)}
   * @returns {test(row) -> boolean, errors: string[]}; a term naming no column matches nothing.
   */
  function compile(text, table) {
    const errors = [];
    const lower = new Map(table.columns.map((c, i) => [c.toLowerCase(), i]));
    const tests = parse(text).map((term) => {
      let t;
      if (term.kind === "text") {
        const needle = term.value.toLowerCase();
        t = (row) => table.text(row).includes(needle);
      } else {
        const k = term.key.toLowerCase();
        let index = table.columns.indexOf(term.key);
        if (index === -1) index = lower.get(k) ?? -1;
        const field = FIELDS.includes(k) ? (k === "run" ? "id" : k) : undefined;
        if (index === -1 && field === undefined) {
          errors.push(
            `Unknown column '${term.key}': use a column name of the table or one of ` +
              FIELDS.join(", "),
          );
          return () => false;
        }
        const get = (row) => index !== -1 ? table.get(row, index) : table.get(row, field);
        if (term.op === ":" && (field === "commit" || field === "id") && index === -1) {
          const prefix = term.value.toLowerCase();
          t = (row) => String(get(row) ?? "").toLowerCase().startsWith(prefix);
        } else {
          t = (row) => compare(get(row), term.op, term.value);
        }
      }
      return term.not ? (row) => !t(row) : t;
    });
    return { test: (row) => tests.every((t) => t(row)), errors };
  }

  /** Replaces the `field:` terms of a query with `field:value` (none for ""). */
  function setField(text, field, value) {
    const kept = tokenize(text).filter((tok) => {
      const p = parse(`"${tok}"`)[0];
      return !(p.kind === "cmp" && p.op === ":" && !p.not && p.key.toLowerCase() === field);
    }).map((tok) => /\s/.test(tok) ? `"${tok}"` : tok);
    if (value) kept.push(/\s/.test(value) ? `${field}:"${value}"` : `${field}:${value}`);
    return kept.join(" ");
  }

  root.pynbQuery = { tokenize, parse, compile, setField, FIELDS };
})(typeof self !== "undefined" ? self : globalThis);
