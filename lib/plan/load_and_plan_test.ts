import { join, relative } from "node:path";
import { assertEquals, assertRejects } from "../../tests/_deps.ts";
import { tempDir } from "../../tests/_helpers.ts";
import { MissingNotebookError } from "./check_files.ts";
import { loadAndPlan } from "./load_and_plan.ts";

const PIPELINE = `name: demo
tasks:
  a: { notebook: nb/a.py }
  b: { notebook: nb/b.py, needs: [a], matrix: { n: [1, 2] } }
  c: { notebook: nb/a.py, needs: [b] }
`;

Deno.test("loadAndPlan() gives the plan and every notebook's absolute path, resolved once", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(join(dir.path, "nb"));
  for (const nb of ["a.py", "b.py"]) await Deno.writeTextFile(join(dir.path, "nb", nb), "# %%\n");
  await Deno.writeTextFile(join(dir.path, "pipeline.yaml"), PIPELINE);
  const shown = relative(Deno.cwd(), join(dir.path, "pipeline.yaml"));
  const { pipeline, plan, notebooks } = await loadAndPlan(shown, { from: ["b"] });
  assertEquals([pipeline.file, pipeline.baseDir, plan.baseDir], [
    join(dir.path, "pipeline.yaml"),
    dir.path,
    dir.path,
  ]);
  assertEquals(plan.instances.map((i) => i.id), ["b[n=1]", "b[n=2]", "c"]);
  // One entry per notebook of the selection, however many instances use it.
  assertEquals([...notebooks], [
    ["nb/b.py", join(dir.path, "nb/b.py")],
    ["nb/a.py", join(dir.path, "nb/a.py")],
  ]);
});

Deno.test("loadAndPlan() lists every missing notebook", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(join(dir.path, "pipeline.yaml"), PIPELINE);
  const err = await assertRejects(
    () => loadAndPlan(join(dir.path, "pipeline.yaml")),
    MissingNotebookError,
  );
  assertEquals(err.missing.map((m) => [m.notebook, m.task]), [["nb/a.py", "a"], ["nb/b.py", "b"]]);
});
