"""The driver's handle on its kernel zygotes (`zygote.py`): one process per preload set, started
on first use (or at once, with `prestart`, while the driver imports nbclient) and started again
if it died. A zygote started before the pipeline was read (no preload set) takes the set the run
then asks for (`warm`), instead of a second zygote importing everything again. Light on imports on purpose: the driver starts a zygote before its own heavy imports.
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
        self.forks = 0
        self.extensions = []  # futures of `preload` requests sent before any fork
        self.env = dict(os.environ)  # the zygote's, in which a spare kernel initialises
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

    async def started(self):
        info = await self.ready
        failed = list(info.get("failed") or [])
        for extension in self.extensions:
            failed += (await extension).get("failed") or []
        if failed:
            raise ZygoteError(f"Cannot preload {'; '.join(failed)}")
        return info

    def extend(self, modules):
        """Asks the zygote to import `modules` too (answered once its own imports are done)."""
        body = {"id": next_id(), "modules": list(modules)}
        if not self.alive:
            raise ZygoteError("the kernel zygote is not running")
        future = self.loop.create_future()
        # Read by `started()`; a zygote that dies before any fork must not log it as unread.
        future.add_done_callback(lambda f: f.cancelled() or f.exception())
        self.pending[body["id"]] = future
        self.extensions.append(future)
        self.preload = list(modules)
        self._write({"preload": body})

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
                replies = ("forked", "swept", "preloaded", "spared", "activated")
                reply_to = next((message[k] for k in replies if k in message), None)
                future = self.pending.pop(reply_to, None)
                if future is not None and not future.done():
                    future.set_result(message)

    def _died(self, grace=0.0):
        self.alive = False
        self.drop_spare()
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
        for future in [self.ready, *self.pending.values(), *self.extensions]:
            if future is not None and not future.done():
                future.set_exception(error)
        self.pending.clear()

    async def request(self, kind, body):
        if not self.alive:
            raise ZygoteError("the kernel zygote is not running")
        future = asyncio.get_running_loop().create_future()
        self.pending[body["id"]] = future
        if kind in ("fork", "spare"):
            self.forks += 1
        self._write({kind: body})
        return await future

    def _write(self, message):
        data = (json.dumps(message) + "\n").encode()
        try:
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


def prestart(preload, loop):
    """Starts the zygote of a preload set now, so that it imports while the driver does."""
    key = tuple(preload)
    if key not in _zygotes:
        zygote = Zygote(key)
        _zygotes[key] = zygote
        zygote.spawn(loop)


def warm(preload, loop):
    """Gets the zygote of a preload set importing now: the fresh zygote without a preload set
    that nothing has forked from yet takes it (it imported the kernel's modules already), else a
    new zygote starts."""
    key = tuple(preload)
    zygote = _zygotes.get(key)
    if zygote is not None and zygote.alive:
        return
    blank = _zygotes.get(())
    if key and blank is not None and blank.alive and blank.forks == 0:
        try:
            blank.extend(key)
        except ZygoteError:
            pass  # it died: a new one starts below
        else:
            del _zygotes[()]
            _zygotes[key] = blank
            return
    prestart(preload, loop)


async def zygote_for(preload):
    """The running zygote of a preload set, started (again) when needed."""
    key = tuple(preload)
    zygote = _zygotes.get(key)
    if zygote is None or not zygote.alive:
        zygote = Zygote(key)
        _zygotes[key] = zygote
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
    return [z.process.pid for z in _zygotes.values() if z.alive]


def close_zygotes():
    """Ends every zygote (EOF: each stops its kernels and exits)."""
    for zygote in _zygotes.values():
        zygote.close()
    _zygotes.clear()
