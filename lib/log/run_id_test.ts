import { assertEquals, assertMatch, assertThrows } from "../../tests/_deps.ts";
import { checkRunId, InvalidRunIdError, newRunId, RUN_ID_PATTERN } from "./run_id.ts";

Deno.test("newRunId() is readable, file-system safe and sorts by start time", () => {
  const early = newRunId(new Date("2026-11-27T04:05:06.999Z"));
  const late = newRunId(new Date("2026-11-27T10:00:00Z"));
  assertMatch(early, /^2026-11-27T04-05-06Z-[0-9a-f]{4}$/);
  assertMatch(early, RUN_ID_PATTERN);
  assertEquals([late, early].sort(), [early, late]);
  assertEquals(
    newRunId(new Date("2026-01-02T03:04:05Z"), { suffix: "beef" }),
    "2026-01-02T03-04-05Z-beef",
  );
});

Deno.test("checkRunId() accepts safe ids and rejects paths, spaces and empty ids", async (t) => {
  assertEquals(checkRunId("nightly_2026.11-27"), "nightly_2026.11-27");
  for (const bad of ["", "../x", "a/b", ".hidden", "with space", "x".repeat(129), "a\\b", "é"]) {
    await t.step(JSON.stringify(bad.slice(0, 10)), () => {
      const err = assertThrows(() => checkRunId(bad), InvalidRunIdError);
      assertMatch(err.message, /^Cannot use run id /);
    });
  }
});
