/**
 * `validate` and `plan` run as real subprocesses under `--allow-read` only: the good fixtures
 * pass, and every file of the bad-input corpus exits 2 with its exact message (snapshots).
 */
import { assertEquals, assertMatch, assertOk, assertStringIncludes } from "./_deps.ts";
import { type CliResult, ROOT, runCliProcess, tempDir } from "./_helpers.ts";
import { assertSnapshot } from "./_snapshot.ts";

const FIXTURES = "tests/fixtures/pipelines";
const BAD = `${FIXTURES}/bad`;
const GOOD = `${FIXTURES}/good/pipeline.yaml`;

/** Runs CLI invocations two at a time (the machine has two cores). */
async function runAll(invocations: string[][]): Promise<CliResult[]> {
  const results: CliResult[] = new Array(invocations.length);
  let next = 0;
  async function worker() {
    while (next < invocations.length) {
      const i = next++;
      results[i] = await runCliProcess(invocations[i]!);
    }
  }
  await Promise.all([worker(), worker()]);
  return results;
}

function mask(text: string): string {
  return text.replaceAll(ROOT, "<root>");
}

Deno.test("cli.ts validate rejects every bad pipeline with exit code 2 and an exact message", async (t) => {
  const files: string[] = [];
  for await (const entry of Deno.readDir(`${ROOT}/${BAD}`)) {
    if (entry.isFile) files.push(entry.name);
  }
  files.sort();
  assertOk(files.length >= 25, `expected at least 25 bad fixtures, found ${files.length}`);
  const cases: [string, string[]][] = [
    ...files.map((f): [string, string[]] => [f, ["validate", `${BAD}/${f}`]]),
    ["no such file", ["validate", `${BAD}/does-not-exist.yaml`]],
    ["a folder", ["validate", `${BAD}/a_folder.yaml`]],
    ["plan --only unknown task", ["plan", GOOD, "--only", "trian"]],
    ["plan --from unknown and --to unknown", ["plan", GOOD, "--from", "zzz", "--to", "sumary"]],
    ["plan selection keeps nothing", ["plan", GOOD, "--from", "summary", "--to", "ingest"]],
    ["plan --param without =", ["plan", GOOD, "--param", "ratio"]],
    ["plan --param unknown name", ["plan", GOOD, "--param", "ration=0.5"]],
    ["plan --param invalid YAML", ["plan", GOOD, "--param", "ratio=[1"]],
    ["plan --format unknown", ["plan", GOOD, "--format", "svg"]],
    ["validate without a pipeline", ["validate"]],
  ];
  const results = await runAll(cases.map(([, args]) => args));
  for (const [i, [name]] of cases.entries()) {
    await t.step(name, async (t) => {
      const res = results[i]!;
      assertEquals(res.code, 2, `exit code of ${name}: ${res.stderr}`);
      assertEquals(res.stdout, "");
      assertEquals(res.stderr.includes("    at "), false, `stack trace in: ${res.stderr}`);
      await assertSnapshot(t, mask(res.stderr));
    });
  }
});

Deno.test("cli.ts validate prints a one-line summary for good pipelines", async (t) => {
  const [yaml, json, ts] = await runAll([
    ["validate", GOOD],
    ["validate", `${FIXTURES}/good/pipeline.json`],
    ["validate", `${FIXTURES}/good/pipeline.ts`],
  ]);
  await t.step("YAML", () => {
    assertEquals(yaml!.stderr, "");
    assertEquals(yaml!.code, 0);
    assertEquals(
      yaml!.stdout,
      `OK ${GOOD}: pipeline fixture-good, 6 tasks, 10 instances in 5 layers\n`,
    );
  });
  await t.step("JSON", () => {
    assertEquals(json!.code, 0, json!.stderr);
    assertMatch(json!.stdout, /^OK .*: pipeline fixture-json, 2 tasks, 3 instances in 2 layers\n$/);
  });
  await t.step("TypeScript module", () => {
    assertEquals(ts!.code, 0, ts!.stderr);
    assertMatch(ts!.stdout, /^OK .*: pipeline fixture-ts, 5 tasks, 5 instances in 3 layers\n$/);
  });
});

