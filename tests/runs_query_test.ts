/**
 * The runs table's query language (`site/assets/runs_query.js`), run in Deno: the same file the
 * browser loads, as a classic script that sets `self.pynbQuery`.
 *
 * @module
 */
import { assertEquals } from "./_deps.ts";

await import("../site/assets/runs_query.js");

type Row = { status: string; branch: string; commit: string; id: string; x: unknown[] };
interface Query {
  parse(q: string): unknown[];
  compile(q: string, table: unknown): { test(row: Row): boolean; errors: string[] };
  setField(q: string, field: string, value: string): string;
}
const Q = (globalThis as unknown as { pynbQuery: Query }).pynbQuery;

const COLUMNS = ["score", "lr", "benchmark[n=600].auc", "model"];
const ROWS: Row[] = [
  { status: "succeeded", branch: "main", commit: "abc1234", id: "r1", x: [3, 0.1, 0.91, "svc"] },
  { status: "failed", branch: "main", commit: "def5678", id: "r2", x: [2.5, 0.01, 0.85, "rf"] },
  { status: "succeeded", branch: "feat/x", commit: "abd0000", id: "r3", x: [1, 0.1, null, "svc"] },
];
const TABLE = {
  columns: COLUMNS,
  get: (row: Row, k: number | string) =>
    typeof k === "number" ? row.x[k] ?? null : (row as unknown as Record<string, unknown>)[k],
  text: (row: Row) => [row.id, row.status, row.branch, ...row.x].join(" ").toLowerCase(),
};

function ids(q: string): string[] {
  const c = Q.compile(q, TABLE);
  return ROWS.filter((r) => c.test(r)).map((r) => r.id);
}

Deno.test("parse() splits terms on spaces, keeps quoted text and brackets together", () => {
  assertEquals(Q.parse('score>2.5 "two words" benchmark[n=600].auc>=0.9 -status:failed'), [
    { kind: "cmp", key: "score", op: ">", value: "2.5", not: false },
    { kind: "text", value: "two words", not: false },
    { kind: "cmp", key: "benchmark[n=600].auc", op: ">=", value: "0.9", not: false },
    { kind: "cmp", key: "status", op: ":", value: "failed", not: true },
  ]);
});

Deno.test("compile() filters rows the way the runs table does", async (t) => {
  await t.step("numbers compare as numbers", () => {
    assertEquals(ids("score>2.5"), ["r1"]);
    assertEquals(ids("score>=2.5"), ["r1", "r2"]);
    assertEquals(ids("lr=0.1"), ["r1", "r3"]);
    assertEquals(ids("lr!=0.1"), ["r2"]);
  });
  await t.step("fields match exactly, commit and run by prefix", () => {
    assertEquals(ids("branch:main"), ["r1", "r2"]);
    assertEquals(ids("status:failed"), ["r2"]);
    assertEquals(ids("status:FAILED"), ["r2"]);
    assertEquals(ids("commit:ab"), ["r1", "r3"]);
    assertEquals(ids("-status:failed"), ["r1", "r3"]);
  });
  await t.step("a column with brackets, a missing cell never matches", () => {
    assertEquals(ids("benchmark[n=600].auc>0.8"), ["r1", "r2"]);
    assertEquals(ids("BENCHMARK[n=600].AUC<0.9"), ["r2"]);
  });
  await t.step("free text and terms combine with and", () => {
    assertEquals(ids("svc"), ["r1", "r3"]);
    assertEquals(ids("svc branch:main"), ["r1"]);
    assertEquals(ids("model=rf"), ["r2"]);
    assertEquals(ids(""), ["r1", "r2", "r3"]);
  });
  await t.step("an unknown column matches nothing and says why", () => {
    const c = Q.compile("scor>1", TABLE);
    assertEquals(ROWS.filter((r) => c.test(r)).length, 0);
    assertEquals(c.errors.length, 1);
    assertEquals(c.errors[0]?.startsWith("Unknown column 'scor'"), true);
  });
});

Deno.test("setField() replaces a field's term and keeps the others", () => {
  assertEquals(
    Q.setField("score>1 status:failed", "status", "succeeded"),
    "score>1 status:succeeded",
  );
  assertEquals(Q.setField("score>1 status:failed", "status", ""), "score>1");
  assertEquals(Q.setField('"two words"', "branch", "a b"), '"two words" branch:"a b"');
});
