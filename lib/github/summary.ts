/**
 * The Markdown summary of one run for `$GITHUB_STEP_SUMMARY`: status table, Mermaid DAG and
 * Gantt chart, failures with the end of their traceback, values and metrics, and, against a
 * baseline run, each metric's change.
 *
 * Pure: takes run summaries read with `readRunFolder` and returns a string.
 *
 * @module
 */
import type { JsonValue } from "../_base/json.ts";
import { formatElapsedSummary } from "../_base/time.ts";
import type { Metric, RunSummary, TaskRecord, TaskStatus } from "../log/schema.ts";
import { escapeMarkdown, fence, ganttName, mermaidLabel, stripAnsi, truncate } from "./markdown.ts";

/** Options of {@linkcode renderSummary}. */
export interface SummaryOptions {
  /**
   * URL of the run's page on the published site, linked from the heading.
   * @default undefined (no link)
   */
  siteUrl?: string;
  /**
   * The run to compare metrics against (for a pull request: the latest run on the default
   * branch).
   * @default undefined (no comparison)
   */
  baseline?: RunSummary;
  /**
   * Number of traceback lines shown per failure, counted from the end.
   * @default 30
   */
  tracebackLines?: number;
  /**
   * Diagrams are left out above this many task instances (GitHub refuses large Mermaid sources).
   * @default 150
   */
  maxDiagramTasks?: number;
  /**
   * Longest summary in UTF-8 bytes; sections are left out, then table rows, to stay below it.
   * GitHub refuses step summaries above 1 MiB.
   * @default 900000
   */
  maxChars?: number;
}

/** GitHub refuses step summaries above 1 MiB (bytes; emoji take 4); stay well below. */
const MAX_SUMMARY_CHARS = 900_000;
const MAX_FAILURES = 20;
const MAX_VALUE_CHARS = 120;

const ICON: Record<TaskStatus | RunSummary["status"], string> = {
  succeeded: "✅",
  failed: "❌",
  timeout: "⏱️",
  skipped: "⏭️",
  cancelled: "🚫",
  running: "⏳",
  pending: "⏸️",
};

/**
 * Renders the GitHub-flavoured Markdown summary of a run.
 *
 * @param run The run, as `readRunFolder(...).summary`.
 * @param options Site link, baseline run, limits.
 * @returns Markdown, ending with a newline, at most `maxChars` bytes.
 *
 * @example Summarising a run folder
 * ```ts ignore
 * import { readRunFolder } from "../log/read.ts";
 * import { renderSummary } from "./summary.ts";
 * const { summary } = await readRunFolder("runs/2026-11-27T04-00-00Z");
 * await Deno.writeTextFile(Deno.env.get("GITHUB_STEP_SUMMARY")!, renderSummary(summary), {
 *   append: true,
 * });
 * ```
 */
export function renderSummary(run: RunSummary, options: SummaryOptions = {}): string {
  const maxDiagram = options.maxDiagramTasks ?? 150;
  const limit = options.maxChars ?? MAX_SUMMARY_CHARS;
  const diagrams = run.tasks.length > 0 && run.tasks.length <= maxDiagram;
  // In the order they are given up when the summary is too long for GitHub.
  const optional: [string, string][] = [
    ["values", values(run)],
    ["timeline", diagrams ? gantt(run) : ""],
    ["DAG", diagrams ? dag(run) : ""],
    ["metrics", metrics(run, options.baseline)],
  ];
  const head = header(run, options.siteUrl);
  const fail = failures(run, options.tracebackLines ?? 30);
  const left: string[] = [];
  const assemble = (table: string) => {
    const byName = new Map(optional);
    const parts = [head, table, fail, byName.get("DAG")!, byName.get("timeline")!];
    parts.push(byName.get("metrics")!, byName.get("values")!);
    const note = left.length === 0
      ? ""
      : `_Left out to stay within GitHub's step summary limit: ${
        left.join(", ")
      }. The site has everything._\n`;
    return [...parts.filter((p) => p !== ""), note].filter((p) => p !== "").join("\n");
  };
  let table = statusTable(run);
  let out = assemble(table);
  for (const entry of optional) {
    if (bytes(out) <= limit) break;
    if (entry[1] === "") continue;
    entry[1] = "";
    left.push(entry[0]);
    out = assemble(table);
  }
  if (bytes(out) > limit) {
    // Only the task table can still be this long: keep as many rows as fit (failures first).
    const budget = limit - (bytes(out) - bytes(table)) - 200;
    const lines = table.split("\n");
    let kept = 4;
    for (let size = 0; kept < lines.length && size + bytes(lines[kept]!) + 1 < budget; kept++) {
      size += bytes(lines[kept]!) + 1;
    }
    table = `${lines.slice(0, kept).join("\n")}\n\n_${lines.length - 1 - kept} more task ` +
      "instances are listed on the site._\n";
    out = assemble(table);
  }
  return out;
}

