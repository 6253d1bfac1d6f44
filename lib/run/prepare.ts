/**
 * A run read, planned and checked, with its folder made: everything a run decides before
 * anything starts.
 *
 * @module
 */
import { basename, isAbsolute, join, relative } from "node:path";
import type { CacheSetup } from "../cache/setup.ts";
import type { RunPart } from "../log/part/part.ts";
import { NotebookSources } from "../execute/prepare.ts";
import { detectPython, type PythonInfo } from "../execute/python.ts";
import { checkRunId, newRunId } from "../log/run_id.ts";
import { loadAndPlan } from "../plan/load_and_plan.ts";
import type { PlanOptions } from "../plan/plan.ts";
import type { Plan } from "../plan/types.ts";
import { runCaching } from "./caching.ts";
import { DEFAULT_OUT, type RunOptions } from "./options.ts";
import { scaleOutPlan } from "./part.ts";
import { mark } from "../_base/timeline.ts";
import { makeRunFolder } from "./run_folder.ts";
import { readSecrets, type RunSecrets } from "./secrets.ts";

/** A run read, planned and checked, with its folder made: nothing has started yet. */
export interface PreparedRun {
  /** The pipeline file as the user knows it, for the record. */
  pipelineFile: string;
  /** The plan that runs (a part's includes its upstream instances' ids in `needs`). */
  plan: Plan;
  /** The part of a run this is, if any. */
  part?: RunPart | undefined;
  /** Every notebook, read once. */
  sources: NotebookSources;
  /** The secrets and their redactor. */
  secrets: RunSecrets;
  /** The run id. */
  runId: string;
  /** The interpreter. */
  python: PythonInfo;
  /** Cache and resume. */
  caching: CacheSetup;
  /** `<out>/<run id>` as given. */
  shownFolder: string;
  /** The run folder, absolute. */
  runFolder: string;
}

/** The planner's options of a run. */
function planOptionsOf(options: RunOptions): PlanOptions {
  const { only, from, to } = options.selection ?? {};
  return {
    overrides: options.params ?? {},
    ...(only === undefined ? {} : { only }),
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
  };
}

/**
 * Reads, plans and checks everything before anything is written or started: the pipeline, every
 * notebook, secrets, the interpreter, caching; then makes the run folder.
 *
 * @param path The pipeline file.
 * @param options The run's options.
 * @returns The prepared run.
 * @throws {UserError} For a bad pipeline, notebook, selection, secret, cache choice or run id,
 *   a missing interpreter, or a run folder that exists.
 *
 * @example Preparing a run
 * ```ts ignore
 * const prepared = await prepareRun("pipeline.yaml", { out: "runs" });
 * ```
 */
export async function prepareRun(path: string, options: RunOptions): Promise<PreparedRun> {
  const startedAt = new Date();
  // The interpreter is probed while the pipeline is read and planned.
  const pythonFound = detectPython(options.python === undefined ? {} : { python: options.python });
  pythonFound.catch(() => {}); // awaited below, after the pipeline's own errors
  const planOptions = planOptionsOf(options);
  const { pipeline, plan: selected, notebooks } = await loadAndPlan(path, planOptions);
  mark("plan");
  // A part of a run, or a run placed on Slurm, plans beyond the selection.
  const { plan, part } = await scaleOutPlan(pipeline, planOptions, selected, options);
  // Every notebook is read (and validated) before anything is written or started; the run's
  // attempts prepare theirs (and cache keys hash theirs) from what is read here.
  const sources = new NotebookSources(notebooks);
  await sources.readAll();
  const secrets = readSecrets(plan);
  const runId = options.runId !== undefined ? checkRunId(options.runId) : newRunId(startedAt);
  const python = await pythonFound;
  mark("python detected");
  const caching = await runCaching(path, plan, {
    cache: options.cache,
    resume: options.resume,
    force: options.force,
    python,
    sources,
    warn: (m) => options.observer?.warning?.(m),
  });
  const out = options.out ?? DEFAULT_OUT;
  const shownFolder = join(out, runId);
  const runFolder = await makeRunFolder(out, shownFolder);
  const pipelineFile = shownPipelineFile(pipeline.file);
  return {
    pipelineFile,
    plan,
    part,
    sources,
    secrets,
    runId,
    python,
    caching,
    shownFolder,
    runFolder,
  };
}

/** The pipeline file as the user knows it, without the machine's folders above the cwd. */
function shownPipelineFile(file: string): string {
  const rel = relative(Deno.cwd(), file);
  return rel === "" || rel.startsWith("..") || isAbsolute(rel) ? basename(file) : rel;
}
