import { join } from "node:path";
import {
  assertEquals,
  assertMatch,
  assertOk,
  assertStringIncludes,
  strToU8,
  zipSync,
} from "./_deps.ts";
import { type CliResult, runCliProcess, tempDir } from "./_helpers.ts";
import { demoRun, runZip } from "../testing/github_fixtures.ts";
import {
  type FakeArtifact,
  type FakeOptions,
  startFakeGitHub,
} from "../testing/github_fake_api.ts";
import { readRunFolder } from "../lib/log/read.ts";
import type { RunSummary } from "../lib/log/schema.ts";

const TOKEN = "ghs_FAKEtokenThatMustNeverBePrinted0123";

function withRunId(run: RunSummary, runId: string): RunSummary {
  return { ...run, runId };
}

async function collect(
  fake: { apiUrl: string; netFlag: string },
  out: string,
  cache: string,
  extra: { env?: Record<string, string>; flags?: string[]; args?: string[] } = {},
): Promise<CliResult> {
  const res = await runCliProcess(
    [
      "collect",
      "--repo",
      "octo/demo",
      "--out",
      out,
      "--cache",
      cache,
      "--api-url",
      fake.apiUrl,
      ...(extra.args ?? []),
    ],
    {
      flags: extra.flags ??
        [
          fake.netFlag,
          `--allow-read=${out},${cache}`,
          `--allow-write=${out},${cache}`,
          "--allow-env=GITHUB_TOKEN",
        ],
      env: extra.env ?? { GITHUB_TOKEN: TOKEN },
    },
  );
  assertOk(!res.stdout.includes(TOKEN) && !res.stderr.includes(TOKEN), "the token was printed");
  return res;
}

async function listDir(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  return names.sort();
}

Deno.test("cli.ts collect gathers every run over pages, skips expired and reports bad zips", async () => {
  await using scratch = await tempDir();
  await using work = await tempDir();
  const out = join(work.path, "runs");
  const cache = join(work.path, "cache");
  const artifacts: FakeArtifact[] = [
    {
      id: 11,
      name: "pynb-run-v1-101-1",
      zip: await runZip(scratch.path, withRunId(demoRun("base"), "run-a")),
      digest: true,
    },
    {
      id: 12,
      name: "pynb-run-v1-102-1",
      zip: await runZip(scratch.path, withRunId(demoRun("head"), "run-b")),
    },
    { id: 13, name: "pynb-run-v1-103-1", expired: true },
    { id: 14, name: "pynb-run-v1-104-1", gone: true, zip: strToU8("never served") },
    { id: 15, name: "pynb-run-v1-105-1", zip: strToU8("PK\u0003\u0004 truncated garbage") },
    {
      id: 16,
      name: "pynb-run-v1-106-1",
      zip: zipSync({ "run-c/run.json": strToU8("{}"), "../escape.txt": strToU8("x") }),
    },
    { id: 17, name: "site-preview-107", zip: strToU8("not ours") },
  ];
  const options: FakeOptions = {
    token: TOKEN,
    artifacts,
    pageSize: 3,
    rateLimited: new Map([[1, "retry-after"], [2, "reset"]]),
    blobFailsOnce: new Set([11]),
  };
  await using fake = await startFakeGitHub(options);

  const first = await collect(fake, out, cache);
  assertEquals(first.code, 0, first.stderr);
  assertEquals(await listDir(out), ["run-a", "run-b"]);
  for (const name of ["run-a", "run-b"]) {
    const run = await readRunFolder(join(out, name));
    assertEquals(run.summary.runId, name);
    assertEquals(run.interrupted, false);
  }
  assertEquals((await readRunFolder(join(out, "run-b"))).summary.status, "failed");
  // Nothing was written outside the output folder.
  assertEquals(await listDir(work.path), ["cache", "runs"]);
  assertStringIncludes(first.stdout, "pynb-run-v1-101-1: downloaded (run-a)");
  assertStringIncludes(first.stdout, "pynb-run-v1-103-1: expired, skipped");
  assertStringIncludes(first.stdout, "pynb-run-v1-104-1: expired, skipped");
  assertMatch(first.stderr, /warning: pynb-run-v1-105-1: Cannot extract .*the zip is corrupt/);
  assertMatch(
    first.stderr,
    /warning: pynb-run-v1-106-1: .*'\.\.\/escape\.txt' is not a safe relative path/,
  );
  assertStringIncludes(first.stderr, "rate limited");
  assertStringIncludes(
    first.stdout,
    "collected 2 artifact(s) (2 downloaded), 2 new run folder(s)",
  );
  assertStringIncludes(first.stdout, "2 expired, 2 failed, 1 other artifact(s) ignored");

  // Three pages, the first two refused once each; the blob host never saw the token.
  const lists = fake.requests.filter((r) => r.host === "api" && r.path.includes("/artifacts?"));
  assertEquals(lists.map((r) => r.status), [403, 200, 403, 200, 200]);
  assertEquals(fake.requests.filter((r) => r.host === "blob" && r.authorized), []);
  assertEquals(
    fake.requests.filter((r) => r.host === "blob").map((r) =>
      `${r.path.replace(/.*\//, "")} ${r.status}`
    ),
    ["11.zip 502", "11.zip 200", "12.zip 200", "15.zip 200", "16.zip 200"],
  );

  // A second call downloads nothing new.
  const before = fake.requests.filter((r) => r.host === "blob").length;
  const second = await collect(fake, out, cache);
  assertEquals(second.code, 0, second.stderr);
  assertEquals(fake.requests.filter((r) => r.host === "blob").length - before, 0);
  assertStringIncludes(second.stdout, "pynb-run-v1-101-1: already collected (run-a)");
  assertStringIncludes(second.stdout, "(0 downloaded), 0 new run folder(s)");

  // A fresh output folder is filled from the cache, still without downloads.
  const out2 = join(work.path, "runs2");
  const blobBefore = fake.requests.filter((r) => r.host === "blob" && r.status === 200).length;
  const third = await collect(fake, out2, cache);
  assertEquals(third.code, 0, third.stderr);
  assertEquals(await listDir(out2), ["run-a", "run-b"]);
  assertStringIncludes(third.stdout, "pynb-run-v1-102-1: extracted from the cache (run-b)");
  // The bad zips are not fetched again either: their verdict is cached.
  assertEquals(
    fake.requests.filter((r) => r.host === "blob" && r.status === 200).length - blobBefore,
    0,
  );
  assertMatch(
    third.stderr,
    /warning: pynb-run-v1-105-1: .*corrupt.*remembered from an earlier call/,
  );
});

