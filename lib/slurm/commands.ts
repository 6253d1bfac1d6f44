/**
 * Slurm's client commands, run as subprocesses: `sbatch` to submit, `squeue` to follow, `scancel`
 * to cancel. `SLURM_CONF` and the rest of the environment are inherited.
 *
 * @module
 */
import { UserError } from "../errors.ts";

const decoder = new TextDecoder();

/**
 * Runs one Slurm command to its end.
 *
 * @param command `sbatch`, `squeue`, `scancel`, ...
 * @param args Its arguments.
 * @returns Exit code and output.
 * @throws {UserError} When the command is not installed.
 *
 * @example Listing the queue
 * ```ts ignore
 * import { slurm } from "./commands.ts";
 * const { stdout } = await slurm("squeue", ["-h", "-o", "%i %T"]);
 * ```
 */
export async function slurm(
  command: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(command, { args, stdin: "null", stdout: "piped", stderr: "piped" })
      .output();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new UserError(
        `Cannot run '${command}': it is not installed here; --executor slurm runs on a Slurm ` +
          "login node (Debian: apt-get install slurm-client)",
        { cause: err },
      );
    }
    throw err;
  }
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/**
 * Submits a batch script with `sbatch --parsable`.
 *
 * @param script Path of the job script.
 * @param args sbatch options (see `sbatchArgs`).
 * @returns The job id.
 * @throws {UserError} When sbatch refuses the job (its message is quoted).
 *
 * @example Submitting
 * ```ts ignore
 * import { submitJob } from "./commands.ts";
 * const id = await submitJob("jobs/ingest.sh", ["--job-name=pynb:ingest"]);
 * ```
 */
export async function submitJob(script: string, args: string[]): Promise<string> {
  const out = await slurm("sbatch", ["--parsable", ...args, script]);
  const id = out.stdout.trim().split(";")[0] ?? "";
  if (out.code !== 0 || !/^\d+$/.test(id)) {
    throw new UserError(
      `Cannot submit '${script}' with sbatch: ${out.stderr.trim() || out.stdout.trim()}`,
    );
  }
  return id;
}

/** Job states in which a job has not ended yet. */
const ACTIVE = new Set([
  "PENDING",
  "CONFIGURING",
  "RUNNING",
  "COMPLETING",
  "SUSPENDED",
  "REQUEUED",
  "REQUEUE_HOLD",
  "REQUEUE_FED",
  "RESIZING",
  "SIGNALING",
  "STAGE_OUT",
  "STOPPED",
]);

/**
 * Whether a job state (`squeue %T`) means the job has not ended.
 *
 * @param state The state.
 * @returns True for pending, running and completing jobs.
 *
 * @example A pending and a completed job
 * ```ts
 * import { isActive } from "./commands.ts";
 * console.assert(isActive("PENDING") && !isActive("COMPLETED"));
 * ```
 */
export function isActive(state: string): boolean {
  return ACTIVE.has(state);
}

/**
 * The states of jobs (`squeue -t all`): a job Slurm no longer knows is absent.
 *
 * @param ids Job ids.
 * @returns Job id to state (`PENDING`, `RUNNING`, `COMPLETED`, `FAILED`, `CANCELLED`, ...).
 * @throws {UserError} When squeue is not installed.
 *
 * @example Following jobs
 * ```ts ignore
 * import { jobStates } from "./commands.ts";
 * const states = await jobStates(["12", "13"]);
 * ```
 */
export async function jobStates(ids: string[]): Promise<Map<string, string>> {
  const states = new Map<string, string>();
  if (ids.length === 0) return states;
  const out = await slurm("squeue", ["-h", "-t", "all", "-j", ids.join(","), "-o", "%i|%T"]);
  for (const line of out.stdout.split("\n")) {
    const [id, state] = line.trim().split("|");
    if (id && state) states.set(id, state);
  }
  return states;
}

/**
 * Cancels jobs with `scancel` (Slurm sends SIGTERM, then SIGKILL after its KillWait).
 *
 * @param ids Job ids; none: nothing is done.
 * @throws {UserError} When scancel is not installed.
 *
 * @example Cancelling
 * ```ts ignore
 * import { cancelJobs } from "./commands.ts";
 * await cancelJobs(["12", "13"]);
 * ```
 */
export async function cancelJobs(ids: string[]): Promise<void> {
  if (ids.length > 0) await slurm("scancel", ids);
}