const encoder = new TextEncoder();

/** UTF-8 size: GitHub's limit counts bytes. */
function bytes(text: string): number {
  return encoder.encode(text).length;
}

function header(run: RunSummary, siteUrl: string | undefined): string {
  const title = `${ICON[run.status]} ${escapeMarkdown(run.pipeline.name)}: ${run.status}`;
  const facts = [`run \`${inlineCode(run.runId)}\``, `trigger ${run.trigger}`];
  const ci = run.ci;
  if (ci?.branch) facts.push(`branch \`${inlineCode(ci.branch)}\``);
  if (ci?.commit) facts.push(`commit \`${inlineCode(ci.commit.slice(0, 7))}\``);
  if (ci?.pullRequest !== undefined) facts.push(`pull request #${ci.pullRequest}`);
  facts.push(`started ${run.startedAt}`);
  if (run.durationSeconds !== undefined) {
    facts.push(`took ${formatElapsedSummary(run.durationSeconds)}`);
  }
  const counts = countStatuses(run.tasks);
  let out = `## ${title}\n\n${facts.join(" · ")}\n\n${counts}\n`;
  if (siteUrl !== undefined) out += `\n[Open this run on the pipeline site](${safeUrl(siteUrl)})\n`;
  return out;
}

function countStatuses(tasks: TaskRecord[]): string {
  const counts = new Map<TaskStatus, number>();
  for (const t of tasks) counts.set(t.status, (counts.get(t.status) ?? 0) + 1);
  const order: TaskStatus[] = [
    "failed",
    "timeout",
    "cancelled",
    "skipped",
    "running",
    "pending",
    "succeeded",
  ];
  const cached = tasks.filter((t) => t.status === "succeeded" && t.cached === true).length;
  const bits = order.filter((s) => counts.has(s)).map((s) =>
    `${ICON[s]} ${counts.get(s)} ${s}` +
    (s === "succeeded" && cached > 0 ? ` (${cached} cached)` : "")
  );
  return `**${tasks.length} task instance${tasks.length === 1 ? "" : "s"}**${
    bits.length ? `: ${bits.join(", ")}` : ""
  }`;
}

function statusTable(run: RunSummary): string {
  if (run.tasks.length === 0) return "_No task instances._\n";
  const rows = sortedTasks(run.tasks).map((t) => {
    const attempts = t.attempts.length;
    const note = t.reason ?? lastError(t)?.headline ??
      (t.cached === true ? `cached from run ${t.cachedFrom ?? "?"}` : "");
    const ran = t.durationSeconds !== undefined && attempts > 0;
    return `| ${escapeMarkdown(t.id)} | ${ICON[t.status]} ${t.status} | ${
      ran ? formatElapsedSummary(t.durationSeconds!) : ""
    } | ${attempts} | ${escapeMarkdown(truncate(note, MAX_VALUE_CHARS))} |`;
  });
  return `### Tasks\n\n| Task | Status | Duration | Attempts | Note |\n| --- | --- | ---: | ---: | --- |\n${
    rows.join("\n")
  }\n`;
}

/** Failed and timed-out instances first, then in the run's (topological) order. */
function sortedTasks(tasks: TaskRecord[]): TaskRecord[] {
  const rank = (s: TaskStatus) => (s === "failed" || s === "timeout" ? 0 : 1);
  return tasks.map((t, i) => ({ t, i }))
    .sort((a, b) => rank(a.t.status) - rank(b.t.status) || a.i - b.i)
    .map(({ t }) => t);
}

