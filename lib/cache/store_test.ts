import { join } from "node:path";
import { assertEquals, assertOk, assertStringIncludes } from "../../tests/_deps.ts";
import { tempDir } from "../../tests/_helpers.ts";
import { entryDir, MANIFEST, ManifestSchema, tempDir as cacheTempDir } from "./manifest.ts";
import { pruneCache } from "./prune.ts";
import { CacheStore } from "./store.ts";
import { exists } from "../_base/fs.ts";

const KEY = "ab".repeat(32);

async function attemptFolder(root: string): Promise<string> {
  const dir = join(root, "attempt-1");
  await Deno.mkdir(join(dir, "artifacts", "plots"), { recursive: true });
  await Deno.writeTextFile(join(dir, "notebook.ipynb"), '{"cells": []}');
  await Deno.writeTextFile(join(dir, "values.jsonl"), '{"kind":"value"}\n');
  await Deno.writeTextFile(join(dir, "artifacts", "plots", "roc.png"), "png bytes");
  return dir;
}

Deno.test("CacheStore saves an attempt folder whole and restores it file by file", async () => {
  await using dir = await tempDir();
  const source = await attemptFolder(dir.path);
  const store = new CacheStore(join(dir.path, "cache"), {
    now: () => new Date("2026-11-30T10:00:00Z"),
  });
  assertEquals(await store.save(KEY, source, { runId: "r1", instanceId: "train" }), "saved");
  const manifest = ManifestSchema.parse(
    JSON.parse(await Deno.readTextFile(join(entryDir(store.dir, KEY), MANIFEST))),
  );
  assertEquals(manifest.files.map((f) => [f.path, f.size]), [
    ["artifacts/plots/roc.png", 9],
    ["notebook.ipynb", 13],
    ["values.jsonl", 17],
  ]);
  assertEquals([manifest.runId, manifest.instanceId, manifest.size], ["r1", "train", 39]);
  assertEquals(manifest.createdAt, "2026-11-30T10:00:00.000Z");
  // Nothing is left in the temporary folder.
  assertEquals([...Deno.readDirSync(cacheTempDir(store.dir))], []);

  const target = join(dir.path, "run2", "attempt-1");
  const restored = await store.restore(KEY, target);
  assertEquals(restored?.runId, "r1");
  assertEquals(await Deno.readTextFile(join(target, "artifacts", "plots", "roc.png")), "png bytes");
  assertEquals(await Deno.readTextFile(join(target, "notebook.ipynb")), '{"cells": []}');
  assertEquals(await store.restore("cd".repeat(32), join(dir.path, "other")), undefined);
});

Deno.test("CacheStore keeps the first of concurrent saves of one key", async () => {
  await using dir = await tempDir();
  const source = await attemptFolder(dir.path);
  const stores = [1, 2, 3, 4].map(() => new CacheStore(join(dir.path, "cache")));
  const got = await Promise.all(
    stores.map((s, i) => s.save(KEY, source, { runId: `r${i}`, instanceId: "train" })),
  );
  assertEquals(got.filter((g) => g === "saved").length, 1, got.join());
  assertEquals(got.filter((g) => g === "exists").length, 3, got.join());
  const restored = await stores[0]!.restore(KEY, join(dir.path, "restored"));
  assertOk(restored !== undefined && restored.runId === `r${got.indexOf("saved")}`);
});

