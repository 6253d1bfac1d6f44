import { dirname, join } from "node:path";
import { assertEquals, assertOk } from "../../tests/_deps.ts";
import { makeScratchDir } from "./scratch.ts";

Deno.test("makeScratchDir() removes folders of runners that are gone, keeps the others", async () => {
  const prefix = "pynb-dag-runner-scratchtest-";
  const probe = await Deno.makeTempDir();
  const tmp = dirname(probe);
  await Deno.remove(probe);
  // A process that existed and is gone: a child that exited.
  const gone = new Deno.Command("true").spawn();
  await gone.status;
  const stale = await Deno.makeTempDir({ prefix: `${prefix}${gone.pid}-` });
  await Deno.writeTextFile(join(stale, "kernel.json"), "{}");
  const other = await Deno.makeTempDir({ prefix: "pynb-dag-runner-otherkind-999999-" });
  const dir = await makeScratchDir(prefix);
  try {
    assertOk(dir.startsWith(join(tmp, `${prefix}${Deno.pid}-`)), dir);
    assertEquals(await Deno.stat(stale).catch(() => "removed"), "removed");
    assertOk((await Deno.stat(other)).isDirectory, "a folder of another kind was removed");
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(other, { recursive: true });
  }
});
