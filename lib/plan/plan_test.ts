import { fc } from "../../deps_test.ts";
import { assertEquals, assertOk, assertThrows } from "../../tests/_deps.ts";
import { parsePipeline } from "../spec/load.ts";
import type { PipelineSpecInput } from "../spec/schema.ts";
import { validate } from "../spec/load.ts";
import { PipelineSpecError } from "../spec/errors.ts";
import { CycleError, PlanError, SelectionError } from "./errors.ts";
import { findCycle } from "./graph.ts";
import { canonicalJson } from "./ids.ts";
import { planPipeline } from "./plan.ts";
import type { Plan } from "./types.ts";

function load(spec: PipelineSpecInput) {
  return validate(spec, "/p/pipeline.ts", { shownPath: "pipeline.ts", locate: () => undefined });
}

const DEMO: PipelineSpecInput = {
  name: "demo",
  parameters: { root: "lake", ratio: 0.5 },
  defaults: { timeout: "10m", retries: 1, env: { A: "1" } },
  tasks: {
    ingest: { notebook: "ingest.py", timeout: 60, retries: 0 },
    split: { notebook: "split.py", needs: ["ingest"], parameters: { ratio: 0.7 } },
    train: { notebook: "train.py", needs: ["split"], matrix: { n: [1, 2], algo: ["svm", "knn"] } },
    bench: { notebook: "bench.py", needs: ["train"], matrix: { n: [1, 2] }, env: { B: "2" } },
    summary: { notebook: "summary.py", needs: ["bench"], kernel: "ir" },
  },
};

Deno.test("planPipeline() expands a matrix into one instance per combination", () => {
  const plan = planPipeline(load(DEMO));
  const train = plan.instances.filter((i) => i.task === "train");
  assertEquals(train.map((i) => [i.id, i.slug]), [
    ["train[algo=svm,n=1]", "train_algo-svm_n-1"],
    ["train[algo=knn,n=1]", "train_algo-knn_n-1"],
    ["train[algo=svm,n=2]", "train_algo-svm_n-2"],
    ["train[algo=knn,n=2]", "train_algo-knn_n-2"],
  ]);
  assertEquals(plan.layers.map((l) => l.length), [1, 1, 4, 2, 1]);
});

Deno.test("planPipeline() links matrix instances with equal shared values and fans in otherwise", () => {
  const plan = planPipeline(load(DEMO));
  const byId = new Map(plan.instances.map((i) => [i.id, i]));
  assertEquals(byId.get("bench[n=2]")?.needs, ["train[algo=svm,n=2]", "train[algo=knn,n=2]"]);
  assertEquals(byId.get("summary")?.needs, ["bench[n=1]", "bench[n=2]"]);
  assertEquals(byId.get("train[algo=knn,n=1]")?.needs, ["split"]);
});

Deno.test("planPipeline() merges parameters, defaults and overrides by precedence", () => {
  const plan = planPipeline(load(DEMO), { overrides: { root: "other", n: 9 } });
  const byId = new Map(plan.instances.map((i) => [i.id, i]));
  const bench = byId.get("bench[n=1]")!;
  assertEquals(bench.parameters, { root: "other", ratio: 0.5, n: 9 });
  assertEquals(bench.matrix, { n: 1 });
  assertEquals([bench.timeoutSeconds, bench.retries, bench.kernel], [600, 1, "python3"]);
  assertEquals(bench.env, { A: "1", B: "2" });
  assertEquals(byId.get("split")?.parameters, { root: "other", ratio: 0.7, n: 9 });
  const ingest = byId.get("ingest")!;
  assertEquals([ingest.timeoutSeconds, ingest.retries], [60, 0]);
  assertEquals(byId.get("summary")?.kernel, "ir");
  assertEquals(plan.parameters, { root: "other", ratio: 0.5, n: 9 });
});

Deno.test("planPipeline() takes the kernel name, preload and fast flag from the task, else the defaults", () => {
  const plan = planPipeline(load({
    name: "k",
    defaults: { kernel: { preload: ["numpy"] }, fast: false },
    tasks: {
      a: { notebook: "a.py" },
      b: { notebook: "b.py", kernel: "ir", fast: true },
      c: { notebook: "c.py", kernel: { name: "py", preload: ["sklearn.svm", "pandas"] } },
      d: { notebook: "d.py", kernel: { preload: [] } },
    },
  }));
  const picked = plan.instances.map((i) => [i.id, i.kernel, i.preload, i.fast]);
  assertEquals(picked, [
    ["a", "python3", ["numpy"], false],
    ["b", "ir", ["numpy"], undefined],
    ["c", "py", ["sklearn.svm", "pandas"], false],
    ["d", "python3", undefined, false],
  ]);
  const bad = assertThrows(
    () => load({ name: "k", tasks: { a: { notebook: "a.py", kernel: { preload: ["a b"] } } } }),
    PipelineSpecError,
  );
  assertOk(bad.message.includes('"a b" is not a Python module name'), bad.message);
});

