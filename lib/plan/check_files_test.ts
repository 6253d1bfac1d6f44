import { join } from "node:path";
import { assertEquals, assertRejects } from "../../tests/_deps.ts";
import { tempDir } from "../../tests/_helpers.ts";
import { checkNotebooks, MissingNotebookError } from "./check_files.ts";
import type { PlannedInstance } from "./types.ts";
import { plannedInstance } from "../../testing/instances.ts";

function instance(id: string, notebook: string): PlannedInstance {
  return plannedInstance(id, { notebook });
}

Deno.test("checkNotebooks() lists every missing notebook with its task", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(join(dir.path, "nb"));
  await Deno.writeTextFile(join(dir.path, "nb", "ok.py"), "# %%\n");
  await Deno.mkdir(join(dir.path, "nb", "folder.ipynb"));
  const plan = {
    pipeline: "p",
    baseDir: dir.path,
    parameters: {},
    layers: [],
    instances: [
      instance("a", "nb/ok.py"),
      instance("b", "nb/missing.py"),
      instance("c", "nb/folder.ipynb"),
      instance("d", "nb/missing.py"),
    ],
  };
  const err = await assertRejects(() => checkNotebooks(plan), MissingNotebookError);
  assertEquals(err.missing, [
    { notebook: "nb/missing.py", task: "b", why: "no such file" },
    { notebook: "nb/folder.ipynb", task: "c", why: "is a folder, not a notebook" },
  ]);
  await checkNotebooks({ ...plan, instances: [instance("a", "nb/ok.py")] });
});
