import { join } from "node:path";
import { assertEquals, assertOk } from "../../tests/_deps.ts";
import { tempDir } from "../../tests/_helpers.ts";
import { parseIpynb } from "../notebook/ipynb.ts";
import { parsePercent } from "../notebook/percent.ts";
import type { Notebook } from "../notebook/schema.ts";
import type { PlannedInstance } from "../plan/types.ts";
import { instanceKey, type KeyParts, type LoggedOutputs, outputHash } from "./key.ts";
import { KeyBuilder } from "./key_builder.ts";
import { matchInputs } from "./inputs.ts";

function assertNotEquals(actual: string, unexpected: string): void {
  assertOk(actual !== unexpected, `expected a different value than ${unexpected}`);
}

function ipynb(cells: unknown[], metadata: unknown = {}): Notebook {
  return parseIpynb(JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata, cells }));
}

function code(source: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { cell_type: "code", source, metadata: {}, outputs: [], execution_count: null, ...extra };
}

const BASE: KeyParts = {
  notebook: ipynb([code("x = 1", { metadata: { tags: ["parameters"] } }), code("print(x)")]),
  parameters: { x: 2 },
  matrix: {},
  kernel: {
    name: "python3",
    argv: ["/usr/bin/python3", "-m", "ipykernel_launcher"],
    python: "3.11.2",
  },
  env: { MODE: "fast" },
  secrets: [],
  inputs: [{ path: "data/a.csv", sha256: "1".repeat(64) }],
  upstream: [{ id: "ingest", key: "a".repeat(64), outputs: "b".repeat(64) }],
};

Deno.test("instanceKey() ignores outputs, execution counts, cell ids and metadata", async (t) => {
  const key = instanceKey(BASE);
  await t.step("outputs and execution counts", () => {
    const executed = ipynb([
      code("x = 1", { metadata: { tags: ["parameters"] }, execution_count: 1 }),
      code("print(x)", {
        execution_count: 2,
        outputs: [{ output_type: "stream", name: "stdout", text: "2\n" }],
      }),
    ]);
    assertEquals(instanceKey({ ...BASE, notebook: executed }), key);
  });
  await t.step("cell ids, cell metadata other than tags, notebook metadata", () => {
    const other = ipynb([
      code("x = 1", { id: "c1", metadata: { tags: ["parameters"], collapsed: true } }),
      code("print(x)", { id: "c2", metadata: { scrolled: true } }),
    ], { kernelspec: { name: "python3", display_name: "Python 3" }, papermill: { x: 1 } });
    assertEquals(instanceKey({ ...BASE, notebook: other }), key);
  });
  await t.step("the same cells as a percent script", () => {
    const py = parsePercent('# %% tags=["parameters"]\nx = 1\n\n# %%\nprint(x)\n');
    assertEquals(instanceKey({ ...BASE, notebook: py }), key);
  });
  await t.step("key order of parameters and env", () => {
    const a = instanceKey({ ...BASE, parameters: { a: 1, b: 2 }, env: { A: "1", B: "2" } });
    const b = instanceKey({ ...BASE, parameters: { b: 2, a: 1 }, env: { B: "2", A: "1" } });
    assertEquals(a, b);
  });
});

Deno.test("instanceKey() changes with whatever decides the result", async (t) => {
  const key = instanceKey(BASE);
  const changed: Record<string, Partial<KeyParts>> = {
    "a code cell's source": {
      notebook: ipynb([code("x = 1", { metadata: { tags: ["parameters"] } }), code("print(x+1)")]),
    },
    "the parameters tag": { notebook: ipynb([code("x = 1"), code("print(x)")]) },
    "a parameter": { parameters: { x: 3 } },
    "a matrix value": { matrix: { n: 600 } },
    "the interpreter version": { kernel: { ...BASE.kernel, python: "3.12.0" } },
    "the kernel command": { kernel: { ...BASE.kernel, argv: ["/opt/py/bin/python", "-m", "k"] } },
    "an env value": { env: { MODE: "slow" } },
    "a secret's name": { secrets: ["TOKEN"] },
    "an input file's content": { inputs: [{ path: "data/a.csv", sha256: "2".repeat(64) }] },
    "an upstream key": {
      upstream: [{ id: "ingest", key: "c".repeat(64), outputs: "b".repeat(64) }],
    },
    "an upstream output": {
      upstream: [{ id: "ingest", key: "a".repeat(64), outputs: "d".repeat(64) }],
    },
  };
  for (const [what, parts] of Object.entries(changed)) {
    await t.step(what, () => assertNotEquals(instanceKey({ ...BASE, ...parts }), key));
  }
});

