import { assertEquals } from "../../tests/_deps.ts";
import {
  formatDuration,
  formatElapsedPage,
  formatElapsedSummary,
  formatElapsedTerminal,
  sleep,
} from "./time.ts";

Deno.test("formatDuration() prints the largest units first", () => {
  assertEquals(
    [0, 0.4, 45, 60, 5400, 5415, 90061].map(formatDuration),
    ["0s", "<1s", "45s", "1m", "1h 30m", "1h 30m 15s", "1d 1h 1m 1s"],
  );
});

Deno.test("formatElapsedPage() shows measured durations for pages, from milliseconds to hours", () => {
  assertEquals(
    [undefined, Number.NaN, 0.85, 4, 12.34, 245, 7380].map(formatElapsedPage),
    ["–", "–", "850 ms", "4.0 s", "12.3 s", "4 min 05 s", "2 h 03 min"],
  );
});

Deno.test("formatElapsedSummary() shows tenths under a minute, then whole seconds", () => {
  assertEquals(
    [2.345, 59.94, 83, 3723].map(formatElapsedSummary),
    ["2.3s", "59.9s", "1m 23s", "1h 2m 3s"],
  );
});

Deno.test("formatElapsedTerminal() keeps terminal columns short", () => {
  assertEquals([
    formatElapsedTerminal(undefined),
    formatElapsedTerminal(59.94),
    formatElapsedTerminal(61),
    formatElapsedTerminal(3720),
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
