/**
 * Processes that leave the kernel's process group and session (`setsid`, `start_new_session`, a
 * double fork into a new session with closed standard streams) are stopped when their attempt
 * ends: after success, timeout, cancellation, Ctrl-C and the runner killed with SIGKILL, for
 * forked and spawned kernels (after Ctrl-C and SIGKILL, the kernel and its zygote or driver too). Checked by the pids the cell writes; a failing test stops only
 * those. And `sys.exit(0)` in a cell is an early successful end.
 */
import { join } from "node:path";
import { assertEquals, assertOk, assertStringIncludes } from "./_deps.ts";
import { ROOT, tempDir } from "./_helpers.ts";
import { killPids, runNotebook, survivors } from "./fork_fixture.ts";
import { ForkServer } from "../lib/execute/fork_server.ts";

/** A cell that starts three escaping `sleep`s and writes their pids to `$PIDFILE`. */
const ESCAPE = `
import os, subprocess
pids = [subprocess.Popen(["setsid", "sleep", "1000"]).pid]
pids.append(subprocess.Popen(["sleep", "1001"], start_new_session=True).pid)
r, w = os.pipe()
if os.fork() == 0:
    os.setsid()
    pid = os.fork()
    if pid == 0:
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.execvp("sleep", ["sleep", "1002"])
    os.write(w, str(pid).encode())
    os._exit(0)
os.close(w)
pids.append(int(os.read(r, 64)))
os.wait()
with open(os.environ["PIDFILE"] + ".kernel", "w") as f:
    f.write(f"{os.getpid()} {os.getppid()}")  # the kernel, and its zygote or driver
with open(os.environ["PIDFILE"], "w") as f:
    f.write(" ".join(map(str, pids)))
print("escaped", *pids, flush=True)
`;

