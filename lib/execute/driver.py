"""Executes Jupyter notebooks with nbclient and streams one JSON event per line on stdout.

Started by pynb-dag-runner (lib/execute/attempt.ts) with the detected interpreter, either for
one notebook:

    python3 driver.py NOTEBOOK OUTPUT --cwd DIR --kernel NAME [--watch-stdin]

or as a persistent driver that runs one notebook after another (one per worker slot):

    python3 driver.py --serve

- The driver becomes a session and process group leader first, so the runner can signal it as a
  group, and a child subreaper (Linux), so that every process a kernel starts stays below it
  however it detaches (setsid, a new session, a double fork): when an attempt ends, all of them
  are stopped (see reaper.py). The `kernel_started` event gives the kernel's pid and process
  group so the runner can kill both groups too.
- With `--serve`, requests come as JSON lines on stdin: `{"run": {"notebook", "output", "cwd",
  "kernel", "env", "runtimeDir", "fast", "preload"}}` runs one notebook and ends with its `done`
  event; the next request may follow. With `fast`, an ipykernel kernel is forked from the
  runner's warm zygote at the request's `zygote` socket (fork_kernel.py, zygote.py).
- The executed notebook is written to OUTPUT (atomically: temporary file + rename) once at the
  start, after every cell, every few seconds while a cell prints, and when the driver is stopped.
- The first error stops the notebook (`allow_errors` off), except `sys.exit(0)`, an early
  successful end (driver_run.py). The kernel is shut down immediately.
- A line `{"stop": "timeout", "ename": "Timeout", "message": "..."}` on stdin (sent by the
  runner), SIGTERM, SIGINT, or EOF on stdin (the runner died) save the notebook (with the message
  as an error output of the running cell), stop every process below the driver and exit with 143.
- Anything the kernel or a library writes to file descriptor 1 goes to stderr: stdout carries
  events only, each a complete line of ASCII JSON.

Exit codes: 0 succeeded, 1 the notebook failed (cell error, dead kernel), 2 bad arguments or
notebook, 143 stopped by a signal or EOF. With `--serve`: 0 after EOF between notebooks.
"""

import os

# A session of our own before anything else: the runner kills this process group as a whole.
try:
    os.setsid()
except OSError:  # already a session leader
    pass

import argparse
import asyncio
import json
import signal
import sys
import threading
import time
import traceback

import reaper

SUBREAPER = reaper.become_subreaper()

# Events travel on a private copy of stdout; fd 1 becomes stderr, so that nothing written by a
# library, nbclient or the kernel (which inherits fd 1) can corrupt the event stream.
_EVENTS_FD = os.dup(1)  # non-inheritable (PEP 446): the kernel never holds the event pipe
os.dup2(2, 1)
sys.stdout = sys.stderr

_events_lock = threading.Lock()


def emit(event_type, **fields):
    """Writes one event line; never raises (a closed pipe means the runner is gone)."""
    line = json.dumps({"type": event_type, "time": time.time(), **fields}, ensure_ascii=True)
    data = (line + "\n").encode("ascii")
    with _events_lock:
        try:
            while data:
                written = os.write(_EVENTS_FD, data)
                data = data[written:]
        except OSError:
            pass


def parse_args(argv):
    parser = argparse.ArgumentParser(description="Execute notebooks, streaming JSON events.")
    parser.add_argument("notebook", nargs="?", help="notebook to execute (.ipynb)")
    parser.add_argument("output", nargs="?", help="where to save the executed notebook")
    parser.add_argument("--cwd", default=None, help="working directory of the kernel")
    parser.add_argument("--kernel", default=None, help="kernel name (default: the notebook's)")
    parser.add_argument("--startup-timeout", type=float, default=120.0)
    parser.add_argument(
        "--watch-stdin",
        action="store_true",
        help="stop (save, kill the kernel, exit) when stdin reaches EOF: the runner died",
    )
    parser.add_argument("--serve", action="store_true", help="run notebooks asked on stdin")
    args = parser.parse_args(argv)
    if not args.serve and (args.notebook is None or args.output is None):
        parser.error("NOTEBOOK and OUTPUT are required without --serve")
    return args