Deno.test("planPipeline() selects with --only, --from and --to", async (t) => {
  const ids = (plan: Plan) => plan.instances.map((i) => i.id);
  const pipeline = () => load(DEMO);
  await t.step("--only a task keeps its instances without needs", () => {
    const plan = planPipeline(pipeline(), { only: ["bench"] });
    assertEquals(ids(plan), ["bench[n=1]", "bench[n=2]"]);
    assertEquals(plan.instances.map((i) => i.needs), [[], []]);
    assertEquals(plan.layers, [["bench[n=1]", "bench[n=2]"]]);
  });
  await t.step("--from an instance keeps it and what is downstream", () => {
    const plan = planPipeline(pipeline(), { from: ["train[algo=svm,n=2]"] });
    assertEquals(ids(plan), ["train[algo=svm,n=2]", "bench[n=2]", "summary"]);
    assertEquals(plan.instances[1]?.needs, ["train[algo=svm,n=2]"]);
  });
  await t.step("--to keeps upstream; with --from the sets intersect", () => {
    assertEquals(ids(planPipeline(pipeline(), { to: ["split"] })), ["ingest", "split"]);
    const both = planPipeline(pipeline(), { from: ["split"], to: ["bench[n=1]"] });
    assertEquals(ids(both), ["split", "train[algo=svm,n=1]", "train[algo=knn,n=1]", "bench[n=1]"]);
    assertEquals(both.layers.length, 3);
  });
  await t.step("unknown names and empty selections are errors", () => {
    assertThrows(() => planPipeline(pipeline(), { only: ["trian"] }), SelectionError, '"train"');
    assertThrows(
      () => planPipeline(pipeline(), { from: ["summary"], to: ["ingest"] }),
      SelectionError,
      "keeps no task instance",
    );
  });
});

Deno.test("planPipeline() reports cycles of length 1, 2 and 5 with the whole path", async (t) => {
  const cases: [string, Record<string, string[]>, string][] = [
    ["1", { a: ["a"] }, "a -> a"],
    ["2", { a: ["b"], b: ["a"] }, "a -> b -> a"],
    ["5", { a: ["e"], b: ["a"], c: ["b"], d: ["c"], e: ["d"] }, "a -> b -> c -> d -> e -> a"],
  ];
  for (const [name, needs, path] of cases) {
    await t.step(`length ${name}`, () => {
      const tasks = Object.fromEntries(
        Object.entries(needs).map(([k, v]) => [k, { notebook: `${k}.py`, needs: v }]),
      );
      const err = assertThrows(() => planPipeline(load({ name: "c", tasks })), CycleError, path);
      assertEquals(err.cycle.join(" -> "), path);
    });
  }
});

Deno.test("planPipeline() lists every unknown need, with positions from the YAML", () => {
  const pipeline = parsePipeline(
    "name: n\ntasks:\n  a: { notebook: a.py }\n  b: { notebook: b.py, needs: [a, aa, zzz] }\n",
    { file: "/p/pipeline.yaml", shownPath: "pipeline.yaml" },
  );
  const err = assertThrows(() => planPipeline(pipeline), PlanError);
  assertEquals(err.problems, [
    'pipeline.yaml:4:35: task "b" needs "aa", which is not a task',
    'pipeline.yaml:4:39: task "b" needs "zzz", which is not a task',
  ]);
});

Deno.test("planPipeline() rejects duplicate ids, unmatched matrix edges and unknown overrides", () => {
  assertThrows(
    () =>
      planPipeline(
        load({ name: "d", tasks: { t: { notebook: "t.py", matrix: { n: [1, "1"] } } } }),
      ),
    PlanError,
    'same id "t[n=1]"',
  );
  assertThrows(
    () =>
      planPipeline(load({
        name: "m",
        tasks: {
          a: { notebook: "a.py", matrix: { n: [1] } },
          b: { notebook: "b.py", needs: ["a"], matrix: { n: [1, 2] } },
        },
      })),
    PlanError,
    'instance "b[n=2]" needs task "a"',
  );
  assertThrows(() => planPipeline(load(DEMO), { overrides: { rato: 1 } }), PlanError, '"ratio"');
});

Deno.test("planPipeline() gives unique slugs even when ids differ only in case or symbols", () => {
  const plan = planPipeline(load({
    name: "s",
    tasks: { t: { notebook: "t.py", matrix: { v: ["a b", "a_b", "A_B", "é"] } } },
  }));
  const slugs = plan.instances.map((i) => i.slug);
  assertEquals(new Set(slugs.map((s) => s.toLowerCase())).size, 4);
  for (const s of slugs) assertOk(/^[A-Za-z0-9._-]+$/.test(s), s);
});

