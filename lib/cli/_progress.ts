/**
 * Progress of `cli.ts run` on stderr: a live view of the running instances on a terminal, plain
 * timestamped lines otherwise (CI logs), and a final table.
 *
 * @module
 */
import type { RunObserver } from "../execute/executor.ts";
import type { AttemptRecord, RunSummary, TaskRecord } from "../log/schema.ts";
import type { PlannedInstance } from "../plan/types.ts";
import { formatElapsedTerminal } from "../_base/time.ts";
import { annotation } from "../github/workflow_commands.ts";

/** Options of {@linkcode Progress}. */
export interface ProgressOptions {
  /** Redraw a live view (a terminal) instead of writing plain lines. */
  live: boolean;
  /** Writes text to the terminal or log. */
  write: (text: string) => void;
  /** Number of instances in the run. */
  total: number;
  /** The clock, in milliseconds. @default Date.now */
  now?: () => number;
  /** Colour the statuses (live view only). @default false */
  color?: boolean;
  /**
   * Also write a GitHub Actions `::error` workflow command for each failed instance, so that
   * failures show as annotations on the workflow run.
   * @default false
   */
  annotations?: boolean;
}

/**
 * Makes text safe for a terminal line: names and messages come from pipelines and notebooks, so
 * control characters (escape sequences, carriage returns) are replaced and long text is cut.
 *
 * @param text The text.
 * @param max The longest result.
 * @returns One line of printable text.
 *
 * @example Removing an escape sequence
 * ```ts
 * import { safeText } from "./_progress.ts";
 * console.assert(safeText("a\u001b[2Jb") === "a [2Jb");
 * ```
 */
