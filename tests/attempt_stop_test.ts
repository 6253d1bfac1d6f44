/**
 * Stopping an attempt with real kernels: the whole-attempt timeout, cancellation through an
 * AbortSignal, and the runner itself dying. A cell starts `sleep 1000` and a busy loop; afterwards
 * no process of the attempt may exist: checked by process group, by session, and by the pid of
 * the `sleep`.
 */
import { join } from "node:path";
import { assertEquals, assertOk, assertStringIncludes } from "./_deps.ts";
import { ROOT, tempDir } from "./_helpers.ts";
import {
  attemptPids,
  liveProcesses,
  NOTEBOOKS,
  runFixture,
  streamText,
} from "./attempt_fixture.ts";
import { runAttempt } from "../lib/execute/attempt.ts";
import { detectPython } from "../lib/execute/python.ts";

async function sleepPid(attemptDir: string): Promise<{ sleep: number; kernel: number }> {
  const [sleep, kernel] = (await Deno.readTextFile(join(attemptDir, "child.pid"))).split(" ")
    .map(Number);
  return { sleep: sleep!, kernel: kernel! };
}

async function isAlive(pid: number): Promise<boolean> {
  try {
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

async function assertAllGone(driver: number, kernel: number, sleep: number): Promise<void> {
  const ids = {
    pids: [driver, kernel, sleep],
    groups: [driver, kernel],
    sessions: [driver, kernel],
  };
  assertEquals(await liveProcesses(ids), [], "processes of the attempt are left");
  assertEquals(await isAlive(sleep), false, `the cell's sleep (pid ${sleep}) survived`);
}

/** Seconds from runAttempt() to the endless cell, measured by the cancel test. */
let startupSeconds = 3;

Deno.test("runAttempt() cancels on abort and leaves no process", async () => {
  await using dir = await tempDir();
  const controller = new AbortController();
  const started = performance.now();
  const run = await runFixture("timeout", dir.path, {
    signal: controller.signal,
    // Abort once the endless cell runs: deterministic, no timing involved.
    onEvent: (e) => {
      if (e.type !== "cell_started" || e.cellIndex !== 1) return;
      startupSeconds = (performance.now() - started) / 1000;
      controller.abort();
    },
  });
  assertEquals(run.result.status, "cancelled");
  assertEquals(run.result.error?.ename, "Cancelled");
  const { sleep, kernel } = await sleepPid(run.attemptDir);
  assertEquals(streamText(run.notebook, 0), `started ${sleep}\n`);
  const stopped = run.notebook.cells[1]?.outputs?.at(-1);
  assertEquals([stopped?.output_type, stopped?.evalue], [
    "error",
    "pynb-dag-runner stopped the notebook: the run was cancelled",
  ]);
  await assertAllGone(attemptPids(run.events).driver, kernel, sleep);

  await using dir2 = await tempDir();
  const early = await runAttempt({
    python: (await detectPython()).path,
    notebookPath: join(NOTEBOOKS, "timeout.ipynb"),
    outputNotebookPath: join(dir2.path, "notebook.ipynb"),
    attemptDir: dir2.path,
    workDir: dir2.path,
    kernel: "python3",
    timeoutSeconds: 60,
    context: { runId: "r", taskId: "t", instanceId: "t", attempt: 1 },
    signal: AbortSignal.abort(),
  });
  assertEquals([early.status, early.exitCode, early.error?.ename], [
    "cancelled",
    null,
    "Cancelled",
  ]);
  // Cancelled before it started: no driver ran, so no notebook was written.
  assertEquals(await Deno.stat(join(dir2.path, "notebook.ipynb")).catch(() => "none"), "none");
});

Deno.test("runAttempt() kills the driver, the kernel and what cells started at the timeout", async () => {
  await using dir = await tempDir();
  // Long enough for the first cell to run even on a loaded machine: twice the start-up time
  // the previous test measured, plus 3 s.
  const timeout = Math.max(6, Math.ceil(2 * startupSeconds + 3));
  const run = await runFixture("timeout", dir.path, { timeoutSeconds: timeout });
  assertEquals(run.result.status, "timeout");
  assertEquals(run.result.error?.ename, "Timeout");
  assertEquals(run.result.error?.cellIndex, 1);
  assertStringIncludes(run.result.error!.evalue, `timeout of ${timeout} s`);
  const { sleep, kernel } = await sleepPid(run.attemptDir);
  const pids = attemptPids(run.events);
  assertEquals(pids.kernel, kernel);
  // The partial notebook was saved with the output of the cell that finished, and the running
  // cell says why it stopped.
  assertEquals(streamText(run.notebook, 0), `started ${sleep}\n`);
  const stopped = run.notebook.cells[1]?.outputs?.at(-1);
  assertEquals([stopped?.output_type, stopped?.ename], ["error", "Timeout"]);
  assertStringIncludes(
    String(stopped?.evalue),
    `did not finish within its timeout of ${timeout} s`,
  );
  await assertAllGone(pids.driver, kernel, sleep);
});

Deno.test("the driver kills its kernel when the runner dies (stdin EOF)", async () => {
  await using dir = await tempDir();
  const script = `
    import { runFixture } from "${new URL("./attempt_fixture.ts", import.meta.url)}";
    await runFixture("timeout", Deno.args[0], {
      timeoutSeconds: 600,
      onEvent: (e) => console.log(JSON.stringify(e)),
    });`;
  const runner = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", script, dir.path],
    cwd: ROOT,
    env: { TMPDIR: dir.path },
    stdout: "piped",
    stderr: "null",
    stdin: "null",
  }).spawn();
  const events: Record<string, unknown>[] = [];
  const reader = runner.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  while (!events.some((e) => e.type === "cell_started" && e.cellIndex === 1)) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    const lines = buffer.split("\n");
    buffer = lines.pop()!;
    events.push(...lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l)));
  }
  const driver = events.find((e) => e.type === "started")?.pid as number;
  assertOk(driver, "the runner printed no events");
  runner.kill("SIGKILL");
  await runner.status;
  await reader.cancel();
  const attemptDir = join(dir.path, "attempt-1");
  const { sleep, kernel } = await sleepPid(attemptDir);
  const ids = { pids: [driver, kernel, sleep], groups: [driver, kernel], sessions: [driver] };
  for (let i = 0; i < 300 && (await liveProcesses(ids)).length > 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  await assertAllGone(driver, kernel, sleep);
  const notebook = JSON.parse(await Deno.readTextFile(join(attemptDir, "notebook.ipynb")));
  assertEquals(streamText(notebook, 0), `started ${sleep}\n`);
});

