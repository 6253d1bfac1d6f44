import { join } from "node:path";
import { assertEquals, assertRejects, assertThrows } from "../../tests/_deps.ts";
import { ROOT, tempDir } from "../../tests/_helpers.ts";
import { PipelineFileError, PipelineSpecError } from "./errors.ts";
import { loadPipeline, parsePipeline } from "./load.ts";

const FILE = "/project/pipeline.yaml";

Deno.test("parsePipeline() normalises durations and needs", () => {
  const { spec, baseDir, file } = parsePipeline(
    [
      "name: demo",
      "defaults: { timeout: 10m, env: { THREADS: 2 } }",
      "tasks:",
      "  a: { notebook: a.py, timeout: 1h30m }",
      "  b: { notebook: b.ipynb, needs: a }",
      "  c: { notebook: c.py, needs: [a, b, a] }",
    ].join("\n"),
    { file: FILE },
  );
  assertEquals([file, baseDir], [FILE, "/project"]);
  assertEquals(spec.defaults, { timeout: 600, env: { THREADS: "2" } });
  assertEquals(spec.tasks.a, { notebook: "a.py", timeout: 5400 });
  assertEquals(spec.tasks.b?.needs, ["a"]);
  assertEquals(spec.tasks.c?.needs, ["a", "b"]);
  assertEquals(Object.keys(spec.tasks), ["a", "b", "c"]);
});

Deno.test("parsePipeline() reports every problem with its line and column", () => {
  const text = [
    "name: demo", // 1
    "tasks:", // 2
    "  a:", // 3
    "    notebook: a.py", // 4
    "    retries: -2", // 5
    "  b: { notebook: b.py, timeot: 5m }", // 6
  ].join("\n");
  const err = assertThrows(
    () => parsePipeline(text, { file: FILE, shownPath: "p.yaml" }),
    PipelineSpecError,
  );
  assertEquals([err.file, err.line, err.column], [FILE, 5, 14]);
  assertEquals(
    err.problems.map((p) => [p.line, p.column, p.path]),
    [[5, 14, "tasks.a.retries"], [6, 24, "tasks.b"]],
  );
  assertEquals(err.problems[1]?.message, 'unknown key "timeot"; did you mean "timeout"?');
  assertEquals(err.message.split("\n")[0], "Cannot load pipeline: 2 problems in 'p.yaml':");
});

Deno.test("parsePipeline() keeps positions through YAML anchors and JSON", () => {
  const json = '{\n  "name": "j",\n  "tasks": { "a": { "notebook": 3 } }\n}';
  const err = assertThrows(() => parsePipeline(json, { file: "/p.json" }), PipelineSpecError);
  assertEquals([err.line, err.column], [3, 33]);
  const yaml = "name: y\nx-task: &t { notebook: a.py }\ntasks:\n  a: *t\n";
  const bad = assertThrows(() => parsePipeline(yaml, { file: FILE }), PipelineSpecError);
  assertEquals([bad.line, bad.column, bad.problems[0]?.message], [
    2,
    1,
    'unknown key "x-task"; allowed keys: name, description, parameters, secrets, defaults, tasks, cache',
  ]);
});

Deno.test("loadPipeline() reads YAML, JSON and TypeScript fixtures alike", async () => {
  const dir = join(ROOT, "tests/fixtures/pipelines/good");
  const yaml = await loadPipeline(join(dir, "pipeline.yaml"));
  const json = await loadPipeline(join(dir, "pipeline.json"));
  const ts = await loadPipeline(join(dir, "pipeline.ts"));
  assertEquals([yaml.spec.name, json.spec.name, ts.spec.name], [
    "fixture-good",
    "fixture-json",
    "fixture-ts",
  ]);
  assertEquals(ts.spec.tasks.ingest?.timeout, 120);
  assertEquals(ts.spec.tasks.summary?.needs, ["train-svm", "train-tree", "train-knn"]);
  assertEquals(ts.baseDir, dir);
});

Deno.test("loadPipeline() names a missing file, a folder and an unknown extension", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(join(dir.path, "folder.yaml"));
  await Deno.writeTextFile(join(dir.path, "p.toml"), "name = 1");
  const missing = await assertRejects(
    () => loadPipeline(join(dir.path, "nope.yaml")),
    PipelineFileError,
    "no such file",
  );
  assertEquals(missing.file, join(dir.path, "nope.yaml"));
  await assertRejects(
    () => loadPipeline(join(dir.path, "folder.yaml")),
    PipelineFileError,
    "folder",
  );
  await assertRejects(() => loadPipeline(join(dir.path, "p.toml")), PipelineFileError, '".toml"');
});

Deno.test("parsePipeline() resolves YAML merge keys and caps long problem lists", () => {
  const merged = parsePipeline(
    [
      "name: m",
      "tasks:",
      "  a: &a { notebook: a.py, timeout: 5m, retries: 2 }",
      "  b: { <<: *a, notebook: b.py }",
    ].join("\n"),
    { file: FILE },
  );
  assertEquals(merged.spec.tasks.b, { notebook: "b.py", timeout: 300, retries: 2 });
  const tasks = Array.from({ length: 60 }, (_, i) => `  t${i}: { notebook: x.txt }`);
  const err = assertThrows(
    () => parsePipeline(["name: many", "tasks:", ...tasks].join("\n"), { file: FILE }),
    PipelineSpecError,
  );
  assertEquals(err.problems.length, 60);
  assertEquals(err.message.split("\n").length, 1 + 50 + 1);
  assertEquals(err.message.endsWith("  ... and 10 more problems"), true);
});

Deno.test("parsePipeline() reads secrets of the pipeline and of tasks, and checks their names", () => {
  const { spec } = parsePipeline(
    "name: s\nsecrets: [API_TOKEN, API_TOKEN]\ntasks:\n  a: { notebook: a.py, secrets: [DB_PASSWORD] }\n",
    { file: FILE },
  );
  assertEquals([spec.secrets, spec.tasks.a?.secrets], [["API_TOKEN"], ["DB_PASSWORD"]]);
  const bad = assertThrows(
    () =>
      parsePipeline(
        "name: s\nsecrets: API_TOKEN\ntasks:\n  a: { notebook: a.py, secrets: [1x, PYNB_RUN_ID] }\n",
        { file: FILE },
      ),
    PipelineSpecError,
  );
  assertEquals(bad.problems.map((p) => [p.line, p.path, p.message]), [
    [
      2,
      "secrets",
      'must be a list, not the string "API_TOKEN"; write a list of environment variable names, e.g. secrets: [API_TOKEN]',
    ],
    [
      4,
      "tasks.a.secrets[0]",
      'secret name "1x" is not an environment variable name; use letters, digits and _ (not first a digit), e.g. API_TOKEN',
    ],
    [
      4,
      "tasks.a.secrets[1]",
      'secret name "PYNB_RUN_ID" is a variable the runner sets itself; pass the secret under another name',
    ],
  ]);
});