export function safeText(text: string, max = 300): string {
  // deno-lint-ignore no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ").trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

const COLORS: Record<string, string> = {
  succeeded: "\x1b[32m",
  failed: "\x1b[31m",
  timeout: "\x1b[31m",
  skipped: "\x1b[33m",
  cancelled: "\x1b[33m",
};

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

/**
 * Shows a run's progress. Hand it to `executePlan` as its observer, call
 * {@linkcode Progress.start} before and {@linkcode Progress.finish} after.
 *
 * @example Plain lines, as in a CI log
 * ```ts
 * import { Progress } from "./_progress.ts";
 * let out = "";
 * const progress = new Progress({ live: false, write: (s) => out += s, total: 1, now: () => 0 });
 * progress.warning("something to know");
 * console.assert(out.includes("warning: something to know"));
 * ```
 */
export class Progress implements RunObserver {
  #o: ProgressOptions;
  #now: () => number;
  #running = new Map<
    string,
    { attempt: number; since: number; retries: number; cell?: string }
  >();
  #done = 0;
  #drawn = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  /**
   * Creates the display; nothing is written before the first event.
   *
   * @param options Where and how to write.
   */
  constructor(options: ProgressOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  /** Starts redrawing the live view every second (live mode only). */
  start(): void {
    if (this.#o.live) this.#timer = setInterval(() => this.#redraw(), 1000);
  }

  /** Stops the live view and removes it from the screen. */
  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#clear();
  }

  /** A line above the live view (or a plain line). */
  note(text: string): void {
    this.#clear();
    this.#o.write(`${text}\n`);
    this.#redraw();
  }

  /** {@inheritDoc RunObserver.attemptStarted} */
  attemptStarted(instance: PlannedInstance, attempt: number, _at: Date): void {
    this.#running.set(instance.id, {
      attempt,
      since: this.#now(),
      retries: instance.retries,
    });
    if (!this.#o.live) {
      const of = instance.retries > 0 ? ` (attempt ${attempt}/${instance.retries + 1})` : "";
      this.note(`${clock(this.#now())} start     ${safeText(instance.id)}${of}`);
    } else this.#redraw();
  }

  /** {@inheritDoc RunObserver.cellStarted} */
  cellStarted(instance: PlannedInstance, _attempt: number, cell: number, cells: number): void {
    const running = this.#running.get(instance.id);
    if (running !== undefined) running.cell = cells > 0 ? `cell ${cell}/${cells}` : `cell ${cell}`;
  }

  /** {@inheritDoc RunObserver.attemptEnded} */
  attemptEnded(instance: PlannedInstance, record: AttemptRecord, willRetry: boolean): void {
    if (!willRetry) return;
    const why = record.error === undefined
      ? record.status
      : `${record.error.ename}: ${record.error.evalue}`;
    this.note(
      `${clock(this.#now())} retry     ${safeText(instance.id)}: attempt ${record.attempt} ` +
        `${record.status} (${safeText(why, 200)})`,
    );
  }

  /** {@inheritDoc RunObserver.taskEnded} */
  taskEnded(record: TaskRecord): void {
    this.#running.delete(record.id);
    this.#done++;
    const shown = shownStatus(record);
    const status = shown.padEnd(9);
    let line = `${clock(this.#now())} ${this.#paint(record.status, status)} ${safeText(record.id)}`;
    if (record.status === "skipped" || record.status === "cancelled") {
      line += `: ${safeText(record.reason ?? "")}`;
    } else if (record.cached === true) {
      line += ` from run ${safeText(record.cachedFrom ?? "?", 140)}`;
    } else {
      line += ` in ${formatElapsedTerminal(record.durationSeconds)}`;
      const error = record.attempts.at(-1)?.error;
      if (record.status !== "succeeded" && error !== undefined) {
        line += `: ${safeText(`${error.ename}: ${error.evalue}`, 200)}`;
      }
    }
    this.note(line);
    if (this.#o.annotations && (record.status === "failed" || record.status === "timeout")) {
      const error = record.attempts.at(-1)?.error;
      const title = `${record.id} ${record.status === "timeout" ? "timed out" : "failed"}`;
      const message = error === undefined
        ? (record.reason ?? record.status)
        : `${error.ename}: ${error.evalue}`;
      this.note(annotation("error", safeText(message), { title: safeText(title) }));
    }
  }

  /** {@inheritDoc RunObserver.warning} */
  warning(message: string): void {
    this.note(`warning: ${safeText(message, 500)}`);
  }

  /**
   * The final table: task, status, attempts, duration, and the run's outcome.
   *
   * @param summary The run.
   * @returns Lines of text.
   */
  table(summary: RunSummary): string {
    const rows = summary.tasks.map((t) => [
      safeText(t.id, 60),
      shownStatus(t),
      String(t.attempts.length),
      formatElapsedTerminal(t.durationSeconds),
    ]);
    const head = ["task", "status", "attempts", "duration"];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const fmt = (r: string[], paint: boolean) =>
      r.map((c, i) => {
        const cell = i === 2 || i === 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!);
        return paint && i === 1 ? this.#paint(c === "cached" ? "succeeded" : c, cell) : cell;
      }).join("  ").trimEnd();
    const counts = new Map<string, number>();
    for (const t of summary.tasks) {
      counts.set(shownStatus(t), (counts.get(shownStatus(t)) ?? 0) + 1);
    }
    const tally = [...counts].map(([s, n]) => `${n} ${s}`).join(", ");
    return [
      fmt(head, false),
      ...rows.map((r) => fmt(r, true)),
      "",
      `run ${summary.status} in ${formatElapsedTerminal(summary.durationSeconds)}` +
      (tally ? ` (${tally})` : ""),
      "",
    ].join("\n");
  }

  #paint(status: string, text: string): string {
    const c = COLORS[status];
    return this.#o.live && this.#o.color && c !== undefined ? `${c}${text}\x1b[0m` : text;
  }

  #clear(): void {
    if (!this.#o.live || this.#drawn === 0) return;
    this.#o.write(`\x1b[${this.#drawn}A\x1b[J`);
    this.#drawn = 0;
  }

  #redraw(): void {
    if (!this.#o.live || this.#timer === undefined) return;
    this.#clear();
    const now = this.#now();
    const lines = [...this.#running].map(([id, r]) => {
      const of = r.retries > 0 ? ` attempt ${r.attempt}/${r.retries + 1}` : "";
      const cell = r.cell === undefined ? "" : `  ${r.cell}`;
      const elapsed = formatElapsedTerminal((now - r.since) / 1000);
      return `  running ${safeText(id, 80)}${of}  ${elapsed}${cell}`;
    });
    lines.push(`  ${this.#done}/${this.#o.total} done, ${this.#running.size} running`);
    this.#o.write(lines.join("\n") + "\n");
    this.#drawn = lines.length;
  }
}

/** The status a person reads: `cached` for a succeeded instance restored instead of run. */
function shownStatus(record: Pick<TaskRecord, "status" | "cached">): string {
  return record.status === "succeeded" && record.cached === true ? "cached" : record.status;
}
