import { join } from "node:path";
import { assertEquals, assertRejects, assertStringIncludes } from "../../tests/_deps.ts";
import { tempDir } from "../../tests/_helpers.ts";
import { NotebookError } from "../notebook/errors.ts";
import type { PlannedInstance } from "../plan/types.ts";
import { notebookPreparer, NotebookSources } from "./prepare.ts";

function inst(id: string, n: number): PlannedInstance {
  return {
    id,
    task: "t",
    slug: id,
    matrix: { n },
    parameters: { n },
    needs: [],
    notebook: "nb/t.py",
    timeoutSeconds: 60,
    retries: 1,
    kernel: "python3",
    env: {},
  };
}

Deno.test("notebookPreparer() reads a source once for every matrix instance and retry", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(join(dir.path, "nb"));
  const file = join(dir.path, "nb", "t.py");
  await Deno.writeTextFile(file, '# %% tags=["parameters"]\nn = 0\n# %%\nprint("first")\n');
  const sources = new NotebookSources(new Map([["nb/t.py", file]]));
  const prepare = notebookPreparer(sources);
  const context = { runId: "r", taskId: "t", instanceId: "t[n=1]", attempt: 1 };
  const first = await prepare(inst("t[n=1]", 1), context);
  // Changed on disk during the run: the run keeps the notebook it started with.
  await Deno.writeTextFile(file, '# %% tags=["parameters"]\nn = 0\n# %%\nprint("second")\n');
  const other = await prepare(inst("t[n=2]", 2), { ...context, instanceId: "t[n=2]" });
  const retry = await prepare(inst("t[n=2]", 2), { ...context, instanceId: "t[n=2]", attempt: 2 });
  for (const prepared of [first, other, retry]) {
    assertStringIncludes(prepared.ipynb, 'print(\\"first\\")');
  }
  assertStringIncludes(first.ipynb, "n = 1");
  assertStringIncludes(retry.ipynb, "n = 2");
  assertStringIncludes(JSON.parse(retry.ipynb).cells[1].source.join(""), '"attempt": 2,');
  // A new run reads it again.
  const next = await notebookPreparer(new NotebookSources(new Map([["nb/t.py", file]])))(
    inst("t[n=1]", 1),
    context,
  );
  assertStringIncludes(next.ipynb, 'print(\\"second\\")');
});

Deno.test("NotebookSources.readAll() stops at an invalid notebook; an unknown one is refused", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(join(dir.path, "ok.py"), "# %%\nx = 1\n");
  await Deno.writeTextFile(join(dir.path, "bad.ipynb"), "{ not json");
  const sources = new NotebookSources(
    new Map([["ok.py", join(dir.path, "ok.py")], ["bad.ipynb", join(dir.path, "bad.ipynb")]]),
  );
  const err = await assertRejects(() => sources.readAll(), NotebookError);
  assertStringIncludes(err.message, "bad.ipynb");
  assertEquals((await sources.read("ok.py")).cells.length, 1);
  await assertRejects(() => sources.read("other.py"), RangeError, "not a notebook of this run");
});
