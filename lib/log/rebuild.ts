/**
 * Rebuilds a run summary from `spans.jsonl` for a run that has no `run.json` (interrupted, or
 * still running).
 *
 * @module
 */
import { join } from "node:path";
import { UserError } from "../errors.ts";
import type { RunSummary } from "./schema.ts";

/**
 * Rebuilds the summary of a run from its spans.
 *
 * @param folder The run folder.
 * @returns A summary whose status is `running` for an interrupted run.
 * @throws {UserError} When there are no spans to rebuild from.
 */
export async function rebuildSummaryFromSpans(folder: string): Promise<RunSummary> {
  const spans = join(folder, "spans.jsonl");
  try {
    await Deno.stat(spans);
  } catch (err) {
    throw new UserError(
      `Cannot read run folder '${folder}': it has neither run.json nor spans.jsonl`,
      { cause: err },
    );
  }
  // Replaced by the span reader of the executor issue.
  throw new UserError(`Cannot read run folder '${folder}': it has no run.json`);
}