async function readPids(file: string): Promise<number[]> {
  try {
    return (await Deno.readTextFile(file)).trim().split(" ").filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

for (const path of ["forked", "spawned"] as const) {
  Deno.test(`escaped processes of a ${path} kernel are stopped after success, timeout and cancel`, async (t) => {
    await using dir = await tempDir();
    for (const end of ["success", "timeout", "cancel"] as const) {
      await t.step(end, async () => {
        const pidFile = join(dir.path, `${end}.pids`);
        const server = path === "forked" ? new ForkServer() : undefined;
        const controller = new AbortController();
        try {
          const cells = end === "success" ? [ESCAPE] : [ESCAPE, "import time\ntime.sleep(1000)"];
          const run = await runNotebook(dir.path, cells, {
            ...(server === undefined ? {} : { server }),
            env: { PIDFILE: pidFile },
            timeoutSeconds: end === "timeout" ? 12 : 300,
            signal: controller.signal,
            onEvent: (e) => {
              if (end === "cancel" && e.type === "cell_started" && e.cellIndex === 1) {
                controller.abort();
              }
            },
          });
          const expected = { success: "succeeded", timeout: "timeout", cancel: "cancelled" }[end];
          assertEquals(run.result.status, expected, JSON.stringify(run.result.error));
          assertEquals(run.kernel?.forked ?? false, path === "forked");
          const pids = await readPids(pidFile);
          assertEquals(pids.length, 3, `the cell wrote three pids: ${run.stdout}`);
          assertEquals(await survivors(pids), [], "an escaped process outlived its attempt");
          if (end === "success") assertStringIncludes(run.stderr, "killed escaped processes");
        } finally {
          await server?.close();
          killPids(await survivors(await readPids(pidFile)));
        }
      });
    }
  });
}

/** Starts `cli.ts run` on a one-task pipeline whose notebook escapes and then waits. */
async function startRun(dir: string, fast: boolean) {
  await Deno.writeTextFile(
    join(dir, "escape.py"),
    `# %%\n${ESCAPE}\n# %%\nimport time\ntime.sleep(1000)\n`,
  );
  const pidFile = join(dir, "escape.pids");
  await Deno.writeTextFile(
    join(dir, "pipeline.yaml"),
    `name: escape\ndefaults: { fast: ${fast} }\n` +
      `tasks:\n  escape: { notebook: escape.py, env: { PIDFILE: "${pidFile}" } }\n`,
  );
  const runner = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--allow-read",
      "--allow-write",
      "--allow-run",
      "--allow-env",
      join(ROOT, "cli.ts"),
      "run",
      "pipeline.yaml",
      "--out",
      "runs",
    ],
    cwd: dir,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  return { runner, pidFile };
}

for (const fast of [true, false]) {
  for (const sig of ["SIGINT", "SIGKILL"] as const) {
    Deno.test(`no escaped process survives the runner getting ${sig} (fast: ${fast})`, async () => {
      await using dir = await tempDir();
      const { runner, pidFile } = await startRun(dir.path, fast);
      let pids: number[] = [];
      try {
        for (let i = 0; i < 600 && pids.length < 3; i++) {
          await new Promise((r) => setTimeout(r, 100));
          pids = await readPids(pidFile);
        }
        assertEquals(pids.length, 3, "the cell wrote the pids of its escaped processes");
        pids.push(...await readPids(`${pidFile}.kernel`));
        assertEquals(pids.length, 5, "the cell wrote its kernel's pid and its parent's");
        runner.kill(sig);
        const status = await runner.status;
        const ended = sig === "SIGKILL" ? status.signal === "SIGKILL" : status.code === 130;
        assertOk(ended, JSON.stringify(status));
        // After SIGKILL the driver stops them when it reads EOF: give it a moment.
        assertEquals(
          await survivors(pids, 10_000),
          [],
          "escaped processes, the kernel, or its zygote or driver outlived the run",
        );
      } finally {
        try {
          runner.kill("SIGKILL");
        } catch {
          // Ended.
        }
        await runner.status;
        killPids(
          await survivors([...await readPids(pidFile), ...await readPids(`${pidFile}.kernel`)]),
        );
      }
    });
  }
}

for (const path of ["forked", "spawned"] as const) {
  Deno.test(`sys.exit(0) in a ${path} kernel ends the notebook early and successfully`, async (t) => {
    await using dir = await tempDir();
    const server = path === "forked" ? new ForkServer() : undefined;
    const opts = server === undefined ? {} : { server };
    try {
      for (const exit of ["sys.exit(0)", "sys.exit()", "raise SystemExit"]) {
        await t.step(exit, async () => {
          const run = await runNotebook(
            dir.path,
            ["print('a')", `import sys\n${exit}`, "print('never')", "print('never')"],
            opts,
          );
          assertEquals(run.result.status, "succeeded", JSON.stringify(run.result.error));
          assertEquals(run.stdout, "a\n");
          const done = run.events.find((e) => e.type === "done");
          assertEquals(done?.type === "done" ? done.exitedEarly : undefined, {
            cellIndex: 1,
            cellsNotRun: 2,
          });
          const notRun = run.notebook.cells.map((c) =>
            (c.metadata.pynb_dag_runner as { not_run?: string } | undefined)?.not_run
          );
          assertEquals(notRun.map((n) => n !== undefined), [false, false, true, true]);
          assertStringIncludes(notRun[2]!, "sys.exit(0) in cell 1");
          assertEquals(run.notebook.cells[2]!.execution_count, null);
        });
      }
      await t.step("sys.exit(3) fails", async () => {
        const run = await runNotebook(
          dir.path,
          ["import sys\nsys.exit(3)", "print('never')"],
          opts,
        );
        assertEquals(run.result.status, "failed");
        assertEquals([run.result.error?.ename, run.result.error?.evalue], ["SystemExit", "3"]);
      });
      await t.step("sys.exit('message') fails", async () => {
        const run = await runNotebook(dir.path, ["import sys\nsys.exit('bad input')"], opts);
        assertEquals(run.result.status, "failed");
        assertEquals(run.result.error?.evalue, "bad input");
      });
    } finally {
      await server?.close();
    }
  });
}
