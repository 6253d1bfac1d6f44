import { assertEquals, assertOk } from "../../tests/_deps.ts";
import { killProcessSet, listProcesses, parseProcStat, selectMembers } from "./process_group.ts";

Deno.test("parseProcStat() reads the fields after a command name with spaces and parentheses", () => {
  assertEquals(parseProcStat("1234 (a) b (c)) Z 1 77 66 0 -1 4194560"), {
    pid: 1234,
    state: "Z",
    ppid: 1,
    pgid: 77,
    sid: 66,
  });
  assertEquals(parseProcStat("garbage"), undefined);
});

Deno.test("selectMembers() follows sessions, groups and descendants but skips zombies", () => {
  const members = selectMembers([
    { pid: 100, ppid: 1, pgid: 100, sid: 100, state: "S" }, // the driver
    { pid: 101, ppid: 100, pgid: 101, sid: 101, state: "S" }, // the kernel, own session
    { pid: 102, ppid: 1, pgid: 102, sid: 101, state: "S" }, // re-parented, own group
    { pid: 103, ppid: 101, pgid: 103, sid: 103, state: "S" }, // setsid() child of the kernel
    { pid: 104, ppid: 101, pgid: 101, sid: 101, state: "Z" }, // dead, not reaped
    { pid: 200, ppid: 1, pgid: 200, sid: 200, state: "S" }, // unrelated
  ], { pids: [100], groups: [100], sessions: [100] });
  assertEquals([...members].sort(), [100, 101, 102, 103]);
});

Deno.test("killProcessSet() escalates to SIGKILL for processes that ignore SIGTERM", async () => {
  // A group leader that ignores SIGTERM and keeps starting children, one of them in a new session.
  const child = new Deno.Command("setsid", {
    args: ["sh", "-c", "trap '' TERM; setsid sleep 300 & while :; do sleep 0.05; done"],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  let descendants: number[] = [];
  for (let i = 0; i < 50 && descendants.length < 2; i++) {
    await new Promise((r) => setTimeout(r, 50));
    const all = (await listProcesses()) ?? [];
    descendants = [...selectMembers(all, { pids: [child.pid], groups: [], sessions: [] })]
      .filter((pid) => pid !== child.pid);
  }
  assertOk(descendants.length >= 2, `children not started: ${descendants}`);
  const report = await killProcessSet(
    { pids: [child.pid], groups: [child.pid], sessions: [child.pid] },
    { graceMs: 300 },
  );
  const status = await child.status;
  assertEquals(status.signal, "SIGKILL");
  assertOk(report.killed.includes(child.pid), JSON.stringify(report));
  assertEquals(report.survivors, []);
  const alive = ((await listProcesses()) ?? []).filter((p) =>
    [child.pid, ...descendants].includes(p.pid) && p.state !== "Z"
  );
  assertEquals(alive, []);
});
