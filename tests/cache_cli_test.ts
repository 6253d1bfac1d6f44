/**
 * `cli.ts cache prune` as a real subprocess under its documented permission flags: what it
 * removes and prints, and clean failures (a bad size, a missing permission).
 */
import { join } from "node:path";
import { assertEquals, assertStringIncludes } from "./_deps.ts";
import { runCliProcess, tempDir } from "./_helpers.ts";
import { CACHE_PERMISSIONS } from "../lib/cli/cache.ts";
import { entryDir, MANIFEST } from "../lib/cache/manifest.ts";
import { CacheStore } from "../lib/cache/store.ts";
import { exists } from "../lib/_base/fs.ts";

const FLAGS = CACHE_PERMISSIONS.split(" ");

Deno.test("cli.ts cache prune removes old and least recently used entries under its flags", async () => {
  await using dir = await tempDir();
  const cache = join(dir.path, ".pynb-cache");
  const source = join(dir.path, "attempt");
  await Deno.mkdir(source);
  await Deno.writeTextFile(join(source, "notebook.ipynb"), "x".repeat(600));
  const store = new CacheStore(cache);
  const keys = ["aa", "bb", "cc"].map((p) => p.repeat(32));
  const now = Date.now();
  for (const [i, key] of keys.entries()) {
    await store.save(key, source, { runId: `r${i}`, instanceId: "a" });
    const used = new Date(now - [90, 2, 1][i]! * 864e5);
    await Deno.utime(join(entryDir(cache, key), MANIFEST), used, used);
  }
  const res = await runCliProcess(["cache", "prune", "--keep-days", "30", "--max-size", "1KB"], {
    flags: FLAGS,
    cwd: dir.path,
  });
  assertEquals([res.code, res.stderr], [0, ""]);
  assertEquals(res.stdout, ".pynb-cache: removed 2 entries (1.2 KiB), kept 1 (600 B)\n");
  assertEquals(await Promise.all(keys.map((k) => exists(entryDir(cache, k)))), [
    false,
    false,
    true,
  ]);
});

Deno.test("cli.ts cache prune fails cleanly on a bad size and without its permissions", async (t) => {
  await using dir = await tempDir();
  await t.step("a bad size", async () => {
    const res = await runCliProcess(["cache", "prune", "--max-size", "2 gigs"], {
      flags: FLAGS,
      cwd: dir.path,
    });
    assertEquals(res.code, 2);
    assertStringIncludes(res.stderr, "Cannot read the size '2 gigs'");
    assertEquals(res.stderr.includes("    at "), false, res.stderr);
  });
  await t.step("no --allow-write", async () => {
    await Deno.mkdir(join(dir.path, ".pynb-cache", "v1", "tmp"), { recursive: true });
    const res = await runCliProcess(["cache", "prune", "--keep-days", "1"], {
      flags: ["--allow-read=.pynb-cache"],
      cwd: dir.path,
    });
    assertEquals(res.code, 2, res.stderr);
    assertStringIncludes(res.stderr, "permission flags listed in its --help");
  });
});
