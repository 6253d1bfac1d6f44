/**
 * `cli.ts run <pipeline>`: run a pipeline's notebooks and write the run folder.
 *
 * @module
 */
import { basename, isAbsolute, join, relative, resolve } from "node:path";
import { Command, InvalidArgumentError } from "../../deps.ts";
import type { RunPart } from "../execute/executor.ts";
import { NotebookSources } from "../execute/prepare.ts";
import { detectPython, type PythonInfo } from "../execute/python.ts";
import { readCiContext, type RunOrigin } from "../log/ci_context.ts";
import type { RunSummary } from "../log/schema.ts";
import { checkRunId, newRunId } from "../log/run_id.ts";
import { loadAndPlan } from "../plan/load_and_plan.ts";
import type { Plan } from "../plan/types.ts";
import { type CacheSetup, type CacheSetupOptions, setUpCaching } from "../cache/setup.ts";
import { Progress } from "./_progress.ts";
import { collectParam, type PlanFlags, planOptions } from "./_plan_flags.ts";
import { DEFAULT_CACHE_DIR } from "./cache.ts";
import { type PermissionNeed, requirePermissions, runNeeds } from "./_permissions.ts";
import { readSecrets, redactRunFiles, type RunSecrets } from "./_secrets.ts";
import { runLocal } from "./_run_local.ts";
import { makeRunFolder } from "./_run_folder.ts";
import { type ScaleOutFlags, scaleOutPlan, UPSTREAM_HELP } from "./_run_part.ts";
import { executorOption, runSlurm, SHARED_DIR_HELP, type SlurmFlags } from "./_run_slurm.ts";

/** Exit code of a run that was interrupted (SIGINT, SIGTERM). */
export const EXIT_INTERRUPTED = 130;

/** The permission flags `run` needs, as documented in its help and the `run` task. */
export const RUN_PERMISSIONS = "--allow-read --allow-write --allow-run --allow-env";

interface RunFlags extends PlanFlags, ScaleOutFlags, SlurmFlags {
  out: string;
  concurrency?: number;
  cache?: string | boolean;
  force?: string[];
  resume?: string;
}

/**
 * The cache folder of a run: `--cache DIR`; `--cache` alone or the pipeline's `cache: DIR` (a
 * folder relative to the pipeline file); none with `--no-cache` or neither.
 */
function cacheDirOf(flag: string | boolean | undefined, plan: Plan): string | undefined {
  if (flag === false) return undefined;
  if (typeof flag === "string") return flag;
  const fromPipeline = typeof plan.cache === "string"
    ? resolve(plan.baseDir, plan.cache)
    : undefined;
  if (flag === true) return fromPipeline ?? DEFAULT_CACHE_DIR;
  return fromPipeline;
}

/** Caching of a run: its flags' cache folder, `--resume` and `--force`, permissions checked. */
async function runCaching(
  plan: Plan,
  flags: RunFlags,
  run: Pick<CacheSetupOptions, "python" | "sources"> & { warnings: { to(m: string): void } },
): Promise<CacheSetup> {
  const options = cachingFlags(flags, plan);
  await requirePermissions("run", cachingNeeds(options), RUN_PERMISSIONS);
  return await setUpCaching(plan, {
    python: run.python,
    ...(run.sources === undefined ? {} : { sources: run.sources }),
    ...options,
    warn: (m) => run.warnings.to(m),
  });
}

/** SIGINT and SIGTERM abort the run (a second one only says it is still stopping). */
function onInterrupt(progress: Progress): { signal: AbortSignal; dispose(): void } {
  const interrupt = new AbortController();
  const onSignal = () => {
    if (interrupt.signal.aborted) {
      progress.note("still stopping the kernels...");
      return;
    }
    progress.note("interrupted: stopping every kernel, then writing the run folder");
    interrupt.abort();
  };
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, onSignal);
  return {
    signal: interrupt.signal,
    dispose: () => {
      for (const s of signals) Deno.removeSignalListener(s, onSignal);
    },
  };
}

/** Read and write access to the cache folder, read access to the run given to `--resume`. */
function cachingNeeds(options: { cacheDir?: string; resume?: string }): PermissionNeed[] {
  const needs: PermissionNeed[] = [];
  const at = (name: "read" | "write", path: string, why: string): PermissionNeed => ({
    descriptor: { name, path: resolve(path) },
    flag: `--allow-${name}`,
    why,
  });
  if (options.cacheDir !== undefined) {
    needs.push(at("read", options.cacheDir, `the cache folder '${options.cacheDir}'`));
    needs.push(at("write", options.cacheDir, `the cache folder '${options.cacheDir}'`));
  }
  if (options.resume !== undefined) {
    needs.push(at("read", options.resume, `the run folder to resume '${options.resume}'`));
  }
  return needs;
}

