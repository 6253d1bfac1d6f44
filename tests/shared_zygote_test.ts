/**
 * The run's shared zygote, with real kernels: every worker slot forks its kernels from one
 * process that imported the kernel's modules once, yet each kernel writes to its own attempt's
 * log, a stopped attempt does not disturb the other slot, and a driver that dies takes its
 * kernel and what it started with it.
 */
import { assertEquals, assertOk, assertStringIncludes } from "./_deps.ts";
import { tempDir } from "./_helpers.ts";
import { killPids, runNotebook, survivors } from "./fork_fixture.ts";
import { ForkServer } from "../lib/execute/fork_server.ts";
import { detectPython } from "../lib/execute/python.ts";

const WHO = (name: string) =>
  `import os, sys\nos.write(2, b"fd2 of ${name}\\n")\nprint("stderr of ${name}", file=sys.__stderr__, flush=True)\n` +
  `print(os.getpid(), os.getppid())`;

Deno.test("two slots fork their kernels from one zygote, each writing to its own attempt's log", async () => {
  await using dir = await tempDir();
  const server = new ForkServer();
  const python = (await detectPython()).path;
  const pids: number[] = [];
  try {
    await server.prewarm(2, { python, workDir: dir.path });
    const [a, b] = await Promise.all([
      runNotebook(dir.path, ["import time\ntime.sleep(0.5)", WHO("A")], { server }),
      runNotebook(dir.path, ["import time\ntime.sleep(0.5)", WHO("B")], { server }),
    ]);
    const [kernelA, zygoteA] = a!.stdout.trim().split(" ").map(Number) as [number, number];
    const [kernelB, zygoteB] = b!.stdout.trim().split(" ").map(Number) as [number, number];
    pids.push(kernelA, kernelB, zygoteA);
    assertEquals([a!.result.status, b!.result.status], ["succeeded", "succeeded"]);
    assertOk(
      a!.events.find((e) => e.type === "started")?.pid !==
        b!.events.find((e) => e.type === "started")?.pid,
      "two drivers",
    );
    assertEquals(zygoteA, zygoteB, "both kernels come from the same zygote");
    assertStringIncludes(a!.stderr, "fd2 of A");
    assertStringIncludes(a!.stderr, "stderr of A");
    assertStringIncludes(b!.stderr, "fd2 of B");
    assertOk(
      !a!.stderr.includes("of B") && !b!.stderr.includes("of A"),
      "a kernel wrote to the other attempt's log",
    );
    await server.close();
    assertEquals(await survivors(pids, 3000), [], "kernels or zygote survived close()");
  } finally {
    await server.close();
    killPids(await survivors(pids));
  }
});

Deno.test("a timeout in one slot leaves the other slot's notebook running to its end", async () => {
  await using dir = await tempDir();
  const server = new ForkServer();
  const python = (await detectPython()).path;
  let pids: number[] = [];
  try {
    await server.prewarm(2, { python, workDir: dir.path });
    const [stopped, other] = await Promise.all([
      runNotebook(dir.path, [
        "import os, subprocess\nchild = subprocess.Popen(['setsid', 'sleep', '1000'])\n" +
        "print(os.getpid(), child.pid, flush=True)",
        "import time\nwhile True:\n    time.sleep(0.1)",
      ], { server, timeoutSeconds: 4 }),
      runNotebook(dir.path, ["import time\ntime.sleep(7)\nprint('done')"], { server }),
    ]);
    pids = stopped!.stdout.trim().split(" ").map(Number);
    assertEquals(stopped!.result.status, "timeout");
    assertEquals(pids.length, 2, stopped!.stdout);
    assertEquals(await survivors(pids, 3000), [], "the stopped kernel or what it started survived");
    assertEquals([other!.result.status, other!.stdout], ["succeeded", "done\n"]);
  } finally {
    await server.close();
    killPids(await survivors(pids));
  }
});

Deno.test("a driver that dies has its kernel and what the kernel started stopped by the zygote", async () => {
  await using dir = await tempDir();
  const server = new ForkServer();
  let pids: number[] = [];
  try {
    let driver = 0;
    const run = await runNotebook(dir.path, [
      "import os, subprocess\nchild = subprocess.Popen(['setsid', 'sleep', '1000'])\n" +
      "print(os.getpid(), child.pid, flush=True)",
      "import time\ntime.sleep(1000)",
    ], {
      server,
      onEvent: (e) => {
        if (e.type === "started") driver = e.pid;
        if (e.type === "cell_started" && e.cellIndex === 1) Deno.kill(driver, "SIGKILL");
      },
    });
    pids = run.stdout.trim().split(" ").map(Number);
    assertEquals(pids.length, 2, run.stdout);
    assertOk(run.result.status !== "succeeded", run.result.status);
    assertEquals(await survivors(pids, 5000), [], "the kernel or its child outlived the driver");
  } finally {
    await server.close();
    killPids(await survivors(pids));
  }
});