Deno.test("runAttempt() finds and kills a daemon a cell forked off by the pipe it holds", async () => {
  await using dir = await tempDir();
  const run = await runFixture("escape", dir.path);
  assertEquals(run.result.status, "succeeded", JSON.stringify(run.result.error));
  const daemon = Number(await Deno.readTextFile(join(run.attemptDir, "daemon.pid")));
  assertEquals(streamText(run.notebook, 0), `daemon ${daemon}\n`);
  assertStringIncludes(run.stderr, `killed escaped processes ${daemon}`);
  assertEquals(await isAlive(daemon), false, `the daemon (pid ${daemon}) survived`);
});

Deno.test("runAttempt() kills what a driver that died before saying 'started' left on its pipes", async () => {
  // A driver stopped at once can die while it launches a kernel in a session of its own, before
  // it reports anything: the kernel then holds the driver's stderr and nothing else names it.
  // This stand-in does just that, deterministically.
  await using dir = await tempDir();
  const python = join(dir.path, "driver-that-dies");
  const pidFile = join(dir.path, "orphan.pid");
  await Deno.writeTextFile(
    python,
    `#!/bin/sh\nsetsid sleep 1000 &\necho $! > "$PIDFILE"\nsleep 0.5\nexit 1\n`,
  );
  await Deno.chmod(python, 0o755);
  const result = await runAttempt({
    python,
    notebookPath: join(NOTEBOOKS, "empty.ipynb"),
    outputNotebookPath: join(dir.path, "notebook.ipynb"),
    attemptDir: dir.path,
    workDir: dir.path,
    kernel: "python3",
    timeoutSeconds: 60,
    env: { PIDFILE: pidFile },
    context: { runId: "r", taskId: "t", instanceId: "t", attempt: 1 },
  });
  assertEquals([result.status, result.error?.ename], ["failed", "DriverFailed"]);
  const orphan = Number((await Deno.readTextFile(pidFile)).trim());
  assertOk(orphan > 0, "the stand-in wrote the pid of its orphan");
  assertEquals(await isAlive(orphan), false, `the orphan (pid ${orphan}) survived`);
  assertStringIncludes(
    await Deno.readTextFile(join(dir.path, "stderr.txt")),
    `killed escaped processes ${orphan}`,
  );
});
