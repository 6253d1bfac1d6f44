import { join } from "node:path";
import { assertEquals, assertOk } from "../../tests/_deps.ts";
import { tempDir } from "../../tests/_helpers.ts";
import { RunFiles } from "./run_files.ts";

Deno.test("RunFiles reads only what the run folder itself holds", async (t) => {
  await using dir = await tempDir("pynb-run-files-");
  const run = join(dir.path, "run");
  const att = join(run, "tasks/a/attempt-1");
  await Deno.mkdir(att, { recursive: true });
  await Deno.mkdir(join(dir.path, "elsewhere"));
  await Deno.writeTextFile(join(dir.path, "elsewhere", "stderr.txt"), "outside");
  await Deno.writeTextFile(join(att, "stderr.txt"), "0123456789");
  await Deno.symlink(join(dir.path, "elsewhere"), join(run, "tasks/b"));
  await Deno.symlink(join(att, "stderr.txt"), join(att, "inner-link.txt"));
  const fifo = await new Deno.Command("mkfifo", { args: [join(att, "values.jsonl")] }).output();
  assertEquals(fifo.code, 0);
  const files = new RunFiles(run);

  await t.step("a regular file, whole or in part", () => {
    assertEquals(files.readText("tasks/a/attempt-1/stderr.txt")?.text, "0123456789");
    const tail = files.readText("tasks/a/attempt-1/stderr.txt", { max: 4, from: "tail" });
    assertEquals([tail?.text, tail?.cut, tail?.size], ["6789", true, 10]);
    assertEquals(files.readText("tasks/a/attempt-1/stderr.txt", { max: 3 })?.text, "012");
  });
  await t.step("a missing file is not a warning", () => {
    assertEquals(files.check("tasks/a/attempt-1/notebook.ipynb"), {
      missing: "no such file",
      absent: true,
    });
    assertEquals(files.warnings, []);
  });
  await t.step("links, a FIFO, a linked folder and unsafe paths are refused", () => {
    for (
      const rel of [
        "tasks/a/attempt-1/inner-link.txt",
        "tasks/a/attempt-1/values.jsonl",
        "tasks/b/stderr.txt",
        "../elsewhere/stderr.txt",
        "/etc/passwd",
        "tasks/a/../../../elsewhere/stderr.txt",
      ]
    ) {
      assertEquals(files.readText(rel), undefined, rel);
      assertOk(files.warnings.some((w) => w.includes(rel)), rel);
    }
  });
  await t.step("attempt folders: links are left out and named", () => {
    const fresh = new RunFiles(run);
    const found = fresh.attemptFolders();
    assertEquals(found.map((f) => [f.slug, f.attempt, f.stderr, f.values]), [
      ["a", 1, "tasks/a/attempt-1/stderr.txt", undefined],
    ]);
    assertEquals(fresh.warnings.length, 2);
    assertOk(fresh.warnings[0]!.includes("tasks/b': it is a symbolic link"));
    assertOk(fresh.warnings[1]!.includes("values.jsonl': it is not a regular file"));
  });
});