function lastError(t: TaskRecord) {
  for (let i = t.attempts.length - 1; i >= 0; i--) {
    const error = t.attempts[i]?.error;
    if (error) {
      return {
        error,
        attempt: t.attempts[i]!.attempt,
        headline: `${error.ename}: ${stripAnsi(error.evalue)}`,
      };
    }
  }
  return undefined;
}

function failures(run: RunSummary, lines: number): string {
  const failed = run.tasks.filter((t) => t.status === "failed" || t.status === "timeout");
  if (failed.length === 0) return "";
  let out = "### Failures\n";
  for (const t of failed.slice(0, MAX_FAILURES)) {
    const last = lastError(t);
    out += `\n#### ${ICON[t.status]} ${escapeMarkdown(t.id)}\n\n`;
    if (last === undefined) {
      out += `${t.status === "timeout" ? "Timed out" : "Failed"} without a recorded error.\n`;
      continue;
    }
    out += `${
      escapeMarkdown(truncate(last.headline, 300))
    } (attempt ${last.attempt} of ${t.attempts.length})\n\n`;
    const tb = last.error.traceback.flatMap((l) => stripAnsi(l).split("\n"));
    const tail = tb.length > lines ? ["…", ...tb.slice(-lines)] : tb;
    out += fence(
      tail.length ? tail.map((l) => truncate(l, 400)).join("\n") : last.headline,
      "text",
    );
  }
  if (failed.length > MAX_FAILURES) {
    out += `\n_${failed.length - MAX_FAILURES} more failures are listed on the site._\n`;
  }
  return out;
}

function dag(run: RunSummary): string {
  const ids = new Map(run.tasks.map((t, i) => [t.id, `t${i}`]));
  const lines = ["flowchart LR"];
  for (const t of run.tasks) {
    lines.push(`  ${ids.get(t.id)}["${mermaidLabel(t.id)}"]:::${t.status}`);
  }
  for (const t of run.tasks) {
    for (const need of t.needs) {
      const from = ids.get(need);
      if (from !== undefined) lines.push(`  ${from} --> ${ids.get(t.id)}`);
    }
  }
  lines.push(
    "  classDef succeeded fill:#d3f9d8,stroke:#2b8a3e",
    "  classDef failed fill:#ffe3e3,stroke:#c92a2a",
    "  classDef timeout fill:#fff3bf,stroke:#e67700",
    "  classDef skipped fill:#f1f3f5,stroke:#868e96",
    "  classDef cancelled fill:#f1f3f5,stroke:#868e96",
    "  classDef running fill:#d0ebff,stroke:#1971c2",
    "  classDef pending fill:#f8f9fa,stroke:#adb5bd",
  );
  return `### DAG\n\n${fence(lines.join("\n"), "mermaid")}`;
}

function gantt(run: RunSummary): string {
  // Only instances that ran: a skipped one has no bar to draw.
  const timed = run.tasks.filter((t) => t.startedAt !== undefined && t.attempts.length > 0);
  if (timed.length === 0) return "";
  const lines = ["gantt", "  dateFormat x", "  axisFormat %H:%M:%S", "  section Tasks"];
  timed.forEach((t) => {
    const start = Date.parse(t.startedAt!);
    if (Number.isNaN(start)) return;
    let end = t.endedAt === undefined ? NaN : Date.parse(t.endedAt);
    if (Number.isNaN(end)) end = start + (t.durationSeconds ?? 0) * 1000;
    // Mermaid draws a zero-length bar as nothing; give every task at least a sliver.
    end = Math.max(end, start + 1);
    const tag = t.status === "failed" || t.status === "timeout"
      ? "crit, "
      : t.status === "running"
      ? "active, "
      : "";
    lines.push(`  ${ganttName(t.id)} :${tag}${start}, ${end}`);
  });
  return `### Timeline\n\n${fence(lines.join("\n"), "mermaid")}`;
}

/** The last logged value of each metric of a task (highest step, then latest). */
function lastMetrics(t: TaskRecord): Map<string, Metric> {
  const out = new Map<string, Metric>();
  for (const m of t.metrics) {
    const prev = out.get(m.name);
    if (prev === undefined || (m.step ?? -Infinity) >= (prev.step ?? -Infinity)) out.set(m.name, m);
  }
  return out;
}