Deno.test("outputHash() counts values, metrics and artifact contents, not timestamps or paths", () => {
  const base: LoggedOutputs & { artifacts: { name: string; sha256: string; path: string }[] } = {
    values: { n: 1 },
    metrics: [{ name: "acc", value: 0.9, step: 1, timestamp: "2026-11-30T10:00:00Z" }],
    artifacts: [{
      name: "m.pkl",
      sha256: "1".repeat(64),
      path: "tasks/a/attempt-1/artifacts/m.pkl",
    }],
  };
  const h = outputHash(base);
  const later = {
    ...base,
    metrics: [{ ...base.metrics[0]!, timestamp: "2027-01-01T00:00:00Z" }],
    artifacts: [{ ...base.artifacts[0]!, path: "tasks/a/attempt-2/artifacts/m.pkl" }],
  };
  assertEquals(outputHash(later), h);
  assertNotEquals(outputHash({ ...base, values: { n: 2 } }), h);
  assertNotEquals(outputHash({ ...base, metrics: [{ ...base.metrics[0]!, value: 0.8 }] }), h);
  assertNotEquals(
    outputHash({ ...base, artifacts: [{ name: "m.pkl", sha256: "2".repeat(64) }] }),
    h,
  );
});

Deno.test("matchInputs() expands globs and folders, sorted, and hashes contents", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(join(dir.path, "data", "raw"), { recursive: true });
  await Deno.writeTextFile(join(dir.path, "data", "b.csv"), "b");
  await Deno.writeTextFile(join(dir.path, "data", "a.csv"), "a");
  await Deno.writeTextFile(join(dir.path, "data", "raw", "c.bin"), "c");
  const got = await matchInputs(dir.path, ["data/*.csv", "data/raw", "data/a.csv", "none/*"]);
  assertEquals(got.files.map((f) => f.path), ["data/a.csv", "data/b.csv", "data/raw/c.bin"]);
  assertEquals(
    got.files[0]!.sha256,
    "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb",
  );
  assertEquals(got.unmatched, ["none/*"]);
});

Deno.test("KeyBuilder keys an instance by its notebook on disk and its inputs", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(join(dir.path, "a.py"), "# %%\nx = 1\n");
  await Deno.writeTextFile(join(dir.path, "in.txt"), "one");
  const inst = {
    id: "a",
    task: "a",
    slug: "a",
    matrix: {},
    parameters: {},
    needs: [],
    notebook: "a.py",
    timeoutSeconds: 60,
    retries: 0,
    kernel: "python3",
    env: {},
    inputs: ["in.txt"],
  };
  const plan = {
    pipeline: "p",
    baseDir: dir.path,
    parameters: {},
    layers: [["a"]],
    instances: [inst],
  };
  const kernels = new Map([["python3", { name: "python3", argv: null, python: "3.11.2" }]]);
  const warnings: string[] = [];
  const first = await new KeyBuilder(plan, kernels).keyOf(inst, []);
  assertEquals(await new KeyBuilder(plan, kernels).keyOf(inst, []), first);
  await Deno.writeTextFile(join(dir.path, "in.txt"), "two");
  const second = await new KeyBuilder(plan, kernels).keyOf(inst, []);
  assertNotEquals(second, first);
  await Deno.writeTextFile(join(dir.path, "a.py"), "# %%\nx = 2\n");
  assertNotEquals(await new KeyBuilder(plan, kernels).keyOf(inst, []), second);
  const missing = { ...inst, inputs: ["nothing/*.csv"] };
  await new KeyBuilder(plan, kernels, { warn: (m) => warnings.push(m) }).keyOf(missing, []);
  assertEquals(warnings, ["a: inputs glob 'nothing/*.csv' matches no file"]);
});

Deno.test("KeyBuilder counts the names of an instance's secrets, never their values", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(join(dir.path, "a.py"), "# %%\nx = 1\n");
  const inst = {
    id: "a",
    task: "a",
    slug: "a",
    matrix: {},
    parameters: {},
    needs: [],
    notebook: "a.py",
    timeoutSeconds: 60,
    retries: 0,
    kernel: "python3",
    env: {},
  };
  const plan = {
    pipeline: "p",
    baseDir: dir.path,
    parameters: {},
    layers: [["a"]],
    instances: [inst],
  };
  const kernels = new Map([["python3", { name: "python3", argv: null, python: "3.11.2" }]]);
  const key = (i: PlannedInstance) => new KeyBuilder(plan, kernels).keyOf(i, []);
  const plain = await key(inst);
  const withSecret = await key({ ...inst, secrets: ["API_TOKEN"] });
  assertNotEquals(withSecret, plain);
  Deno.env.set("API_TOKEN", "one");
  const one = await key({ ...inst, secrets: ["API_TOKEN"] });
  Deno.env.set("API_TOKEN", "two");
  const two = await key({ ...inst, secrets: ["API_TOKEN"] });
  Deno.env.delete("API_TOKEN");
  assertEquals([one, two], [withSecret, withSecret]);
});
