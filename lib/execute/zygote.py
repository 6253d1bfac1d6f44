"""Kernel fork server: imports ipykernel once, then forks one fresh kernel per request.

Started by `driver.py` (never by hand) with the interpreter of the kernel spec:

    python3 zygote.py REQUEST_FD REPLY_FD [PRELOAD_MODULE ...]

It imports the kernel's modules (ipykernel, IPython, zmq, tornado) and the preload modules, and
nothing else; it never creates a zmq context nor a thread, so that a fork is safe. Requests come
as JSON lines on REQUEST_FD, replies go out as JSON lines on REPLY_FD:

- `{"fork": {"id", "argv", "cwd", "env", "connectionFile"}}` -> `{"forked": id, "pid": pid}`.
  The child gets a session and process group of its own (the kill sweep and interrupts work as
  for a spawned kernel), becomes a child subreaper, applies the attempt's cwd, environment,
  `sys.argv` and `sys.path` (from PYTHONPATH, as a new interpreter would), reseeds `random` and
  NumPy's global generator (when NumPy is loaded), gets a fresh `__main__`, and only then starts
  `IPKernelApp` on the connection file.
- `{"preload": {"id", "modules": [...]}}` -> `{"preloaded": id, "failed": [...]}`: imports more
  modules, for a zygote started before the pipeline's preload set was known; kernels forked
  afterwards have them.
- `{"spare": {"id", "argv", "cwd"}}` -> `{"spared": id, "pid": pid}`: a kernel forked ahead of its
  attempt, initialised in the zygote's environment and waiting (`kernel_child.run_spare`);
  `{"activate": {"id", "pid", "argv", "cwd", "env"}}` -> `{"activated": id, "pid", "ok"}` gives it
  its attempt (it starts serving), `{"discard": {"id", "pid"}}` ends it.
- `{"sweep": {"id", "pid"}}` -> `{"swept": id, "pids": [...]}`: stops every process below the
  zygote (the kernel, what its cells started, processes re-parented here after it died) except
  the kernels of other requests still running.
- A kernel that ends -> `{"exited": pid, "status": code}` (negative: killed by that signal).
- EOF on REQUEST_FD (the driver is gone): every process below is stopped, then the zygote exits.

Fork-time facts a notebook may notice, documented in docs/fast-kernels.md: modules preloaded here
ran their import-time code once, before the task's environment was applied; `hash()` of strings
uses the zygote's seed (PYTHONHASHSEED is read only at interpreter start).
"""

import json
import os
import signal
import sys

import kernel_child
import reaper

_SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))


def _base_path():
    """sys.path without this folder and without the zygote's own PYTHONPATH entries."""
    own = set(p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p)
    return [p for p in sys.path if p and os.path.abspath(p) != _SCRIPT_DIR and p not in own]


