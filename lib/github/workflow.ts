/**
 * Generates a GitHub Actions workflow that runs a pipeline as jobs: one job per instance, per
 * task (a job matrix over its instances) or per DAG layer. `needs:` mirrors the DAG; each job
 * downloads only the parts of its upstream jobs, runs `cli.ts run --only ... --upstream ...
 * --run-id`, and uploads its own part; a last job merges the parts into one run folder, writes
 * the step summary and keeps the run as the `pynb-run-v1-*` artifact that the publish job of the
 * site collects. The output is deterministic: same pipeline and options, same bytes.
 *
 * @module
 */
import { stringifyYaml } from "../../deps.ts";
import { fnv1a } from "../_base/hash.ts";
import type { JsonValue } from "../_base/json.ts";
import { commentText, debianPackages, isOneLine, jsonData, labelText } from "../_base/quote.ts";
import { UserError } from "../errors.ts";
import type { Plan } from "../plan/types.ts";
import { ACTIONS, type Job, jobSetupSteps, mergeJob, type Step } from "./_workflow_jobs.ts";

/** How instances are grouped into jobs. */
export type WorkflowGroup = "instance" | "task" | "layer";

/** Events that start the generated workflow. */
export type WorkflowEvent = "workflow_dispatch" | "push" | "pull_request";

/** Options of {@linkcode generateWorkflow}. */
export interface WorkflowOptions {
  /** The pipeline file, relative to the repository root (as jobs see it after checkout). */
  pipelineFile: string;
  /**
   * One job per instance, per task (a job matrix), or per DAG layer.
   * @default "instance"
   */
  group?: WorkflowGroup;
  /**
   * The workflow's name.
   * @default `<pipeline>-jobs`
   */
  name?: string;
  /**
   * Events that start it.
   * @default ["workflow_dispatch"]
   */
  on?: WorkflowEvent[];
  /** A cron schedule (`schedule:`), if any. @default none */
  cron?: string;
  /**
   * Debian packages each job installs (Jupyter, and the notebooks' Python libraries).
   * @default the Jupyter packages
   */
  apt?: string[];
  /** `--param` overrides passed to every instance. @default {} */
  params?: Record<string, JsonValue>;
  /** The command that generated it, written in its header. @default none */
  command?: string;
}

/** Jupyter from Debian: what every job needs to run a notebook. */
export const DEFAULT_APT = [
  "python3-nbclient",
  "python3-ipykernel",
  "python3-nbformat",
  "jupyter-client",
];

/** One job of the DAG: the instances it runs and the jobs it waits for. */
interface PlannedJob {
  id: string;
  name: string;
  /** Instance ids; for a matrix job, one leg per instance. */
  instances: string[];
  matrix: boolean;
  needs: string[];
  /** Name of the artifact it uploads (a pattern of names for a matrix job's legs). */
  artifact: (instance: string) => string;
  /** What downstream jobs download: an artifact name or a pattern. */
  download: { name?: string; pattern?: string };
  timeoutMinutes: number;
}

const SETUP_MINUTES = 15;

/**
 * Plans the jobs of a workflow: ids, instances, needs and artifact names.
 *
 * @param plan The plan.
 * @param group How instances are grouped.
 * @returns The jobs, in topological order.
 */
function planJobs(plan: Plan, group: WorkflowGroup): PlannedJob[] {
  const byId = new Map(plan.instances.map((i) => [i.id, i]));
  const tasks = [...new Set(plan.instances.map((i) => i.task))];
  const taskIndex = new Map(tasks.map((t, i) => [t, String(i + 1).padStart(2, "0")]));
  const slug = (id: string) => byId.get(id)!.slug;
  const minutes = (ids: string[]) => {
    const s = ids.map((id) => {
      const i = byId.get(id)!;
      return Number.isFinite(i.timeoutSeconds) ? i.timeoutSeconds * (1 + i.retries) : 6 * 3600;
    });
    return Math.min(
      360,
      SETUP_MINUTES + Math.ceil((group === "layer" ? sum(s) : Math.max(...s)) / 60),
    );
  };
  const groups = groupInstances(plan, group);
  const ids = uniqueJobIds(groups.map((g, n) => {
    const first = byId.get(g.ids[0]!)!;
    return group === "layer"
      ? `layer-${n + 1}`
      : `${group === "task" ? "task" : "run"}-${group === "task" ? first.task : first.slug}`;
  }));
  const jobOf = new Map<string, string>();
  const jobs: PlannedJob[] = [];
  for (const [n, g] of groups.entries()) {
    const first = byId.get(g.ids[0]!)!;
    const prefix = `pynb-part-${taskIndex.get(first.task)}`;
    const id = ids[n]!;
    const needs = [...new Set(g.ids.flatMap((i) => byId.get(i)!.needs).map((n) => jobOf.get(n)!))]
      .filter((j) => j !== id);
    const artifact = group === "layer"
      ? () => `pynb-part-${id}`
      : (instance: string) => `${prefix}-${slug(instance)}`;
    const download = group === "layer"
      ? { name: `pynb-part-${id}` }
      : g.matrix
      ? { pattern: `${prefix}-*` }
      : { name: artifact(g.ids[0]!) };
    for (const i of g.ids) jobOf.set(i, id);
    jobs.push({
      id,
      name: g.name,
      instances: g.ids,
      matrix: g.matrix,
      needs,
      artifact,
      download,
      timeoutMinutes: minutes(g.ids),
    });
  }
  return jobs;
}

