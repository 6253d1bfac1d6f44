/**
 * The spare kernel (issue: nothing waits between notebooks): once a notebook's kernel is ready,
 * the driver's zygote starts the next attempt's kernel, which the next attempt only hands its
 * folder and environment. With real kernels, such a kernel must be indistinguishable from one
 * forked for the attempt, must not serve an attempt whose start-up would differ, and must never
 * outlive its driver.
 */
import { assertEquals, assertOk, assertStringIncludes } from "./_deps.ts";
import { tempDir } from "./_helpers.ts";
import { killPids, type Ran, runNotebook, survivors } from "./fork_fixture.ts";
import { ForkServer } from "../lib/execute/fork_server.ts";

/** Everything a notebook could notice of its kernel's start, attempt-specific paths named. */
const DUMP_STATE = `
import json, os, re, subprocess, sys, tempfile
import matplotlib
from ipykernel.kernelapp import IPKernelApp
ip = get_ipython()
rt = os.environ["JUPYTER_RUNTIME_DIR"]
def norm(v):
    v = str(v).replace(rt, "<runtime>")
    return re.sub(r"kernel-[0-9a-f-]+\\.json", "kernel-<id>.json", v)
child = subprocess.run(["env", "-0"], capture_output=True).stdout.decode().split("\\0")
state = {
    "env": {k: norm(v) for k, v in os.environ.items() if not k.startswith("PYNB_")},
    "child_env": sorted(norm(e) for e in child if e and not e.startswith("PYNB_")),
    "cwd": os.getcwd(),
    "path": [norm(p) for p in sys.path],
    "argv": [norm(a) for a in sys.argv],
    "backend": matplotlib.get_backend(),
    "dh": [str(p) for p in _dh],
    "profile": norm(ip.profile_dir.location),
    "ipython_dir": norm(ip.ipython_dir),
    "connection_file": norm(IPKernelApp.instance().connection_file),
    "own_session": os.getsid(0) == os.getpid(),
    "tmp": tempfile.gettempdir(),
    "execution_count": ip.execution_count,
    "user_ns": sorted(k for k in ip.user_ns if not k.startswith("_")),
    "modules": sorted(m for m in sys.modules if not m.startswith("matplotlib")),
}
print(json.dumps(state, sort_keys=True))
`;

function spares(run: Ran): number[] {
  return run.events.flatMap((e) => e.type === "spare" ? [e.pid] : []);
}

function state(run: Ran): Record<string, unknown> {
  assertEquals(run.result.status, "succeeded", JSON.stringify(run.result.error) + run.stderr);
  return JSON.parse(run.stdout.trim());
}

Deno.test("a spare kernel serves the next attempt exactly as a kernel forked for it would", async () => {
  await using dir = await tempDir();
  const work = `${dir.path}/work`, other = `${dir.path}/other`;
  await Deno.mkdir(work), await Deno.mkdir(other);
  const env = { ONLY_HERE: "yes", MPLBACKEND: "" };
  const fresh = new ForkServer(), warm = new ForkServer();
  const pids: number[] = [];
  try {
    // The reference: the first attempt of a driver, forked for it.
    const forked = await runNotebook(dir.path, [DUMP_STATE], { server: fresh, workDir: work, env });
    // A first notebook elsewhere, without the task's env: the spare is made while it runs.
    const before = await runNotebook(dir.path, ["x = 1"], { server: warm, workDir: other });
    pids.push(...spares(forked), ...spares(before));
    assertEquals(spares(before).length, 1, "one spare started while the first notebook ran");
    const adopted = await runNotebook(dir.path, [DUMP_STATE], { server: warm, workDir: work, env });
    assertEquals(adopted.kernel?.pid, spares(before)[0], "the spare served the second attempt");
    assertEquals(state(adopted), state(forked));
    const kept = state(adopted);
    assertEquals(kept.cwd, work);
    assertEquals((kept.env as Record<string, string>).ONLY_HERE, "yes");
    assertEquals(kept.backend, "module://matplotlib_inline.backend_inline");
    assertEquals(kept.profile, "<runtime>/ipython/profile_default", "the attempt's IPython folder");
    assertEquals(kept.connection_file, "<runtime>/kernel-<id>.json");
    assertEquals(kept.execution_count, 1, "no cell ran in it before");
    assertStringIncludes(adopted.stderr, "To connect another client to this kernel");
    assertOk(
      !before.stderr.includes("kernel-spare-"),
      "the spare's start-up is not in the first attempt's log",
    );
  } finally {
    await fresh.close();
    await warm.close();
    killPids(await survivors(pids));
  }
});

