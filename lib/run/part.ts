/**
 * A part of a run (`run --only ... --upstream [parts...] --run-id <id>`): plans it. The part runs the
 * selected instances; the records of the instances they need outside it come from the given part
 * folders (run folders of the same run written by earlier jobs).
 *
 * @module
 */
import { UserError } from "../errors.ts";
import type { PartRecord, RunPart } from "../log/part/part.ts";
import { readRunFolder } from "../log/read.ts";
import { checkRunId } from "../log/run_id.ts";
import { type PlanOptions, planPipeline } from "../plan/plan.ts";
import type { Plan } from "../plan/types.ts";
import type { LoadedPipeline } from "../spec/load.ts";
import type { RunOptions } from "./options.ts";

/**
 * Plans a part: the selected instances with their full `needs`, and the whole plan.
 *
 * @param pipeline The validated pipeline.
 * @param options Overrides and the selection (`only`, `from`, `to`).
 * @param upstream The part folders holding the instances the selection needs.
 * @param runId The run id every part shares.
 * @returns The plan of the part (its instances) and the part for `executePlan`.
 * @throws {UserError} When a needed instance is in none of the upstream parts, a part belongs to
 *   another run, or it records the instance as unfinished.
 *
 * @example Planning the part that runs `train`
 * ```ts ignore
 * import { planPart } from "./part.ts";
 * const { plan, part } = await planPart(pipeline, { only: ["train"] }, ["parts/a/r1"], "r1");
 * ```
 */
export async function planPart(
  pipeline: LoadedPipeline,
  options: PlanOptions,
  upstream: string[],
  runId: string,
): Promise<{ plan: Plan; part: RunPart }> {
  const whole = planPipeline(pipeline, {
    ...(options.overrides === undefined ? {} : { overrides: options.overrides }),
  });
  const selected = new Set(planPipeline(pipeline, options).instances.map((i) => i.id));
  const instances = whole.instances.filter((i) => selected.has(i.id));
  const needed = [...new Set(instances.flatMap((i) => i.needs))].filter((n) => !selected.has(n));
  const records = await upstreamRecords(upstream, runId, needed, pipeline.file);
  const plan: Plan = {
    ...whole,
    instances,
    layers: whole.layers.map((l) => l.filter((id) => selected.has(id))).filter((l) => l.length),
  };
  return { plan, part: { plan: whole.instances, upstream: records } };
}

async function upstreamRecords(
  folders: string[],
  runId: string,
  needed: string[],
  file: string,
): Promise<PartRecord[]> {
  const found = new Map<string, PartRecord>();
  for (const folder of folders) {
    const { summary } = await readRunFolder(folder);
    if (summary.runId !== runId) {
      throw new UserError(
        `Cannot use --upstream '${folder}': it is a part of run '${summary.runId}', not of ` +
          `'${runId}' (--run-id); give the parts of this run only`,
      );
    }
    for (const record of summary.tasks) {
      if (!needed.includes(record.id) || record.status === "pending") continue;
      if (record.status === "running") {
        throw new UserError(
          `Cannot use --upstream '${folder}': instance '${record.id}' had not finished there`,
        );
      }
      found.set(record.id, { record, runFolder: folder });
    }
  }
  const missing = needed.filter((n) => !found.has(n));
  if (missing.length > 0) {
    throw new UserError(
      `Cannot run this part of '${file}': it needs ${missing.map((m) => `'${m}'`).join(", ")}, ` +
        `which ${missing.length === 1 ? "is" : "are"} in none of the --upstream folders ` +
        `(${folders.length === 0 ? "none given" : folders.join(", ")}); give the part folders ` +
        "(run folders of the same --run-id) that ran them",
    );
  }
  return needed.map((n) => found.get(n)!);
}

/**
 * The plan a run executes: the selection itself, or a part of a run (`part`, with the records of
 * its upstream instances); a selection is refused on Slurm.
 *
 * @param pipeline The validated pipeline.
 * @param options Overrides and selection.
 * @param selected The plan of the selection.
 * @param run Where the run is placed, whether it is a part, and its id.
 * @returns The plan to execute, and the part when it is one.
 * @throws {UserError} For a part without a run id, or a selection with Slurm.
 *
 * @example A whole run
 * ```ts ignore
 * const { plan, part } = await scaleOutPlan(pipeline, {}, planPipeline(pipeline), {});
 * console.assert(part === undefined);
 * ```
 */
export async function scaleOutPlan(
  pipeline: LoadedPipeline,
  options: PlanOptions,
  selected: Plan,
  run: Pick<RunOptions, "executor" | "part" | "runId" | "selection">,
): Promise<{ plan: Plan; part?: RunPart }> {
  const selection = run.selection ?? {};
  const selects = (selection.only ?? selection.from ?? selection.to) !== undefined;
  if (run.executor !== undefined && run.executor !== "local" && selects) {
    throw new UserError(
      "Cannot select instances (--only, --from, --to) with --executor slurm: every job needs " +
        "the parts of its upstream instances; run the whole pipeline, or run parts yourself " +
        "with --only ... --upstream ... --run-id",
    );
  }
  if (run.part === undefined) return { plan: selected };
  if (run.runId === undefined) {
    throw new UserError(
      "Cannot run a part (--upstream) without --run-id: every part of a run shares the run's id",
    );
  }
  return await planPart(pipeline, options, [...run.part.upstream], checkRunId(run.runId));
}