Deno.test("cli.ts plan prints text, JSON and Mermaid plans", async (t) => {
  const [text, json, mermaid, selected] = await runAll([
    ["plan", GOOD],
    ["plan", GOOD, "--format", "json", "--param", "ratio=0.8"],
    ["plan", GOOD, "--format", "mermaid"],
    ["plan", GOOD, "--format", "json", "--from", "train[algo=svm,size=600]", "--to", "summary"],
  ]);
  await t.step("text", async (t) => {
    assertEquals(text!.code, 0, text!.stderr);
    await assertSnapshot(t, text!.stdout);
  });
  await t.step("json", () => {
    assertEquals(json!.code, 0, json!.stderr);
    const plan = JSON.parse(json!.stdout);
    assertEquals(plan.pipeline, "fixture-good");
    assertEquals(plan.layers, [
      ["ingest"],
      ["eda", "split"],
      [
        "train[algo=svm,size=600]",
        "train[algo=tree,size=600]",
        "train[algo=svm,size=800]",
        "train[algo=tree,size=800]",
      ],
      ["benchmark[size=600]", "benchmark[size=800]"],
      ["summary"],
    ]);
    const bench = plan.instances.find((i: { id: string }) => i.id === "benchmark[size=800]");
    assertEquals(bench, {
      id: "benchmark[size=800]",
      task: "benchmark",
      slug: "benchmark_size-800",
      matrix: { size: 800 },
      parameters: { data_root: "data", ratio: 0.8, size: 800 },
      needs: ["train[algo=svm,size=800]", "train[algo=tree,size=800]", "split"],
      notebook: "notebooks/benchmark.py",
      timeoutSeconds: 5400,
      retries: 0,
      kernel: "python3",
      env: {},
    });
    assertEquals(plan.criticalPath.seconds, 180 + 600 + 600 + 5400 + 600);
  });
  await t.step("mermaid", async (t) => {
    assertEquals(mermaid!.code, 0, mermaid!.stderr);
    await assertSnapshot(t, mermaid!.stdout);
  });
  await t.step("a selection keeps what lies between --from and --to", () => {
    assertEquals(selected!.code, 0, selected!.stderr);
    const plan = JSON.parse(selected!.stdout);
    assertEquals(plan.layers, [["train[algo=svm,size=600]"], ["benchmark[size=600]"], ["summary"]]);
    assertEquals(plan.instances[1].needs, ["train[algo=svm,size=600]"]);
  });
});

Deno.test("cli.ts validate without --allow-read fails cleanly and names the flag", async () => {
  const res = await runCliProcess(["validate", GOOD], { flags: [] });
  assertEquals(res.code, 2, res.stderr);
  assertStringIncludes(res.stderr, "--allow-read");
  assertEquals(res.stderr.includes("    at "), false, res.stderr);
});

Deno.test("cli.ts validate --format github prints workflow annotations and still exits 2", async () => {
  const res = await runCliProcess(["validate", `${BAD}/needs_unknown.yaml`, "--format", "github"]);
  assertEquals(res.code, 2);
  assertEquals(res.stdout.trimEnd().split("\n"), [
    `::error file=${BAD}/needs_unknown.yaml,line=4,col=46,title=Cannot plan pipeline::task "eda" ` +
    'needs "ingset", which is not a task; did you mean "ingest"?',
    `::error file=${BAD}/needs_unknown.yaml,line=5,col=57,title=Cannot plan pipeline::task ` +
    '"report" needs "zzz", which is not a task',
  ]);
  assertStringIncludes(res.stderr, "Cannot plan pipeline 'unknown-needs': 2 problems:");
});

Deno.test("cli.ts validate --help shows the permissions and an example", async () => {
  const res = await runCliProcess(["validate", "--help"]);
  assertEquals(res.code, 0);
  assertStringIncludes(res.stdout, "Permissions: --allow-read");
  assertStringIncludes(res.stdout, "cli.ts validate examples/");
});

Deno.test("cli.ts plan exits quietly when its reader closes the pipe (plan | head)", async () => {
  await using dir = await tempDir();
  const tasks = Array.from(
    { length: 20 },
    (_, i) =>
      `  t${i}: { notebook: a.py, matrix: { shard: [${
        Array.from({ length: 100 }, (_, k) => k).join(", ")
      }] } }`,
  );
  await Deno.writeTextFile(`${dir.path}/a.py`, "# %%\n");
  await Deno.writeTextFile(
    `${dir.path}/pipeline.yaml`,
    ["name: big", "tasks:", ...tasks].join("\n"),
  );
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--no-prompt",
      "--allow-read",
      `${ROOT}/cli.ts`,
      "plan",
      `${dir.path}/pipeline.yaml`,
      "--format",
      "json",
    ],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  // Read one chunk (the JSON is megabytes, far more than a pipe buffer), then hang up.
  const reader = child.stdout.getReader();
  const first = await reader.read();
  await reader.cancel();
  const stderr = new TextDecoder().decode(await new Response(child.stderr).arrayBuffer());
  const status = await child.status;
  assertEquals(new TextDecoder().decode(first.value).startsWith("{"), true);
  assertEquals(stderr, "");
  assertEquals(status.code, 0);
});
