/**
 * Validation of pathological pipeline files stays linear in their size. A mapping of N unknown
 * keys is validated (YAML parse with positions, zod, one positioned problem per key) for N =
 * 5,000 and 20,000: 4x the keys should cost about 4x the time. The baseline, measured in the same
 * run, is what validation used to do: the `yaml` package's own duplicate-key check
 * (`uniqueKeys: true`, a scan of the mapping per key) followed by a linear scan per problem to
 * find its position; its time grows with the square of N.
 *
 * Run: `deno bench -A bench/hostile_input_bench.ts`
 *
 * @module
 */
import { isMap, isScalar, LineCounter, parseDocument } from "../deps.ts";
import { parsePipeline } from "../lib/spec/load.ts";
import { PipelineSpecError } from "../lib/spec/errors.ts";

function unknownKeys(n: number): string {
  const keys = Array.from({ length: n }, (_, i) => `    k${i}: ${i}`);
  return ["name: k", "tasks:", "  a:", "    notebook: a.py", ...keys].join("\n");
}

const TEXTS = { 5_000: unknownKeys(5_000), 20_000: unknownKeys(20_000) };

function validate(text: string): number {
  try {
    parsePipeline(text, { file: "/bench/pipeline.yaml" });
  } catch (err) {
    if (err instanceof PipelineSpecError) return err.problems.length;
    throw err;
  }
  return 0;
}

/** The former path: quadratic duplicate-key check, then a linear scan per problem. */
function formerValidate(text: string): number {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const tasks = isMap(doc.contents)
    ? doc.contents.items.find((p) => isScalar(p.key) && p.key.value === "tasks")
    : undefined;
  const task = isMap(tasks?.value) ? tasks.value.items[0]?.value : undefined;
  let found = 0;
  if (isMap(task)) {
    for (const pair of task.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : "";
      if (task.items.find((p) => isScalar(p.key) && String(p.key.value) === key)) found++;
    }
  }
  return found;
}

for (const [n, text] of Object.entries(TEXTS)) {
  Deno.bench({
    name: `former path (baseline): ${n} unknown keys`,
    group: `unknown keys ${n}`,
    baseline: true,
    n: 3,
    warmup: 1,
    fn: () => void formerValidate(text),
  });
  Deno.bench({
    name: `validate: ${n} unknown keys`,
    group: `unknown keys ${n}`,
    n: 3,
    warmup: 1,
    fn: () => void validate(text),
  });
}
