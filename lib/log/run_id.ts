/**
 * Run ids: sortable, readable and safe as a folder name on every file system.
 *
 * @module
 */
import { UserError } from "../errors.ts";

/** What a run id may look like: letters, digits, `.`, `_`, `-`; starts with a letter or digit. */
export const RUN_ID_PATTERN: RegExp = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * A `--run-id` that cannot name a folder.
 *
 * @example Catching a bad id
 * ```ts
 * import { checkRunId, InvalidRunIdError } from "./run_id.ts";
 * try {
 *   checkRunId("a/b");
 * } catch (err) {
 *   console.assert(err instanceof InvalidRunIdError && err.runId === "a/b");
 * }
 * ```
 */
export class InvalidRunIdError extends UserError {
  /** The rejected id. */
  runId: string;
  /**
   * Creates the error.
   *
   * @param runId The rejected id.
   * @param why Why it was rejected.
   */
  constructor(runId: string, why: string) {
    super(`Cannot use run id ${JSON.stringify(runId)}: ${why}`);
    this.name = "InvalidRunIdError";
    this.runId = runId;
  }
}

/** Options of {@linkcode newRunId}. */
export interface NewRunIdOptions {
  /**
   * Random suffix (lowercase hex), so that two runs started in the same second differ.
   * @default four random hex digits
   */
  suffix?: string;
}

/**
 * Makes a new run id from the start time: `2026-11-27T04-05-06Z-ab12`. Ids sort by start time.
 *
 * @param now The start of the run.
 * @param options The random suffix.
 * @returns The run id.
 *
 * @example A run id
 * ```ts
 * import { newRunId } from "./run_id.ts";
 * const id = newRunId(new Date("2026-11-27T04:05:06.789Z"), { suffix: "ab12" });
 * console.assert(id === "2026-11-27T04-05-06Z-ab12");
 * ```
 */
export function newRunId(now: Date, options: NewRunIdOptions = {}): string {
  const suffix = options.suffix ??
    Array.from(crypto.getRandomValues(new Uint8Array(2)), (b) => b.toString(16).padStart(2, "0"))
      .join("");
  const stamp = now.toISOString().slice(0, 19).replaceAll(":", "-");
  return `${stamp}Z-${suffix}`;
}

/**
 * Checks a run id given by the user (`--run-id`) before it names a folder.
 *
 * @param runId The id.
 * @returns The id, unchanged.
 * @throws {InvalidRunIdError} When it has characters outside `A-Z a-z 0-9 . _ -`, does not start
 *   with a letter or digit, or is longer than 128 characters.
 *
 * @example Checking ids
 * ```ts
 * import { checkRunId } from "./run_id.ts";
 * console.assert(checkRunId("nightly-42") === "nightly-42");
 * try {
 *   checkRunId("../escape");
 * } catch (err) {
 *   console.assert((err as Error).name === "InvalidRunIdError");
 * }
 * ```
 */
export function checkRunId(runId: string): string {
  if (runId.length === 0) throw new InvalidRunIdError(runId, "it is empty");
  if (runId.length > 128) {
    throw new InvalidRunIdError(runId, "it is longer than 128 characters");
  }
  if (!RUN_ID_PATTERN.test(runId)) {
    throw new InvalidRunIdError(
      runId,
      "use only letters, digits, '.', '_' and '-', starting with a letter or digit " +
        "(it names the run's folder)",
    );
  }
  return runId;
}