class Zygote:
    """The fork server's state: open requests, their kernels, the reply pipe."""

    def __init__(self, request_fd, reply_fd, wakeup_fds):
        self.request_fd = request_fd
        self.reply_fd = reply_fd
        self.wakeup_fd, self.wakeup_write_fd = wakeup_fds
        self.kernels = {}  # pid -> request id, for kernels not yet swept
        self.spares = {}  # pid -> write end of its activation pipe, for spares not yet activated
        self.base_path = _base_path()
        self.buffer = b""

    def fds(self):
        own = (self.request_fd, self.reply_fd, self.wakeup_fd, self.wakeup_write_fd)
        return (*own, *self.spares.values())

    def reply(self, **fields):
        data = (json.dumps(fields) + "\n").encode()
        while data:
            data = data[os.write(self.reply_fd, data) :]

    def fork(self, request):
        pid = os.fork()
        if pid == 0:
            kernel_child.run_child(request, self.fds(), self.base_path)
        self.kernels[pid] = request["id"]
        self.reply(forked=request["id"], pid=pid)

    def spare(self, request):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(write_end)
            kernel_child.run_spare(request, self.fds(), self.base_path, read_end)
        os.close(read_end)
        self.spares[pid] = write_end
        self.kernels[pid] = request["id"]
        self.reply(spared=request["id"], pid=pid)

    def activate(self, request):
        """Hands a spare its attempt; `ok` is false when it is gone."""
        pid = request["pid"]
        fd = self.spares.pop(pid, None)
        ok = fd is not None
        if ok:
            data = (json.dumps(request) + "\n").encode()
            try:
                while data:
                    data = data[os.write(fd, data) :]
            except OSError:
                ok = False
            os.close(fd)
            self.kernels[pid] = request["id"]
        self.reply(activated=request["id"], pid=pid, ok=ok)

    def discard(self, request):
        """Ends a spare that no attempt will take (EOF on its pipe)."""
        fd = self.spares.pop(request["pid"], None)
        if fd is not None:
            os.close(fd)

    def sweep(self, request):
        pid = request.get("pid")
        others = [k for k in self.kernels if k != pid]
        pids = reaper.kill_descendants(os.getpid(), keep=others, grace=0.2)
        self.kernels.pop(pid, None)
        self.reap()
        self.reply(swept=request["id"], pids=pids)

    def reap(self):
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            fd = self.spares.pop(pid, None)
            if fd is not None:
                os.close(fd)
            if pid in self.kernels:
                self.reply(exited=pid, status=os.waitstatus_to_exitcode(status))

    def handle(self, line):
        try:
            message = json.loads(line)
        except ValueError:
            return
        if "fork" in message:
            self.fork(message["fork"])
        elif "preload" in message:
            request = message["preload"]
            self.reply(preloaded=request["id"], failed=import_modules(request["modules"]))
        elif "sweep" in message:
            self.sweep(message["sweep"])
        elif "spare" in message:
            self.spare(message["spare"])
        elif "activate" in message:
            self.activate(message["activate"])
        elif "discard" in message:
            self.discard(message["discard"])

    def serve(self):
        import select

        while True:
            ready, _, _ = select.select([self.request_fd, self.wakeup_fd], [], [])
            if self.wakeup_fd in ready:
                os.read(self.wakeup_fd, 4096)
                self.reap()
            if self.request_fd in ready:
                data = os.read(self.request_fd, 65536)
                if not data:
                    return
                self.buffer += data
                *lines, self.buffer = self.buffer.split(b"\n")
                for line in lines:
                    self.handle(line)


def preload(names):
    """Imports the kernel's modules, then each preload module. Returns the failures."""
    # The kernel's debugger (debugpy: a third of ipykernel's import time) serves the breakpoints
    # of a frontend, which a batch run never has: ipykernel is imported as if debugpy were
    # absent. The block is lifted afterwards, so a cell can still import debugpy.
    blocked = "debugpy" not in sys.modules
    if blocked:
        sys.modules["debugpy"] = None
    try:
        import ipykernel.kernelapp  # noqa: F401 - the point of the zygote: imported once
        import ipykernel.ipkernel  # noqa: F401
        import ipykernel.zmqshell  # noqa: F401
    finally:
        if blocked and "debugpy" in sys.modules and sys.modules["debugpy"] is None:
            del sys.modules["debugpy"]

    return import_modules(names)


def import_modules(names):
    """Imports each module; returns the failures, as words."""
    import importlib

    failed = []
    for name in names:
        try:
            importlib.import_module(name)
        except Exception as err:  # noqa: BLE001 - reported to the driver, which says it
            failed.append(f"{name}: {type(err).__name__}: {err}")
    return failed


def main(argv):
    request_fd, reply_fd = int(argv[0]), int(argv[1])
    subreaper = reaper.become_subreaper()
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    signal.set_wakeup_fd(write_end)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    # SIGTERM from the driver or the runner: stop what runs below, then exit.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    zygote = Zygote(request_fd, reply_fd, (read_end, write_end))
    try:
        failed = preload(argv[2:])
        import threading

        zygote.reply(
            ready=os.getpid(),
            preload=argv[2:],
            failed=failed,
            subreaper=subreaper,
            threads=threading.active_count(),
        )
        zygote.serve()
    finally:
        reaper.kill_descendants(os.getpid(), grace=0.2)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