/** The instances of each job: one per instance, per task (a matrix when it has several), per layer. */
function groupInstances(
  plan: Plan,
  group: WorkflowGroup,
): { name: string; ids: string[]; matrix: boolean }[] {
  if (group === "instance") {
    return plan.instances.map((i) => ({ name: i.id, ids: [i.id], matrix: false }));
  }
  if (group === "layer") {
    return plan.layers.map((ids, n) => ({ name: `layer ${n + 1}`, ids, matrix: false }));
  }
  const tasks = [...new Set(plan.instances.map((i) => i.task))];
  return tasks.map((t) => {
    const ids = plan.instances.filter((i) => i.task === t).map((i) => i.id);
    return { name: t, ids, matrix: ids.length > 1 || ids[0] !== t };
  });
}

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

/** A job id GitHub accepts: letters, digits, `-`, `_`, starting with a letter or `_`. */
function jobId(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]+/g, "_").replace(/^[^A-Za-z_]/, "_$&").toLowerCase();
}

/**
 * Job ids for the given texts, one each and all different: GitHub compares ids without case and
 * they hold only letters, digits, `-` and `_`, so `a.b` and `a_b`, `Train` and `train` would
 * be one job. Every id of such a clash gets a hash of its text appended; none is dropped.
 */
export function uniqueJobIds(texts: readonly string[]): string[] {
  const base = texts.map(jobId);
  const count = new Map<string, number>();
  for (const b of [...base, "merge"]) count.set(b, (count.get(b) ?? 0) + 1);
  const ids = base.map((b, i) => count.get(b) === 1 ? b : `${b}-${fnv1a(texts[i]!)}`);
  if (new Set([...ids, "merge"]).size !== ids.length + 1) {
    throw new Error(`Cannot give the jobs distinct ids: ${JSON.stringify(texts)}`);
  }
  return ids;
}

/**
 * The run step's data channel: for each leg, the arguments of `cli.ts run` that come from the
 * pipeline (its file, `--only`, `--param`), as JSON in an environment variable. A `${{ }}`,
 * a quote or a newline in them stays data: `jsonData` escapes `$`, braces and control
 * characters, and the step reads the words with `jq`, never as shell or expression text.
 */
const READ_ARGS = "args=()\n" +
  "while IFS= read -r -d '' word; do args+=(\"$word\"); done < <(\n" +
  '  jq -j --argjson leg "${PYNB_LEG:-0}" \'.[$leg][] | . + "\\u0000"\' <<<"$PYNB_ARGS")\n' +
  'if [ "${#args[@]}" -eq 0 ]; then echo "Cannot read the arguments in PYNB_ARGS" >&2; exit 2; fi\n';

/** The steps of a job that runs instances: setup, downloads, run, upload. */
function runJob(
  job: PlannedJob,
  jobs: Map<string, PlannedJob>,
  options: WorkflowOptions,
  group: WorkflowGroup,
): Job {
  const steps: Step[] = [...jobSetupSteps(options.apt ?? DEFAULT_APT)];
  for (const need of job.needs) {
    const up = jobs.get(need)!;
    const path = up.download.name !== undefined ? `parts/${up.download.name}` : "parts";
    steps.push({
      name: `Download the parts of ${labelText(up.name)}`,
      uses: ACTIONS.download,
      with: { ...up.download, path },
    });
  }
  const params = Object.entries(options.params ?? {}).flatMap(([k, v]) => [
    "--param",
    `${k}=${JSON.stringify(v)}`,
  ]);
  const legs = (job.matrix ? job.instances.map((i) => [i]) : [job.instances]).map((only) => [
    options.pipelineFile,
    "--only",
    ...only,
    ...params,
  ]);
  const upstream = job.needs.length > 0 ? ' --upstream parts/*/"$RUN_ID"' : " --upstream";
  steps.push({
    name: job.matrix ? "Run ${{ matrix.label }}" : `Run ${labelText(job.name)}`,
    env: {
      PYNB_ARGS: jsonData(legs),
      ...(job.matrix ? { PYNB_LEG: "${{ matrix.leg }}" } : {}),
    },
    run: READ_ARGS +
      'deno run --allow-read --allow-write --allow-run --allow-env cli.ts run "${args[@]}" \\\n' +
      `  --run-id "$RUN_ID" --out part${upstream}\n`,
  });
  steps.push({
    name: "Keep the part",
    if: "${{ !cancelled() }}",
    uses: ACTIONS.upload,
    with: {
      name: job.matrix ? "${{ matrix.artifact }}" : job.artifact(job.instances[0]!),
      path: "part/",
      "retention-days": 7,
      "if-no-files-found": "ignore",
    },
  });
  return {
    name: job.matrix ? `${labelText(job.name)} \${{ matrix.label }}` : labelText(job.name),
    ...(job.needs.length > 0 ? { needs: job.needs } : {}),
    // Grouped jobs run whatever their upstream jobs left: an instance skips itself when an
    // instance it needs did not succeed (a job per instance is skipped by GitHub instead).
    ...(job.needs.length > 0 && group !== "instance" ? { if: "${{ !cancelled() }}" } : {}),
    "runs-on": "ubuntu-latest",
    "timeout-minutes": job.timeoutMinutes,
    permissions: { contents: "read" },
    ...(job.matrix
      ? {
        strategy: {
          "fail-fast": false,
          matrix: {
            include: job.instances.map((i, leg) => ({
              leg,
              label: labelText(i),
              artifact: job.artifact(i),
            })),
          },
        },
      }
      : {}),
    steps: steps.map(clean),
  };
}

