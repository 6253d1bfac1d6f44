/**
 * Runs the jobs of a generated workflow here, the way GitHub Actions would place them: in
 * topological order of `needs:`, each job (and each leg of a job matrix) as separate processes in
 * a fresh folder of its own that holds the checkout and only the artifacts its job downloads.
 * Artifacts are folders in a local store: `upload-artifact` copies into it, `download-artifact`
 * copies out of it (by name into `path`, by pattern into `path/<name>`). Setup steps (checkout,
 * Node.js, npm ci, apt-get) are what this machine already has: the checkout is linked, the others
 * are not run. Run steps run with bash, with `${{ }}` expressions of the workflow evaluated.
 *
 * A job whose `needs` did not all succeed is skipped unless its `if:` says `!cancelled()`, as on
 * GitHub.
 *
 * @module
 */
import { join } from "node:path";
import { parseDocument } from "../deps.ts";
import { ROOT } from "./_helpers.ts";

interface SimStep {
  name?: string;
  uses?: string;
  if?: string;
  with?: Record<string, string | number | boolean>;
  env?: Record<string, string>;
  run?: string;
}
interface SimJob {
  needs?: string[];
  if?: string;
  strategy?: { matrix: { include: Record<string, string>[] } };
  steps: SimStep[];
}
interface SimWorkflow {
  env: Record<string, string>;
  jobs: Record<string, SimJob>;
}

/** What happened to each job. */
export interface SimResult {
  /** Job id to `success`, `failure` or `skipped`. */
  jobs: Record<string, string>;
  /** The artifact store: one folder per artifact. */
  store: string;
  /** The text each job's steps wrote to `$GITHUB_STEP_SUMMARY`. */
  summaries: Record<string, string>;
}

/** Repository entries a job's checkout needs (linked, not copied). */
const CHECKOUT = [
  "cli.ts",
  "mod.ts",
  "deps.ts",
  "deps",
  "deno.json",
  "deno.lock",
  "lib",
  "tests",
  "examples",
];

async function copyTree(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    if (e.isDirectory) await copyTree(join(from, e.name), join(to, e.name));
    else if (e.isFile) await Deno.copyFile(join(from, e.name), join(to, e.name));
  }
}

function globToRegExp(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*")}$`);
}

function expand(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expr: string) => {
    if (expr in vars) return vars[expr]!;
    throw new Error(`the simulation does not know the expression '${expr}'`);
  });
}

function order(jobs: Record<string, SimJob>): string[] {
  const done: string[] = [];
  const left = new Set(Object.keys(jobs));
  while (left.size > 0) {
    const ready = [...left].filter((id) => (jobs[id]!.needs ?? []).every((n) => done.includes(n)));
    if (ready.length === 0) throw new Error("the jobs' needs form a cycle");
    for (const id of ready) (done.push(id), left.delete(id));
  }
  return done;
}

/**
 * Runs a workflow's jobs as GitHub would, here.
 *
 * @param text The workflow file's text.
 * @param dir A folder for the job folders and the artifact store.
 * @returns Each job's outcome, the store, the step summaries.
 */
export async function simulateWorkflow(text: string, dir: string): Promise<SimResult> {
  const wf = parseDocument(text).toJS() as SimWorkflow;
  const store = join(dir, "artifacts");
  await Deno.mkdir(store, { recursive: true });
  const result: SimResult = { jobs: {}, store, summaries: {} };
  const github: Record<string, string> = { "github.run_id": "4242", "github.run_attempt": "1" };
  for (const id of order(wf.jobs)) {
    const job = wf.jobs[id]!;
    const needsOk = (job.needs ?? []).every((n) => result.jobs[n] === "success");
    if (!needsOk && !(job.if ?? "").includes("!cancelled()")) {
      result.jobs[id] = "skipped";
      continue;
    }
    const legs = job.strategy?.matrix.include ?? [{}];
    let ok = true;
    for (const [n, leg] of legs.entries()) {
      const vars = {
        ...github,
        ...Object.fromEntries(Object.entries(leg).map(([k, v]) => [`matrix.${k}`, v])),
      };
      const folder = join(dir, "jobs", legs.length > 1 ? `${id}-${n + 1}` : id);
      const summary = await runJob(wf, job, folder, store, vars);
      ok &&= summary.ok;
      result.summaries[id] = (result.summaries[id] ?? "") + summary.text;
    }
    result.jobs[id] = ok ? "success" : "failure";
  }
  return result;
}

async function runJob(
  wf: SimWorkflow,
  job: SimJob,
  folder: string,
  store: string,
  vars: Record<string, string>,
): Promise<{ ok: boolean; text: string }> {
  await Deno.mkdir(folder, { recursive: true });
  for (const entry of CHECKOUT) await Deno.symlink(join(ROOT, entry), join(folder, entry));
  const summaryFile = join(folder, "..", `${folder.split("/").at(-1)}.summary.md`);
  await Deno.writeTextFile(summaryFile, "");
  let failed = false;
  for (const step of job.steps) {
    const cond = step.if ?? "";
    if (failed && !cond.includes("!cancelled()")) continue;
    // The simulated event is a workflow_dispatch: steps only for pull requests do not run.
    if (cond.includes("github.event_name == 'pull_request'")) continue;
    if (step.uses?.startsWith("actions/upload-artifact@")) {
      const name = expand(String(step.with?.name), vars);
      const from = join(folder, String(step.with?.path));
      if (await Deno.stat(from).then(() => true, () => false)) {
        await copyTree(from, join(store, name));
      }
    } else if (step.uses?.startsWith("actions/download-artifact@")) {
      const path = join(folder, String(step.with?.path ?? "."));
      if (step.with?.name !== undefined) {
        const name = expand(String(step.with.name), vars);
        await copyTree(join(store, name), path); // a missing artifact fails, as on GitHub
      } else {
        const re = globToRegExp(String(step.with?.pattern ?? "*"));
        for await (const e of Deno.readDir(store)) {
          if (re.test(e.name)) await copyTree(join(store, e.name), join(path, e.name));
        }
      }
    } else if (step.run !== undefined && step.run.includes("cli.ts")) {
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries({ ...wf.env, ...step.env })) env[k] = expand(v, vars);
      const out = await new Deno.Command("bash", {
        args: ["-e", "-c", expand(step.run, vars)],
        cwd: folder,
        env: { ...env, GITHUB_STEP_SUMMARY: summaryFile, PATH: Deno.env.get("PATH") ?? "" },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      if (out.code !== 0) failed = true;
    }
  }
  return { ok: !failed, text: await Deno.readTextFile(summaryFile) };
}
