"""The driver's side of the kernel fork server (`zygote.py`): a jupyter_client provisioner that
asks a warm zygote to fork the kernel instead of starting a new interpreter, and a readiness
check that returns as soon as the kernel answers.

Used by `driver.py` (a persistent driver keeps one zygote per preload set, started on first use
and started again if it died). A kernel spec qualifies when its argv runs `-m ipykernel_launcher`
(or `-m ipykernel`) with this very interpreter; any other spec is spawned as before.
"""

import asyncio
import json
import os
import subprocess
import sys
import time
from queue import Empty

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner

_ZYGOTE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "zygote.py")
_PYTHON_NAMES = {"python", f"python{sys.version_info[0]}", "python%i.%i" % sys.version_info[:2]}


class ZygoteError(RuntimeError):
    """The zygote could not be started or died while forking."""


def forkable(argv):
    """True when a kernel command line is ipykernel run by this interpreter."""
    if len(argv) < 3 or argv[1] != "-m" or argv[2] not in ("ipykernel_launcher", "ipykernel"):
        return False
    exe = argv[0]
    if exe in _PYTHON_NAMES:
        return True
    try:
        return os.path.realpath(exe) == os.path.realpath(sys.executable)
    except OSError:
        return False


class Zygote:
    """One zygote process and the pipes to it; replies are read by the asyncio loop."""

    def __init__(self, preload):
        self.preload = list(preload)
        self.pending = {}  # request id -> future
        self.exits = {}  # kernel pid -> exit code
        self.buffer = b""
        self.alive = False
        self.ready = None
        self.process = None

    async def start(self):
        self.loop = loop = asyncio.get_running_loop()
        request_read, self.request_fd = os.pipe()
        self.reply_fd, reply_write = os.pipe()
        # fd 1 of the zygote (and of every kernel) is our stderr: stdout carries events only.
        self.process = subprocess.Popen(
            [sys.executable, _ZYGOTE, str(request_read), str(reply_write), *self.preload],
            stdin=subprocess.DEVNULL,
            stdout=2,
            pass_fds=(request_read, reply_write),
        )
        os.close(request_read)
        os.close(reply_write)
        self.alive = True
        self.ready = loop.create_future()
        loop.add_reader(self.reply_fd, self._on_reply)
        info = await self.ready
        if info.get("failed"):
            raise ZygoteError(f"Cannot preload {'; '.join(info['failed'])}")
        return info

    def _on_reply(self):
        try:
            data = os.read(self.reply_fd, 65536)
        except OSError:
            data = b""
        if not data:
            self._died()
            return
        self.buffer += data
        *lines, self.buffer = self.buffer.split(b"\n")
        for line in lines:
            message = json.loads(line)
            if "ready" in message:
                self.ready.set_result(message)
            elif "exited" in message:
                self.exits[message["exited"]] = message["status"]
            else:
                future = self.pending.pop(message.get("forked", message.get("swept")), None)
                if future is not None and not future.done():
                    future.set_result(message)

    def _died(self, grace=0.0):
        self.alive = False
        self.loop.remove_reader(self.reply_fd)
        os.close(self.reply_fd)
        try:
            os.close(self.request_fd)  # EOF: the zygote stops its kernels and exits
        except OSError:
            pass
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        error = ZygoteError(f"the kernel zygote ended (exit code {self.process.returncode})")
        for future in [self.ready, *self.pending.values()]:
            if future is not None and not future.done():
                future.set_exception(error)
        self.pending.clear()

    async def request(self, kind, body):
        if not self.alive:
            raise ZygoteError("the kernel zygote is not running")
        future = asyncio.get_running_loop().create_future()
        self.pending[body["id"]] = future
        data = (json.dumps({kind: body}) + "\n").encode()
        try:
            while data:
                data = data[os.write(self.request_fd, data) :]
        except OSError as err:
            raise ZygoteError(f"the kernel zygote is gone ({err})") from err
        return await future

    def close(self):
        """Ends the zygote: EOF makes it stop every kernel and exit."""
        if self.alive:
            self._died(grace=1.0)


_zygotes = {}
_ids = iter(range(1, 1 << 62))


async def zygote_for(preload):
    """The running zygote of a preload set, started (again) when needed."""
    key = tuple(preload)
    zygote = _zygotes.get(key)
    if zygote is None or not zygote.alive:
        zygote = Zygote(key)
        _zygotes[key] = zygote
        try:
            await zygote.start()
        except BaseException:
            # A preload that fails, fails every attempt that asks for it, with its message.
            zygote.close()
            del _zygotes[key]
            raise
    return zygote