Deno.test("cli.ts collect explains refusals with exit code 2", async (t) => {
  await using work = await tempDir();
  const out = join(work.path, "runs");
  const cache = join(work.path, "cache");
  await using fake = await startFakeGitHub({ token: TOKEN, artifacts: [] });
  await t.step("401 with a wrong token", async () => {
    const res = await collect(fake, out, cache, { env: { GITHUB_TOKEN: "ghs_wrongWRONGwrong" } });
    assertEquals(res.code, 2);
    assertMatch(
      res.stderr,
      /^error: Cannot GET \/repos\/octo\/demo\/actions\/artifacts: GitHub answered 401/,
    );
    assertStringIncludes(res.stderr, "GITHUB_TOKEN is wrong or expired");
    assertOk(!res.stderr.includes("ghs_wrongWRONGwrong") && !res.stderr.includes("    at "));
  });
  await t.step("401 without a token", async () => {
    const res = await collect(fake, out, cache, { env: {} });
    assertEquals(res.code, 2);
    assertStringIncludes(res.stderr, "note: GITHUB_TOKEN is not set");
    assertStringIncludes(res.stderr, "Set GITHUB_TOKEN");
  });
  await t.step("404 for an unknown repository", async () => {
    const res = await collect(fake, out, cache, { args: ["--repo", "octo/nope"] });
    assertEquals(res.code, 2);
    assertStringIncludes(res.stderr, "GitHub answered 404");
    assertStringIncludes(res.stderr, "Check the repository name");
  });
  await t.step("a malformed --repo", async () => {
    const res = await collect(fake, out, cache, { args: ["--repo", "../etc"] });
    assertEquals(res.code, 2);
    assertStringIncludes(res.stderr, "Cannot use repository '../etc': expected owner/name");
  });
  await t.step("no --allow-net", async () => {
    const res = await collect(fake, out, cache, {
      flags: ["--allow-read", `--allow-write=${out},${cache}`, "--allow-env=GITHUB_TOKEN"],
    });
    assertEquals(res.code, 2);
    assertStringIncludes(res.stderr, "permission flags");
    assertOk(!res.stderr.includes("    at "), res.stderr);
  });
});

Deno.test("cli.ts collect explains a 403 without a rate limit", async () => {
  await using work = await tempDir();
  await using fake = await startFakeGitHub({ token: TOKEN, artifacts: [], forbidden: true });
  const res = await collect(fake, join(work.path, "runs"), join(work.path, "cache"));
  assertEquals(res.code, 2);
  assertStringIncludes(res.stderr, "GitHub answered 403 (Resource not accessible by integration");
  assertStringIncludes(res.stderr, "permissions: actions: read");
});

