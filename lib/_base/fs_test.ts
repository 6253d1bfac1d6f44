import { join } from "node:path";
import { assertEquals, assertRejects } from "../../tests/_deps.ts";
import { exists, writeFileAtomic } from "./fs.ts";

Deno.test("exists() tells found from not found, a dangling link included", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "a.txt"), "a");
    await Deno.symlink(join(dir, "gone"), join(dir, "link"));
    assertEquals(await exists(join(dir, "a.txt")), true);
    assertEquals(await exists(join(dir, "b.txt")), false);
    assertEquals(await exists(join(dir, "a.txt", "under-a-file")), false);
    assertEquals(await exists(join(dir, "link")), false);
    assertEquals(await exists(join(dir, "link"), { lstat: true }), true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeFileAtomic() replaces a file whole and leaves no temporary file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const target = join(dir, "run.json");
    await writeFileAtomic(target, "old\n");
    await writeFileAtomic(target, new TextEncoder().encode("new\n"));
    assertEquals(await Deno.readTextFile(target), "new\n");
    await assertRejects(() => writeFileAtomic(join(dir, "no-dir", "x"), "x"), Deno.errors.NotFound);
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["run.json"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
