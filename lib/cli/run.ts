/**
 * `cli.ts run <pipeline>`: maps the flags to the options of `runPipeline`, shows its progress on
 * stderr, and maps its result to an exit code.
 *
 * @module
 */
import { Command, InvalidArgumentError, Option } from "../../deps/cli.ts";
import type { JsonValue } from "../_base/json.ts";
import type { RunSummary } from "../log/schema.ts";
import { readCiContext } from "../log/ci/ci_context.ts";
import {
  DEFAULT_CACHE_DIR,
  DEFAULT_SHARED_DIR,
  type Executor,
  type RunOptions,
  type RunStart,
} from "../run/options.ts";
import { RUN_PERMISSIONS } from "../run/permissions.ts";
import { warmForkServer, warmsEarly } from "../run/warm.ts";
import { collectParam } from "./_plan_flags.ts";
import { forCommand } from "./_permissions.ts";
import { Progress } from "./_progress.ts";

export { RUN_PERMISSIONS } from "../run/permissions.ts";

/** Exit code of a run that was interrupted (SIGINT, SIGTERM). */
export const EXIT_INTERRUPTED = 130;

/** Help of `run --upstream`. */
const UPSTREAM_HELP = "run the selection as one part of the run --run-id; the parts " +
  "given hold the instances it needs (none for a part without upstream instances); `merge` " +
  "joins the parts";

/** Help of `run --shared-dir`. */
const SHARED_DIR_HELP = "Slurm: a folder every node sees, for job scripts, job output " +
  "and parts";

/** The flags of `run`, as commander parses them. */
interface RunFlags {
  out: string;
  runId?: string;
  concurrency?: number;
  only?: string[];
  from?: string[];
  to?: string[];
  param?: Record<string, JsonValue>;
  python?: string;
  failFast?: boolean;
  upstream?: string[] | true;
  executor: "local" | "slurm";
  partition?: string;
  sharedDir: string;
  cache?: string | boolean;
  force?: string[];
  resume?: string;
}

/**
 * The options of `runPipeline` that the flags give.
 *
 * @param flags The parsed flags.
 * @returns The options (without signal, observer and origin).
 */
function runOptions(flags: RunFlags): RunOptions {
  const executor: Executor = flags.executor === "slurm"
    ? {
      type: "slurm",
      sharedDir: flags.sharedDir,
      ...(flags.partition === undefined ? {} : { partition: flags.partition }),
    }
    : "local";
  const selection = {
    ...(flags.only === undefined ? {} : { only: flags.only }),
    ...(flags.from === undefined ? {} : { from: flags.from }),
    ...(flags.to === undefined ? {} : { to: flags.to }),
  };
  const optional = {
    runId: flags.runId,
    concurrency: flags.concurrency,
    params: flags.param,
    python: flags.python,
    failFast: flags.failFast,
    cache: flags.cache,
    force: flags.force,
    resume: flags.resume,
    part: flags.upstream === undefined
      ? undefined
      : { upstream: flags.upstream === true ? [] : flags.upstream },
  };
  const options: RunOptions = { out: flags.out, executor, selection };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) Object.assign(options, { [key]: value });
  }
  return options;
}

/** `run --executor local|slurm`. */
function executorOption(): Option {
  return new Option("--executor <name>", "where instances run: local processes, or Slurm jobs")
    .choices(["local", "slurm"]).default("local");
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
    .option("--shared-dir <folder>", SHARED_DIR_HELP, DEFAULT_SHARED_DIR)
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

/**
 * The progress output of `run` on stderr, made when the run starts (its first line names the run
 * and its interpreter); warnings that come earlier are shown right after that line. SIGINT and
 * SIGTERM abort the run from then on.
 */
class RunOutput {
  readonly #interrupt = new AbortController();
  readonly #early: string[] = [];
  #progress: Progress | undefined;
  #signals: Deno.Signal[] = [];
  #onSignal = () => {
    if (this.#interrupt.signal.aborted) {
      this.#progress?.note("still stopping the kernels...");
      return;
    }
    this.#progress?.note("interrupted: stopping every kernel, then writing the run folder");
    this.#interrupt.abort();
  };
  /** Whether failures become `::error` annotations (in GitHub Actions). */
  readonly #annotations: boolean;

  /** @param annotations Whether failures become `::error` annotations. */
  constructor(annotations: boolean) {
    this.#annotations = annotations;
  }

  /** Aborted on SIGINT or SIGTERM. */
  get signal(): AbortSignal {
    return this.#interrupt.signal;
  }

  /** The observer handed to `runPipeline`. */
  observer(): NonNullable<RunOptions["observer"]> {
    const p = () => this.#progress;
    return {
      runStarted: (run) => this.#start(run),
      attemptStarted: (...a) => p()?.attemptStarted(...a),
      cellStarted: (...a) => p()?.cellStarted(...a),
      attemptEnded: (...a) => p()?.attemptEnded(...a),
      taskEnded: (record) => p()?.taskEnded(record),
      warning: (m) => p() === undefined ? this.#early.push(m) : p()!.warning(m),
      note: (text) => p()?.note(text),
    };
  }

  #start(run: RunStart): void {
    const live = Deno.stderr.isTerminal();
    const progress = new Progress({
      live,
      write: writeErr,
      total: run.plan.instances.length,
      color: live && Deno.env.get("NO_COLOR") === undefined,
      annotations: this.#annotations,
    });
    progress.note(
      `run ${run.runId}: ${run.plan.instances.length} instance(s) of '${run.plan.pipeline}', ` +
        `Python ${run.python.version} (nbclient ${run.python.nbclient})` +
        (run.reuse === "" ? "" : `; ${run.reuse}`),
    );
    for (const m of this.#early.splice(0)) progress.warning(m);
    this.#progress = progress;
    progress.start();
    this.#signals = ["SIGINT", "SIGTERM"];
    for (const s of this.#signals) Deno.addSignalListener(s, this.#onSignal);
  }

  /** The final table of the run. */
  table(summary: RunSummary): string {
    return this.#progress?.table(summary) ?? "";
  }

  /** Stops the live view and the signal listeners. */
  stop(): void {
    this.#progress?.stop();
    for (const s of this.#signals) Deno.removeSignalListener(s, this.#onSignal);
    this.#signals = [];
  }
}

async function run(path: string, flags: RunFlags): Promise<number> {
  const options = runOptions(flags);
  // The Python side starts now, while the runner's other modules load and the pipeline is
  // planned; runPipeline takes it over (and closes it on every path).
  const warm = warmsEarly(options);
  const forkServer = warm ? warmForkServer(path, { python: options.python }) : undefined;
  const origin = readCiContext();
  const output = new RunOutput(origin.ci !== undefined);
  let result;
  try {
    const { runPipeline } = await import("../run/run_pipeline.ts");
    result = await runPipeline(path, {
      ...options,
      ...(forkServer === undefined ? {} : { forkServer }),
      origin,
      signal: output.signal,
      observer: output.observer(),
    });
  } catch (err) {
    throw forCommand(err, "run", RUN_PERMISSIONS);
  } finally {
    output.stop();
    await forkServer?.close();
  }
  writeErr(`\n${output.table(result.summary)}`);
  Deno.stdout.writeSync(encoder.encode(`${result.folder}\n`));
  if (result.interrupted || result.status === "cancelled") return EXIT_INTERRUPTED;
  return result.status === "succeeded" ? 0 : 1;
}
