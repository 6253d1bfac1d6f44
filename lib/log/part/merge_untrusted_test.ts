import { join } from "node:path";
import { assertEquals, assertOk as assert, assertRejects } from "../../../tests/_deps.ts";
import { tempDir } from "../../../tests/_helpers.ts";
import { writePart } from "../../../testing/run_parts.ts";
import { walkInside } from "../../_base/safe_tree.ts";
import { MergeError, mergeRunParts } from "./merge.ts";

Deno.test("mergeRunParts() refuses a run id that is not a plain name, and touches nothing outside --out", async (t) => {
  for (const runId of ["x/../../victim", "../victim", "/tmp/victim", "victim/..", ".hidden"]) {
    await t.step(runId, async () => {
      await using dir = await tempDir();
      const victim = join(dir.path, "victim");
      await Deno.mkdir(victim);
      await Deno.writeTextFile(join(victim, "keep.txt"), "keep");
      const part = await writePart(join(dir.path, "parts", "a", "p"), runId, { a: "succeeded" });
      const err = await assertRejects(
        () => mergeRunParts([part], join(dir.path, "out", "runs")),
        MergeError,
      );
      assert(err.message.includes(JSON.stringify(runId)), err.message);
      assertEquals(await Deno.readTextFile(join(victim, "keep.txt")), "keep");
      assertEquals([...Deno.readDirSync(dir.path)].map((e) => e.name).sort(), ["parts", "victim"]);
    });
  }
});

Deno.test("mergeRunParts() reads no spans.jsonl and no part through a link", async (t) => {
  await using dir = await tempDir();
  const good = await writePart(join(dir.path, "parts", "a", "r1"), "r1", { a: "succeeded" });
  await t.step("spans.jsonl is a link", async () => {
    const part = join(dir.path, "parts", "b", "r1");
    await Deno.mkdir(part, { recursive: true });
    await Deno.symlink(join(good, "spans.jsonl"), join(part, "spans.jsonl"));
    const err = await assertRejects(() => mergeRunParts([part], join(dir.path, "o1")), MergeError);
    assert(err.message.includes("symbolic link"), err.message);
  });
  await t.step("the part folder is a link", async () => {
    const link = join(dir.path, "parts", "c");
    await Deno.symlink(good, link);
    await assertRejects(() => mergeRunParts([link], join(dir.path, "o2")), MergeError);
  });
});

Deno.test("mergeRunParts() copies only the files a part holds: links anywhere are left out and named", async (t) => {
  const cases: [string, (part: string, outside: string) => Promise<void>][] = [
    ["an artifact linked to /etc/passwd", async (part) => {
      await Deno.symlink("/etc/passwd", join(part, "tasks/a/attempt-1/artifacts/passwd"));
    }],
    ["a relative link out of the part", async (part) => {
      await Deno.symlink(
        "../../../../../outside/secret",
        join(part, "tasks/a/attempt-1/stderr.txt"),
      );
    }],
    ["artifacts/ is a link", async (part, outside) => {
      await Deno.remove(join(part, "tasks/a/attempt-1/artifacts"), { recursive: true });
      await Deno.symlink(outside, join(part, "tasks/a/attempt-1/artifacts"));
    }],
    ["the attempt folder is a link", async (part, outside) => {
      await Deno.remove(join(part, "tasks/a/attempt-1"), { recursive: true });
      await Deno.symlink(outside, join(part, "tasks/a/attempt-1"));
    }],
    ["the instance folder is a link", async (part, outside) => {
      await Deno.remove(join(part, "tasks/a"), { recursive: true });
      await Deno.symlink(outside, join(part, "tasks/a"));
    }],
    ["a FIFO", async (part) => {
      await new Deno.Command("mkfifo", { args: [join(part, "tasks/a/attempt-1/values.jsonl")] })
        .output();
    }],
  ];
  for (const [name, spoil] of cases) {
    await t.step(name, async () => {
      await using dir = await tempDir();
      const outside = join(dir.path, "outside");
      await Deno.mkdir(outside);
      await Deno.writeTextFile(join(outside, "secret"), "canary");
      const part = await writePart(join(dir.path, "parts", "a", "r1"), "r1", { a: "succeeded" });
      await spoil(part, outside);
      const got = await mergeRunParts([part], join(dir.path, "runs"));
      assert(got.warnings.some((w) => w.includes("tasks/a")), got.warnings.join("\n"));
      assert(got.warnings.length <= 2, got.warnings.join("\n"));
      const listing = await walkInside(got.folder);
      assertEquals(listing.refused, []);
      for (const f of listing.files) {
        const text = await Deno.readTextFile(join(got.folder, f.rel));
        assert(!text.includes("canary") && !text.includes("root:x:0"), f.rel);
      }
    });
  }
});
