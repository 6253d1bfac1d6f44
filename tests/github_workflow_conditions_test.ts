/**
 * The workflows' `if:` conditions and `${{ }}` values evaluated against recorded-shape event
 * payloads of every trigger (tests/fixtures/github_events/), with an evaluator of GitHub's
 * expression language: what publishes, what the step summary links, what each job collects.
 *
 * @module
 */
import { join } from "node:path";
import { parseDocument } from "../deps.ts";
import { assertEquals, assertOk, assertStringIncludes } from "./_deps.ts";
import { ROOT } from "./_helpers.ts";
import {
  evaluate,
  evaluateIf,
  type ExprContext,
  type ExprValue,
  interpolate,
} from "./github_expressions.ts";

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
}
interface Workflow {
  env?: Record<string, string>;
  jobs: Record<string, { if?: string; steps: Step[] }>;
}

const WORKFLOWS = [".github/workflows/demo-pipeline.yml", "docs/github-workflow-template.yml"];
const EVENTS = join(ROOT, "tests", "fixtures", "github_events");

/** Each recorded event, and whether it is a run of the default branch. */
const ON_DEFAULT_BRANCH: Record<string, boolean> = {
  schedule: true,
  push: true,
  workflow_dispatch: true,
  workflow_dispatch_branch: false,
  pull_request_same_repo: false,
  pull_request_fork: false,
};

async function loadWorkflow(file: string): Promise<Workflow> {
  return parseDocument(await Deno.readTextFile(join(ROOT, file))).toJS() as Workflow;
}

async function github(event: string): Promise<ExprValue> {
  return JSON.parse(await Deno.readTextFile(join(EVENTS, `${event}.json`)));
}

function context(
  gh: ExprValue,
  wf: Workflow,
  status: ExprContext["status"] = "success",
): ExprContext {
  return { contexts: { github: gh, env: wf.env ?? {}, steps: {} }, status };
}

function step(wf: Workflow, job: string, name: RegExp): Step {
  const found = wf.jobs[job]!.steps.find((s) => name.test(s.name ?? ""));
  assertOk(found, `no step ${name} in ${job}`);
  return found;
}

Deno.test("the expression evaluator follows GitHub's documented semantics", () => {
  const ctx: ExprContext = { contexts: { github: { event: { schedule: "17 4 * * *" } } } };
  // A missing property is null; null equals neither a branch name nor true.
  assertEquals(evaluate("github.event.repository.default_branch", ctx), null);
  assertEquals(evaluate("'main' == github.event.repository.default_branch", ctx), false);
  assertEquals(evaluate("null == ''", ctx), true);
  assertEquals(evaluate("'Main' == 'main'", ctx), true);
  assertEquals(evaluate("format('refs/heads/{0}', 'main')", ctx), "refs/heads/main");
  assertEquals(evaluate("'' || 'x'", ctx), "x");
  assertEquals(evaluate("!cancelled() && 1 < 2", { ...ctx, status: "failure" }), true);
  assertEquals(
    evaluateIf("github.event.schedule == '17 4 * * *'", { ...ctx, status: "failure" }),
    false,
  );
  assertEquals(evaluateIf("${{ always() }}", { ...ctx, status: "failure" }), true);
  assertEquals(interpolate("a-${{ 'b' }}-${{ null }}", ctx), "a-b-");
});

Deno.test("publish runs on every default-branch trigger, schedule included, and never on a pull request", async (t) => {
  for (const file of WORKFLOWS) {
    const wf = await loadWorkflow(file);
    for (const [event, expected] of Object.entries(ON_DEFAULT_BRANCH)) {
      await t.step(`${file}: ${event}`, async () => {
        const gh = await github(event);
        // A failed pipeline run is published too.
        for (const status of ["success", "failure"] as const) {
          assertEquals(evaluateIf(wf.jobs.publish!.if, context(gh, wf, status)), expected, status);
        }
        assertEquals(evaluateIf(wf.jobs.publish!.if, context(gh, wf, "cancelled")), false);
        // The step summary links the published site exactly when this run gets published.
        const summary = step(wf, "run", /^Write the step summary/);
        assertEquals(
          interpolate(summary.env!.IS_DEFAULT_BRANCH!, context(gh, wf)),
          String(expected),
        );
      });
    }
    await t.step(`${file}: the publish condition does not name a branch`, () => {
      assertOk(!/'main'|"main"/.test(wf.jobs.publish!.if ?? ""), wf.jobs.publish!.if);
    });
  }
});

Deno.test("on a pull request the run job collects the default branch's newest run and keeps a preview", async (t) => {
  for (const file of WORKFLOWS) {
    const wf = await loadWorkflow(file);
    for (const event of Object.keys(ON_DEFAULT_BRANCH)) {
      await t.step(`${file}: ${event}`, async () => {
        const gh = await github(event);
        const ctx = context(gh, wf);
        const isPr = event.startsWith("pull_request");
        const baseline = step(wf, "run", /^Collect the baseline/);
        assertEquals(evaluateIf(baseline.if, ctx), isPr);
        if (isPr) assertEquals(interpolate(baseline.env!.DEFAULT_BRANCH!, ctx), "main");
        assertStringIncludes(baseline.run!, '--branch "$DEFAULT_BRANCH" --limit 1');
        const previews = wf.jobs.run!.steps.filter((s) => /preview/i.test(s.name ?? ""));
        assertOk(previews.length > 0);
        for (const s of previews) assertEquals(evaluateIf(s.if, ctx), isPr, s.name);
      });
    }
  }
});

