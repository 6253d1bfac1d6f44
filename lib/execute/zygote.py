"""Kernel fork server: imports ipykernel once, then forks one fresh kernel per request.

Started by the runner (`shared_zygote.ts`, never by hand), one per preload set for a whole run,
with the interpreter of the kernel spec:

    python3 zygote.py --listen SOCKET [PRELOAD_MODULE ...]

It imports the kernel's modules (ipykernel, IPython, zmq, tornado) and the preload modules, and
nothing else; it never creates a zmq context nor a thread, so that a fork is safe. Drivers connect
to SOCKET (AF_UNIX, SOCK_SEQPACKET); each says `{"hello": {"preload": [...]}}` and gets
`{"ready": pid, "preload", "failed", ...}` once that set is imported. Then one request per packet,
a fork or spare request with the driver's stderr as an fd (the kernel's stdout and stderr), and one
reply per packet:

- `{"fork": {"id", "argv", "cwd", "env", "connectionFile"}}` -> `{"forked": id, "pid": pid}`.
  The child gets a session and process group of its own (the kill sweep and interrupts work as
  for a spawned kernel), becomes a child subreaper, applies the attempt's cwd, environment,
  `sys.argv` and `sys.path` (from PYTHONPATH, as a new interpreter would), reseeds `random` and
  NumPy's global generator (when NumPy is loaded), gets a fresh `__main__`, and only then starts
  `IPKernelApp` on the connection file.
- `{"spare": {"id", "argv", "cwd"}}` -> `{"spared": id, "pid": pid}`: a kernel forked ahead of its
  attempt, initialised in the zygote's environment and waiting (`kernel_child.run_spare`);
  `{"activate": {"id", "pid", "argv", "cwd", "env"}}` -> `{"activated": id, "pid", "ok"}` gives it
  its attempt (it starts serving), `{"discard": {"id", "pid"}}` ends it.
- `{"sweep": {"id", "pid"}}` -> `{"swept": id, "pids": [...]}`: stops every process below the
  zygote (the kernel, what its cells started, processes re-parented here after it died) except
  the kernels of other requests still running.
- A kernel that ends -> `{"exited": pid, "status": code}` (negative: killed by that signal).
- A driver whose connection closes (it is gone): its kernels, its spare and what is below them are
  stopped. `{"preload": [...]}` lines on stdin (from the runner) import more modules now; EOF on
  stdin (the runner is done, or died): every process below is stopped, then the zygote exits.

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


class SocketClient:
    """A driver connected to the zygote: one request per packet, with the driver's stderr as an fd
    for the kernel's output."""

    def __init__(self, sock):
        self.sock = sock

    def fds(self):
        return (self.sock.fileno(),)

    def send(self, data):
        try:
            self.sock.sendall(data)
        except OSError:
            pass  # the driver is gone; its EOF is read next

    def receive(self):
        import socket

        try:
            data, fds, _flags, _addr = socket.recv_fds(self.sock, 1 << 20, 4)
        except OSError:
            return None
        if not data:
            for fd in fds:
                os.close(fd)
            return None
        return [(data.rstrip(b"\n"), fds)]