/** A random DAG: task i may need any task before it; matrices draw keys from a shared pool. */
const POOL: Record<string, (string | number | boolean)[]> = {
  a: [1, 2, 3],
  b: ["x", "y"],
  c: [true, false],
};
const dagArbitrary = fc.integer({ min: 1, max: 9 }).chain((n) =>
  fc.tuple(
    fc.array(fc.subarray(["a", "b", "c"]), { minLength: n, maxLength: n }),
    fc.array(fc.array(fc.boolean(), { minLength: n, maxLength: n }), {
      minLength: n,
      maxLength: n,
    }),
  )
);

Deno.test("planPipeline() orders every edge and links exactly the matching matrix instances (property)", () => {
  fc.assert(
    fc.property(dagArbitrary, ([keys, adjacency]) => {
      const names = keys.map((_, i) => `t${i}`);
      const tasks = Object.fromEntries(names.map((name, i) => [name, {
        notebook: `${name}.py`,
        needs: names.filter((_, j) => j < i && adjacency[i]![j]),
        ...(keys[i]!.length > 0
          ? { matrix: Object.fromEntries(keys[i]!.map((k) => [k, POOL[k]!])) }
          : {}),
      }]));
      const spec = { name: "random", tasks };
      const plan = planPipeline(load(spec));
      const position = new Map(plan.instances.map((inst, i) => [inst.id, i]));
      const layerOf = new Map(plan.layers.flatMap((l, n) => l.map((id) => [id, n] as const)));
      assertEquals(layerOf.size, plan.instances.length);
      for (const inst of plan.instances) {
        for (const need of inst.needs) {
          assertOk(position.get(need)! < position.get(inst.id)!, `${need} before ${inst.id}`);
          assertOk(layerOf.get(need)! < layerOf.get(inst.id)!, `${need} layer before ${inst.id}`);
        }
        const own = tasks[inst.task]!;
        for (const up of own.needs) {
          const upKeys = Object.keys(tasks[up]!.matrix ?? {});
          const shared = Object.keys(own.matrix ?? {}).filter((k) => upKeys.includes(k));
          const expected = plan.instances.filter((u) =>
            u.task === up &&
            shared.every((k) => canonicalJson(u.matrix[k]!) === canonicalJson(inst.matrix[k]!))
          ).map((u) => u.id);
          assertEquals(inst.needs.filter((id) => id.split("[")[0] === up), expected);
        }
      }
      const expectedCount = keys.reduce(
        (sum, ks) => sum + ks.reduce((p, k) => p * POOL[k]!.length, 1),
        0,
      );
      assertEquals(plan.instances.length, expectedCount);
    }),
    { seed: 20261127, numRuns: 200 },
  );
});

Deno.test("findCycle() returns a real cycle exactly when there is one (property)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 8 }).chain((n) =>
        fc.array(fc.array(fc.boolean(), { minLength: n, maxLength: n }), {
          minLength: n,
          maxLength: n,
        })
      ),
      (adjacency) => {
        const names = adjacency.map((_, i) => `t${i}`);
        const needs = new Map(
          names.map((name, i) => [name, names.filter((_, j) => adjacency[i]![j])]),
        );
        const cycle = findCycle(names, needs);
        if (cycle === undefined) {
          // No cycle: Kahn's algorithm must be able to order every task.
          const done = new Set<string>();
          let progress = true;
          while (progress) {
            progress = false;
            for (const t of names) {
              if (!done.has(t) && needs.get(t)!.every((d) => done.has(d))) {
                done.add(t);
                progress = true;
              }
            }
          }
          assertEquals(done.size, names.length);
        } else {
          assertEquals(cycle[0], cycle[cycle.length - 1]);
          for (let i = 0; i + 1 < cycle.length; i++) {
            assertOk(
              needs.get(cycle[i + 1]!)!.includes(cycle[i]!),
              `${cycle[i + 1]} needs ${cycle[i]}`,
            );
          }
        }
      },
    ),
    { seed: 42, numRuns: 300 },
  );
});

Deno.test("planPipeline() names the task's own parameters of a compat: pynb-dag-runner task", () => {
  const plan = planPipeline(
    load({
      ...DEMO,
      defaults: { compat: "pynb-dag-runner" },
      tasks: { ...DEMO.tasks, summary: { notebook: "summary.py", needs: ["bench"] } },
    }),
    { overrides: { root: "other", ratio: 0.9 } },
  );
  const byId = new Map(plan.instances.map((i) => [i.id, i]));
  assertEquals(byId.get("split")?.compat, {
    style: "pynb-dag-runner",
    taskParameters: ["ratio"],
  });
  assertEquals(byId.get("train[algo=svm,n=1]")?.compat?.taskParameters, ["algo", "n"]);
  assertEquals(planPipeline(load(DEMO)).instances[0]?.compat, undefined);
});
