import { join } from "node:path";
import { assertEquals, assertOk, assertStringIncludes } from "./_deps.ts";
import { runCliProcess, tempDir } from "./_helpers.ts";
import { demoRun, runZip } from "../testing/github_fixtures.ts";
import { startFakeGitHub } from "../testing/github_fake_api.ts";

const TOKEN = "ghs_e2eTokenNeverPrinted";

Deno.test("collect -> site -> summary: a pull request compared with the newest main run", async () => {
  await using scratch = await tempDir();
  await using work = await tempDir();
  const older = { ...demoRun("base"), runId: "main-older" };
  const newest = { ...demoRun("base"), runId: "main-newest" };
  const pr = { ...demoRun("head"), runId: "pr-42" };
  await using fake = await startFakeGitHub({
    token: TOKEN,
    artifacts: [
      { id: 1, name: "pynb-run-v1-1-1", zip: await runZip(scratch.path, older) },
      { id: 2, name: "pynb-run-v1-2-1", zip: await runZip(scratch.path, pr), branch: "feature/x" },
      { id: 3, name: "pynb-run-v1-3-1", zip: await runZip(scratch.path, newest), digest: true },
      { id: 4, name: "pynb-run-v1-4-1", expired: true },
      // A fork's pull request from its own "main" branch is not a baseline.
      {
        id: 5,
        name: "pynb-run-v1-5-1",
        zip: await runZip(scratch.path, { ...pr, runId: "fork-main" }),
        fork: true,
      },
    ],
  });
  const runs = join(work.path, "runs");
  const baseline = join(work.path, "baseline");
  const site = join(work.path, "_site");
  const flags = (out: string) => [
    fake.netFlag,
    `--allow-read=${out}`,
    `--allow-write=${out}`,
    "--allow-env=GITHUB_TOKEN",
  ];
  const common = ["collect", "--repo", "octo/demo", "--api-url", fake.apiUrl];

  // The baseline of a pull request: the newest run on main only.
  const base = await runCliProcess([
    ...common,
    "--out",
    baseline,
    "--branch",
    "main",
    "--limit",
    "1",
  ], {
    flags: flags(baseline),
    env: { GITHUB_TOKEN: TOKEN },
  });
  assertEquals(base.code, 0, base.stderr);
  assertEquals([...Deno.readDirSync(baseline)].map((e) => e.name), ["main-newest"]);

  // The publish job: every run, then the site.
  const all = await runCliProcess([...common, "--out", runs], {
    flags: flags(runs),
    env: { GITHUB_TOKEN: TOKEN },
  });
  assertEquals(all.code, 0, all.stderr);
  assertEquals([...Deno.readDirSync(runs)].map((e) => e.name).sort(), [
    "fork-main",
    "main-newest",
    "main-older",
    "pr-42",
  ]);
  const built = await runCliProcess(["site", runs, "--out", site, "--base-url", "/demo/"], {
    flags: ["--allow-read", `--allow-write=${site}`],
  });
  assertEquals(built.code, 0, built.stderr);
  const index = await Deno.readTextFile(join(site, "index.html"));
  for (const id of ["main-newest", "main-older", "pr-42"]) assertStringIncludes(index, id);

  // The step summary links to the run's page that the site really has.
  const summary = await runCliProcess([
    "summary",
    join(runs, "pr-42"),
    "--compare",
    join(baseline, "main-newest"),
    "--site-url",
    "https://octo.github.io/demo/",
  ]);
  assertEquals(summary.code, 0, summary.stderr);
  assertStringIncludes(summary.stdout, "(https://octo.github.io/demo/runs/pr-42/)");
  assertStringIncludes(summary.stdout, "Compared with run `main-newest`");
  assertOk((await Deno.stat(join(site, "runs", "pr-42", "index.html"))).isFile);
  for (const r of [base, all, built, summary]) {
    assertOk(!r.stdout.includes(TOKEN) && !r.stderr.includes(TOKEN));
  }
});

Deno.test("the publish path: collect --branch main, then a site with the default branch's runs only", async () => {
  await using scratch = await tempDir();
  await using work = await tempDir();
  const main = { ...demoRun("base"), runId: "main-run" };
  const pr = { ...demoRun("head"), runId: "pr-42" };
  // A fork's run folder that claims to be a main run of this repository.
  const forged = { ...demoRun("base"), runId: "fork-claims-main" };
  await using fake = await startFakeGitHub({
    token: TOKEN,
    artifacts: [
      { id: 1, name: "pynb-run-v1-1-1", zip: await runZip(scratch.path, main) },
      { id: 2, name: "pynb-run-v1-2-1", zip: await runZip(scratch.path, pr), branch: "feature/x" },
      { id: 3, name: "pynb-run-v1-3-1", zip: await runZip(scratch.path, forged), fork: true },
    ],
  });
  const runs = join(work.path, "runs");
  const site = join(work.path, "_site");
  const collected = await runCliProcess(
    ["collect", "--repo", "octo/demo", "--api-url", fake.apiUrl, "--out", runs, "--branch", "main"],
    {
      flags: [
        fake.netFlag,
        `--allow-read=${runs}`,
        `--allow-write=${runs}`,
        "--allow-env=GITHUB_TOKEN",
      ],
      env: { GITHUB_TOKEN: TOKEN },
    },
  );
  assertEquals(collected.code, 0, collected.stderr);
  const built = await runCliProcess(["site", runs, "--out", site, "--keep-runs", "300"], {
    flags: ["--allow-read", `--allow-write=${site}`],
  });
  assertEquals(built.code, 0, built.stderr);
  const index = await Deno.readTextFile(join(site, "index.html"));
  assertStringIncludes(index, "main-run");
  for (const id of ["pr-42", "fork-claims-main"]) assertOk(!index.includes(id), id);
});
