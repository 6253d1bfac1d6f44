import { join } from "node:path";
import { assertEquals, assertOk, assertStringIncludes } from "../../tests/_deps.ts";
import { tempDir } from "../../tests/_helpers.ts";
import type { DriverEvent } from "./driver_events.ts";
import { DriverProcess } from "./driver_process.ts";
import { killProcessSet, listProcesses } from "./process_group.ts";

const env = { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" };

/** A stand-in driver in sh: `setsid` as driver.py does, then the given script. */
function standIn(script: string): string[] {
  return ["setsid", "sh", "-c", script];
}

function line(event: Record<string, unknown>): string {
  return `echo '${JSON.stringify({ time: 0, ...event })}'`;
}

async function alive(pid: number): Promise<boolean> {
  const all = await listProcesses();
  return all?.some((p) => p.pid === pid && p.state !== "Z") ?? false;
}

Deno.test("DriverProcess reads events, logs the rest and tracks the running cell", async () => {
  const events: DriverEvent[] = [];
  const logged: string[] = [];
  const decoder = new TextDecoder();
  const script = [
    line({ type: "cell_started", cellIndex: 1, codeCellNumber: 1 }),
    "echo 'not an event'",
    "echo 'on stderr' >&2",
    line({ type: "cell_done", cellIndex: 1, status: "ok", durationSeconds: 0 }),
    line({ type: "cell_started", cellIndex: 2, codeCellNumber: 2 }),
    // The last event without its newline is read too.
    `printf '%s' '${JSON.stringify({ type: "done", time: 0, status: "failed" })}'`,
    "exit 4",
  ].join("\n");
  const driver = DriverProcess.spawn(standIn(script), {
    cwd: ".",
    env,
    onEvent: (e) => events.push(e),
    log: (chunk) => void logged.push(decoder.decode(chunk)),
  });
  const exit = await driver.wait();
  assertEquals(events.map((e) => e.type), ["cell_started", "cell_done", "cell_started", "done"]);
  assertEquals([exit.status.code, exit.done?.status, exit.runningCell], [4, "failed", 2]);
  assertEquals(exit.stderrTail, ["on stderr"]);
  assertEquals(logged.sort(), ["[driver stdout] not an event\n", "on stderr\n"]);
  assertEquals(driver.running, false);
});

Deno.test("DriverProcess.stop() sends the request on stdin, then kills what does not listen", async (t) => {
  await t.step("a driver that reads the request and exits", async () => {
    const driver = DriverProcess.spawn(standIn('read request; echo "got $request" >&2'), {
      cwd: ".",
      env,
    });
    await driver.stop({ stop: "cancelled" });
    const exit = await driver.wait();
    assertEquals(exit.stderrTail, ['got {"stop":"cancelled"}']);
    assertEquals(exit.status.code, 0);
  });
  await t.step(
    "a driver that ignores stdin and SIGTERM, with a kernel in a session of its own",
    async () => {
      await using dir = await tempDir();
      const pidFile = join(dir.path, "kernel.pid");
      const script = [
        "trap '' TERM",
        `setsid sleep 1000 & echo $! > ${pidFile}`,
        `kernel=$(cat ${pidFile}); echo '{"type":"kernel_started","time":0,"pid":'$kernel',"pgid":'$kernel',"kernel":"k"}'`,
        "while true; do sleep 0.1; done",
      ].join("\n");
      const driver = DriverProcess.spawn(standIn(script), { cwd: ".", env });
      let kernel = 0;
      for (let i = 0; i < 100 && kernel === 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
        kernel = driver.processes.pids[1] ?? 0;
      }
      assertOk(kernel > 0, "the kernel_started event was read");
      void driver.stop({ stop: "timeout" });
      const exit = await driver.wait();
      assertEquals(exit.status.signal, "SIGKILL");
      assertEquals(await alive(kernel), false, `the kernel stand-in (pid ${kernel}) survived`);
      assertEquals(await alive(driver.pid), false);
    },
  );
});

Deno.test("DriverProcess.wait() kills a process that escaped with the driver's stderr", async () => {
  const logged: string[] = [];
  const decoder = new TextDecoder();
  // A daemon in a session of its own (nothing names it) holding the driver's stderr; the driver
  // exits once the daemon's session is its own, at once.
  const script = "setsid sleep 1000 & pid=$!\n" +
    'while [ "$(cut -d" " -f6 /proc/$pid/stat)" != "$pid" ]; do sleep 0.01; done\n' +
    "echo $pid";
  const driver = DriverProcess.spawn(standIn(script), {
    cwd: ".",
    env,
    log: (chunk) => void logged.push(decoder.decode(chunk)),
  });
  const exit = await driver.wait();
  const daemon = Number(logged.find((l) => l.startsWith("[driver stdout] "))?.slice(16));
  assertOk(daemon > 0, `the daemon's pid was printed: ${logged.join("")}`);
  try {
    assertEquals(exit.status.code, 0);
    assertStringIncludes(
      logged.join(""),
      `[pynb-dag-runner] killed escaped processes ${daemon}\n`,
    );
    assertEquals(await alive(daemon), false, `the daemon (pid ${daemon}) survived`);
  } finally {
    await killProcessSet({ pids: [daemon], groups: [], sessions: [] });
  }
});

Deno.test("DriverProcess kills the driver its 'started' event names when another process runs it", async () => {
  // A wrapper (a fork server's client, say) starts the driver proper in a session of its own and
  // exits; the driver holds only stdout, so nothing but its 'started' event names it.
  await using dir = await tempDir();
  const started = '{"type":"started","time":0,"pid":\'$$\',"pgid":\'$$\',"python":"sh",' +
    '"nbclient":"-","cellCount":0,"codeCellCount":0}';
  const inner = `exec 2>/dev/null; echo '${started}'; echo > "$MARK"; trap '' TERM; ` +
    "while :; do sleep 0.1; done";
  const logged: string[] = [];
  const decoder = new TextDecoder();
  const events: DriverEvent[] = [];
  const driver = DriverProcess.spawn(
    standIn(
      'setsid sh -c "$INNER" & while [ ! -e "$MARK" ]; do sleep 0.01; done; sleep 0.2; exit 0',
    ),
    {
      cwd: ".",
      env: { ...env, INNER: inner, MARK: join(dir.path, "started") },
      onEvent: (e) => events.push(e),
      log: (chunk) => void logged.push(decoder.decode(chunk)),
    },
  );
  const exit = await driver.wait();
  const event = events[0];
  assertOk(event?.type === "started", `no started event: ${logged.join("")}`);
  try {
    assertOk(event.pid !== driver.pid);
    assertEquals(exit.status.code, 0);
    assertEquals(await alive(event.pid), false, `the driver proper (pid ${event.pid}) survived`);
    assertEquals(logged, []);
  } finally {
    await killProcessSet({ pids: [event.pid], groups: [event.pgid], sessions: [event.pgid] });
  }
});

Deno.test("DriverProcess.spawn() throws when the command does not exist", () => {
  let error: unknown;
  try {
    DriverProcess.spawn(["./no-such-driver"], { cwd: ".", env });
  } catch (err) {
    error = err;
  }
  assertOk(error instanceof Deno.errors.NotFound, String(error));
});
