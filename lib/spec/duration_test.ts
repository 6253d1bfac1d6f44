import { assertEquals, assertThrows } from "../../tests/_deps.ts";
import { parseDuration } from "./duration.ts";
import { DurationError } from "./errors.ts";

Deno.test("parseDuration() reads seconds and unit strings", async (t) => {
  const cases: [string | number, number][] = [
    [90, 90],
    ["90", 90],
    ["90s", 90],
    ["10m", 600],
    ["1h30m", 5400],
    ["1h 30m 15s", 5415],
    ["1.5h", 5400],
    ["2d", 172800],
    ["0.5", 0.5],
  ];
  for (const [input, seconds] of cases) {
    await t.step(JSON.stringify(input), () => assertEquals(parseDuration(input), seconds));
  }
});

Deno.test("parseDuration() rejects what is not a positive duration", async (t) => {
  for (const input of ["", "10x", "ten minutes", "m", "-5s", "0", 0, -1, Infinity, NaN, "1h-5m"]) {
    await t.step(String(input), () => {
      const err = assertThrows(() => parseDuration(input), DurationError, "90s, 10m, 1h30m");
      assertEquals(err.value, input);
    });
  }
});
