/**
 * The Slurm executor: every instance of a plan becomes one batch job, submitted at once in plan
 * order with `--dependency=afterok:<upstream jobs>` (Slurm starts a job when its upstream jobs
 * succeeded and cancels it when one failed: `--kill-on-invalid-dep=yes`). Each job runs `cli.ts
 * run --only <instance> --upstream <parts> --run-id <id>` and leaves a part in the shared folder;
 * the executor follows the jobs (`squeue`), adds each part to the run folder as its job ends, and
 * on `--fail-fast` or an interrupt cancels what is left with `scancel`. The run folder is then
 * finished by `merge`: instances whose job never ran are skipped (below a failure) or cancelled.
 *
 * @module
 */
import { join, resolve } from "node:path";
import type { RunOrigin } from "../log/ci/ci_context.ts";
import { appendPart, mergeRunParts } from "../log/part/merge.ts";
import type { RunSummary, TaskRecord } from "../log/schema.ts";
import { SpanLog } from "../log/spans/spans.ts";
import { RUN_LAYOUT } from "../log/layout.ts";
import { runSpanInfo } from "../log/spans/run_span_info.ts";
import type { Plan, PlannedInstance } from "../plan/types.ts";
import { cancelJobs, isActive, jobStates, submitJob } from "./commands.ts";
import { type JobCommon, jobScript, sbatchArgs } from "./job_script.ts";
import { sleep } from "../_base/time.ts";

/** Hears about the jobs of a run (the progress display). Every method is optional. */
export interface SlurmObserver {
  /** A job started running. */
  attemptStarted?(instance: PlannedInstance, attempt: number, at: Date): void;
  /** An instance's job ended and its part was read. */
  taskEnded?(record: TaskRecord): void;
  /** Something the user should know. */
  warning?(message: string): void;
  /** A line of news (submissions, cancellations). */
  note?(text: string): void;
}

/** Options of {@linkcode runOnSlurm}. */
export interface SlurmRunOptions extends Omit<JobCommon, "runId"> {
  /** The run id. */
  runId: string;
  /** The run folder, created here. */
  runFolder: string;
  /** Shared folder (seen by every node) for job scripts, job output and parts. */
  sharedDir: string;
  /** The pipeline file, for the record. */
  pipelineFile?: string;
  /** Trigger and CI context. @default `{ trigger: "local" }` */
  origin?: RunOrigin;
  /** Cancel every other job after the first instance that fails for good. @default false */
  failFast?: boolean;
  /** Aborting it cancels every job still queued or running. */
  signal?: AbortSignal;
  /** Progress listener. @default none */
  observer?: SlurmObserver;
  /**
   * How often the queue is read, in milliseconds.
   * @default 500
   */
  pollMs?: number;
}

/** One submitted job. */
export interface SlurmJob {
  /** The instance. */
  instance: PlannedInstance;
  /** Slurm's job id. */
  id: string;
  /** Its part folder (`run --out <part>`): the part is `<part>/<run id>`. */
  partOut: string;
  /** When sbatch returned. */
  submittedAt: Date;
  /** When the queue first showed it running. */
  runningAt?: Date;
  /** When the queue showed it ended (or lost). */
  endedAt?: Date;
  /** Its last state. */
  state: string;
  /** Whether its instance's end was told to the observer. */
  told?: boolean;
}

/** What {@linkcode runOnSlurm} did. */
export interface SlurmRunResult {
  /** The run's summary, as written to `run.json`. */
  summary: RunSummary;
  /** Whether the run was interrupted. */
  interrupted: boolean;
  /** Every job, in plan order. */
  jobs: SlurmJob[];
}

/**
 * Runs a plan as Slurm jobs and writes its run folder.
 *
 * @param plan The plan, instances in topological order.
 * @param options Job settings, run and shared folders, fail-fast, interruption.
 * @returns The summary, whether it was interrupted, and the jobs.
 * @throws {UserError} When sbatch refuses a job (those already submitted are cancelled).
 *
 * @example Running a plan on the cluster
 * ```ts ignore
 * import { runOnSlurm } from "./executor.ts";
 * const { summary } = await runOnSlurm(plan, {
 *   runId: "r1", runFolder: "runs/r1", sharedDir: ".pynb-slurm/r1", cwd: Deno.cwd(),
 *   pipeline: "pipeline.yaml", deno: Deno.execPath(), cli: "cli.ts", params: {},
 * });
 * ```
 */
