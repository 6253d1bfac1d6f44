/**
 * The fork server with real kernels: every notebook gets a fresh process that shares nothing
 * with the previous one (variables, modules, patches, cwd, environment, argv, random state), and a
 * kernel that dies, or a zygote that dies, does not poison the next notebook.
 */
import { assertEquals, assertOk, assertStringIncludes } from "./_deps.ts";
import { tempDir } from "./_helpers.ts";
import { isAlive, killPids, runNotebook, survivors } from "./fork_fixture.ts";
import { ForkServer } from "../lib/execute/fork_server.ts";
import type { DriverEvent } from "../lib/execute/attempt.ts";

/** The driver's pid, from the `started` event. */
function driverPid(events: DriverEvent[]): number | undefined {
  const started = events.find((e) => e.type === "started");
  return started?.type === "started" ? started.pid : undefined;
}

function assertNotEquals(a: unknown, b: unknown, message?: string): void {
  assertOk(a !== b, `${message ?? "equal"}: ${JSON.stringify(a)}`);
}

const PRINT_STATE = `
import os, sys, random, json, math
print("state", "LEAK" in globals(), "mailbox" in sys.modules, hasattr(json, "leak"), math.pi)
print("cwd", os.getcwd())
print("env", os.environ.get("ONLY_HERE"), os.environ["PYNB_TASK_ID"])
print("argv", sys.argv[0].endswith("ipykernel_launcher.py"), sys.argv[1], os.path.dirname(sys.argv[2]) == os.environ["JUPYTER_RUNTIME_DIR"])
print("random", random.random())
print("ppid", os.getppid())
`;

Deno.test("ForkServer runs each notebook in a fresh forked kernel that shares nothing with the last", async () => {
  await using dir = await tempDir();
  const a = `${dir.path}/a`, b = `${dir.path}/b`;
  await Deno.mkdir(a), await Deno.mkdir(b);
  const server = new ForkServer();
  try {
    const first = await runNotebook(dir.path, [
      "LEAK = 1\nimport mailbox, json, math\njson.leak = True\nmath.pi = 3",
      PRINT_STATE,
    ], { server, workDir: a, env: { ONLY_HERE: "first" } });
    const second = await runNotebook(dir.path, [PRINT_STATE], { server, workDir: b });
    for (const run of [first, second]) {
      assertEquals(run.result.status, "succeeded", JSON.stringify(run.result.error));
      assertEquals(run.kernel?.forked, true, "the kernel was forked");
    }
    const lines = (text: string) =>
      Object.fromEntries(text.trim().split("\n").map((l) => [l.split(" ")[0], l]));
    const one = lines(first.stdout), two = lines(second.stdout);
    assertEquals(one.state, "state True True True 3");
    assertEquals(two.state, "state False False False 3.141592653589793");
    assertEquals([one.cwd, two.cwd], [`cwd ${a}`, `cwd ${b}`]);
    assertOk(/^env first t\d+$/.test(one.env!) && /^env None t\d+$/.test(two.env!), one.env);
    assertNotEquals(one.env!.split(" ")[2], two.env!.split(" ")[2], "PYNB_TASK_ID");
    assertEquals(one.argv, "argv True -f True");
    assertEquals(two.argv, "argv True -f True");
    assertNotEquals(one.random, two.random, "the random state was copied from the zygote");
    assertEquals(one.ppid, two.ppid, "both kernels come from the same zygote");
    assertEquals(driverPid(first.events), driverPid(second.events), "the driver was reused");
  } finally {
    await server.close();
  }
});

Deno.test("ForkServer gives NumPy new random state in every kernel, with and without preload", async (t) => {
  await using dir = await tempDir();
  for (const preload of [[], ["numpy"]]) {
    await t.step(
      preload.length > 0 ? "numpy preloaded" : "numpy imported by the cell",
      async () => {
        const server = new ForkServer();
        try {
          const cell = "import numpy, random, sys\nprint(numpy.random.rand(), random.random())";
          const runs = [
            await runNotebook(dir.path, [cell], { server, preload }),
            await runNotebook(dir.path, [cell], { server, preload }),
          ];
          for (const run of runs) assertEquals(run.result.status, "succeeded");
          const [x, y] = runs.map((r) => r.stdout.trim().split(" "));
          assertNotEquals(x![0], y![0], "NumPy drew the same number twice");
          assertNotEquals(x![1], y![1], "random drew the same number twice");
        } finally {
          await server.close();
        }
      },
    );
  }
});

Deno.test("ForkServer: a kernel that crashes, is SIGKILLed or calls os._exit does not poison the next", async () => {
  await using dir = await tempDir();
  const server = new ForkServer();
  try {
    const deaths = [
      "import os\nos._exit(3)",
      "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)",
      "import ctypes\nctypes.string_at(0)",
    ];
    const drivers = new Set<number | undefined>();
    for (const cell of deaths) {
      const died = await runNotebook(dir.path, ["print('alive')", cell, "print('never')"], {
        server,
      });
      assertEquals(died.result.status, "failed");
      assertEquals(died.result.error?.ename, "KernelDied", died.result.error?.evalue);
      assertEquals(died.stdout, "alive\n");
      const next = await runNotebook(dir.path, ["print(1 + 1)"], { server });
      assertEquals([next.result.status, next.stdout], ["succeeded", "2\n"]);
      assertEquals(next.kernel?.forked, true);
      drivers.add(driverPid(died.events)), drivers.add(driverPid(next.events));
    }
    assertEquals(drivers.size, 1, "a dead kernel cost the driver");
  } finally {
    await server.close();
  }
});

