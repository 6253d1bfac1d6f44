import { assertEquals } from "../../tests/_deps.ts";
import { formatDuration, formatElapsed, formatElapsedCompact, sleep } from "./time.ts";

Deno.test("formatDuration() prints the largest units first", () => {
  assertEquals(
    [0, 0.4, 45, 60, 5400, 5415, 90061].map(formatDuration),
    ["0s", "<1s", "45s", "1m", "1h 30m", "1h 30m 15s", "1d 1h 1m 1s"],
  );
});

Deno.test("formatElapsed() shows measured durations for pages, from milliseconds to hours", () => {
  assertEquals(
    [undefined, Number.NaN, 0.85, 4, 12.34, 245, 7380].map(formatElapsed),
    ["–", "–", "850 ms", "4.0 s", "12.3 s", "4 min 05 s", "2 h 03 min"],
  );
});

Deno.test("formatElapsedCompact() keeps terminal columns short", () => {
  assertEquals([
    formatElapsedCompact(undefined),
    formatElapsedCompact(59.94),
    formatElapsedCompact(61),
    formatElapsedCompact(3720),
  ], [
    "-",
    "59.9s",
    "1m01s",
    "1h02m",
  ]);
});

Deno.test("sleep() waits at least the time asked", async () => {
  const t0 = performance.now();
  await sleep(20);
  assertEquals(performance.now() - t0 >= 19, true);
});
