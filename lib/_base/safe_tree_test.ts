import { join } from "node:path";
import { assertEquals, assertOk as assert, assertRejects } from "../../tests/_deps.ts";
import {
  copyTreeInside,
  entryInside,
  readFileInside,
  removeDirInside,
  UnsafeEntryError,
  unsafeRel,
  walkInside,
} from "./safe_tree.ts";

async function tempDir(): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir();
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }) };
}

/**
 * A root with one real file, and every kind of hostile entry: links to a file and a folder
 * outside (absolute and relative), a dangling link, a link to a file inside, a linked folder on
 * the way, a FIFO, and a socket-like special file where the system allows.
 */
async function hostileRoot(base: string): Promise<{ root: string; outside: string }> {
  const outside = join(base, "outside");
  await Deno.mkdir(join(outside, "sub"), { recursive: true });
  await Deno.writeTextFile(join(outside, "secret"), "canary");
  await Deno.writeTextFile(join(outside, "sub", "f"), "canary");
  const root = join(base, "root");
  await Deno.mkdir(join(root, "a", "b"), { recursive: true });
  await Deno.writeTextFile(join(root, "a", "b", "ok.txt"), "ok");
  await Deno.symlink(join(outside, "secret"), join(root, "a", "abs-file"));
  await Deno.symlink("../../outside/secret", join(root, "a", "rel-file"));
  await Deno.symlink(join(outside, "sub"), join(root, "a", "dir-link"));
  await Deno.symlink("/no/such/target", join(root, "a", "dangling"));
  await Deno.symlink("b/ok.txt", join(root, "a", "inner-link"));
  await Deno.symlink("/etc/passwd", join(root, "passwd"));
  await new Deno.Command("mkfifo", { args: [join(root, "a", "fifo")] }).output();
  return { root, outside };
}

Deno.test("unsafeRel() refuses every path that could leave its root", () => {
  for (
    const rel of [
      "/etc/passwd",
      "..",
      "../x",
      "a/../../x",
      "a/..",
      "./a",
      "a//b",
      "a/",
      "a\\b",
      "a\0b",
      "C:/x",
    ]
  ) {
    assert(unsafeRel(rel) !== undefined, rel);
  }
  for (const rel of ["", "a", "a/b.c", "..a", "a..b/c", "tasks/x/attempt-1/artifacts/p.png"]) {
    assertEquals(unsafeRel(rel), undefined, rel);
  }
});

Deno.test("walkInside() lists regular files and real folders, and refuses every link and special file", async () => {
  await using dir = await tempDir();
  const { root } = await hostileRoot(dir.path);
  const got = await walkInside(root);
  assertEquals(got.files.map((f) => f.rel), ["a/b/ok.txt"]);
  assertEquals(got.dirs, ["a", "a/b"]);
  assertEquals(got.refused.map((e) => e.rel).sort(), [
    "a/abs-file",
    "a/dangling",
    "a/dir-link",
    "a/fifo",
    "a/inner-link",
    "a/rel-file",
    "passwd",
  ]);
  assert(got.refused.every((e) => e instanceof UnsafeEntryError && e.message.includes(e.rel)));
});

Deno.test("entryInside() and readFileInside() never read through a link or out of the root", async (t) => {
  await using dir = await tempDir();
  const { root } = await hostileRoot(dir.path);
  assertEquals(new TextDecoder().decode(await readFileInside(root, "a/b/ok.txt")), "ok");
  assertEquals(await readFileInside(root, "a/missing"), undefined);
  assertEquals(await readFileInside(root, "a/b"), undefined);
  for (
    const rel of [
      "a/abs-file",
      "a/rel-file",
      "a/dir-link/f",
      "a/inner-link",
      "passwd",
      "a/fifo",
      "../outside/secret",
      "a/../../outside/secret",
      "/etc/passwd",
    ]
  ) {
    await t.step(rel, async () => {
      await assertRejects(() => readFileInside(root, rel), UnsafeEntryError);
    });
  }
  await t.step("the root itself as a link", async () => {
    await Deno.symlink(root, join(dir.path, "root-link"));
    await assertRejects(
      () => entryInside(join(dir.path, "root-link"), "a/b/ok.txt"),
      UnsafeEntryError,
    );
  });
});

Deno.test("copyTreeInside() copies only what the folder holds; removeDirInside() removes only a real folder inside", async () => {
  await using dir = await tempDir();
  const { root, outside } = await hostileRoot(dir.path);
  const refused = await copyTreeInside(root, "a", join(dir.path, "copy"));
  assertEquals(refused.length, 6);
  const copied = await walkInside(join(dir.path, "copy"));
  assertEquals([copied.files.map((f) => f.rel), copied.refused.length], [["b/ok.txt"], 0]);
  await assertRejects(() => removeDirInside(root, "a/dir-link"), UnsafeEntryError);
  await assertRejects(() => removeDirInside(root, "a/dir-link/.."), UnsafeEntryError);
  await assertRejects(() => removeDirInside(root, ""), UnsafeEntryError);
  assert(await removeDirInside(root, "a"));
  assertEquals(await Deno.readTextFile(join(outside, "sub", "f")), "canary");
  assertEquals(await Deno.readTextFile(join(outside, "secret")), "canary");
  assertEquals(await removeDirInside(root, "a"), false);
});