function metrics(run: RunSummary, baseline: RunSummary | undefined): string {
  const base = new Map(baseline?.tasks.map((t) => [t.id, lastMetrics(t)]) ?? []);
  const rows: string[] = [];
  for (const t of run.tasks) {
    for (const [name, m] of [...lastMetrics(t)].sort(([a], [b]) => a.localeCompare(b))) {
      const cells = [escapeMarkdown(t.id), escapeMarkdown(name), formatNumber(m.value)];
      if (baseline !== undefined) {
        const b = base.get(t.id)?.get(name);
        cells.push(b === undefined ? "—" : formatNumber(b.value), change(m.value, b?.value));
      }
      rows.push(`| ${cells.join(" | ")} |`);
    }
  }
  // Metrics the baseline had and this run lost (for example because the task failed).
  const current = new Map(run.tasks.map((t) => [t.id, lastMetrics(t)]));
  for (const [id, ms] of base) {
    for (const [name, b] of [...ms].sort(([a], [c]) => a.localeCompare(c))) {
      if (current.get(id)?.has(name)) continue;
      rows.push(
        `| ${escapeMarkdown(id)} | ${escapeMarkdown(name)} | — | ${
          formatNumber(b.value)
        } | missing |`,
      );
    }
  }
  if (rows.length === 0) return "";
  const head = baseline === undefined
    ? "| Task | Metric | Value |\n| --- | --- | ---: |"
    : "| Task | Metric | Value | Baseline | Change |\n| --- | --- | ---: | ---: | ---: |";
  const against = baseline === undefined
    ? ""
    : `\n\nCompared with run \`${inlineCode(baseline.runId)}\`${
      baseline.ci?.commit ? ` (commit \`${inlineCode(baseline.ci.commit.slice(0, 7))}\`)` : ""
    }${baseline.ci?.url ? `, [its workflow run](${safeUrl(baseline.ci.url)})` : ""}.${
      baseline.pipeline.name === run.pipeline.name
        ? ""
        : ` Careful: it is a run of another pipeline, ${escapeMarkdown(baseline.pipeline.name)}.`
    }`;
  return `### Metrics${against}\n\n${head}\n${rows.join("\n")}\n`;
}

function change(value: number, base: number | undefined): string {
  if (base === undefined) return "new";
  const delta = value - base;
  if (delta === 0) return "=";
  const arrow = delta > 0 ? "▲" : "▼";
  const rel = base === 0
    ? ""
    : ` (${delta > 0 ? "+" : ""}${(delta / Math.abs(base) * 100).toFixed(1)}%)`;
  return `${arrow} ${delta > 0 ? "+" : ""}${formatNumber(delta)}${rel}`;
}

function values(run: RunSummary): string {
  const rows: string[] = [];
  for (const t of run.tasks) {
    for (const [name, value] of Object.entries(t.values).sort(([a], [b]) => a.localeCompare(b))) {
      rows.push(
        `| ${escapeMarkdown(t.id)} | ${escapeMarkdown(name)} | ${
          escapeMarkdown(truncate(showValue(value), MAX_VALUE_CHARS))
        } |`,
      );
    }
  }
  if (rows.length === 0) return "";
  return `### Values\n\n| Task | Name | Value |\n| --- | --- | --- |\n${rows.join("\n")}\n`;
}

function showValue(value: JsonValue): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return String(n);
  const abs = Math.abs(n);
  return abs !== 0 && (abs < 1e-3 || abs >= 1e9)
    ? n.toExponential(4)
    : String(Number(n.toPrecision(6)));
}

/** Text inside an inline code span: no backticks or line breaks can end it. */
function inlineCode(text: string): string {
  return stripAnsi(text).replace(/[`\r\n]/g, " ");
}

/** Only http(s) links, with characters that would end a Markdown link destination encoded. */
function safeUrl(url: string): string {
  const parsed = URL.parse(url);
  if (parsed === null || (parsed.protocol !== "https:" && parsed.protocol !== "http:")) return "#";
  return parsed.href.replace(/[()<> ]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
