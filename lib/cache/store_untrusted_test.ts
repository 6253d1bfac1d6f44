import { join } from "node:path";
import { assertEquals, assertOk as assert, assertRejects } from "../../tests/_deps.ts";
import { tempDir } from "../../tests/_helpers.ts";
import { exists } from "../_base/fs.ts";
import { UserError } from "../errors.ts";
import { entryDir, layoutDir, MANIFEST } from "./manifest.ts";
import { pruneCache } from "./prune.ts";
import { CacheStore } from "./store.ts";

const KEY = "cd".repeat(32);

/** A cache with one saved entry, a folder of secrets beside it, and the entry's folder. */
async function cacheWithEntry(base: string) {
  const source = join(base, "attempt-1");
  await Deno.mkdir(join(source, "artifacts"), { recursive: true });
  await Deno.writeTextFile(join(source, "notebook.ipynb"), '{"cells": []}');
  await Deno.writeTextFile(join(source, "artifacts", "a.txt"), "a");
  const outside = join(base, "outside");
  await Deno.mkdir(join(outside, "sub"), { recursive: true });
  await Deno.writeTextFile(join(outside, "secret"), "canary");
  const warnings: string[] = [];
  const store = new CacheStore(join(base, "cache"), { warn: (m) => warnings.push(m) });
  await store.save(KEY, source, { runId: "r1", instanceId: "a" });
  return { store, warnings, entry: entryDir(store.dir, KEY), outside };
}

/** Rewrites a manifest so that it lists what the attacker put in the entry. */
async function relist(entry: string, path: string, bytes: string) {
  const manifest = JSON.parse(await Deno.readTextFile(join(entry, MANIFEST)));
  const { createHash } = await import("node:crypto");
  manifest.files.push({
    path,
    size: bytes.length,
    sha256: createHash("sha256").update(bytes).digest("hex"),
  });
  await Deno.writeTextFile(join(entry, MANIFEST), JSON.stringify(manifest));
}

Deno.test("CacheStore.restore() is a miss, with a warning, for an entry that holds or lies under a link", async (t) => {
  const cases: [string, (entry: string, outside: string, cache: string) => Promise<void>][] = [
    ["a listed file linked to a file outside", async (entry, outside) => {
      await Deno.symlink(join(outside, "secret"), join(entry, "artifacts", "s.txt"));
      await relist(entry, "artifacts/s.txt", "canary");
    }],
    ["a listed file replaced by a link", async (entry, outside) => {
      await Deno.writeTextFile(join(outside, "a.txt"), "a");
      await Deno.remove(join(entry, "artifacts", "a.txt"));
      await Deno.symlink(join(outside, "a.txt"), join(entry, "artifacts", "a.txt"));
    }],
    ["an unlisted link", async (entry) => {
      await Deno.symlink("/etc/passwd", join(entry, "artifacts", "passwd"));
    }],
    ["artifacts/ is a link", async (entry, outside) => {
      await Deno.writeTextFile(join(outside, "a.txt"), "a");
      await Deno.remove(join(entry, "artifacts"), { recursive: true });
      await Deno.symlink(outside, join(entry, "artifacts"));
    }],
    ["the entry folder is a link", async (entry, outside) => {
      await Deno.rename(entry, join(outside, "moved"));
      await Deno.symlink(join(outside, "moved"), entry);
    }],
    ["v1 is a link", async (_entry, outside, cache) => {
      await Deno.rename(layoutDir(cache), join(outside, "v1"));
      await Deno.symlink(join(outside, "v1"), layoutDir(cache));
    }],
    ["a FIFO", async (entry) => {
      await new Deno.Command("mkfifo", { args: [join(entry, "artifacts", "f")] }).output();
    }],
  ];
  for (const [name, spoil] of cases) {
    await t.step(name, async () => {
      await using dir = await tempDir();
      const { store, warnings, entry, outside } = await cacheWithEntry(dir.path);
      await spoil(entry, outside, store.dir);
      const target = join(dir.path, "run2", "attempt-1");
      assertEquals(await store.restore(KEY, target), undefined);
      assertEquals(await exists(target), false);
      assertEquals(warnings.length, 1, warnings.join("\n"));
      assert(warnings[0]!.includes(KEY.slice(0, 12)) && warnings[0]!.includes("runs"));
      assertEquals(await Deno.readTextFile(join(outside, "secret")), "canary");
    });
  }
  await t.step("an untouched entry is a hit", async () => {
    await using dir = await tempDir();
    const { store, warnings } = await cacheWithEntry(dir.path);
    const target = join(dir.path, "run2", "attempt-1");
    assert((await store.restore(KEY, target)) !== undefined);
    assertEquals([await Deno.readTextFile(join(target, "artifacts", "a.txt")), warnings], [
      "a",
      [],
    ]);
  });
});

Deno.test("pruneCache() follows no link and removes nothing that is not an entry", async (t) => {
  const old = { keepDays: 0, now: () => new Date(Date.now() + 864e5 * 10) };
  await t.step("v1 is a link to a folder of other data", async () => {
    await using dir = await tempDir();
    const cache = join(dir.path, "cache");
    const data = join(dir.path, "data", "ab", "ab".repeat(32));
    await Deno.mkdir(data, { recursive: true });
    await Deno.writeTextFile(join(data, MANIFEST), "{}");
    await Deno.mkdir(cache);
    await Deno.symlink(join(dir.path, "data"), layoutDir(cache));
    const got = await pruneCache(cache, old);
    assertEquals(got.removed, 0);
    assert(await exists(join(data, MANIFEST)));
    assert(got.warnings.some((w) => w.includes("symbolic link")), got.warnings.join("\n"));
  });
  await t.step(
    "prefix and entry links, stray folders and files are kept; real entries go",
    async () => {
      await using dir = await tempDir();
      const { store, outside } = await cacheWithEntry(dir.path);
      const v1 = layoutDir(store.dir);
      await Deno.symlink(outside, join(v1, "ef"));
      await Deno.symlink(join(outside, "sub"), join(v1, "cd", "cd".repeat(31) + "ce"));
      await Deno.mkdir(join(v1, "my-notes"));
      await Deno.mkdir(join(v1, "cd", "not-a-key"));
      await Deno.writeTextFile(join(v1, "README"), "x");
      const got = await pruneCache(store.dir, old);
      assertEquals(got.removed, 1);
      assertEquals(await exists(entryDir(store.dir, KEY)), false);
      for (const kept of ["ef", "my-notes", "cd/not-a-key", "README", `cd/${"cd".repeat(31)}ce`]) {
        assert(await exists(join(v1, kept), { lstat: true }), kept);
      }
      assertEquals(await Deno.readTextFile(join(outside, "secret")), "canary");
      assertEquals(got.warnings.length, 4, got.warnings.join("\n"));
    },
  );
  await t.step("a cache folder that is not a folder is a clear error", async () => {
    for (const path of ["/dev/null", "/etc/hostname"]) {
      const err = await assertRejects(() => pruneCache(path, old), UserError);
      assert(err.message.includes(path) && err.message.includes("not a folder"), err.message);
    }
  });
});