export async function runOnSlurm(plan: Plan, options: SlurmRunOptions): Promise<SlurmRunResult> {
  const runFolder = resolve(options.runFolder);
  const shared = resolve(options.sharedDir);
  await Deno.mkdir(runFolder, { recursive: true });
  await Deno.mkdir(join(shared, "jobs"), { recursive: true });
  const startedAt = new Date();
  // The run folder reads as a run from the start: the plan, then each part as its job ends.
  const spans = new SpanLog(
    join(runFolder, RUN_LAYOUT.spans),
    runSpanInfo(plan, { ...options, startedAt }),
    { derivedIds: true },
  );
  spans.recordPlan(plan.instances, startedAt);

  const jobs = await submitAll(plan, options, shared);
  const interrupted = await follow(jobs, runFolder, options);
  await Deno.writeTextFile(join(shared, "jobs", "jobs.json"), JSON.stringify(jobs.map(jobInfo)));
  const { summary } = await mergeRunParts([runFolder], resolve(runFolder, ".."));
  // Instances whose job never ran: the merge derived them (skipped or cancelled).
  const told = new Set(jobs.filter((j) => j.told).map((j) => j.instance.id));
  for (const record of summary.tasks) {
    if (!told.has(record.id)) options.observer?.taskEnded?.(record);
  }
  await Deno.remove(join(shared, "parts"), { recursive: true }).catch(() => {});
  return { summary, interrupted, jobs };
}

function jobInfo(job: SlurmJob) {
  return {
    instance: job.instance.id,
    id: job.id,
    state: job.state,
    submittedAt: job.submittedAt.toISOString(),
    runningAt: job.runningAt?.toISOString(),
    endedAt: job.endedAt?.toISOString(),
  };
}

/** Writes every job script and submits them in plan order, upstream jobs first. */
async function submitAll(
  plan: Plan,
  options: SlurmRunOptions,
  shared: string,
): Promise<SlurmJob[]> {
  const jobs: SlurmJob[] = [];
  const byInstance = new Map<string, SlurmJob>();
  try {
    for (const inst of plan.instances) {
      const partOut = join(shared, "parts", inst.slug);
      const upstream = inst.needs.map((n) => byInstance.get(n)!);
      const script = join(shared, "jobs", `${inst.slug}.sh`);
      await Deno.writeTextFile(
        script,
        jobScript(inst, options, {
          out: partOut,
          upstream: upstream.map((u) => join(u.partOut, options.runId)),
        }),
        { mode: 0o755 },
      );
      const id = await submitJob(
        script,
        sbatchArgs(inst, options, {
          output: join(shared, "jobs", `${inst.slug}.out`),
          after: upstream.map((u) => u.id),
        }),
      );
      const job: SlurmJob = {
        instance: inst,
        id,
        partOut,
        submittedAt: new Date(),
        state: "PENDING",
      };
      jobs.push(job);
      byInstance.set(inst.id, job);
    }
  } catch (err) {
    await cancelJobs(jobs.map((j) => j.id));
    throw err;
  }
  options.observer?.note?.(
    `submitted ${jobs.length} job(s) (${jobs[0]?.id ?? "-"}..${jobs.at(-1)?.id ?? "-"})`,
  );
  return jobs;
}

/**
 * Follows the jobs until every one has ended, adding each part to the run folder as its job ends;
 * cancels what is left on an interrupt or after a failure under `--fail-fast`.
 *
 * @returns Whether the run was interrupted.
 */
async function follow(
  jobs: SlurmJob[],
  runFolder: string,
  options: SlurmRunOptions,
): Promise<boolean> {
  const observer = options.observer ?? {};
  let cancelled = false;
  const cancelRest = async (why: string) => {
    if (cancelled) return;
    cancelled = true;
    const rest = jobs.filter((j) => j.endedAt === undefined).map((j) => j.id);
    observer.note?.(`${why}: cancelling ${rest.length} job(s) with scancel`);
    await cancelJobs(rest);
  };
  const onAbort = () => void cancelRest("interrupted").catch(() => {});
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) onAbort();
  try {
    while (jobs.some((j) => j.endedAt === undefined)) {
      const open = jobs.filter((j) => j.endedAt === undefined);
      const states = await jobStates(open.map((j) => j.id));
      for (const job of open) {
        const state = states.get(job.id) ?? "GONE";
        job.state = state;
        if ((state === "RUNNING" || state === "COMPLETING") && job.runningAt === undefined) {
          job.runningAt = new Date();
          observer.attemptStarted?.(job.instance, 1, job.runningAt);
        }
        if (isActive(state)) continue;
        job.endedAt = new Date();
        const records = await readPart(job, runFolder, options);
        for (const record of records) observer.taskEnded?.(record);
        job.told = records.length > 0;
        const bad = records.find((r) => r.status === "failed" || r.status === "timeout");
        if (bad !== undefined && options.failFast) {
          await cancelRest(`--fail-fast after '${bad.id}' ${bad.status}`);
        }
      }
      if (jobs.some((j) => j.endedAt === undefined)) await sleep(options.pollMs ?? 500);
    }
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
  }
  return options.signal?.aborted ?? false;
}

/** Adds the part a job left (if any) to the run folder. */
async function readPart(
  job: SlurmJob,
  runFolder: string,
  options: SlurmRunOptions,
): Promise<TaskRecord[]> {
  const part = join(job.partOut, options.runId);
  const exists = await Deno.stat(join(part, RUN_LAYOUT.spans)).then(() => true, () => false);
  if (!exists) return [];
  try {
    return await appendPart(runFolder, part);
  } catch (err) {
    options.observer?.warning?.(
      `job ${job.id} (${job.instance.id}) left a part that cannot be read: ${
        (err as Error).message
      }`,
    );
    return [];
  }
}