/** The caching options of a run's flags: cache folder, `--resume`, `--force`. */
function cachingFlags(
  flags: RunFlags,
  plan: Plan,
): { cacheDir?: string; resume?: string; force?: string[] } {
  const cacheDir = cacheDirOf(flags.cache, plan);
  return {
    ...(cacheDir === undefined ? {} : { cacheDir }),
    ...(flags.resume === undefined ? {} : { resume: flags.resume }),
    ...(flags.force === undefined ? {} : { force: flags.force }),
  };
}

function parseConcurrency(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 1024) {
    throw new InvalidArgumentError(`expected a whole number from 1 to 1024, got '${text}'.`);
  }
  return n;
}

const encoder = new TextEncoder();
function writeErr(text: string): void {
  Deno.stderr.writeSync(encoder.encode(text));
}

/**
 * Builds the `run` sub-command: validates and plans the pipeline, runs every instance in its own
 * Jupyter kernel on a local pool, writes `<out>/<run-id>/`, prints its path on stdout and exits
 * 0 (all succeeded), 1 (something failed), 2 (bad input) or 130 (interrupted).
 *
 * @returns The sub-command.
 *
 * @example Running a pipeline
 * ```sh
 * deno run --allow-read --allow-write --allow-run --allow-env cli.ts run pipeline.yaml --out runs
 * ```
 */
export function runCommand(): Command {
  return new Command("run")
    .description("Run a pipeline's notebooks and write the run folder <out>/<run-id>/.")
    .argument("<pipeline>", "pipeline file: .yaml, .yml, .json, or a .ts module")
    .option("-o, --out <folder>", "folder that receives the run folder", "runs")
    .option("--run-id <id>", "the run's id and folder name (default: start time + random)")
    .option(
      "-j, --concurrency <n>",
      "notebooks running at once (default: number of CPUs)",
      parseConcurrency,
    )
    .option("--only <names...>", "run only these tasks or instance ids")
    .option("--from <names...>", "run these tasks or instances and everything downstream")
    .option("--to <names...>", "run these tasks or instances and everything upstream")
    .option(
      "-p, --param <name=value>",
      "override a parameter for every instance; the value is YAML (repeatable)",
      collectParam,
    )
    .option("--python <path>", "Python interpreter with nbclient and ipykernel (or PYNB_PYTHON)")
    .option("--fail-fast", "cancel everything else after the first instance fails for good")
    .option("--upstream [part-folders...]", UPSTREAM_HELP)
    .addOption(executorOption())
    .option("--partition <name>", "Slurm partition of the jobs (default: the cluster's)")
    .option("--shared-dir <folder>", SHARED_DIR_HELP, ".pynb-slurm")
    .option(
      "--cache [folder]",
      `restore unchanged instances from this cache and save succeeded ones (default: the ` +
        `pipeline's cache:, else ${DEFAULT_CACHE_DIR})`,
    )
    .option("--no-cache", "do not use the pipeline's cache: folder in this run")
    .option("--force <names...>", "run these tasks or instance ids even when a result is stored")
    .option(
      "--resume <run-folder>",
      "reuse the succeeded instances of that run whose inputs are unchanged; run the rest",
    )
    .addHelpText(
      "after",
      `
Prints the run folder on stdout. Progress goes to stderr: live on a terminal, plain lines
otherwise; in GitHub Actions each failed instance is also an ::error annotation. Exit code: 0 all succeeded, 1 an instance failed, timed out or was skipped,
2 bad input, 130 interrupted (SIGINT/SIGTERM: every kernel is stopped, the run is
recorded as cancelled).

Parameters: --param > task parameters and matrix values > pipeline parameters.

Caching (docs/caching.md): an instance whose key (notebook source, parameters, kernel, env,
inputs: files, upstream results) is in the cache or in the --resume run is restored, not run:
its files are copied into the new run folder and it is recorded as cached.

Permissions: ${RUN_PERMISSIONS}
  --allow-read   the pipeline, notebooks, and /proc to find every process of a kernel
  --allow-write  the run folder under --out and the temporary folder of kernels; it can be
                 scoped to both: --allow-write=runs,"\${TMPDIR:-/tmp}"
  --allow-run    the Python interpreter, and stopping kernels' process groups
  --allow-env    the kernels inherit the environment; GITHUB_* describe the CI run
                 (tokens are never read into the run log)

Examples:
  deno run ${RUN_PERMISSIONS} cli.ts run pipeline.yaml
  deno run ${RUN_PERMISSIONS} cli.ts run pipeline.yaml --only train-model --param epochs=3
  deno task run examples/mnist-digits-demo-pipeline/pipeline.yaml --out runs --fail-fast
  deno task run pipeline.yaml --cache --force train-model
  deno task run pipeline.yaml --resume runs/2026-11-30T04-17-00Z-ab12
`,
    )
    .action(async (path: string, flags: RunFlags) => {
      Deno.exitCode = await run(path, flags);
    });
}

