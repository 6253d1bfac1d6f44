import { fileURLToPath } from "node:url";
import { assertEquals } from "../../tests/_deps.ts";
import { pipelineJsonSchema } from "./json_schema.ts";

const FILE = fileURLToPath(new URL("../../docs/pipeline.schema.json", import.meta.url));

Deno.test("pipelineJsonSchema() matches docs/pipeline.schema.json (UPDATE_SNAPSHOTS=1 rewrites it)", async () => {
  const text = JSON.stringify(pipelineJsonSchema(), null, 2) + "\n";
  if (Deno.env.get("UPDATE_SNAPSHOTS") === "1") await Deno.writeTextFile(FILE, text);
  assertEquals(text, await Deno.readTextFile(FILE));
});

Deno.test("pipelineJsonSchema() rejects unknown keys and describes durations and needs", () => {
  const schema = pipelineJsonSchema();
  const props = schema.properties as Record<string, Record<string, unknown>>;
  const task = props.tasks!.additionalProperties as Record<string, unknown>;
  assertEquals([schema.additionalProperties, task.additionalProperties], [false, false]);
  assertEquals(schema.required, ["name", "tasks"]);
  const taskProps = task.properties as Record<string, Record<string, unknown>>;
  assertEquals(Object.keys(taskProps), [
    "notebook",
    "description",
    "needs",
    "parameters",
    "matrix",
    "timeout",
    "retries",
    "kernel",
    "fast",
    "env",
    "secrets",
    "inputs",
    "cache",
    "resources",
    "compat",
  ]);
  assertEquals((taskProps.timeout!.anyOf as unknown[]).length, 2);
  assertEquals(taskProps.notebook!.pattern, "\\.(ipynb|py)$");
});