class Driver:
    """The driver process: the attempt running now, stdin requests, stopping."""

    def __init__(self, serve):
        self.serve = serve
        self.attempt = None
        self.stopping = False
        self.requests = asyncio.Queue()
        self.buffer = b""

    def stop(self, reason, ename=None, message=None):
        """Saves what was executed so far, stops every process below the driver, exits: asked
        by the runner, a signal, or the runner gone. With a message, the running cell gets an
        error output saying why it stopped, as the rendered notebook's last word."""
        if self.stopping:
            return
        self.stopping = True
        attempt = self.attempt
        if attempt is not None and attempt.nb is not None:
            try:
                attempt.note_stop(ename, message)
            except Exception:  # noqa: BLE001 - the annotation is a courtesy
                traceback.print_exc()
            attempt.save_quietly()
        if attempt is not None and attempt.kernel_pid:
            # What the kernel started first (a shared zygote's kernel is not below this driver):
            # frozen, so that it forks nothing meanwhile.
            try:
                os.kill(attempt.kernel_pid, signal.SIGSTOP)
            except OSError:
                pass
            reaper.kill_descendants(attempt.kernel_pid, grace=0)
            _kill_group(attempt.kernel_pid)
        reaper.kill_descendants(os.getpid(), grace=0.2)
        if attempt is not None or not self.serve:
            emit("done", status="terminated", reason=reason)
        os._exit(143)

    def on_stdin(self):
        """EOF: the runner died (or, between notebooks of `--serve`, is done with us). A line
        `{"stop": ...}` stops the notebook; `{"run": ...}` queues one."""
        try:
            data = os.read(0, 65536)
        except OSError:
            data = b""
        if not data:
            if self.serve and self.attempt is None:
                self.requests.put_nowait(None)
                asyncio.get_running_loop().remove_reader(0)
            else:
                self.stop("stdin closed")
            return
        self.buffer += data
        *lines, self.buffer = self.buffer.split(b"\n")
        for line in lines:
            try:
                request = json.loads(line)
            except ValueError:
                continue
            if isinstance(request, dict) and "stop" in request:
                self.stop(str(request["stop"]), request.get("ename"), request.get("message"))
            elif isinstance(request, dict) and isinstance(request.get("run"), dict):
                self.requests.put_nowait(request["run"])

    async def run(self, request):
        import driver_run

        if self.serve:
            request = {**request, "spareKernel": True}  # another notebook may follow
        self.attempt = driver_run.Attempt(request, emit)

        async def on_notebook_start(notebook, **_):
            # nbclient installs SIGTERM/SIGINT handlers that shut the kernel down; ours also
            # save the notebook and tell the runner, so they take over here.
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, self.stop, signal.Signals(sig).name)

        try:
            return await driver_run.run_notebook(self.attempt, on_notebook_start)
        finally:
            try:
                await self.sweep()
            except Exception:  # noqa: BLE001 - the final sweep below the driver still runs
                traceback.print_exc()
            if self.attempt.done is not None:
                emit("done", **self.attempt.done)
            self.attempt = None

    async def sweep(self):
        """Stops whatever a cell left behind: below the kernel (via the zygote for a forked
        one), then below the driver, zygotes excepted."""
        import fork_kernel

        attempt = self.attempt
        provisioner = getattr(attempt.km, "provisioner", None) if attempt.km else None
        stopped = []
        if isinstance(provisioner, fork_kernel.ZygoteProvisioner):
            try:
                stopped += await provisioner.sweep()
            except fork_kernel.ZygoteError:
                pass  # the zygote is gone (the runner starts another): the kernel is killed below
        if attempt.kernel_pid:
            _kill_group(attempt.kernel_pid)
        stopped += reaper.kill_descendants(os.getpid(), grace=0.2)
        reaper.reap_orphans(keep=[attempt.kernel_pid or 0])
        escaped = [pid for pid in stopped if pid != attempt.kernel_pid]
        if escaped:
            print(f"[pynb-dag-runner] killed escaped processes {', '.join(map(str, escaped))}")

    async def serve_requests(self):
        code = 0
        while True:
            request = await self.requests.get()
            if request is None:
                return code
            code = await self.run(request)


def _kill_group(pgid):
    """Kills the kernel's process group (jupyter_client started it in a session of its own)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pgid, sig)
        except OSError:
            return
        if sig == signal.SIGTERM:
            time.sleep(0.05)


def main(argv):
    args = parse_args(argv)
    # jupyter_client writes the kernel's connection file (its ports and key) with mkstemp: into
    # the attempt's runtime folder, which the runner removes even when it had to kill us.
    runtime_dir = os.environ.get("JUPYTER_RUNTIME_DIR")
    if runtime_dir and not args.serve:
        import tempfile

        os.makedirs(runtime_dir, exist_ok=True)
        tempfile.tempdir = runtime_dir
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    driver = Driver(args.serve)
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, driver.stop, signal.Signals(sig).name)
    if args.watch_stdin or args.serve:
        loop.add_reader(0, driver.on_stdin)
    try:
        if args.serve:
            import driver_run  # noqa: F401 - imported once, before the first notebook

            emit("ready", pid=os.getpid(), subreaper=SUBREAPER)
            return loop.run_until_complete(driver.serve_requests())
        request = {
            "notebook": args.notebook,
            "output": args.output,
            "cwd": args.cwd,
            "kernel": args.kernel,
            "startupTimeout": args.startup_timeout,
        }
        return loop.run_until_complete(driver.run(request))
    finally:
        import zygote_client

        zygote_client.close_zygotes()
        reaper.kill_descendants(os.getpid(), grace=0.2)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except SystemExit:
        raise
    except BaseException as err:  # noqa: BLE001 - the runner needs an event, not only stderr
        traceback.print_exc()
        emit(
            "done",
            status="error",
            error={"ename": "DriverFailed", "evalue": repr(err), "traceback": []},
        )
        sys.exit(1)
