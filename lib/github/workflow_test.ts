import { parseYamlDocument as parseDocument } from "../_base/yaml.ts";
import { assertEquals, assertOk as assert, assertThrows } from "../../tests/_deps.ts";
import { hostileStrings } from "../../testing/hostile.ts";
import type { JsonValue } from "../_base/json.ts";
import { UserError } from "../errors.ts";
import { instanceId, slugify } from "../plan/ids.ts";
import type { Plan, PlannedInstance } from "../plan/types.ts";
import { generateWorkflow, type WorkflowGroup } from "./workflow.ts";

/** The only expressions a generated workflow may hold: its own, never pipeline data. */
const OWN_EXPRESSIONS = new Set([
  "github.run_id",
  "github.run_attempt",
  "!cancelled()",
  "matrix.label",
  "matrix.leg",
  "matrix.artifact",
  // The pull-request comment step: GitHub's own values, passed through `env:`, never `run:`.
  "!cancelled() && env.PYNB_PR_COMMENT == 'true' && github.event_name == 'pull_request' && " +
  "github.event.pull_request.head.repo.full_name == github.repository",
  "github.token",
  "github.event.pull_request.number",
  "github.server_url",
  "github.repository",
]);

/** A plan of tasks (name, matrix values), each needing the one before. */
function planOf(pipeline: string, tasks: [string, JsonValue[]][]): Plan {
  const raw: Omit<PlannedInstance, "slug">[] = [];
  let before: string[] = [];
  const layers: string[][] = [];
  for (const [task, values] of tasks) {
    const ids: string[] = [];
    for (const v of values.length > 0 ? values : [undefined]) {
      const matrix: Record<string, JsonValue> = v === undefined ? {} : { x: v };
      const id = instanceId(task, matrix);
      ids.push(id);
      raw.push({
        id,
        task,
        matrix,
        parameters: {},
        needs: before,
        notebook: `${task}.py`,
        timeoutSeconds: 60,
        retries: 0,
        kernel: "python3",
        env: {},
      });
    }
    before = ids;
    layers.push(ids);
  }
  const slugs = slugify(raw.map((i) => i.id));
  const instances = raw.map((i, n) => ({ ...i, slug: slugs[n]! }));
  return {
    pipeline,
    baseDir: "/",
    parameters: {},
    instances,
    layers,
  };
}

function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) { for (const v of value) strings(v, out); }
  else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) (out.push(k), strings(v, out));
  }
  return out;
}

interface Wf {
  jobs: Record<string, {
    strategy?: { matrix: { include: { leg: number }[] } };
    steps: { run?: string; env?: Record<string, string> }[];
  }>;
}

async function bash(args: string[], env: Record<string, string> = {}): Promise<string> {
  const res = await new Deno.Command("bash", { args, env, stdout: "piped", stderr: "piped" })
    .output();
  assertEquals(new TextDecoder().decode(res.stderr), "", args.join(" "));
  return new TextDecoder().decode(res.stdout);
}

/** What the run step of a leg passes to `cli.ts run`, read the way the job reads it. */
async function runWords(run: string, env: Record<string, string>): Promise<string[]> {
  const script = run.slice(0, run.indexOf("deno run")) + 'printf "%s\\0" "${args[@]}"\n';
  return (await bash(["-e", "-c", script], env)).split("\0").slice(0, -1);
}

