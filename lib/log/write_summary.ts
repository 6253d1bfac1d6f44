/**
 * Writes `run.json` atomically: validated, written to a temporary file beside it, then renamed, so
 * a reader sees either no summary or a whole one.
 *
 * @module
 */
import { RUN_LAYOUT, runPath } from "./layout.ts";
import { writeFileAtomic } from "../_base/fs.ts";
import { type RunSummary, RunSummarySchema } from "./schema.ts";

/**
 * Validates a run summary and writes it as `<folder>/run.json`, atomically.
 *
 * @param folder The run folder (it exists).
 * @param summary The summary.
 * @returns The path of `run.json`.
 * @throws {Error} When the summary does not match `RunSummarySchema`: a bug, never written.
 *
 * @example Writing a summary
 * ```ts
 * import { writeRunSummary } from "./write_summary.ts";
 * const dir = await Deno.makeTempDir();
 * await writeRunSummary(dir, {
 *   formatVersion: 1, runId: "r1", pipeline: { name: "demo" }, status: "succeeded",
 *   trigger: "local", startedAt: new Date().toISOString(), parameters: {}, tasks: [],
 * });
 * console.assert(JSON.parse(await Deno.readTextFile(`${dir}/run.json`)).runId === "r1");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeRunSummary(folder: string, summary: RunSummary): Promise<string> {
  const parsed = RunSummarySchema.safeParse(summary);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `Cannot write run.json: the summary does not match the run format at ` +
        `${issue?.path.join(".")}: ${issue?.message}`,
      { cause: parsed.error },
    );
  }
  const target = runPath(folder, RUN_LAYOUT.summary);
  await writeFileAtomic(target, JSON.stringify(parsed.data, null, 2) + "\n");
  return target;
}
