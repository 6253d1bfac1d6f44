/**
 * `run --only ... --upstream [parts...] --run-id <id>`: plans one part of a run. The part runs the
 * selected instances; the records of the instances they need outside it come from the given part
 * folders (run folders of the same run written by earlier jobs).
 *
 * @module
 */
import { UserError } from "../errors.ts";
import type { PartRecord, RunPart } from "../execute/executor.ts";
import { readRunFolder } from "../log/read.ts";
import { checkRunId } from "../log/run_id.ts";
import { type PlanOptions, planPipeline } from "../plan/plan.ts";
import type { Plan } from "../plan/types.ts";
import type { LoadedPipeline } from "../spec/load.ts";

/** Help of `run --upstream`. */
export const UPSTREAM_HELP = "run the selection as one part of the run --run-id; the parts " +
  "given hold the instances it needs (none for a part without upstream instances); `merge` " +
  "joins the parts";

/** A part cannot run: its upstream parts are missing, of another run, or unfinished. */
export class PartError extends UserError {
  /**
   * @param message What is wrong and how to fix it.
   * @param options The underlying cause.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PartError";
  }
}

/**
 * Plans a part: the selected instances with their full `needs`, and the whole plan.
 *
 * @param pipeline The validated pipeline.
 * @param options Overrides and the selection (`only`, `from`, `to`).
 * @param upstream The part folders holding the instances the selection needs.
 * @param runId The run id every part shares.
 * @returns The plan of the part (its instances) and the part for `executePlan`.
 * @throws {PartError} When a needed instance is in none of the upstream parts, a part belongs to
 *   another run, or it records the instance as unfinished.
 *
 * @example Planning the part that runs `train`
 * ```ts ignore
 * import { planPart } from "./_run_part.ts";
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
      throw new PartError(
        `Cannot use --upstream '${folder}': it is a part of run '${summary.runId}', not of ` +
          `'${runId}' (--run-id); give the parts of this run only`,
      );
    }
    for (const record of summary.tasks) {
      if (!needed.includes(record.id) || record.status === "pending") continue;
      if (record.status === "running") {
        throw new PartError(
          `Cannot use --upstream '${folder}': instance '${record.id}' had not finished there`,
        );
      }
      found.set(record.id, { record, runFolder: folder });
    }
  }
  const missing = needed.filter((n) => !found.has(n));
  if (missing.length > 0) {
    throw new PartError(
      `Cannot run this part of '${file}': it needs ${missing.map((m) => `'${m}'`).join(", ")}, ` +
        `which ${missing.length === 1 ? "is" : "are"} in none of the --upstream folders ` +
        `(${folders.length === 0 ? "none given" : folders.join(", ")}); give the part folders ` +
        "(run folders of the same --run-id) that ran them",
    );
  }
  return needed.map((n) => found.get(n)!);
}

/** The flags of `run` that place a run beyond the selection. */
export interface ScaleOutFlags {
  /** `--upstream [parts...]`: `true` when given without folders. */
  upstream?: string[] | true;
  /** `--run-id`. */
  runId?: string;
  /** `--executor`. */
  executor?: "local" | "slurm";
  /** `--only`. */
  only?: string[];
  /** `--from`. */
  from?: string[];
  /** `--to`. */
  to?: string[];
}

/**
 * The plan `run` executes: the selection itself, or a part of a run (`--upstream`, with the
 * records of its upstream instances); a selection is refused with `--executor slurm`.
 *
 * @param pipeline The validated pipeline.
 * @param options Overrides and selection.
 * @param selected The plan of the selection.
 * @param flags The flags of `run`.
 * @returns The plan to execute, and the part when it is one.
 * @throws {PartError} For `--upstream` without `--run-id`, or a selection with Slurm.
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
  flags: ScaleOutFlags,
): Promise<{ plan: Plan; part?: RunPart }> {
  if (flags.executor === "slurm" && (flags.only ?? flags.from ?? flags.to) !== undefined) {
    throw new PartError(
      "Cannot select instances (--only, --from, --to) with --executor slurm: every job needs " +
        "the parts of its upstream instances; run the whole pipeline, or run parts yourself " +
        "with --only ... --upstream ... --run-id",
    );
  }
  if (flags.upstream === undefined) return { plan: selected };
  if (flags.runId === undefined) {
    throw new PartError(
      "Cannot run a part (--upstream) without --run-id: every part of a run shares the run's id",
    );
  }
  const folders = flags.upstream === true ? [] : flags.upstream;
  return await planPart(pipeline, options, folders, checkRunId(flags.runId));
}