/** Checks one generated workflow: YAML, expressions, bash, and the words each job runs. */
async function checkWorkflow(plan: Plan, group: WorkflowGroup, params: Record<string, JsonValue>) {
  const pipelineFile = "pipe lines/p.yaml";
  const text = generateWorkflow(plan, { pipelineFile, group, params, command: plan.pipeline });
  const doc = parseDocument(text);
  assertEquals(doc.errors.map((e) => e.message), []);
  const wf = doc.toJS() as Wf & Record<string, unknown>;
  assertEquals(Object.keys(wf), ["name", "on", "permissions", "env", "jobs"]);
  for (const s of strings(wf)) {
    for (const [, expr] of s.matchAll(/\$\{\{\s*(.*?)\s*\}\}/g)) {
      assert(OWN_EXPRESSIONS.has(expr!), `pipeline data became an expression: ${s}`);
    }
    assert(!/\$\{\{(?![^}]*\}\})/.test(s), `an unclosed expression: ${s}`);
  }
  const ran: string[] = [];
  for (const job of Object.values(wf.jobs)) {
    for (const step of job.steps.filter((s) => s.run !== undefined)) {
      await bash(["-n", "-c", step.run!.replace(/\$\{\{[^}]*\}\}/g, "X")]);
      if (step.env?.PYNB_ARGS === undefined) continue;
      for (const leg of job.strategy?.matrix.include ?? [{ leg: 0 }]) {
        const words = await runWords(step.run!, { ...step.env, PYNB_LEG: String(leg.leg) });
        assertEquals(words[0], pipelineFile);
        assertEquals(words[1], "--only");
        const end = words.indexOf("--param") === -1 ? words.length : words.indexOf("--param");
        ran.push(...words.slice(2, end));
        const expect = Object.entries(params).flatMap((
          [k, v],
        ) => ["--param", `${k}=${JSON.stringify(v)}`]);
        assertEquals(words.slice(end), expect);
      }
    }
  }
  assertEquals(ran.sort(), plan.instances.map((i) => i.id).sort(), "each instance runs once");
}

Deno.test("generateWorkflow() keeps hostile names, values and parameters data", async (t) => {
  const values = hostileStrings(11, 40);
  for (const group of ["instance", "task", "layer"] as const) {
    await t.step(group, async () => {
      for (let n = 0; n < values.length; n += 8) {
        const chunk = [...new Set(values.slice(n, n + 8))];
        const plan = planOf(`p${chunk[0]}`, [["ingest", []], ["train", chunk], ["report", []]]);
        await checkWorkflow(plan, group, { note: chunk[1]!, n: 1, deep: { k: chunk[2]! } });
      }
    });
  }
});

Deno.test("generateWorkflow() gives every task and instance its own job, never one for two", async (t) => {
  const clashes = [["a.b", "a_b"], ["Train", "train"], ["x-1", "x_1"], ["run-a", "run_a", "Run-A"]];
  for (const names of clashes) {
    await t.step(names.join(" "), async () => {
      const plan = planOf("p", names.map((n) => [n, []]));
      for (const group of ["instance", "task"] as const) {
        const wf = parseDocument(generateWorkflow(plan, { pipelineFile: "p.yaml", group }))
          .toJS() as Wf;
        const ids = Object.keys(wf.jobs).filter((id) => id !== "merge");
        assertEquals(ids.length, names.length, JSON.stringify(ids));
        assertEquals(new Set(ids.map((i) => i.toLowerCase())).size, names.length);
        await checkWorkflow(plan, group, {});
      }
    });
  }
});

Deno.test("generateWorkflow() refuses --apt and --cron values that are not what they claim", () => {
  const plan = planOf("p", [["a", []]]);
  for (const apt of ["a b", "x;id", "$(id)", "-y", "a\nb"]) {
    assertThrows(() => generateWorkflow(plan, { pipelineFile: "p.yaml", apt: [apt] }), UserError);
  }
  for (const cron of ["0 0 * * *\non: push", "${{ x }}", "0 0 * * * #"]) {
    assertThrows(() => generateWorkflow(plan, { pipelineFile: "p.yaml", cron }), UserError);
  }
  assertThrows(() => generateWorkflow(plan, { pipelineFile: "p\n.yaml" }), UserError);
  const text = generateWorkflow(plan, {
    pipelineFile: "p.yaml",
    apt: ["g++", "python3-sklearn"],
    cron: "5 4 * * 1-5",
  });
  assert(text.includes("g++ python3-sklearn") && text.includes("cron: 5 4 * * 1-5"));
});
