import { assertEquals, assertMatch, assertStringIncludes } from "../../tests/_deps.ts";
import type { PlannedInstance } from "../plan/types.ts";
import type { RunSummary, TaskRecord } from "../log/schema.ts";
import { Progress, safeText } from "./_progress.ts";
import { plannedInstance } from "../../testing/instances.ts";

const instance = (id: string, retries = 0): PlannedInstance =>
  plannedInstance(id, { notebook: "a.py", retries });

const record = (id: string, status: TaskRecord["status"], extra: Partial<TaskRecord> = {}) => ({
  id,
  task: id,
  slug: id,
  matrix: {},
  parameters: {},
  needs: [],
  notebook: "a.py",
  status,
  attempts: [],
  values: {},
  metrics: [],
  artifacts: [],
  ...extra,
} satisfies TaskRecord);

Deno.test("Progress writes plain timestamped lines when not on a terminal", () => {
  let out = "";
  let now = Date.parse("2026-11-27T04:00:00Z");
  const p = new Progress({ live: false, write: (s) => out += s, total: 2, now: () => now });
  p.attemptStarted(instance("train", 1), 1, new Date(now));
  now += 3000;
  p.attemptEnded(instance("train", 1), {
    attempt: 1,
    status: "failed",
    startedAt: "",
    error: { ename: "ValueError", evalue: "bad\n\u001b[31mred", traceback: [] },
  }, true);
  p.taskEnded(record("train", "failed", {
    durationSeconds: 65,
    attempts: [{
      attempt: 2,
      status: "failed",
      startedAt: "",
      error: { ename: "KeyError", evalue: "'x'", traceback: [] },
    }],
  }));
  p.taskEnded(record("report", "skipped", { reason: "upstream 'train' failed" }));
  assertEquals(out.split("\n"), [
    "04:00:00 start     train (attempt 1/2)",
    "04:00:03 retry     train: attempt 1 failed (ValueError: bad [31mred)",
    "04:00:03 failed    train in 1m05s: KeyError: 'x'",
    "04:00:03 skipped   report: upstream 'train' failed",
    "",
  ]);
});

Deno.test("Progress redraws the running instances in place on a terminal", async () => {
  let out = "";
  let now = 0;
  const p = new Progress({ live: true, write: (s) => out += s, total: 3, now: () => now });
  p.start();
  try {
    p.attemptStarted(instance("a"), 1, new Date(0));
    p.attemptStarted(instance("b"), 1, new Date(0));
    p.cellStarted(instance("b"), 1, 2, 5);
    now = 2500;
    await new Promise((r) => setTimeout(r, 1100));
    assertStringIncludes(
      out,
      "  running a  2.5s\n  running b  2.5s  cell 2/5\n  0/3 done, 2 running\n",
    );
    p.taskEnded(record("a", "succeeded", { durationSeconds: 2.5 }));
    // The live block is erased (cursor up, clear) before the permanent line is written.
    assertMatch(
      out,
      // deno-lint-ignore no-control-regex
      /\x1b\[3A\x1b\[J[\d:]+ succeeded a in 2\.5s\n {2}running b {2}2\.5s {2}cell 2\/5\n {2}1\/3 done, 1 running\n$/,
    );
  } finally {
    p.stop();
  }
  assertEquals(out.endsWith("\x1b[2A\x1b[J"), true);
});

Deno.test("Progress.table() lists task, status, attempts and duration", () => {
  const p = new Progress({ live: false, write: () => {}, total: 2 });
  const summary: RunSummary = {
    formatVersion: 1,
    runId: "r",
    pipeline: { name: "p" },
    status: "failed",
    trigger: "local",
    startedAt: "",
    durationSeconds: 12,
    parameters: {},
    tasks: [
      record("ingest", "succeeded", {
        durationSeconds: 4.25,
        attempts: [{ attempt: 1, status: "succeeded", startedAt: "" }],
      }),
      record("train[n=600]", "skipped", { durationSeconds: 0 }),
    ],
  };
  assertEquals(p.table(summary).split("\n"), [
    "task          status     attempts  duration",
    "ingest        succeeded         1      4.3s",
    "train[n=600]  skipped           0      0.0s",
    "",
    "run failed in 12.0s (1 succeeded, 1 skipped)",
    "",
  ]);
});

Deno.test("safeText() keeps terminal output clean and short", () => {
  assertEquals(safeText("a\u001b]0;title\u0007b\r\nc"), "a ]0;title b c");
  assertEquals(safeText("x".repeat(10), 5), "xxxx…");
});

Deno.test("Progress annotates failures for GitHub Actions with escaped workflow commands", () => {
  let out = "";
  const p = new Progress({ live: false, write: (s) => out += s, total: 2, annotations: true });
  p.taskEnded(record("train[a=1,b=2]", "failed", {
    attempts: [{
      attempt: 1,
      status: "failed",
      startedAt: "",
      error: { ename: "ValueError", evalue: "100% wrong\n::add-mask::x", traceback: [] },
    }],
  }));
  p.taskEnded(record("ok", "succeeded"));
  const commands = out.split("\n").filter((l) => l.startsWith("::"));
  // Newlines cannot start a command of their own; % and the title's , are escaped.
  assertEquals(commands, [
    "::error title=train[a=1%2Cb=2] failed::ValueError: 100%25 wrong ::add-mask::x",
  ]);
});

Deno.test("Progress says cached for an instance restored from another run", () => {
  let out = "";
  const now = Date.parse("2026-11-30T04:00:00Z");
  const p = new Progress({ live: false, write: (s) => out += s, total: 2, now: () => now });
  const cached = record("ingest", "succeeded", {
    durationSeconds: 0.01,
    cached: true,
    cachedFrom: "2026-11-29T04-00-00Z-ab12",
    attempts: [{ attempt: 1, status: "succeeded", startedAt: "" }],
  });
  p.taskEnded(cached);
  assertMatch(out, /^[\d:]+ cached {4}ingest from run 2026-11-29T04-00-00Z-ab12\n$/);
  const table = p.table({
    formatVersion: 1,
    runId: "r",
    pipeline: { name: "p" },
    status: "succeeded",
    trigger: "local",
    startedAt: "",
    durationSeconds: 3,
    parameters: {},
    tasks: [cached, record("train", "succeeded", { durationSeconds: 2 })],
  });
  assertEquals(table.split("\n").slice(1, 5), [
    "ingest  cached            1      0.0s",
    "train   succeeded         0      2.0s",
    "",
    "run succeeded in 3.0s (1 cached, 1 succeeded)",
  ]);
});