Deno.test("publish collects only the default branch's runs, its own pull requests on request", async () => {
  for (const file of WORKFLOWS) {
    const wf = await loadWorkflow(file);
    const collect = step(wf, "publish", /^Collect/);
    // GITHUB_REF_NAME is the default branch in every event that runs publish.
    for (const [event, onDefault] of Object.entries(ON_DEFAULT_BRANCH)) {
      if (!onDefault) continue;
      assertEquals((await github(event) as { ref_name: string }).ref_name, "main", event);
    }
    assertStringIncludes(collect.run!, 'args=(--branch "$GITHUB_REF_NAME")');
    assertStringIncludes(
      collect.run!,
      'if [ "$PYNB_PUBLISH_PULL_REQUESTS" = true ]; then args+=(--include-pull-requests); fi',
    );
    assertStringIncludes(collect.run!, '"${args[@]}"');
    assertEquals(wf.env?.PYNB_PUBLISH_PULL_REQUESTS, "false", file);
  }
});

Deno.test("publish prunes the site, keeps the artifact cache by content, and names its Pages artifact per attempt", async () => {
  for (const file of WORKFLOWS) {
    const wf = await loadWorkflow(file);
    const gh = await github("schedule");
    const ctx: ExprContext = {
      contexts: {
        github: { ...(gh as Record<string, ExprValue>), run_attempt: "2" },
        env: wf.env ?? {},
        steps: { "artifacts-cache": { outputs: { "cache-matched-key": "pynb-artifacts-old" } } },
      },
    };
    for (const name of ["PYNB_KEEP_RUNS", "PYNB_KEEP_DAYS", "PYNB_MAX_ARTIFACT_BYTES"]) {
      assertOk(Number.isInteger(Number(wf.env?.[name])) && Number(wf.env?.[name]) > 0, name);
    }
    const build = step(wf, "publish", /^Build the site/);
    assertStringIncludes(
      build.run!.replace(/\s+/g, " "),
      'args=(--keep-runs "$PYNB_KEEP_RUNS" --keep-days "$PYNB_KEEP_DAYS" ' +
        '--max-artifact-bytes "$PYNB_MAX_ARTIFACT_BYTES")',
    );
    assertStringIncludes(build.run!, '"${args[@]}"');
    // The artifact cache is saved under a key made of its content, and only when it changed.
    const save = step(wf, "publish", /^Keep downloaded artifacts/);
    assertEquals(interpolate(save.with!.key!, ctx), "pynb-artifacts-hash(.pynb-cache/*.json)");
    assertEquals(evaluateIf(save.if, ctx), true);
    const unchanged = structuredClone(ctx);
    (unchanged.contexts.steps as Record<string, Record<string, Record<string, string>>>)[
      "artifacts-cache"
    ]!.outputs!["cache-matched-key"] = "pynb-artifacts-hash(.pynb-cache/*.json)";
    assertEquals(evaluateIf(save.if, unchanged), false);
    // A re-run uploads and deploys its own Pages artifact.
    const upload = wf.jobs.publish!.steps.find((s) =>
      s.uses?.startsWith("actions/upload-pages-artifact")
    )!;
    const deploy = wf.jobs.publish!.steps.find((s) => s.uses?.startsWith("actions/deploy-pages"))!;
    assertEquals(interpolate(upload.with!.name!, ctx), "github-pages-2");
    assertEquals(interpolate(deploy.with!.artifact_name!, ctx), "github-pages-2");
  }
});

Deno.test("the pull-request comment is posted only on pull requests from the repository itself", async (t) => {
  const jobs: [string, string][] = [
    ...WORKFLOWS.map((f): [string, string] => [f, "run"]),
    // The workflow `cli.ts workflow` writes: its merge job comments.
    [".github/workflows/demo-pipeline-jobs.yml", "merge"],
  ];
  for (const [file, job] of jobs) {
    const wf = await loadWorkflow(file);
    assertEquals(wf.env?.PYNB_PR_COMMENT, "true", file);
    const comment = step(wf, job, /^Comment on the pull request/);
    for (const event of Object.keys(ON_DEFAULT_BRANCH)) {
      await t.step(`${file}: ${event}`, async () => {
        const gh = await github(event);
        // A fork's token is read-only: its step summary stays the place to look.
        assertEquals(evaluateIf(comment.if, context(gh, wf)), event === "pull_request_same_repo");
        assertEquals(evaluateIf(comment.if, context(gh, wf, "cancelled")), false);
      });
    }
    await t.step(`${file}: off with PYNB_PR_COMMENT=false`, async () => {
      const off = { ...wf, env: { ...wf.env, PYNB_PR_COMMENT: "false" } };
      assertEquals(
        evaluateIf(comment.if, context(await github("pull_request_same_repo"), off)),
        false,
      );
    });
    await t.step(`${file}: the comment posts the step summary's file`, async () => {
      const gh = await github("pull_request_same_repo");
      assertEquals(
        interpolate(comment.env!.PR_NUMBER!, context(gh, wf)),
        String(
          (gh as { event: { pull_request: { number: number } } }).event.pull_request.number,
        ),
      );
      assertStringIncludes(comment.run!, "comment run-summary.md --repo");
      const summary = step(wf, job, /^Write the step summary/);
      assertStringIncludes(summary.run!, 'cat run-summary.md >> "$GITHUB_STEP_SUMMARY"');
    });
  }
});