/** Refuses options that cannot be data of a workflow (they come from the command line). */
function checkOptions(options: WorkflowOptions): void {
  debianPackages(options.apt ?? [], "--apt");
  if (options.cron !== undefined && !/^[0-9A-Za-z*,/ -]+$/.test(options.cron)) {
    throw new UserError(
      `Cannot use --cron ${JSON.stringify(options.cron)}: a cron schedule holds five fields of ` +
        "digits, names, '*', ',', '-' and '/'",
    );
  }
  if (!isOneLine(options.pipelineFile)) {
    throw new UserError(
      `Cannot generate a workflow for ${JSON.stringify(options.pipelineFile)}: its path holds ` +
        "a control character",
    );
  }
}

function clean(step: Step): Step {
  return Object.fromEntries(Object.entries(step).filter(([, v]) => v !== undefined)) as Step;
}

/**
 * Generates the workflow's YAML text.
 *
 * @param plan The pipeline's plan.
 * @param options Pipeline file, grouping, name, triggers, packages, parameters.
 * @returns The workflow file's text, deterministic for the same input.
 *
 * @example One job per instance
 * ```ts
 * import { generateWorkflow } from "./workflow.ts";
 * const inst = (id: string, needs: string[]) => ({
 *   id, task: id, slug: id, matrix: {}, parameters: {}, needs, notebook: `${id}.py`,
 *   timeoutSeconds: 60, retries: 0, kernel: "python3", env: {},
 * });
 * const plan = {
 *   pipeline: "p", baseDir: "/", parameters: {}, layers: [["a"], ["b"]],
 *   instances: [inst("a", []), inst("b", ["a"])],
 * };
 * const yaml = generateWorkflow(plan, { pipelineFile: "p.yaml" });
 * console.assert(yaml.includes("run-b:") && yaml.includes("needs:\n      - run-a"));
 * ```
 */
export function generateWorkflow(plan: Plan, options: WorkflowOptions): string {
  const group = options.group ?? "instance";
  checkOptions(options);
  const jobs = planJobs(plan, group);
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const on: Record<string, unknown> = {};
  for (const event of [...new Set(options.on ?? ["workflow_dispatch"])].sort()) on[event] = null;
  if (options.cron !== undefined) on.schedule = [{ cron: options.cron }];
  const workflow = {
    name: labelText(options.name ?? `${plan.pipeline}-jobs`),
    on,
    permissions: {},
    env: {
      NO_COLOR: "1",
      PYNB_PYTHON: "/usr/bin/python3",
      // "true": the merge job posts the summary as one comment on a pull request of this
      // repository, updated on each push.
      PYNB_PR_COMMENT: "true",
      // Every part of a run shares its id; re-running failed jobs keeps it.
      RUN_ID: "gh-${{ github.run_id }}",
    },
    jobs: {
      ...Object.fromEntries(jobs.map((j) => [j.id, runJob(j, byId, options, group)])),
      merge: mergeJob(jobs.map((j) => j.id)),
    },
  };
  const header = [
    `# Generated by pynb-dag-runner: ${
      commentText(plan.pipeline)
    } as GitHub Actions jobs (one per ${group}).`,
    "# Do not edit: generate it again" +
    (options.command === undefined ? "." : ` with\n#   ${commentText(options.command)}`),
    "# Each job runs its instances with `cli.ts run --only ... --upstream ... --run-id` and keeps",
    "# its part as an artifact; `merge` joins the parts into one run (artifact pynb-run-v1-*), which",
    "# the site's publish job collects. See docs/scaling.md.",
  ];
  return `${header.join("\n")}\n${
    stringifyYaml(workflow, { lineWidth: 0, aliasDuplicateObjects: false })
  }`;
}