Deno.test("CacheStore treats a corrupt entry as a miss, warns, and removes it", async (t) => {
  const cases: Record<string, (entry: string) => Promise<void>> = {
    "a truncated file": (e) => Deno.truncate(join(e, "artifacts", "plots", "roc.png"), 3),
    "a changed file of the same size": (e) =>
      Deno.writeTextFile(join(e, "values.jsonl"), '{"kind":"VALUE"}\n'),
    "a missing file": (e) => Deno.remove(join(e, "notebook.ipynb")),
    "a manifest that is not JSON": (e) => Deno.writeTextFile(join(e, MANIFEST), '{"files": ['),
    "a manifest with a path outside the entry": async (e) => {
      const m = JSON.parse(await Deno.readTextFile(join(e, MANIFEST)));
      m.files[0].path = "../../../../escape.txt";
      await Deno.writeTextFile(join(e, MANIFEST), JSON.stringify(m));
    },
  };
  for (const [what, damage] of Object.entries(cases)) {
    await t.step(what, async () => {
      await using dir = await tempDir();
      const warnings: string[] = [];
      const store = new CacheStore(join(dir.path, "cache"), { warn: (m) => warnings.push(m) });
      await store.save(KEY, await attemptFolder(dir.path), { runId: "r1", instanceId: "a" });
      await damage(entryDir(store.dir, KEY));
      const target = join(dir.path, "restored");
      assertEquals(await store.restore(KEY, target), undefined);
      assertEquals(warnings.length, 1);
      assertStringIncludes(warnings[0]!, `cache entry ${KEY.slice(0, 12)} is corrupt`);
      assertOk(!await exists(entryDir(store.dir, KEY)), "the entry is removed");
      // Whatever was copied before the damage was found is gone again.
      for (const f of ["notebook.ipynb", "values.jsonl", "artifacts/plots/roc.png"]) {
        assertOk(!await exists(join(target, f)), `${f} is not left in the target`);
      }
      // A later save writes a good entry again.
      assertEquals(
        await store.save(KEY, join(dir.path, "attempt-1"), { runId: "r2", instanceId: "a" }),
        "saved",
      );
      assertEquals((await store.restore(KEY, join(dir.path, "again")))?.runId, "r2");
    });
  }
});

Deno.test("CacheStore ignores and replaces an entry folder without a manifest", async () => {
  await using dir = await tempDir();
  const store = new CacheStore(join(dir.path, "cache"));
  const half = entryDir(store.dir, KEY);
  await Deno.mkdir(half, { recursive: true });
  await Deno.writeTextFile(join(half, "notebook.ipynb"), "half");
  assertEquals(await store.restore(KEY, join(dir.path, "t")), undefined);
  const source = await attemptFolder(dir.path);
  assertEquals(await store.save(KEY, source, { runId: "r1", instanceId: "a" }), "saved");
  assertEquals((await store.restore(KEY, join(dir.path, "t2")))?.runId, "r1");
});

Deno.test("pruneCache() removes old entries, then the least recently used, and stale leftovers", async () => {
  await using dir = await tempDir();
  const cache = join(dir.path, "cache");
  const source = await attemptFolder(dir.path); // 39 bytes per entry
  const now = new Date("2026-11-30T12:00:00Z");
  const daysAgo = (d: number) => new Date(now.getTime() - d * 864e5);
  const keys = ["01", "02", "03", "04"].map((p) => p.repeat(32));
  const store = new CacheStore(cache);
  for (const [i, key] of keys.entries()) {
    await store.save(key, source, { runId: `r${i}`, instanceId: "a" });
    const used = daysAgo([40, 3, 2, 1][i]!);
    await Deno.utime(join(entryDir(cache, key), MANIFEST), used, used);
  }
  const stale = join(cacheTempDir(cache), "0101-interrupted");
  await Deno.mkdir(stale, { recursive: true });
  await Deno.utime(stale, daysAgo(1), daysAgo(1));
  const fresh = join(cacheTempDir(cache), "0202-being-written");
  await Deno.mkdir(fresh);

  const got = await pruneCache(cache, { keepDays: 30, maxSize: 80, now: () => now });
  // 40 days: too old. Then 1 and 2 days old fit in 80 bytes; 3 days old does not.
  assertEquals(got, { removed: 2, freed: 78, kept: 2, size: 78, warnings: [] });
  const left = await Promise.all(keys.map((k) => exists(entryDir(cache, k))));
  assertEquals(left, [false, false, true, true]);
  assertEquals([await exists(stale), await exists(fresh)], [false, true]);
});
