/**
 * Start-up and shutdown marks for the benchmarks (`bench/startup.ts`): with `PYNB_TIMELINE` naming
 * a file, each {@linkcode mark} appends one JSON line `{"mark": name, "time": epoch ms}` to it.
 * Without the variable (or without `--allow-env` for it) a mark costs one lookup, made once.
 *
 * @module
 */

let target: string | null | undefined;

function file(): string | null {
  if (target === undefined) {
    try {
      // Queried first: a command without --allow-env must not prompt for it.
      const granted = Deno.permissions.querySync({ name: "env", variable: "PYNB_TIMELINE" });
      target = granted.state === "granted" ? Deno.env.get("PYNB_TIMELINE") || null : null;
    } catch {
      target = null; // no --allow-env for it: no marks
    }
  }
  return target;
}

/**
 * Records that the process reached `name` now (or at `time`), when `PYNB_TIMELINE` is set.
 *
 * @param name What was reached, e.g. `plan` or `driver ready`.
 * @param time When, in milliseconds since the epoch. @default Date.now()
 *
 * @example Marking a phase
 * ```ts
 * import { mark } from "./timeline.ts";
 * mark("plan");
 * ```
 */
export function mark(name: string, time: number = Date.now()): void {
  const path = file();
  if (path === null) return;
  try {
    Deno.writeTextFileSync(path, JSON.stringify({ mark: name, time }) + "\n", { append: true });
  } catch {
    // A benchmark's file that cannot be written must not break a run.
  }
}