Deno.test("a spare kernel taken before it has read its connection file still serves", async () => {
  // The first cell freezes the spare the moment the zygote forks it (its sibling), so that the
  // next attempt takes it before it read its connection file; it is let go a second later.
  await using dir = await tempDir();
  const server = new ForkServer();
  let spare = 0;
  try {
    const first = await runNotebook(dir.path, [
      "import os, signal, time\nme, zygote = os.getpid(), os.getppid()\n" +
      "def siblings():\n    found = set()\n    for p in os.listdir('/proc'):\n" +
      "        try:\n            stat = open(f'/proc/{p}/stat').read()\n" +
      "        except (OSError, ValueError):\n            continue\n" +
      "        if p.isdigit() and int(p) != me and int(stat.rsplit(')', 1)[1].split()[1]) == zygote:\n" +
      "            found.add(int(p))\n    return found\n" +
      "deadline = time.time() + 10\nwhile not siblings() and time.time() < deadline:\n    pass\n" +
      "for pid in siblings():\n    os.kill(pid, signal.SIGSTOP)\nprint(*siblings())",
    ], { server });
    spare = spares(first)[0] ?? 0;
    assertEquals(first.stdout.trim(), String(spare), "the cell froze the spare");
    const resume = setTimeout(() => Deno.kill(spare, "SIGCONT"), 1000);
    const second = await runNotebook(dir.path, ["print('served')"], { server, timeoutSeconds: 30 });
    clearTimeout(resume);
    assertEquals(second.kernel?.pid, spare, "the frozen spare was taken");
    assertEquals([second.result.status, second.stdout], ["succeeded", "served\n"]);
  } finally {
    await server.close();
    if (spare > 0) killPids(await survivors([spare]));
  }
});

Deno.test("a spare kernel is not used when the attempt's start-up would read other settings", async () => {
  await using dir = await tempDir();
  const startup = `${dir.path}/startup.py`;
  await Deno.writeTextFile(startup, "STARTED_BY_STARTUP_FILE = 1\n");
  const server = new ForkServer();
  const pids: number[] = [];
  try {
    const first = await runNotebook(dir.path, ["x = 1"], { server });
    pids.push(...spares(first));
    const second = await runNotebook(dir.path, [
      "print('started' if 'STARTED_BY_STARTUP_FILE' in globals() else 'not started')",
    ], { server, env: { PYTHONSTARTUP: startup } });
    pids.push(...spares(second));
    assertEquals(second.result.status, "succeeded", second.stderr);
    assertOk(second.kernel?.pid !== spares(first)[0], "the spare was passed over");
    assertEquals(second.stdout.trim(), "started", "IPython ran the task's PYTHONSTARTUP file");
    assertEquals(await survivors(spares(first), 3000), [], "the passed-over spare ended");
  } finally {
    await server.close();
    killPids(await survivors(pids));
  }
});

Deno.test("a spare kernel ends with its driver: close(), a timeout, a cancel", async (t) => {
  await using dir = await tempDir();
  await t.step("close()", async () => {
    const server = new ForkServer();
    let pids: number[] = [];
    try {
      const run = await runNotebook(dir.path, ["x = 1"], { server });
      pids = spares(run);
      assertEquals(pids.length, 1);
      assertEquals(await survivors(pids), pids, "the spare waits for the next attempt");
      await server.close();
      assertEquals(await survivors(pids), [], "close() returned with the spare gone");
    } finally {
      await server.close();
      killPids(await survivors(pids));
    }
  });
  for (const how of ["timeout", "cancel"] as const) {
    await t.step(how, async () => {
      const server = new ForkServer();
      const controller = new AbortController();
      let pids: number[] = [];
      try {
        const run = await runNotebook(
          dir.path,
          ["import time\nwhile True:\n    time.sleep(0.05)"],
          {
            server,
            timeoutSeconds: how === "timeout" ? 8 : 600,
            signal: controller.signal,
            onEvent: (e) => {
              if (how === "cancel" && e.type === "spare") setTimeout(() => controller.abort(), 200);
            },
          },
        );
        pids = spares(run);
        assertEquals(run.result.status, how === "timeout" ? "timeout" : "cancelled");
        assertEquals(pids.length, 1, "a spare was started while the cell ran");
        assertEquals(await survivors(pids), [], "the spare survived the stopped attempt");
      } finally {
        await server.close();
        killPids(await survivors(pids));
      }
    });
  }
});
