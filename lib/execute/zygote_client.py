"""The driver's connections to the runner's kernel zygotes (`zygote.py --listen`, one per preload
set for the whole run): requests and replies on a Unix socket, one per packet, with this driver's
stderr passed along with each fork so that a kernel writes to this driver's attempt. Replies are
read by the asyncio loop.
"""

import asyncio
import json
import os
import socket

_ids = iter(range(1, 1 << 62))


def next_id():
    """A new request id."""
    return next(_ids)


class ZygoteError(RuntimeError):
    """The zygote could not be reached or went away while forking."""


class Zygote:
    """One connection to a zygote."""

    def __init__(self, preload):
        self.preload = list(preload)
        self.pending = {}  # request id -> future
        self.exits = {}  # kernel pid -> exit code
        self.buffer = b""
        self.alive = False
        self.ready = None
        self.env = {}  # the zygote's variables read at a kernel's start (its `ready` says them)
        self.sock = None
        self.spare = None  # the kernel started ahead of the next attempt (fork_kernel.Spare)
        self.making_spare = False

    def connect(self, address, loop):
        """Connects to the zygote at `address`; `started()` waits until it has imported this
        driver's preload set."""
        self.loop = loop
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.sock.connect(address)
        except OSError as err:
            self.sock.close()
            raise ZygoteError(f"Cannot reach the kernel zygote: {err}") from err
        self.alive = True
        self.ready = loop.create_future()
        loop.add_reader(self.sock.fileno(), self._on_reply)
        self._write({"hello": {"preload": self.preload}})

    async def started(self):
        info = await self.ready
        if info.get("failed"):
            raise ZygoteError(f"Cannot preload {'; '.join(info['failed'])}")
        return info

    def _on_reply(self):
        try:
            data = self.sock.recv(1 << 20)
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

    def _died(self):
        self.alive = False
        self.drop_spare()
        self.loop.remove_reader(self.sock.fileno())
        self.sock.close()  # the zygote stops this driver's kernels and spare
        error = ZygoteError("the kernel zygote closed the connection")
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
            # One request per packet; a kernel gets this driver's stderr as its output.
            if with_stderr:
                socket.send_fds(self.sock, [data], [2])
            else:
                self.sock.send(data)
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
        """Closes the connection: the zygote stops this driver's kernels and spare."""
        if self.alive:
            self._died()


_zygotes = {}


async def zygote_for(preload, address):
    """The connection to the zygote at `address` (the runner's, for this preload set), made
    (again) when needed."""
    if not address:
        raise ZygoteError("the runner named no kernel zygote for this notebook")
    zygote = _zygotes.get(address)
    if zygote is None or not zygote.alive:
        zygote = Zygote(preload)
        _zygotes[address] = zygote
        zygote.connect(address, asyncio.get_running_loop())
    try:
        await zygote.started()
    except BaseException:
        # A preload that fails, fails every attempt that asks for it, with its message.
        zygote.close()
        if _zygotes.get(address) is zygote:
            del _zygotes[address]
        raise
    return zygote


def close_zygotes():
    """Closes every connection."""
    for zygote in _zygotes.values():
        zygote.close()
    _zygotes.clear()
