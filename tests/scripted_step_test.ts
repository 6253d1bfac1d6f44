/**
 * A scripted CI step (`examples/run_and_publish.ts`, which imports `mod.ts` alone) run the way a
 * workflow runs it from a raw file host: the repository is served over loopback, and the script
 * runs a real pipeline in real kernels and builds its website with `--allow-read --allow-write
 * --allow-run --allow-env` only: the Python driver and the site's templates come through the
 * module loader, not `fetch`.
 */
import { join } from "node:path";
import { assertEquals, assertOk, assertStringIncludes } from "./_deps.ts";
import { ROOT, runCliProcess, serveRepository, tempDir } from "./_helpers.ts";
import { RUN_PERMISSIONS } from "../lib/run/permissions.ts";

const NOTEBOOK = `# %% tags=["parameters"]
n = 1

# %%
import pynb_dag_runner as pdr

pdr.log_value("double", n * 2)
print("n is", n)
`;

const PIPELINE = `name: scripted-step
tasks:
  first:
    notebook: step.py
    parameters: { n: 2 }
  second:
    notebook: step.py
    needs: [first]
    parameters: { n: 21 }
`;

Deno.test("examples/run_and_publish.ts runs a pipeline and builds its site from a URL", async (t) => {
  const requested = new Set<string>();
  await using server = serveRepository(requested);
  await using dir = await tempDir("pynb-scripted-");
  await Deno.writeTextFile(join(dir.path, "step.py"), NOTEBOOK);
  await Deno.writeTextFile(join(dir.path, "pipeline.yaml"), PIPELINE);
  const origin = `http://127.0.0.1:${server.addr.port}`;
  const entry = `${origin}/examples/run_and_publish.ts`;
  // --reload only for the served files: npm packages come from the shared cache.
  const flags = [`--reload=${origin}`, "--no-config", "--no-lock"];
  const args = ["pipeline.yaml", "--runs", "runs", "--site", "site"];

  await t.step(`with ${RUN_PERMISSIONS} only`, async () => {
    const res = await runCliProcess(args, {
      flags: [...flags, ...RUN_PERMISSIONS.split(" ")],
      entry,
      cwd: dir.path,
    });
    assertEquals(res.code, 0, res.stderr);
    const folder = res.stdout.trim();
    assertOk(/^runs\/[\w.-]+$/.test(folder), res.stdout);
    const summary = JSON.parse(await Deno.readTextFile(join(dir.path, folder, "run.json")));
    assertEquals(summary.status, "succeeded");
    assertEquals(
      summary.tasks.map((r: { id: string; status: string }) => `${r.id}:${r.status}`),
      ["first:succeeded", "second:succeeded"],
    );
    const values = await Deno.readTextFile(
      join(dir.path, folder, "tasks", "second", "attempt-1", "values.jsonl"),
    );
    assertStringIncludes(values, '"double"');
    assertStringIncludes(values, "42");
    const index = await Deno.readTextFile(join(dir.path, "site", "index.html"));
    assertStringIncludes(index, summary.runId);
    assertStringIncludes(index, "scripted-step");
    assertStringIncludes(res.stderr, "succeeded first");
    for (
      const path of [
        "/examples/run_and_publish.ts",
        "/mod.ts",
        "/lib/run/run_pipeline.ts",
        "/lib/execute/driver.py",
        "/site/templates/index.eta",
      ]
    ) {
      assertOk(requested.has(path), `${path} was not fetched from the server`);
    }
  });

  await t.step("a TypeScript task on Deno's kernel, the runner served from the URL", async () => {
    // The notebook API for TypeScript and the kernel's files come over HTTP with the runner.
    const example = join(dir.path, "ts");
    const cp = await new Deno.Command("cp", {
      args: ["-r", join(ROOT, "examples", "typescript-between-python"), example],
    }).output();
    assertEquals(cp.code, 0);
    const res = await runCliProcess(["pipeline.yaml", "--runs", "runs", "--site", "site"], {
      flags: [...flags, ...RUN_PERMISSIONS.split(" ")],
      entry,
      cwd: example,
    });
    assertEquals(res.code, 0, res.stderr);
    const summary = JSON.parse(
      await Deno.readTextFile(join(example, res.stdout.trim(), "run.json")),
    ) as { tasks: { id: string; status: string; values: Record<string, unknown> }[] };
    assertEquals(summary.tasks.map((r) => `${r.id}:${r.status}`), [
      "make-data:succeeded",
      "histogram[bins=5]:succeeded",
      "histogram[bins=10]:succeeded",
      "compare:succeeded",
    ]);
    assertOk(
      Object.keys(summary.tasks[1]!.values).length > 0,
      "the TypeScript task logged nothing",
    );
  });

  await t.step("without --allow-run: one message naming the flag, exit 2", async () => {
    const res = await runCliProcess(args, {
      flags: [...flags, "--allow-read", "--allow-write", "--allow-env"],
      entry,
      cwd: dir.path,
    });
    assertEquals(res.code, 2, res.stderr);
    assertEquals(res.stdout, "");
    assertEquals(res.stderr.trim().split("\n").length, 1, res.stderr);
    assertStringIncludes(res.stderr, "error: Cannot run the pipeline 'pipeline.yaml': missing");
    assertStringIncludes(res.stderr, "--allow-run (the Python interpreter");
  });
});