Deno.test("ForkServer starts a zygote that died again for the next notebook", async () => {
  await using dir = await tempDir();
  const server = new ForkServer();
  let zygote = 0;
  try {
    const killer = await runNotebook(dir.path, [
      "import os, signal\nzygote = os.getppid()\nprint(zygote)\nos.kill(zygote, signal.SIGKILL)",
    ], { server });
    zygote = Number(killer.stdout.trim());
    assertEquals(killer.result.status, "succeeded", JSON.stringify(killer.result.error));
    assertEquals(await survivors([zygote], 5000), [], "the zygote was not killed");
    const next = await runNotebook(dir.path, ["import os\nprint(os.getppid())"], { server });
    assertEquals(next.result.status, "succeeded", JSON.stringify(next.result.error));
    assertEquals(next.kernel?.forked, true);
    const newZygote = Number(next.stdout.trim());
    assertOk(newZygote > 0 && newZygote !== zygote, `a new zygote: ${newZygote} vs ${zygote}`);
  } finally {
    await server.close();
    killPids(await survivors([zygote]));
  }
});

Deno.test("ForkServer shows matplotlib figures inline, with and without matplotlib preloaded", async (t) => {
  await using dir = await tempDir();
  for (const preload of [[], ["matplotlib"]]) {
    await t.step(preload.length > 0 ? "preloaded" : "imported by the cell", async () => {
      const server = new ForkServer();
      try {
        const run = await runNotebook(dir.path, [
          "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()",
        ], { server, preload });
        assertEquals(run.result.status, "succeeded", JSON.stringify(run.result.error));
        const types = run.notebook.cells[0]!.outputs.flatMap((o) =>
          Object.keys((o.data ?? {}) as Record<string, unknown>)
        );
        assertOk(types.includes("image/png"), `no inline PNG: ${JSON.stringify(types)}`);
      } finally {
        await server.close();
      }
    });
  }
});

Deno.test("ForkServer fails an attempt whose preload cannot be imported, naming the module", async () => {
  await using dir = await tempDir();
  const server = new ForkServer();
  try {
    const run = await runNotebook(dir.path, ["1"], { server, preload: ["no_such_module_x"] });
    assertEquals(run.result.status, "failed");
    assertEquals(run.result.error?.ename, "KernelStartFailed");
    assertStringIncludes(run.result.error?.evalue ?? "", "Cannot preload no_such_module_x");
    const next = await runNotebook(dir.path, ["print('ok')"], { server });
    assertEquals([next.result.status, next.stdout], ["succeeded", "ok\n"]);
  } finally {
    await server.close();
  }
});

Deno.test("ForkServer leaves no process of an attempt after a timeout and after a cancel, nor of the run after close()", async (t) => {
  await using dir = await tempDir();
  const cells = [
    "import os, subprocess\nchild = subprocess.Popen(['sleep', '1000'])\n" +
    "print(os.getpid(), os.getppid(), child.pid, flush=True)",
    "import time\nwhile True:\n    time.sleep(0.1)",
  ];
  for (const how of ["timeout", "cancel"] as const) {
    await t.step(how, async () => {
      const server = new ForkServer();
      const controller = new AbortController();
      let pids: number[] = [];
      try {
        const run = await runNotebook(dir.path, cells, {
          server,
          timeoutSeconds: how === "timeout" ? 12 : 600,
          signal: controller.signal,
          onEvent: (e) => {
            if (how === "cancel" && e.type === "cell_started" && e.cellIndex === 1) {
              controller.abort();
            }
          },
        });
        pids = run.stdout.trim().split(" ").map(Number);
        const driver = driverPid(run.events)!;
        assertEquals(run.result.status, how === "timeout" ? "timeout" : "cancelled");
        assertEquals(pids.length, 3, run.stdout);
        const [kernel, zygote, sleep] = pids as [number, number, number];
        pids.push(driver);
        assertEquals(
          await survivors([kernel, sleep, driver]),
          [],
          "kernel, sleep or driver survived",
        );
        // The run's zygote serves the other slots until the run ends.
        assertEquals(await survivors([zygote]), [zygote], "the zygote ended with one attempt");
        await server.close();
        assertEquals(await survivors(pids), [], "the zygote survived close()");
      } finally {
        await server.close();
        killPids(await survivors(pids));
      }
    });
  }
});

Deno.test("ForkServer.close() ends idle drivers and their zygotes", async () => {
  await using dir = await tempDir();
  const server = new ForkServer();
  const run = await runNotebook(dir.path, ["import os\nprint(os.getppid())"], { server });
  const zygote = Number(run.stdout.trim());
  const driver = driverPid(run.events)!;
  assertEquals(await isAlive(zygote), true, "the zygote waits for the next notebook");
  await server.close();
  assertEquals(await survivors([zygote, driver], 3000), []);
});
