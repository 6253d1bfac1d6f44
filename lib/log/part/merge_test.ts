import { join } from "node:path";
import { assertEquals, assertOk, assertRejects } from "../../../tests/_deps.ts";
import { tempDir } from "../../../tests/_helpers.ts";
import { inst, writePart } from "../../../testing/run_parts.ts";
import { MergeError, mergeRunParts } from "./merge.ts";
import { readSpansFile } from "../spans/otlp_read.ts";
import { readRunFolder } from "../read.ts";
import { derivedTraceId } from "../spans/span_ids.ts";

Deno.test("mergeRunParts() makes one trace of the parts and derives what never ran", async () => {
  await using dir = await tempDir();
  const a = await writePart(join(dir.path, "pa", "r1"), "r1", { a: "succeeded" });
  const b = await writePart(join(dir.path, "pb", "r1"), "r1", { b: "failed", c: "succeeded" }, {
    at: 5,
  });
  const { folder, summary } = await mergeRunParts([b, a], join(dir.path, "runs"));
  assertEquals(folder, join(dir.path, "runs", "r1"));
  assertEquals(summary.status, "failed");
  assertEquals(
    summary.tasks.map((t) => [t.id, t.status, t.reason ?? "", t.values.v ?? null]),
    [
      ["a", "succeeded", "", "a"],
      ["b", "failed", "", "b"],
      ["c", "succeeded", "", "c"],
      ["d", "skipped", "upstream 'b' failed", null],
    ],
  );
  assertEquals(await Deno.readTextFile(join(folder, "tasks/c/attempt-1/artifacts/x.txt")), "c");
  assertEquals((await readRunFolder(folder)).summary, summary);

  const { spans } = await readSpansFile(join(folder, "spans.jsonl"));
  assertOk(spans.every((s) => s.traceId === derivedTraceId("r1")));
  const runs = spans.filter((s) => s.parentSpanId === undefined);
  assertEquals(runs.map((s) => s.name), ["run p"]);
  const byName = new Map(spans.map((s) => [s.name, s]));
  for (const id of ["a", "b", "c", "d"]) {
    assertEquals(byName.get(`task ${id}`)?.parentSpanId, runs[0]!.spanId, id);
  }
  assertEquals(byName.get("task b")?.links.map((l) => l.spanId), [byName.get("task a")?.spanId]);
  assertEquals(byName.get("task d")?.links.map((l) => l.spanId), [byName.get("task b")?.spanId]);
  assertEquals(byName.get("attempt b #1")?.parentSpanId, byName.get("task b")?.spanId);
});

Deno.test("mergeRunParts() is idempotent and order-independent", async () => {
  await using dir = await tempDir();
  const a = await writePart(join(dir.path, "pa", "r1"), "r1", { a: "succeeded" });
  const b = await writePart(join(dir.path, "pb", "r1"), "r1", { b: "succeeded" }, { at: 3 });
  const c = await writePart(join(dir.path, "pc", "r1"), "r1", { c: "succeeded", d: "succeeded" });
  const one = await mergeRunParts([a, b, c], join(dir.path, "one"));
  const two = await mergeRunParts([c, a, b], join(dir.path, "two"));
  const spans = (f: string) => Deno.readTextFile(join(f, "spans.jsonl"));
  assertEquals(await spans(two.folder), await spans(one.folder));
  assertEquals(two.summary, one.summary);
  assertEquals(one.summary.status, "succeeded");
  // Merging again into the same folder, and merging the merged run with a part, change nothing.
  const again = await mergeRunParts([a, b, c], join(dir.path, "one"));
  assertEquals(await spans(again.folder), await spans(one.folder));
  const more = await mergeRunParts([one.folder, b], join(dir.path, "three"));
  assertEquals(await spans(more.folder), await spans(one.folder));
  // Merging in steps gives the merge of all.
  const ab = await mergeRunParts([a, b], join(dir.path, "ab"));
  const steps = await mergeRunParts([ab.folder, c], join(dir.path, "steps"));
  assertEquals(await spans(steps.folder), await spans(one.folder));
});

Deno.test("mergeRunParts() derives cancelled for an instance whose job never reported", async () => {
  await using dir = await tempDir();
  const a = await writePart(join(dir.path, "pa", "r1"), "r1", { a: "succeeded" });
  const { summary } = await mergeRunParts([a], join(dir.path, "runs"));
  assertEquals(summary.tasks.map((t) => [t.id, t.status]), [
    ["a", "succeeded"],
    ["b", "cancelled"],
    ["c", "cancelled"],
    ["d", "cancelled"],
  ]);
  assertEquals(summary.status, "cancelled");
  assertEquals(summary.tasks[3]?.reason, "upstream 'b' was cancelled");
});

Deno.test("mergeRunParts() refuses parts of different runs or pipelines", async (t) => {
  await using dir = await tempDir();
  const a = await writePart(join(dir.path, "pa", "r1"), "r1", { a: "succeeded" });
  await t.step("different runs", async () => {
    const other = await writePart(join(dir.path, "px", "r2"), "r2", { b: "succeeded" });
    const err = await assertRejects(() => mergeRunParts([a, other], dir.path), MergeError);
    assertOk(err.message.includes("different runs: 'r1' (r1) vs 'r2' (r2)"), err.message);
  });
  await t.step("different pipelines", async () => {
    const other = await writePart(join(dir.path, "py", "r1"), "r1", { b: "succeeded" }, {
      pipeline: "q",
    });
    const err = await assertRejects(() => mergeRunParts([a, other], dir.path), MergeError);
    assertOk(err.message.includes("different pipelines"), err.message);
  });
  await t.step("a different plan", async () => {
    const plan = [inst("a"), inst("b"), inst("c", ["a"]), inst("d", ["b"])];
    const other = await writePart(join(dir.path, "pz", "r1"), "r1", { b: "succeeded" }, { plan });
    const err = await assertRejects(() => mergeRunParts([a, other], dir.path), MergeError);
    assertOk(err.message.includes("planned instance 'b' differently"), err.message);
  });
  await t.step("not a run folder", async () => {
    const err = await assertRejects(() => mergeRunParts([dir.path], dir.path), MergeError);
    assertOk(err.message.includes("not a run folder"), err.message);
  });
});