class Zygote:
    """The fork server's state: its clients (drivers), their kernels and spare kernels."""

    def __init__(self, wakeup_fds):
        self.wakeup_fd, self.wakeup_write_fd = wakeup_fds
        self.clients = {}  # fd -> client
        self.listener = None
        self.kernels = {}  # pid -> (client, request id), for kernels not yet swept
        self.spares = {}  # pid -> write end of its activation pipe, for spares not yet activated
        self.base_path = _base_path()
        self.modules = []  # the preload set imported so far, and its failures
        self.failed = []
        self.subreaper = False

    def fds(self):
        """Every fd a forked kernel must not keep."""
        own = [self.wakeup_fd, self.wakeup_write_fd, self.listener.fileno(), *self.spares.values()]
        for client in self.clients.values():
            own.extend(client.fds())
        return own

    def reply(self, client, **fields):
        client.send((json.dumps(fields) + "\n").encode())

    def ready(self, client, names=()):
        import threading

        wanted = [n for n in names if n not in self.modules]
        self.failed += import_modules(wanted)
        self.modules += wanted
        self.reply(
            client,
            ready=os.getpid(),
            preload=self.modules,
            failed=self.failed,
            subreaper=self.subreaper,
            threads=threading.active_count(),
            startEnv={k: v for k, v in os.environ.items() if kernel_child.read_at_start(k)},
        )

    def fork(self, client, request, fds):
        pid = os.fork()
        if pid == 0:
            kernel_child.output_to(fds)
            kernel_child.run_child(request, self.fds(), self.base_path)
        self.kernels[pid] = (client, request["id"])
        self.reply(client, forked=request["id"], pid=pid)

    def spare(self, client, request, fds):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(write_end)
            kernel_child.output_to(fds)
            kernel_child.run_spare(request, self.fds(), self.base_path, read_end)
        os.close(read_end)
        self.spares[pid] = write_end
        self.kernels[pid] = (client, request["id"])
        self.reply(client, spared=request["id"], pid=pid)

    def activate(self, client, request):
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
            self.kernels[pid] = (client, request["id"])
        self.reply(client, activated=request["id"], pid=pid, ok=ok)

    def discard(self, pid):
        """Ends a spare that no attempt will take (EOF on its pipe)."""
        fd = self.spares.pop(pid, None)
        if fd is not None:
            os.close(fd)

    def sweep(self, client, request):
        pid = request.get("pid")
        others = [k for k in self.kernels if k != pid]
        pids = reaper.kill_descendants(os.getpid(), keep=others, grace=0.2)
        self.kernels.pop(pid, None)
        self.reap()
        self.reply(client, swept=request["id"], pids=pids)

    def drop(self, client):
        """A driver is gone: its spares end, its kernels and what they started are stopped."""
        del self.clients[client.fds()[0]]
        mine = [pid for pid, (owner, _) in self.kernels.items() if owner is client]
        for pid in mine:
            self.discard(pid)
            reaper.kill_descendants(pid, grace=0)
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
            self.kernels.pop(pid, None)
        client.sock.close()
        self.reap()

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
            owner = self.kernels.get(pid)
            if owner is not None:
                self.reply(owner[0], exited=pid, status=os.waitstatus_to_exitcode(status))

    def handle(self, client, line, fds):
        try:
            message = json.loads(line)
        except ValueError:
            message = {}
        try:
            if "fork" in message:
                self.fork(client, message["fork"], fds)
            elif "spare" in message:
                self.spare(client, message["spare"], fds)
            elif "hello" in message:
                self.ready(client, message["hello"].get("preload") or [])
            elif "sweep" in message:
                self.sweep(client, message["sweep"])
            elif "activate" in message:
                self.activate(client, message["activate"])
            elif "discard" in message:
                self.discard(message["discard"]["pid"])
        finally:
            for fd in fds:
                os.close(fd)

    def serve(self):
        """Answers the drivers until the runner's stdin reaches EOF."""
        import select

        while True:
            watched = [self.wakeup_fd, self.listener.fileno(), 0, *self.clients]
            ready, _, _ = select.select(watched, [], [])
            if self.wakeup_fd in ready:
                os.read(self.wakeup_fd, 4096)
                self.reap()
            if 0 in ready and not self.control():
                return
            if self.listener.fileno() in ready:
                sock, _ = self.listener.accept()
                client = SocketClient(sock)
                self.clients[sock.fileno()] = client
            for fd in ready:
                client = self.clients.get(fd)
                if client is None:
                    continue
                requests = client.receive()
                if requests is None:
                    self.drop(client)
                    continue
                for line, fds in requests:
                    self.handle(client, line, fds)

    def control(self):
        """A line from the runner on stdin (a preload set to import now); False at EOF."""
        data = os.read(0, 65536)
        if not data:
            return False
        for line in data.split(b"\n"):
            try:
                names = json.loads(line).get("preload") or []
            except (ValueError, AttributeError):
                continue
            wanted = [n for n in names if n not in self.modules]
            self.failed += import_modules(wanted)
            self.modules += wanted
        return True


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
    if len(argv) < 2 or argv[0] != "--listen":
        print("usage: zygote.py --listen SOCKET [PRELOAD_MODULE ...]", file=sys.stderr)
        return 2
    os.setsid()  # the runner stops this zygote as a process group and session
    subreaper = reaper.become_subreaper()
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    signal.set_wakeup_fd(write_end)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    # SIGTERM from the runner: stop what runs below, then exit.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    zygote = Zygote((read_end, write_end))
    zygote.subreaper = subreaper
    try:
        import socket

        # Listening before the imports: drivers that connect meanwhile wait in the backlog.
        zygote.listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        zygote.listener.bind(argv[1])
        zygote.listener.listen(64)
        print(json.dumps({"listening": argv[1]}), flush=True)
        names = argv[2:]
        zygote.failed = preload(names)
        zygote.modules = list(names)
        print(json.dumps({"ready": os.getpid()}), flush=True)
        zygote.serve()
    finally:
        reaper.kill_descendants(os.getpid(), grace=0.2)
    return 0


if __name__ == "__main__":
    code = main(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    # Everything below it is stopped: no interpreter teardown (the finalisers of the preloaded
    # modules cost a tenth of a second at the end of every run).
    os._exit(code)
