/**
 * What a run's span log says about the run, built from the plan and how the run was started: one
 * home for the run span's fields, shared by the local run recorder and the Slurm follower.
 *
 * @module
 */
import type { JsonValue } from "../../_base/json.ts";
import type { RunOrigin } from "../ci/ci_context.ts";
import type { RunSpanInfo } from "./spans.ts";

/** How a run was started, as {@linkcode runSpanInfo} needs it. */
export interface RunStart {
  /** The run id. */
  runId: string;
  /** The pipeline file as given on the command line. @default none */
  pipelineFile?: string | undefined;
  /** Trigger and CI context. @default `{ trigger: "local" }` */
  origin?: RunOrigin | undefined;
  /** Start of the run. */
  startedAt: Date;
}

/**
 * The run span's fields of a run of `plan`.
 *
 * @param plan The pipeline's name and parameters.
 * @param start Run id, pipeline file, origin and start time.
 * @returns The info a {@linkcode SpanLog} is opened with.
 *
 * @example A local run
 * ```ts
 * import { runSpanInfo } from "./run_span_info.ts";
 * const info = runSpanInfo(
 *   { pipeline: "demo", parameters: { n: 1 } },
 *   { runId: "r1", startedAt: new Date(0) },
 * );
 * console.assert(info.trigger === "local" && info.ci === undefined && info.runId === "r1");
 * ```
 */
export function runSpanInfo(
  plan: { pipeline: string; parameters: Record<string, JsonValue> },
  start: RunStart,
): RunSpanInfo {
  const origin = start.origin ?? { trigger: "local" };
  return {
    runId: start.runId,
    pipeline: plan.pipeline,
    ...(start.pipelineFile === undefined ? {} : { pipelineFile: start.pipelineFile }),
    trigger: origin.trigger,
    ...(origin.ci === undefined ? {} : { ci: origin.ci }),
    parameters: plan.parameters,
    startedAt: start.startedAt,
  };
}
