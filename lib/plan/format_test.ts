import { assertEquals, assertOk, assertStringIncludes } from "../../tests/_deps.ts";
import { validate } from "../spec/load.ts";
import type { PipelineSpecInput } from "../spec/schema.ts";
import { criticalPath } from "./critical_path.ts";
import { formatPlan } from "./format.ts";
import { planPipeline } from "./plan.ts";

function plan(spec: PipelineSpecInput) {
  return planPipeline(
    validate(spec, "/p/pipeline.ts", { shownPath: "pipeline.ts", locate: () => undefined }),
  );
}

Deno.test("formatPlan() json is the plan without baseDir, plus the critical path", () => {
  const p = plan({
    name: "j",
    tasks: {
      a: { notebook: "a.py", timeout: 60, retries: 1 },
      b: { notebook: "b.py", needs: ["a"] },
    },
  });
  const json = JSON.parse(formatPlan(p, "json"));
  assertEquals(Object.keys(json), [
    "pipeline",
    "parameters",
    "instances",
    "layers",
    "criticalPath",
  ]);
  assertEquals(json.instances, p.instances);
  assertEquals(json.criticalPath, { ids: ["a", "b"], seconds: 120 + 3600 });
});

Deno.test("formatPlan() mermaid escapes names so they cannot inject syntax or HTML", () => {
  const p = plan({
    name: "m",
    tasks: {
      t: { notebook: "t.py", matrix: { v: ['"]; click n0 call alert(1) %%', "<img src=x>"] } },
    },
  });
  const text = formatPlan(p, "mermaid");
  for (const bad of ["<", "%%"]) assertOk(!text.includes(bad), `found ${bad} in\n${text}`);
  // Each label keeps its two quotes: a quote in a name cannot close the label early.
  for (const line of text.split("\n").filter((l) => l.includes("["))) {
    assertEquals(line.split('"').length - 1, 2, line);
  }
  assertStringIncludes(text, "#60;img src=x#62;");
  assertEquals(text.split("\n").filter((l) => l.includes("-->")).length, 0);
});

Deno.test("formatPlan() text lists layers, needs and the critical path", () => {
  const p = plan({
    name: "t",
    tasks: {
      a: { notebook: "a.py", timeout: "1h" },
      b: { notebook: "b.py", needs: ["a"], timeout: "5m", retries: 2 },
      c: { notebook: "c.py", needs: ["a"], timeout: "1m" },
    },
  });
  const text = formatPlan(p, "text");
  assertEquals(text.split("\n").slice(0, 2), [
    "Pipeline t: 3 tasks, 3 instances in 2 layers",
    "Critical path: 1h 15m at worst (timeouts x attempts): a -> b",
  ]);
  assertStringIncludes(text, "  b  b.py, timeout 5m, 2 retries, needs a\n");
  assertEquals(criticalPath(p).seconds, 3600 + 900);
});
