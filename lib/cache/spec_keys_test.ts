import { assertEquals, assertStringIncludes, assertThrows } from "../../tests/_deps.ts";
import { PipelineSpecError } from "../spec/errors.ts";
import { parsePipeline } from "../spec/load.ts";
import { planPipeline } from "../plan/plan.ts";

const FILE = "/project/pipeline.yaml";

Deno.test("inputs: and cache: reach the plan; cache: false is per task", () => {
  const pipeline = parsePipeline(
    [
      "name: cached",
      "cache: .cache/notebooks",
      "tasks:",
      "  a: { notebook: a.py, inputs: [data/*.csv, config.yaml] }",
      "  b: { notebook: b.py, needs: a, cache: false }",
      "  c: { notebook: c.py, inputs: data/one.csv, cache: true }",
    ].join("\n"),
    { file: FILE },
  );
  const plan = planPipeline(pipeline);
  assertEquals(plan.cache, ".cache/notebooks");
  assertEquals(plan.instances.map((i) => [i.id, i.inputs, i.cache]), [
    ["a", ["data/*.csv", "config.yaml"], undefined],
    ["c", ["data/one.csv"], undefined],
    ["b", undefined, false],
  ]);
  const off = planPipeline(
    parsePipeline("name: x\ncache: false\ntasks: { a: { notebook: a.py } }", {
      file: FILE,
    }),
  );
  assertEquals(off.cache, false);
});

Deno.test("inputs: and cache: of the wrong type are positioned errors", async (t) => {
  const cases: [string, string, number, string][] = [
    ["inputs: { a: 1 }", "tasks.a.inputs", 3, "must be a list, not a mapping"],
    ['inputs: [""]', "tasks.a.inputs.0", 3, "must not be empty"],
    ["cache: maybe", "tasks.a.cache", 3, "must be true or false"],
  ];
  for (const [key, where, line, message] of cases) {
    await t.step(where, () => {
      const err = assertThrows(
        () => parsePipeline(`name: x\ntasks:\n  a: { notebook: a.py, ${key} }\n`, { file: FILE }),
        PipelineSpecError,
      );
      assertEquals(err.line, line);
      assertStringIncludes(err.problems[0]!.message, message);
    });
  }
  await t.step("pipeline cache: true", () => {
    const err = assertThrows(
      () => parsePipeline("name: x\ncache: true\ntasks: { a: { notebook: a.py } }", { file: FILE }),
      PipelineSpecError,
    );
    assertEquals(err.line, 2);
    assertStringIncludes(err.problems[0]!.message, "must be a cache folder");
  });
});
