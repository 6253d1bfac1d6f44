import { join } from "node:path";
import { assertEquals, assertOk as assert } from "../../../tests/_deps.ts";
import { tempDir } from "../../../tests/_helpers.ts";
import { writePart } from "../../../testing/run_parts.ts";
import { UserError } from "../../errors.ts";
import { MergeError, mergeRunParts } from "./merge.ts";
import { parseSpansJsonl } from "../spans/otlp_read.ts";
import { readRunFolder } from "../read.ts";
import { summaryFromSpans } from "../spans/rebuild.ts";

Deno.test("mergeRunParts() says when parts disagree on an instance, and which record it keeps", async () => {
  await using dir = await tempDir();
  const a = await writePart(join(dir.path, "a", "r1"), "r1", { a: "succeeded" }, { at: 1 });
  const b = await writePart(join(dir.path, "b", "r1"), "r1", { a: "failed" }, { at: 2 });
  const got = await mergeRunParts([a, b], join(dir.path, "runs"));
  const w = got.warnings.filter((x) => x.includes("different results"));
  assertEquals(w.length, 1, got.warnings.join("\n"));
  assert(w[0]!.includes("'a'") && w[0]!.includes("succeeded") && w[0]!.includes("failed"), w[0]);
  // The same part twice (a merged run merged again) is the same result: nothing to say.
  const again = await mergeRunParts([got.folder, a], join(dir.path, "again"));
  assertEquals(again.warnings, []);
});

Deno.test("mergeRunParts() says when a succeeded instance has no notebook, or a span id is repeated", async (t) => {
  await t.step("no notebook", async () => {
    await using dir = await tempDir();
    const a = await writePart(join(dir.path, "a", "r1"), "r1", { a: "succeeded" });
    await Deno.remove(join(a, "tasks/a/attempt-1/notebook.ipynb"));
    const got = await mergeRunParts([a], join(dir.path, "runs"));
    assertEquals(got.warnings.length, 1);
    assert(got.warnings[0]!.includes("'a' succeeded") && got.warnings[0]!.includes("notebook"));
  });
  await t.step("a repeated span", async () => {
    await using dir = await tempDir();
    const a = await writePart(join(dir.path, "a", "r1"), "r1", { a: "succeeded" });
    const lines = (await Deno.readTextFile(join(a, "spans.jsonl"))).split("\n");
    const task = lines.find((l) => l.includes('"pynb.task.status"'))!;
    await Deno.writeTextFile(join(a, "spans.jsonl"), `${task}\n`, { append: true });
    const got = await mergeRunParts([a], join(dir.path, "runs"));
    assertEquals(got.warnings.length, 1, got.warnings.join("\n"));
    assert(got.warnings[0]!.includes("more than once") && got.warnings[0]!.includes("'a'"));
  });
});

/** Ways to spoil a `spans.jsonl`: each must end in a clear refusal or a run read, never a crash. */
function corruptions(good: string): [string, string][] {
  const lines = good.trimEnd().split("\n");
  const attempt = lines.find((l) => l.includes('"pynb.attempt"'))!;
  const many = JSON.parse(attempt);
  const span = many.resourceSpans[0].scopeSpans[0].spans[0];
  many.resourceSpans[0].scopeSpans[0].spans = Array.from({ length: 130_000 }, (_, i) => ({
    ...span,
    spanId: i.toString(16).padStart(16, "0"),
  }));
  return [
    ["garbage lines", `${good}garbage\n{"x":1}\n[]\nnull\n`],
    ["binary", `${good}\u0000\u00ff\ufffd\u0001PK\u0003\u0004\n`],
    [
      "a huge time",
      good.replace(/"endTimeUnixNano":"\d+"/, '"endTimeUnixNano":"99999999999999999999999999"'),
    ],
    ["a huge numeric time", good.replace(/"endTimeUnixNano":"\d+"/, '"endTimeUnixNano":1e300')],
    [
      "a huge attempt number",
      good.replace(
        /("key":"pynb.attempt","value":\{"intValue":)"?\d+"?/,
        '$1"99999999999999999999"',
      ),
    ],
    [
      "a negative attempt number",
      good.replace(/("key":"pynb.attempt","value":\{"intValue":)"?\d+"?/, "$1-5"),
    ],
    ["130k spans on one line", `${good}${JSON.stringify(many)}\n`],
    ["only the plan", lines.slice(0, 1).join("\n") + "\n"],
    ["empty", ""],
  ];
}

Deno.test("a corrupt spans.jsonl is refused or read, never a crash", async (t) => {
  await using dir = await tempDir();
  const good = await Deno.readTextFile(
    join(
      await writePart(join(dir.path, "good", "r1"), "r1", { a: "succeeded", b: "failed" }),
      "spans.jsonl",
    ),
  );
  for (const [name, text] of corruptions(good)) {
    await t.step(name, async () => {
      const part = join(dir.path, name.replaceAll(" ", "-"), "r1");
      await Deno.mkdir(join(part), { recursive: true });
      await Deno.writeTextFile(join(part, "spans.jsonl"), text);
      try {
        await mergeRunParts([part], join(dir.path, "runs", name.replaceAll(" ", "-")));
      } catch (err) {
        assert(err instanceof MergeError && err instanceof UserError, String((err as Error).stack));
      }
      try {
        await readRunFolder(part);
      } catch (err) {
        assert(err instanceof UserError, String((err as Error).stack));
      }
      summaryFromSpans(parseSpansJsonl(text).spans, "r1");
    });
  }
});
