import { assertEquals, assertOk } from "../../tests/_deps.ts";
import type { PlannedInstance } from "../plan/types.ts";
import type { TaskRecord } from "../log/schema.ts";
import { pendingRecord } from "./run_recorder.ts";
import {
  decideStart,
  describeEnd,
  failFastReason,
  type InstanceWork,
  INTERRUPTED_REASON,
  Scheduler,
  startPriorities,
} from "./scheduler.ts";
import { plannedInstance } from "../../testing/instances.ts";

function inst(id: string, needs: string[] = []): PlannedInstance {
  return plannedInstance(id, { needs });
}

type Outcome = TaskRecord["status"] | ((signal: AbortSignal) => Promise<TaskRecord["status"]>);

/** Work that logs what the scheduler asked for, with a scripted outcome per instance. */
function scriptedWork(script: Record<string, Outcome> = {}) {
  const log: string[] = [];
  const settled: string[] = [];
  const work: InstanceWork = {
    run: async (i, upstream, signal) => {
      log.push(`run ${i.id} after [${upstream.map((u) => u.id).join(",")}]`);
      const outcome = script[i.id] ?? "succeeded";
      const status = typeof outcome === "function" ? await outcome(signal) : outcome;
      await Promise.resolve();
      log.push(`end ${i.id}`);
      return { ...pendingRecord(i), status };
    },
    notRun: (i, status, reason) => {
      log.push(`${status} ${i.id}: ${reason}`);
      return { ...pendingRecord(i), status, reason };
    },
    failed: (i, err) => {
      log.push(`failed ${i.id}: ${(err as Error).message}`);
      return { ...pendingRecord(i), status: "failed", reason: "internal" };
    },
    settled: (r) => void settled.push(`${r.id} ${r.status}`),
  };
  return { work, log, settled };
}

function untilAbort(signal: AbortSignal): Promise<"cancelled"> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve("cancelled");
    signal.addEventListener("abort", () => resolve("cancelled"));
  });
}

Deno.test("decideStart() cancels a stopped run, skips after a bad upstream, else runs", () => {
  const ok = { id: "a", status: "succeeded" as const };
  const bad = { id: "b", status: "timeout" as const };
  assertEquals(decideStart([ok, bad], "stopped"), { action: "cancel", reason: "stopped" });
  assertEquals(decideStart([ok, bad, { id: "c", status: "failed" as const }], undefined), {
    action: "skip",
    reason: "upstream 'b' timed out",
  });
  assertEquals(decideStart([ok], undefined), { action: "run" });
  assertEquals(decideStart([], undefined), { action: "run" });
});

Deno.test("describeEnd() and failFastReason() say how an instance ended", () => {
  assertEquals(
    (["failed", "timeout", "skipped", "cancelled"] as const).map((status) =>
      describeEnd({ status })
    ),
    ["failed", "timed out", "was skipped", "was cancelled"],
  );
  assertEquals(
    failFastReason({ id: "x", status: "timeout" }, true),
    "cancelled by --fail-fast after 'x' timed out",
  );
  assertEquals(failFastReason({ id: "x", status: "succeeded" }, true), undefined);
  assertEquals(failFastReason({ id: "x", status: "cancelled" }, true), undefined);
  assertEquals(failFastReason({ id: "x", status: "failed" }, false), undefined);
});

Deno.test("Scheduler runs in dependency order, one at a time, longest chain first, with one slot", async () => {
  const { work, log, settled } = scriptedWork();
  const records = await new Scheduler({ concurrency: 1 }).schedule(
    [inst("a"), inst("b", ["a"]), inst("c"), inst("d", ["b", "c"])],
    work,
  );
  assertEquals(records.map((r) => [r.id, r.status]), [
    ["a", "succeeded"],
    ["b", "succeeded"],
    ["c", "succeeded"],
    ["d", "succeeded"],
  ]);
  // a (chain a-b-d) goes before c (c-d). When a ends, b becomes ready while c waits: the slot
  // goes to the first of them by chain, then plan order, not to the one that waited longest.
  assertEquals(log, [
    "run a after []",
    "end a",
    "run b after [a]",
    "end b",
    "run c after []",
    "end c",
    "run d after [b,c]",
    "end d",
  ]);
  assertEquals(settled, ["a succeeded", "b succeeded", "c succeeded", "d succeeded"]);
});