def zygote_pids():
    return [z.process.pid for z in _zygotes.values() if z.alive]


def close_zygotes():
    for zygote in _zygotes.values():
        zygote.close()
    _zygotes.clear()


class ForkedKernel:
    """What jupyter_client expects of a Popen, for a kernel forked by the zygote."""

    def __init__(self, pid, zygote):
        self.pid = pid
        self.zygote = zygote
        self.returncode = None
        self.stdin = self.stdout = self.stderr = None

    def poll(self):
        if self.returncode is None:
            if self.pid in self.zygote.exits:
                self.returncode = self.zygote.exits.pop(self.pid)
            elif not self.zygote.alive:
                # The zygote died: the kernel was re-parented to us (a subreaper).
                try:
                    pid, status = os.waitpid(self.pid, os.WNOHANG)
                    if pid == self.pid:
                        self.returncode = os.waitstatus_to_exitcode(status)
                except ChildProcessError:
                    self.returncode = -9 if not os.path.exists(f"/proc/{self.pid}") else None
        return self.returncode

    def wait(self, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired([str(self.pid)], timeout)
            time.sleep(0.005)
        return self.returncode

    def send_signal(self, sig):
        if self.poll() is None:
            os.kill(self.pid, sig)

    def kill(self):
        self.send_signal(9)

    def terminate(self):
        self.send_signal(15)


class ZygoteProvisioner(LocalProvisioner):
    """Launches ipykernel by asking the zygote for a fork; other commands as LocalProvisioner."""

    forked = False

    async def launch_kernel(self, cmd, **kwargs):
        if not getattr(self.parent, "fast", False) or not forkable(cmd):
            return await super().launch_kernel(cmd, **kwargs)
        zygote = await zygote_for(self.parent.preload)
        env = kwargs.get("env") or dict(os.environ)
        cwd = kwargs.get("cwd") or os.getcwd()
        request = {"id": next(_ids), "argv": cmd[2:], "cwd": cwd, "env": env}
        reply = await zygote.request("fork", request)
        self.process = ForkedKernel(reply["pid"], zygote)
        self.zygote = zygote
        self.pid = self.pgid = reply["pid"]
        self.forked = True
        return self.connection_info

    async def wait(self):
        while self.process is not None and self.process.poll() is None:
            await asyncio.sleep(0.005)
        self.process = None
        return 0

    async def sweep(self):
        """Stops the kernel and everything below it; returns the pids stopped."""
        if not self.forked or not self.zygote.alive:
            return []
        reply = await self.zygote.request("sweep", {"id": next(_ids), "pid": self.pid})
        return reply["pids"]


class ForkingKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels come from the zygote when the spec allows it."""

    preload = ()
    fast = False

    async def pre_start_kernel(self, **kw):
        if self.provisioner is None:
            import uuid

            self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
            self.provisioner = ZygoteProvisioner(
                kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self
            )
        return await super().pre_start_kernel(**kw)

    async def _async_wait(self, pollinterval=0.1):
        # The stock loop sleeps 0.1 s between checks; a killed kernel ends within milliseconds.
        while await self._async_is_alive():
            await asyncio.sleep(0.005)


async def wait_for_ready(kc, is_alive, timeout):
    """Returns as soon as the kernel has answered `kernel_info` on shell and its status reached
    us on IOPub (so no output of the first cell can be missed). No fixed sleeps: a request is
    only repeated when a reply did not come."""
    deadline = time.monotonic() + timeout
    while True:
        msg_id = kc.kernel_info()
        reply = None
        try:
            while reply is None:
                msg = await kc.shell_channel.get_msg(timeout=1)
                if msg["parent_header"].get("msg_id") == msg_id:
                    reply = msg
        except Empty:
            pass
        if reply is not None and await _iopub_idle(kc, msg_id):
            kc._handle_kernel_info_reply(reply)
            return
        if not await is_alive():
            raise RuntimeError("Kernel died before replying to kernel_info")
        if time.monotonic() > deadline:
            raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")


async def _iopub_idle(kc, msg_id):
    while True:
        try:
            msg = await kc.iopub_channel.get_msg(timeout=0.25)
        except Empty:
            return False  # IOPub was not connected yet when the status went out: ask again
        if (
            msg["parent_header"].get("msg_id") == msg_id
            and msg["msg_type"] == "status"
            and msg["content"].get("execution_state") == "idle"
        ):
            return True
