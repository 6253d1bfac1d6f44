/**
 * `runPipeline`: runs a pipeline's notebooks and writes its run folder, the one use case behind
 * `cli.ts run` and every script that runs a pipeline.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { UserError } from "../errors.ts";
import { readCiContext } from "../log/ci/ci_context.ts";
import type { RunSummary } from "../log/schema.ts";
import { runLocal } from "./local.ts";
import { DEFAULT_OUT, type PipelineObserver, type RunOptions, type RunResult } from "./options.ts";
import { requireRunPermissions, runNeeds } from "./permissions.ts";
import { type PreparedRun, prepareRun } from "./prepare.ts";
import { redactRunFiles } from "./secrets.ts";
import { runSlurm } from "./slurm.ts";
import { warmForkServer, warmsEarly } from "./warm.ts";
import { mark } from "../_base/timeline.ts";

/**
 * The path of a pipeline given as a path or a URL.
 *
 * @param pipeline The pipeline.
 * @returns Its path.
 * @throws {UserError} For a URL that is not a `file:` URL.
 */
function pipelinePath(pipeline: string | URL): string {
  if (typeof pipeline === "string") return pipeline;
  if (pipeline.protocol === "file:") return fileURLToPath(pipeline);
  throw new UserError(
    `Cannot run the pipeline '${pipeline.href}': only a file (a path or a file: URL) can be ` +
      "run, because its notebooks are read beside it; download it first",
  );
}

/**
 * Runs a pipeline: validates and plans it, reads every notebook, then runs each instance in its
 * own Jupyter kernel (on this machine, or as Slurm jobs) and writes `<out>/<run id>/`. A failing
 * notebook is a normal outcome (`status: "failed"`), not an exception. Needs
 * `--allow-read --allow-write --allow-run --allow-env`.
 *
 * @param pipeline The pipeline file (`.yaml`, `.yml`, `.json` or a `.ts` module), as a path or a
 *   `file:` URL.
 * @param options Output folder, selection, parameters, caching, placement, interrupt, observer.
 * @returns The run's status, folder, id and task records.
 * @throws {UserError} Before anything starts, for a bad pipeline, notebook, selection, parameter,
 *   secret, cache choice or run id, a missing interpreter or permission, or a run folder that
 *   exists (`PipelineSpecError`, `MissingNotebookError`, `MissingPermissionError`, ... are
 *   subclasses).
 *
 * @example Running a pipeline from a script
 * ```ts ignore
 * import { runPipeline } from "./run_pipeline.ts";
 * const run = await runPipeline("pipeline.yaml", { out: "runs", params: { epochs: 3 } });
 * console.log(run.status, run.folder);
 * ```
 */
export async function runPipeline(
  pipeline: string | URL,
  options: RunOptions = {},
): Promise<RunResult> {
  const path = pipelinePath(pipeline);
  const forkServer = options.forkServer ??
    (warmsEarly(options) ? warmForkServer(path, options) : undefined);
  try {
    return await runPrepared(path, { ...options, ...(forkServer ? { forkServer } : {}) });
  } finally {
    await forkServer?.close();
  }
}

/** `runPipeline` once the path is known and the fork server (if any) warming. */
async function runPrepared(path: string, options: RunOptions): Promise<RunResult> {
  const out = options.out ?? DEFAULT_OUT;
  await requireRunPermissions(path, runNeeds(path, { out, python: options.python }));
  const prepared = await prepareRun(path, options);
  mark("prepared");
  const observer = options.observer ?? {};
  observer.runStarted?.({
    runId: prepared.runId,
    folder: prepared.shownFolder,
    plan: prepared.plan,
    python: prepared.python,
    reuse: prepared.caching.description,
  });
  const { summary: recorded, interrupted } = await runInstances(path, options, prepared, observer);
  mark("instances ended");
  await redactRunFiles(prepared.runFolder, prepared.secrets.redactor);
  mark("run returned");
  const summary: RunSummary = prepared.secrets.redactor.redactValue(recorded);
  return {
    status: summary.status,
    runId: prepared.runId,
    folder: prepared.shownFolder,
    tasks: summary.tasks,
    summary,
    interrupted,
  };
}

/** Runs the instances on this machine, or as Slurm jobs. */
async function runInstances(
  path: string,
  options: RunOptions,
  prepared: PreparedRun,
  observer: PipelineObserver,
): Promise<{ summary: RunSummary; interrupted: boolean }> {
  const origin = options.origin ?? readCiContext();
  const signal = options.signal ?? new AbortController().signal;
  const failFast = options.failFast ?? false;
  const executor = options.executor ?? "local";
  if (executor !== "local") {
    const { summary, interrupted } = await runSlurm(prepared.plan, executor, {
      pipelinePath: path,
      pipelineFile: prepared.pipelineFile,
      runId: prepared.runId,
      runFolder: prepared.runFolder,
      python: options.python,
      params: options.params ?? {},
      failFast,
      signal,
      origin,
      observer,
    });
    return { summary, interrupted };
  }
  const summary = await runLocal({
    ...prepared,
    forkServer: options.forkServer,
    concurrency: options.concurrency,
    failFast,
    origin,
    signal,
    observer,
  });
  // The local executor records an interrupted run as cancelled.
  return { summary, interrupted: signal.aborted && summary.status === "cancelled" };
}