Deno.test("Scheduler skips downstream of a failure, naming the upstream instance", async () => {
  const { work, log } = scriptedWork({ a: "failed" });
  const records = await new Scheduler({ concurrency: 2 }).schedule(
    [inst("a"), inst("b", ["a"]), inst("c", ["b"]), inst("x")],
    work,
  );
  assertEquals(records.map((r) => [r.id, r.status, r.reason]), [
    ["a", "failed", undefined],
    ["b", "skipped", "upstream 'a' failed"],
    ["c", "skipped", "upstream 'b' was skipped"],
    ["x", "succeeded", undefined],
  ]);
  assertEquals(log.filter((l) => l.startsWith("run")), ["run a after []", "run x after []"]);
});

Deno.test("Scheduler with failFast stops: the running get the signal, the waiting are cancelled", async () => {
  const { work, log } = scriptedWork({ long: untilAbort, bad: "failed" });
  const scheduler = new Scheduler({ concurrency: 2, failFast: true });
  const records = await scheduler.schedule(
    [inst("long"), inst("bad"), inst("later"), inst("after", ["long"])],
    work,
  );
  const reason = "cancelled by --fail-fast after 'bad' failed";
  assertEquals(records.map((r) => [r.id, r.status, r.reason]), [
    ["long", "cancelled", undefined],
    ["bad", "failed", undefined],
    ["later", "cancelled", reason],
    ["after", "cancelled", reason],
  ]);
  // The slot bad gave back went to nobody: later never ran.
  assertEquals(log.filter((l) => l.startsWith("run")), ["run long after []", "run bad after []"]);
  assertEquals(scheduler.stopReason, reason);
  assertEquals((scheduler.signal.reason as Error).message, reason);
  assertEquals(scheduler.interrupted, false);
});

Deno.test("Scheduler interrupted: the signal aborts, the rest is cancelled, interrupted is set", async () => {
  const interrupt = new AbortController();
  const { work } = scriptedWork({
    a: (signal) => {
      setTimeout(() => interrupt.abort(), 5);
      return untilAbort(signal);
    },
  });
  const scheduler = new Scheduler({ concurrency: 1, signal: interrupt.signal });
  const records = await scheduler.schedule([inst("a"), inst("b", ["a"]), inst("c")], work);
  assertEquals(records.map((r) => [r.id, r.status, r.reason]), [
    ["a", "cancelled", undefined],
    ["b", "cancelled", INTERRUPTED_REASON],
    ["c", "cancelled", INTERRUPTED_REASON],
  ]);
  assertOk(scheduler.interrupted);

  const already = new Scheduler({ concurrency: 1, signal: AbortSignal.abort() });
  const none = scriptedWork();
  const cancelled = await already.schedule([inst("a")], none.work);
  assertEquals(cancelled.map((r) => r.status), ["cancelled"]);
  assertEquals(none.log, [`cancelled a: ${INTERRUPTED_REASON}`]);
});

Deno.test("Scheduler records an instance that needs one planned after it as an internal failure", async () => {
  const { work, settled } = scriptedWork();
  const records = await new Scheduler({ concurrency: 1 }).schedule(
    [inst("b", ["z"]), inst("z"), inst("c", ["b"])],
    work,
  );
  assertEquals(records.map((r) => [r.id, r.status, r.reason]), [
    ["b", "failed", "internal"],
    ["z", "succeeded", undefined],
    ["c", "skipped", "upstream 'b' failed"],
  ]);
  assertEquals(settled.sort(), ["b failed", "c skipped", "z succeeded"]);
});

Deno.test("startPriorities() puts the longest chain below an instance first, then plan order", () => {
  // The demo's shape: eda is a leaf planned before split, which three levels need.
  const plan = [
    inst("ingest"),
    inst("eda", ["ingest"]),
    inst("split", ["ingest"]),
    inst("train", ["split"]),
    inst("bench", ["train", "split"]),
    inst("summary", ["bench"]),
    inst("other"),
  ];
  const p = startPriorities(plan);
  const order = plan.map((i, n) => [i.id, p[n]!] as const).sort((a, b) => a[1] - b[1]);
  assertEquals(order.map(([id]) => id), [
    "ingest",
    "split",
    "train",
    "bench",
    "eda",
    "summary",
    "other",
  ]);
  assertEquals(new Set(p).size, plan.length, "no two instances tie");
});

Deno.test("Scheduler starts instances that became ready together longest chain first", async () => {
  const { work, log } = scriptedWork();
  await new Scheduler({ concurrency: 2 }).schedule(
    [inst("ingest"), inst("eda", ["ingest"]), inst("split", ["ingest"]), inst("train", ["split"])],
    work,
  );
  // With two free slots both start at once; split (a chain below it) is handed its slot first,
  // so it takes the warmest worker.
  assertEquals(log.slice(0, 4), [
    "run ingest after []",
    "end ingest",
    "run split after [ingest]",
    "run eda after [ingest]",
  ]);
});
