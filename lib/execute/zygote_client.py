"""The driver's handle on its kernel zygotes (`zygote.py`): given the socket of the runner's shared
zygote (`zygote.py --listen`), a connection to it, whose kernels write to this driver's stderr;
else a zygote process of its own per preload set, started on first use and started again if it
died.
"""

import asyncio
import json
import os
import subprocess
import sys

_ZYGOTE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "zygote.py")
_ids = iter(range(1, 1 << 62))


def next_id():
    """A new request id."""
    return next(_ids)


class ZygoteError(RuntimeError):
    """The zygote could not be started or died while forking."""


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
        self.env = {}  # the zygote's variables read at a kernel's start (its `ready` says them)
        self.sock = None  # the connection to a shared zygote (`connect`)
        self.spare = None  # the kernel started ahead of the next attempt (fork_kernel.Spare)

    def spawn(self, loop):
        """Starts the zygote process; `started()` waits until it has imported everything."""
        self.loop = loop
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

    def connect(self, address, loop):
        """Connects to a shared zygote that the runner started (`zygote.py --listen`); its
        kernels write to this driver's stderr (sent with each request)."""
        import socket

        self.loop = loop
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.sock.connect(address)
        except OSError as err:
            self.sock.close()
            raise ZygoteError(f"Cannot reach the shared kernel zygote: {err}") from err
        self.request_fd = self.reply_fd = self.sock.fileno()
        self.alive = True
        self.ready = loop.create_future()
        loop.add_reader(self.reply_fd, self._on_reply)
        self._write({"hello": {"preload": self.preload}})

    async def started(self):
        info = await self.ready
        if info.get("failed"):
            raise ZygoteError(f"Cannot preload {'; '.join(info['failed'])}")
        return info

    def _on_reply(self):
        try:
            data = self.sock.recv(1 << 20) if self.sock else os.read(self.reply_fd, 65536)
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
                self.env = message.get("startEnv") or {}
                self.ready.set_result(message)
            elif "exited" in message:
                self.exits[message["exited"]] = message["status"]
            else:
                replies = ("forked", "swept", "spared", "activated")
                reply_to = next((message[k] for k in replies if k in message), None)
                future = self.pending.pop(reply_to, None)
                if future is not None and not future.done():
                    future.set_result(message)

    def _died(self, grace=0.0):
        self.alive = False
        self.drop_spare()
        self.loop.remove_reader(self.reply_fd)
        if self.sock is not None:
            self.sock.close()  # a shared zygote stops this driver's kernels and spares
            error = ZygoteError("the shared kernel zygote closed the connection")
        else:
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
            code = self.process.returncode
            error = ZygoteError(f"the kernel zygote ended (exit code {code})")
        for future in [self.ready, *self.pending.values()]:
            if future is not None and not future.done():
                future.set_exception(error)
        self.pending.clear()

    async def request(self, kind, body):
        if not self.alive:
            raise ZygoteError("the kernel zygote is not running")
        future = asyncio.get_running_loop().create_future()
        self.pending[body["id"]] = future
        self._write({kind: body}, with_stderr=kind in ("fork", "spare"))
        return await future

    def _write(self, message, with_stderr=False):
        data = (json.dumps(message) + "\n").encode()
        try:
            if self.sock is not None:
                import socket

                # One request per packet; a kernel gets this driver's stderr as its output.
                if with_stderr:
                    socket.send_fds(self.sock, [data], [2])
                else:
                    self.sock.send(data)
                return
            while data:
                data = data[os.write(self.request_fd, data) :]
        except OSError as err:
            raise ZygoteError(f"the kernel zygote is gone ({err})") from err

    def drop_spare(self):
        """Ends the spare kernel, if any (EOF on its pipe), and removes its files."""
        spare, self.spare = self.spare, None
        if spare is None:
            return
        if self.alive:
            try:
                self._write({"discard": {"id": next_id(), "pid": spare.pid}})
            except ZygoteError:
                pass
        try:
            os.remove(spare.connection_file)
        except OSError:
            pass
        import shutil

        shutil.rmtree(spare.env["IPYTHONDIR"], ignore_errors=True)

    def close(self):
        """Ends the zygote: EOF makes it stop every kernel and exit."""
        if self.alive:
            self._died(grace=1.0)


_zygotes = {}


async def zygote_for(preload, address=None):
    """The running zygote of a preload set, started (again) when needed; with `address`, the
    runner's shared zygote at that socket (connected again when needed)."""
    key = address or tuple(preload)
    zygote = _zygotes.get(key)
    if zygote is None or not zygote.alive:
        zygote = Zygote(preload)
        _zygotes[key] = zygote
        if address:
            zygote.connect(address, asyncio.get_running_loop())
        else:
            zygote.spawn(asyncio.get_running_loop())
    try:
        await zygote.started()
    except BaseException:
        # A preload that fails, fails every attempt that asks for it, with its message.
        zygote.close()
        if _zygotes.get(key) is zygote:
            del _zygotes[key]
        raise
    return zygote


def zygote_pids():
    """The pids of the zygotes alive."""
    return [z.process.pid for z in _zygotes.values() if z.alive and z.process is not None]


def close_zygotes():
    """Ends every zygote (EOF: each stops its kernels and exits)."""
    for zygote in _zygotes.values():
        zygote.close()
    _zygotes.clear()
