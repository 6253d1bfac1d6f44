/**
 * The batch job of one instance: a shell script that runs `cli.ts run --only <id> --upstream
 * <parts...> --run-id <id>` (the same instance path as a local part), and the `sbatch` options
 * that place it: dependencies on the jobs of its upstream instances, CPUs and memory from the
 * task's `resources:`, a time limit from its timeout.
 *
 * @module
 */
import type { JsonValue } from "../_base/json.ts";
import { commentText, isOneLine, shellQuote } from "../_base/quote.ts";
import { UserError } from "../errors.ts";
import type { PlannedInstance } from "../plan/types.ts";

/** What every job of a run shares. */
export interface JobCommon {
  /** The run id. */
  runId: string;
  /** Working folder of the jobs (where `run` was started). */
  cwd: string;
  /** The pipeline file as given. */
  pipeline: string;
  /** `deno` executable. */
  deno: string;
  /** `cli.ts`: a path or an URL. */
  cli: string;
  /** `--python`, when given. */
  python?: string | undefined;
  /** `--param` overrides. */
  params: Record<string, JsonValue>;
  /** Partition (`--partition`); the cluster's default when absent. */
  partition?: string | undefined;
}

/** Permissions of the `run` a job starts: those of `cli.ts run`. */
const RUN_FLAGS = ["--allow-read", "--allow-write", "--allow-run", "--allow-env"];

/**
 * The job script of one instance: a bash script whose every word is quoted by `shellQuote`, so
 * an id, a path or a `--param` value holding a quote, a newline or a `#SBATCH` line stays one
 * argument (sbatch reads directives only up to the first command, and no line of data ever
 * starts one).
 *
 * @param inst The instance.
 * @param common What every job shares.
 * @param paths Its part folder (`--out`) and the part folders of its upstream instances.
 * @returns The script's text.
 *
 * @example A job script
 * ```ts
 * import { jobScript } from "./job_script.ts";
 * const inst = {
 *   id: "b", task: "b", slug: "b", matrix: {}, parameters: {}, needs: ["a"], notebook: "b.py",
 *   timeoutSeconds: 60, retries: 0, kernel: "python3", env: {},
 * };
 * const text = jobScript(inst, {
 *   runId: "r1", cwd: "/w", pipeline: "p.yaml", deno: "deno", cli: "/w/cli.ts", params: {},
 * }, { out: "/s/parts/b", upstream: ["/s/parts/a/r1"] });
 * console.assert(text.includes("--only b --run-id r1 --out /s/parts/b --upstream /s/parts/a/r1"));
 * ```
 */
export function jobScript(
  inst: PlannedInstance,
  common: JobCommon,
  paths: { out: string; upstream: string[] },
): string {
  const args = [
    common.deno,
    "run",
    "--quiet",
    ...RUN_FLAGS,
    common.cli,
    "run",
    common.pipeline,
    "--only",
    inst.id,
    "--run-id",
    common.runId,
    "--out",
    paths.out,
    ...(common.python === undefined ? [] : ["--python", common.python]),
    ...Object.entries(common.params).flatMap(([k, v]) => ["--param", `${k}=${JSON.stringify(v)}`]),
    "--upstream",
    ...paths.upstream,
  ];
  return [
    "#!/bin/bash",
    `# pynb-dag-runner: instance ${commentText(inst.id)} of run ${commentText(common.runId)}`,
    `cd ${shellQuote(common.cwd)} || exit 2`,
    `exec ${args.map(shellQuote).join(" ")}`,
    "",
  ].join("\n");
}

/** Job ids sbatch prints (`--parsable`, on one cluster): digits. */
const JOB_ID = /^[0-9]+$/;
/** Slugs: what `slugify` gives, also the job's name. */
const SLUG = /^[A-Za-z0-9._-]+$/;

/**
 * Checks what becomes one `sbatch` option: each is a program argument (never shell text), but a
 * line break in one would still end a value Slurm writes to its own files, and a job id that is
 * not digits would change the meaning of `--dependency`.
 */
function checkJobWords(
  inst: PlannedInstance,
  common: JobCommon,
  job: { output: string; after: string[] },
): void {
  if (!SLUG.test(inst.slug)) {
    throw new RangeError(`Cannot name a Slurm job after the slug ${JSON.stringify(inst.slug)}`);
  }
  for (const id of job.after) {
    if (!JOB_ID.test(id)) {
      throw new RangeError(`Cannot depend on the Slurm job id ${JSON.stringify(id)}`);
    }
  }
  if (common.partition !== undefined && !/^[A-Za-z0-9_.-]+$/.test(common.partition)) {
    throw new UserError(
      `Cannot use --partition ${JSON.stringify(common.partition)}: a Slurm partition name holds ` +
        "letters, digits, '_', '.' and '-'",
    );
  }
  for (const [what, text] of [["output", job.output], ["folder", common.cwd]] as const) {
    if (!isOneLine(text)) {
      throw new RangeError(
        `Cannot give sbatch the ${what} ${JSON.stringify(text)}: it holds a control character`,
      );
    }
  }
}

/** Minutes a job may run beyond its attempts' timeouts: Deno, Python and kernel start-up. */
const TIME_MARGIN_SECONDS = 300;

/**
 * The sbatch options of one instance's job.
 *
 * @param inst The instance.
 * @param common What every job shares (partition).
 * @param job Its output file and the job ids of its upstream instances.
 * @returns The options, without the script.
 *
 * @example Options with a dependency and resources
 * ```ts
 * import { sbatchArgs } from "./job_script.ts";
 * const inst = {
 *   id: "b", task: "b", slug: "b", matrix: {}, parameters: {}, needs: ["a"], notebook: "b.py",
 *   timeoutSeconds: 60, retries: 1, kernel: "python3", env: {},
 *   resources: { cpus: 2, memoryMb: 512 },
 * };
 * const args = sbatchArgs(inst, { runId: "r1", cwd: "/w", pipeline: "p", deno: "d", cli: "c", params: {} }, {
 *   output: "/s/jobs/b.out", after: ["41"],
 * });
 * console.assert(args.includes("--dependency=afterok:41") && args.includes("--time=7"));
 * console.assert(args.includes("--cpus-per-task=2") && args.includes("--mem=512M"));
 * ```
 */
export function sbatchArgs(
  inst: PlannedInstance,
  common: JobCommon,
  job: { output: string; after: string[] },
): string[] {
  checkJobWords(inst, common, job);
  const args = [
    `--job-name=pynb:${inst.slug}`,
    `--output=${job.output}`,
    `--chdir=${common.cwd}`,
    "--ntasks=1",
  ];
  if (common.partition !== undefined) args.push(`--partition=${common.partition}`);
  if (inst.resources?.cpus !== undefined) args.push(`--cpus-per-task=${inst.resources.cpus}`);
  if (inst.resources?.memoryMb !== undefined) args.push(`--mem=${inst.resources.memoryMb}M`);
  const seconds = inst.timeoutSeconds * (1 + Math.max(0, inst.retries));
  if (Number.isFinite(seconds) && seconds < 365 * 86400) {
    args.push(`--time=${Math.ceil((seconds + TIME_MARGIN_SECONDS) / 60)}`);
  }
  if (job.after.length > 0) {
    args.push(`--dependency=afterok:${job.after.join(":")}`, "--kill-on-invalid-dep=yes");
  }
  return args;
}
