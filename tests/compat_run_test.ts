/**
 * `compat: pynb-dag-runner` end to end, with real Jupyter kernels: notebooks written for the
 * original pynb-dag-runner (defaults in `P`, an empty `parameters` cell, `PydarLogger`) run
 * unchanged; `P` is replaced by one with `pipeline.*` and `task.*` keys and the GitHub context,
 * and every logger method writes the values and artifacts our own notebook API writes.
 */
import { join } from "node:path";
import { assertEquals, assertOk, assertStringIncludes } from "./_deps.ts";
import { ROOT, runCliProcess, tempDir } from "./_helpers.ts";
import { RUN_PERMISSIONS } from "../lib/cli/run.ts";
import { ValueLineSchema } from "../lib/log/schema.ts";

const PIPELINE = join(ROOT, "tests/fixtures/pipelines/compat/pipeline.yaml");

async function valueLines(folder: string) {
  const text = await Deno.readTextFile(join(folder, "values.jsonl"));
  return text.trim().split("\n").map((line) => ValueLineSchema.parse(JSON.parse(line)));
}

Deno.test("cli.ts run runs notebooks of the original pynb-dag-runner unchanged (compat: pynb-dag-runner)", async (t) => {
  await using dir = await tempDir();
  const out = join(dir.path, "runs");
  const res = await runCliProcess(
    ["run", PIPELINE, "--out", out, "--run-id", "compat", "--concurrency", "2"],
    {
      flags: RUN_PERMISSIONS.split(" "),
      env: { GITHUB_REPOSITORY: "octo/mnist", GITHUB_SHA: "0123abc" },
    },
  );
  const runFolder = join(out, "compat");
  await t.step("every task succeeds: the notebooks' own asserts on P hold", async () => {
    assertEquals(res.code, 0, res.stderr);
    const summary = JSON.parse(await Deno.readTextFile(join(runFolder, "run.json")));
    const status = Object.fromEntries(
      summary.tasks.map((task: { id: string; status: string }) => [task.id, task.status]),
    );
    assertEquals(status, {
      ingest: "succeeded",
      "train-model[nr_train_images=600]": "succeeded",
      "train-model[nr_train_images=800]": "succeeded",
    });
  });
  const ingest = join(runFolder, "tasks/ingest/attempt-1");
  await t.step("the injected P has pipeline.*, task.* and the GitHub context", async () => {
    const nb = JSON.parse(await Deno.readTextFile(join(ingest, "notebook.ipynb")));
    const injected = nb.cells.find((c: { metadata: { tags?: string[] } }) =>
      c.metadata.tags?.includes("injected-parameters")
    );
    const source = Array.isArray(injected.source) ? injected.source.join("") : injected.source;
    assertStringIncludes(source, '    "pipeline.pipeline_run_id": "compat",\n');
    assertStringIncludes(source, '    "pipeline.github.repository": "octo/mnist",\n');
    assertStringIncludes(source, '    "pipeline.github.sha": "0123abc",\n');
    assertStringIncludes(source, '    "pipeline.data_lake_root": "lake",\n');
    assertEquals(source.includes("\ndata_lake_root ="), false, "no variable per parameter");
    // Right after the empty cell tagged `parameters`, as papermill places it.
    const at = nb.cells.indexOf(injected);
    assertEquals(nb.cells[at - 1].metadata.tags, ["parameters"]);
    assertStringIncludes(JSON.stringify(nb), "github repository: octo/mnist");
    assertStringIncludes(JSON.stringify(nb), "refused: log_int: value not an integer '12'");
  });
  await t.step("every PydarLogger method wrote what pynb_dag_runner writes", async () => {
    const lines = await valueLines(ingest);
    const values = Object.fromEntries(
      lines.flatMap((l) => l.kind === "value" ? [[l.name, l.value]] : []),
    );
    assertEquals(values, {
      config: { rows: 3, cols: [1, 2] },
      data_lake: "lake",
      nr_rows: 1797,
      fraction: 0.25,
      complete: true,
    });
    const artifacts = lines.flatMap((l) => l.kind === "artifact" ? [l.name] : []);
    assertEquals(artifacts, ["README.md", "data.bin", "line.png"]);
    assertEquals(await Deno.readTextFile(join(ingest, "artifacts/README.md")), "foobar123");
    assertEquals([...await Deno.readFile(join(ingest, "artifacts/data.bin"))], [0, 1, 2, 255]);
    const png = await Deno.readFile(join(ingest, "artifacts/line.png"));
    assertEquals([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], "a PNG file");
  });
  await t.step(
    "a matrix instance's P holds task.<matrix key> and task.<task parameter>",
    async () => {
      const folder = join(runFolder, "tasks");
      const slugs = [];
      for await (const e of Deno.readDir(folder)) slugs.push(e.name);
      const train = slugs.filter((s) => s.startsWith("train-model")).sort();
      assertEquals(train.length, 2);
      const logged = [];
      for (const slug of train) {
        const lines = await valueLines(join(folder, slug, "attempt-1"));
        logged.push(lines.find((l) => l.kind === "value" && l.name === "nr_train_images"));
      }
      assertOk(logged.every((l) => l !== undefined));
      assertEquals(logged.map((l) => l?.kind === "value" ? l.value : null).sort(), [600, 800]);
    },
  );
});