Deno.test("cli.ts collect retries a download with a fresh URL and warns about artifacts it cannot have", async () => {
  await using scratch = await tempDir();
  await using work = await tempDir();
  const out = join(work.path, "runs");
  const zip = (id: string) => runZip(scratch.path, withRunId(demoRun("base"), id));
  await using fake = await startFakeGitHub({
    token: TOKEN,
    artifacts: [
      { id: 21, name: "pynb-run-v1-121-1", zip: await zip("run-flaky") },
      { id: 22, name: "pynb-run-v1-122-1", zip: await zip("run-deleted"), deleted: true },
      { id: 23, name: "pynb-run-v1-123-1", zip: await zip("run-refused") },
      { id: 24, name: "pynb-run-v1-124-1", zip: await zip("run-fine") },
    ],
    // The first download of 21 fails; its URL has expired by the time a retry could reuse it.
    blobFailsOnce: new Set([21]),
    urlTtlMs: 200,
    blobForbidden: new Set([23]),
  });
  const res = await collect(fake, out, join(work.path, "cache"));
  assertEquals(res.code, 0, res.stderr);
  assertEquals(await listDir(out), ["run-fine", "run-flaky"]);
  assertMatch(
    res.stderr,
    /warning: pynb-run-v1-122-1: .*404 \(it was deleted after it was listed\)/,
  );
  assertMatch(res.stderr, /warning: pynb-run-v1-123-1: .*HTTP 403, after 4 retries/);
  assertStringIncludes(res.stdout, "collected 2 artifact(s) (2 downloaded)");
  assertStringIncludes(res.stdout, "0 expired, 2 failed");
  // Each retry of 21 asked the API for a new URL first.
  const of21 = fake.requests.filter((r) => r.path.includes("/21"));
  assertEquals(of21.map((r) => `${r.host} ${r.status}`), [
    "api 302",
    "blob 502",
    "api 302",
    "blob 200",
  ]);
});

Deno.test("cli.ts collect --branch takes only this repository's runs of that branch", async (t) => {
  await using scratch = await tempDir();
  const run = (id: string, branch: string) => {
    const r = withRunId(demoRun("base"), id);
    return runZip(scratch.path, { ...r, ci: { ...r.ci!, branch } });
  };
  await using fake = await startFakeGitHub({
    token: TOKEN,
    artifacts: [
      { id: 31, name: "pynb-run-v1-131-1", zip: await run("main-run", "main") },
      {
        id: 32,
        name: "pynb-run-v1-132-1",
        zip: await run("pr-run", "feature/x"),
        branch: "feature/x",
      },
      // A fork's pull request from its own "main", and a branch run that claims to be main.
      { id: 33, name: "pynb-run-v1-133-1", zip: await run("fork-run", "main"), fork: true },
      {
        id: 34,
        name: "pynb-run-v1-134-1",
        zip: await run("forged-run", "main"),
        branch: "feature/y",
      },
      { id: 35, name: "pynb-run-v1-135-1", expired: true },
    ],
  });
  await t.step("the default branch only", async () => {
    await using work = await tempDir();
    const out = join(work.path, "runs");
    const cache = join(work.path, "cache");
    // Left by earlier publications: an artifact that has expired since, one that is gone.
    await Deno.mkdir(cache);
    for (const f of ["35.json", "35.zip", "99.json", "99.zip"]) {
      await Deno.writeTextFile(join(cache, f), "{}");
    }
    const res = await collect(fake, out, cache, { args: ["--branch", "main"] });
    assertEquals(res.code, 0, res.stderr);
    assertEquals(await listDir(out), ["main-run"]);
    assertStringIncludes(res.stdout, "3 other artifact(s) ignored");
    assertStringIncludes(res.stdout, "dropped 2 expired artifact(s) from the cache");
    assertEquals(await listDir(cache), ["31.json", "31.zip"]);
  });
  await t.step("with this repository's pull requests, never a fork's or a forged one", async () => {
    await using work = await tempDir();
    const out = join(work.path, "runs");
    const res = await collect(fake, out, join(work.path, "cache"), {
      args: ["--branch", "main", "--include-pull-requests"],
    });
    assertEquals(res.code, 0, res.stderr);
    assertEquals(await listDir(out), ["main-run", "pr-run"]);
    assertMatch(
      res.stderr,
      /warning: pynb-run-v1-134-1: .*'forged-run' says it ran on branch 'main', but the workflow run that uploaded it ran on 'feature\/y'/,
    );
    assertEquals((await readRunFolder(join(out, "pr-run"))).summary.ci?.branch, "feature/x");
  });
  await t.step("--include-pull-requests needs --branch", async () => {
    await using work = await tempDir();
    const res = await collect(fake, join(work.path, "runs"), join(work.path, "cache"), {
      args: ["--include-pull-requests"],
    });
    assertEquals(res.code, 2);
    assertStringIncludes(res.stderr, "Cannot use --include-pull-requests without --branch");
  });
});
