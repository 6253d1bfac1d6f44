import { assertEquals, assertMatch, assertOk, assertThrows } from "../../tests/_deps.ts";
import { runPython } from "../../tests/notebook_helpers.ts";
import type { JsonValue } from "../_base/json.ts";
import { ParameterNameError } from "./errors.ts";
import { INJECTED_TAG, injectParameters, type RunContext } from "./inject.ts";
import { parsePercent } from "./percent.ts";
import type { Notebook } from "./schema.ts";

const CONTEXT: RunContext = {
  runId: "2026-01-02T03-04-05Z-ab12",
  taskId: "train-model",
  instanceId: "train-model[nr_train_images=600]",
  attempt: 2,
};

const SCRIPT = `# %% [markdown]
# # Train

# %%
import math

# %% tags=["parameters"]
nr_train_images = 100
learning_rate = 0.1

# %%
print(nr_train_images)
`;

function tags(nb: Notebook): unknown[] {
  return nb.cells.map((c) => c.metadata.tags ?? null);
}

Deno.test("injectParameters() adds a tagged cell right after the first parameters cell", () => {
  const nb = parsePercent(SCRIPT);
  const before = JSON.stringify(nb);
  const { notebook, warnings } = injectParameters(
    nb,
    { nr_train_images: 600, name: 'run "A"' },
    CONTEXT,
  );
  assertEquals(warnings, []);
  assertEquals(JSON.stringify(nb), before, "the input notebook is not changed");
  assertEquals(tags(notebook), [null, null, ["parameters"], [INJECTED_TAG], null]);
  const injected = notebook.cells[3]!;
  assertEquals(injected.cell_type, "code");
  assertEquals(injected.id, INJECTED_TAG);
  assertEquals(
    injected.source,
    [
      "# Parameters",
      "nr_train_images = 600",
      'name = "run \\"A\\""',
      "P = {",
      '    "nr_train_images": 600,',
      '    "name": "run \\"A\\"",',
      '    "run.id": "2026-01-02T03-04-05Z-ab12",',
      '    "task.id": "train-model",',
      '    "task.instance": "train-model[nr_train_images=600]",',
      '    "attempt": 2,',
      "}",
      "",
    ].join("\n"),
  );
  assertEquals(notebook.metadata.papermill, {
    parameters: { nr_train_images: 600, name: 'run "A"' },
  });
  assertEquals(notebook.metadata.pynb, {
    runId: CONTEXT.runId,
    taskId: "train-model",
    instanceId: "train-model[nr_train_images=600]",
    attempt: 2,
    parameters: { nr_train_images: 600, name: 'run "A"' },
  });
});

Deno.test("injectParameters() replaces an earlier injected cell where it is", async (t) => {
  const first = injectParameters(parsePercent(SCRIPT), { nr_train_images: 1 }, CONTEXT).notebook;
  // Move the injected cell to the end, as a user might have done in an executed notebook.
  const injected = first.cells.splice(3, 1)[0]!;
  first.cells.push(injected);

  await t.step("the new cell takes the old one's place", () => {
    const { notebook, warnings } = injectParameters(first, { nr_train_images: 2 }, CONTEXT);
    assertEquals(warnings, []);
    assertEquals(tags(notebook), [null, null, ["parameters"], null, [INJECTED_TAG]]);
    assertMatch(notebook.cells[4]!.source, /^nr_train_images = 2$/m);
    assertEquals(notebook.cells.filter((c) => c.id === INJECTED_TAG).length, 1);
  });

  await t.step("stale extra injected cells are removed, with a warning", () => {
    const twice = structuredClone(first);
    twice.cells.push({ ...structuredClone(injected), id: "old-injected" });
    const { notebook, warnings } = injectParameters(twice, { nr_train_images: 3 }, CONTEXT);
    assertEquals(
      notebook.cells.filter((c) =>
        (c.metadata.tags as string[] | undefined)
          ?.includes(INJECTED_TAG)
      ).length,
      1,
    );
    assertEquals(tags(notebook), [null, null, ["parameters"], null, [INJECTED_TAG]]);
    assertMatch(notebook.cells[4]!.source, /^nr_train_images = 3$/m);
    assertEquals(warnings.length, 1);
    assertMatch(warnings[0]!, /removed 1 more cell/);
  });
});

Deno.test("injectParameters() moves an injected cell found above the parameters cell", () => {
  const nb = injectParameters(parsePercent(SCRIPT), { nr_train_images: 1 }, CONTEXT).notebook;
  const injected = nb.cells.splice(3, 1)[0]!;
  nb.cells.unshift(injected);
  const { notebook, warnings } = injectParameters(nb, { nr_train_images: 2 }, CONTEXT);
  assertEquals(tags(notebook), [null, null, ["parameters"], [INJECTED_TAG], null]);
  assertMatch(notebook.cells[3]!.source, /^nr_train_images = 2$/m);
  assertEquals(warnings.length, 1);
  assertMatch(warnings[0]!, /came before the cell tagged "parameters"/);
});

Deno.test("injectParameters() injects at the top with a warning when no cell is tagged parameters", () => {
  const nb = parsePercent("# %%\nx = 1\n");
  const { notebook, warnings } = injectParameters(nb, { x: 2 }, CONTEXT);
  assertEquals(tags(notebook), [[INJECTED_TAG], null]);
  assertEquals(warnings.length, 1);
  assertMatch(warnings[0]!, /no cell tagged "parameters".*at the top/);
});