/** A run read, planned and checked, with its folder made: nothing has started yet. */
interface PreparedRun {
  pipelineFile: string;
  plan: Plan;
  part?: RunPart | undefined;
  sources: NotebookSources;
  secrets: RunSecrets;
  runId: string;
  python: PythonInfo;
  caching: CacheSetup;
  /** Where caching warns: nowhere until the progress output exists. */
  warnings: { to(m: string): void };
  shownFolder: string;
  runFolder: string;
}

async function run(path: string, flags: RunFlags): Promise<number> {
  await requirePermissions("run", runNeeds(path, flags), RUN_PERMISSIONS);
  const prepared = await prepareRun(path, flags);
  const origin = readCiContext();
  const progress = startProgress(prepared, origin);
  const interrupt = onInterrupt(progress);
  let outcome: { summary: RunSummary; interrupted: boolean };
  try {
    outcome = await runInstances(path, flags, prepared, {
      origin,
      signal: interrupt.signal,
      progress,
    });
  } finally {
    progress.stop();
    interrupt.dispose();
  }
  await redactRunFiles(prepared.runFolder, prepared.secrets.redactor);
  const summary = prepared.secrets.redactor.redactValue(outcome.summary);
  writeErr(`\n${progress.table(summary)}`);
  Deno.stdout.writeSync(encoder.encode(`${prepared.shownFolder}\n`));
  if (outcome.interrupted || summary.status === "cancelled") return EXIT_INTERRUPTED;
  return summary.status === "succeeded" ? 0 : 1;
}

/**
 * Reads, plans and checks everything before anything is written or started: the pipeline, every
 * notebook, secrets, the interpreter, caching; then makes the run folder.
 */
async function prepareRun(path: string, flags: RunFlags): Promise<PreparedRun> {
  const startedAt = new Date();
  // The interpreter is probed while the pipeline is read and planned.
  const pythonFound = detectPython(flags.python === undefined ? {} : { python: flags.python });
  pythonFound.catch(() => {}); // awaited below, after the pipeline's own errors
  const options = planOptions(flags);
  const { pipeline, plan: selected, notebooks } = await loadAndPlan(path, options);
  // A part of a run (--upstream), or a run placed on Slurm, plans beyond the selection.
  const { plan, part } = await scaleOutPlan(pipeline, options, selected, flags);
  // Every notebook is read (and validated) before anything is written or started; the run's
  // attempts prepare theirs (and cache keys hash theirs) from what is read here.
  const sources = new NotebookSources(notebooks);
  await sources.readAll();
  const secrets = readSecrets(plan);
  const runId = flags.runId !== undefined ? checkRunId(flags.runId) : newRunId(startedAt);
  const python = await pythonFound;
  // Warnings come while the run goes on, when the progress output exists.
  const warnings = { to: (_: string) => {} };
  const caching = await runCaching(plan, flags, { python, sources, warnings });
  const shownFolder = join(flags.out, runId);
  const runFolder = await makeRunFolder(flags.out, shownFolder);
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
    warnings,
    shownFolder,
    runFolder,
  };
}

/** The progress output on stderr, with the run's first line; caching warns into it from now on. */
function startProgress(prepared: PreparedRun, origin: RunOrigin): Progress {
  const { plan, python, caching, runId } = prepared;
  const live = Deno.stderr.isTerminal();
  const progress = new Progress({
    live,
    write: writeErr,
    total: plan.instances.length,
    color: live && Deno.env.get("NO_COLOR") === undefined,
    annotations: origin.ci !== undefined,
  });
  progress.note(
    `run ${runId}: ${plan.instances.length} instance(s) of '${plan.pipeline}', ` +
      `Python ${python.version} (nbclient ${python.nbclient})` +
      (caching.description === "" ? "" : `; ${caching.description}`),
  );
  prepared.warnings.to = (m) => progress.warning(m);
  progress.start();
  return progress;
}

/** Runs the instances on this machine, or as Slurm jobs (`--executor slurm`). */
async function runInstances(
  path: string,
  flags: RunFlags,
  prepared: PreparedRun,
  context: { origin: RunOrigin; signal: AbortSignal; progress: Progress },
): Promise<{ summary: RunSummary; interrupted: boolean }> {
  const { plan, runId, runFolder, pipelineFile } = prepared;
  const { origin, signal, progress } = context;
  if (flags.executor === "slurm") {
    const { summary, interrupted } = await runSlurm(plan, flags, {
      pipelinePath: path,
      pipelineFile,
      runId,
      runFolder,
      signal,
      origin,
      observer: progress,
    });
    return { summary, interrupted };
  }
  const summary = await runLocal({
    ...prepared,
    concurrency: flags.concurrency,
    failFast: flags.failFast ?? false,
    origin,
    signal,
    observer: progress,
  });
  return { summary, interrupted: false };
}

/** The pipeline file as the user knows it, without the machine's folders above the cwd. */
function shownPipelineFile(file: string): string {
  const rel = relative(Deno.cwd(), file);
  return rel === "" || rel.startsWith("..") || isAbsolute(rel) ? basename(file) : rel;
}