Deno.test("injectParameters() rejects names Python cannot take, naming the parameter", async (t) => {
  const nb = parsePercent(SCRIPT);
  for (
    const [name, why] of [
      ["learning-rate", /not a Python identifier.*"learning_rate"/],
      ["1st", /not a Python identifier/],
      ["run.id", /not a Python identifier/],
      ["", /not a Python identifier/],
      ["class", /Python keyword/],
      ["None", /Python keyword/],
      ["P", /dict of all parameters/],
      ["\ufb01le", /read it as "file" \(NFKC/],
    ] as const
  ) {
    await t.step(JSON.stringify(name), () => {
      const err = assertThrows(
        () => injectParameters(nb, { ok: 1, [name]: 1 }, CONTEXT),
        ParameterNameError,
      );
      assertEquals(err.parameter, name);
      assertOk(err.message.startsWith(`Cannot inject parameter ${JSON.stringify(name)}: `));
      assertMatch(err.message, why);
    });
  }
  // Unicode identifiers are fine in Python 3.
  assertEquals(injectParameters(nb, { "größe": 1, _x2: 2 }, CONTEXT).warnings, []);
});

Deno.test("injectParameters() cell gives Python the exact values and P", async () => {
  const parameters: Record<string, JsonValue> = {
    nr_train_images: 600,
    learning_rate: 0.001,
    ratio: NaN,
    limit: -Infinity,
    label: 'naïve "quote"\nnext line \\ end',
    flags: [true, false, null],
    nested: { a: { b: [1.5, "x"] } },
  };
  const { notebook } = injectParameters(parsePercent(SCRIPT), parameters, CONTEXT);
  // Run the parameters cell, then the injected cell, as the kernel would.
  const code = notebook.cells.filter((c) => c.cell_type === "code" && c.metadata.tags)
    .map((c) => c.source).join("\n");
  const out = await runPython(
    code + `
import json, math
def enc(v):
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return "float:" + repr(v)
    if isinstance(v, float):
        return ["float", v]
    if isinstance(v, list):
        return [enc(x) for x in v]
    if isinstance(v, dict):
        return {k: enc(x) for k, x in v.items()}
    return v
names = ${JSON.stringify(Object.keys(parameters))}
print(json.dumps({"vars": {n: enc(globals()[n]) for n in names}, "P": enc(P)}))
`,
  );
  const result = JSON.parse(out);
  const expected = {
    nr_train_images: 600,
    learning_rate: ["float", 0.001],
    ratio: "float:nan",
    limit: "float:-inf",
    label: 'naïve "quote"\nnext line \\ end',
    flags: [true, false, null],
    nested: { a: { b: [["float", 1.5], "x"] } },
  };
  assertEquals(result.vars, expected);
  assertEquals(result.P, {
    ...expected,
    "run.id": CONTEXT.runId,
    "task.id": "train-model",
    "task.instance": "train-model[nr_train_images=600]",
    attempt: 2,
  });
  assertEquals((notebook.metadata.papermill as Record<string, JsonValue>).parameters, {
    ...parameters,
    ratio: "NaN",
    limit: "-Infinity",
  });
});

Deno.test("injectParameters() warns when the notebook's kernel is not Python", () => {
  const nb = parsePercent(SCRIPT);
  nb.metadata.kernelspec = { name: "ir", display_name: "R", language: "R" };
  const { warnings } = injectParameters(nb, { x: 1 }, CONTEXT);
  assertEquals(warnings, [
    'the notebook\'s kernel language is "R", but the injected parameters cell is Python code',
  ]);
  nb.metadata.kernelspec = { name: "python3", display_name: "Python 3", language: "python" };
  assertEquals(injectParameters(nb, { x: 1 }, CONTEXT).warnings, []);
});

Deno.test("injectParameters() with compat gives the original pynb-dag-runner's P and nothing else", async () => {
  const { notebook } = injectParameters(
    parsePercent(SCRIPT),
    { data_lake_root: "lake", nr_train_images: 600, label: 'a "b"' },
    CONTEXT,
    {
      compat: {
        taskParameters: ["nr_train_images", "label"],
        github: { repository: "octo/demo", run_id: "42" },
        notebook: "notebooks/train.py",
        timeoutSeconds: 60,
        retries: 1,
      },
    },
  );
  assertEquals(tags(notebook)[3], [INJECTED_TAG]);
  const code = notebook.cells.filter((c) => c.cell_type === "code" && c.metadata.tags)
    .map((c) => c.source).join("\n");
  const out = await runPython(
    code + `
import json
print(json.dumps({"P": P, "replaced": "nr_train_images" in globals() and nr_train_images}))
`,
  );
  assertEquals(JSON.parse(out), {
    P: {
      "pipeline.pipeline_run_id": CONTEXT.runId,
      "pipeline.github.repository": "octo/demo",
      "pipeline.github.run_id": "42",
      "task.task_id": CONTEXT.instanceId,
      "task.notebook": "notebooks/train.py",
      "task.timeout_s": 60,
      "task.max_nr_retries": 1,
      "run.retry_nr": 1,
      "pipeline.data_lake_root": "lake",
      "task.nr_train_images": 600,
      "task.label": 'a "b"',
    },
    // The defaults cell's variable is not overwritten: the original injected only P.
    replaced: 100,
  });
});
