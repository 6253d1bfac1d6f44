"""The driver's side of the kernel fork server (`zygote.py`): a jupyter_client provisioner that
asks a warm zygote to fork the kernel instead of starting a new interpreter, and a readiness
check that returns as soon as the kernel answers.

Used by `driver.py`: the zygote is the runner's, one per preload set for the whole run, at the
socket a request names (zygote_client.py). Once a notebook's kernel is ready, a persistent driver
has the zygote start a spare kernel for the next attempt (`prepare_spare`): it initialises while
the notebook runs, and the next attempt only hands it its folder and environment. A kernel spec
qualifies when its argv runs `-m ipykernel_launcher` (or `-m ipykernel`) with this very
interpreter; any other spec is spawned as before.
"""

import asyncio
import functools
import os
import subprocess
import sys
import time
from queue import Empty

from jupyter_client.kernelspec import NATIVE_KERNEL_NAME, KernelSpecManager, NoSuchKernel
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import KernelProvisionerFactory, LocalProvisioner
from traitlets import default

from kernel_child import read_at_start
from zygote_client import ZygoteError, next_id, zygote_for

_PYTHON_NAMES = {"python", f"python{sys.version_info[0]}", "python%i.%i" % sys.version_info[:2]}


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


def _same_start(env, spare_env):
    """Whether a kernel started in `env` read the same as the spare started in `spare_env`. Each
    has an IPython folder of its own, new and empty (the runner's), so neither read anything
    from it."""
    names = {n for n in (*env, *spare_env) if read_at_start(n)} - {"IPYTHONDIR"}
    return _empty_folder(env.get("IPYTHONDIR")) and all(
        env.get(n) == spare_env.get(n) for n in names
    )


def _empty_folder(path):
    try:
        return path is not None and not os.listdir(path)
    except FileNotFoundError:
        return True
    except OSError:
        return False


def _template(cmd, connection_file):
    """The kernel's command with its connection file left out (None), or None without one."""
    if connection_file not in cmd:
        return None
    return [None if arg == connection_file else arg for arg in cmd]


class Spare:
    """A kernel the zygote started ahead of its attempt, waiting for it."""

    def __init__(self, pid, template, info, connection_file, env):
        self.pid = pid
        self.template = template
        self.info = info
        self.connection_file = connection_file
        self.env = env  # the environment it initialised in


async def _adopt(zygote, template, cmd, cwd, env):
    """Hands the zygote's spare kernel this attempt; returns (pid, connection info), or None when
    there is none that fits (an unfit one is ended)."""
    spare = zygote.spare
    if spare is None:
        return None
    if template != spare.template or not _same_start(env, spare.env) or spare.pid in zygote.exits:
        zygote.drop_spare()
        return None
    zygote.spare = None  # it removes its connection file once it has read it
    body = {"id": next_id(), "pid": spare.pid, "argv": cmd[2:], "cwd": cwd, "env": env}
    reply = await zygote.request("activate", body)
    return (spare.pid, spare.info) if reply.get("ok") else None


def prepare_spare(km, on_spare):
    """Has the zygote of `km`'s kernel start a spare kernel like it for the next attempt, unless
    it has one (or is making one). `on_spare(pid)` is called once it runs. Returns at once."""
    provisioner = getattr(km, "provisioner", None)
    if not isinstance(provisioner, ZygoteProvisioner) or provisioner.template is None:
        return
    zygote = provisioner.zygote
    if zygote.spare is not None or zygote.making_spare or not zygote.alive:
        return
    zygote.making_spare = True
    task = asyncio.ensure_future(_make_spare(zygote, provisioner, km, on_spare))
    task.add_done_callback(lambda t: t.cancelled() or t.exception())


async def _make_spare(zygote, provisioner, km, on_spare):
    import uuid

    from jupyter_client.connect import write_connection_file
    from jupyter_core.paths import jupyter_runtime_dir

    try:
        folder = jupyter_runtime_dir()
        os.makedirs(folder, exist_ok=True)
        name = os.path.join(folder, f"kernel-spare-{uuid.uuid4().hex}.json")
        _, info = write_connection_file(
            name,
            ip=km.ip,
            key=str(uuid.uuid4()).encode(),
            transport=km.transport,
            signature_scheme=km.session.signature_scheme,
            kernel_name=km.kernel_name,
        )
        info["key"] = info["key"].encode()  # as jupyter_client holds it
        argv = [name if arg is None else arg for arg in provisioner.template]
        # A new, empty IPython folder, as each attempt has (the attempt's replaces it).
        own = {"IPYTHONDIR": os.path.join(folder, f"ipython-spare-{uuid.uuid4().hex}")}
        try:
            body = {"id": next_id(), "argv": argv[2:], "cwd": provisioner.cwd, "env": own}
            reply = await zygote.request("spare", body)
        except ZygoteError:
            os.remove(name)
            return
        env = {**zygote.env, **own}
        zygote.spare = Spare(reply["pid"], provisioner.template, info, name, env)
        on_spare(reply["pid"])
    finally:
        zygote.making_spare = False


class ZygoteProvisioner(LocalProvisioner):
    """Launches ipykernel by asking the zygote for a fork (or handing it the zygote's spare
    kernel); other commands as LocalProvisioner."""

    forked = False
    template = None

    async def launch_kernel(self, cmd, **kwargs):
        if not getattr(self.parent, "fast", False) or not forkable(cmd):
            return await super().launch_kernel(cmd, **kwargs)
        zygote = await zygote_for(self.parent.preload, getattr(self.parent, "zygote", None))
        env = kwargs.get("env") or dict(os.environ)
        cwd = kwargs.get("cwd") or os.getcwd()
        self.zygote = zygote
        self.cwd = cwd
        self.template = _template(cmd, self.parent.connection_file)
        adopted = await _adopt(zygote, self.template, cmd, cwd, env)
        if adopted is not None:
            pid, info = adopted
            self.connection_info = info
        else:
            request = {"id": next_id(), "argv": cmd[2:], "cwd": cwd, "env": env}
            pid = (await zygote.request("fork", request))["pid"]
        self.process = ForkedKernel(pid, zygote)
        self.pid = self.pgid = pid
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
        reply = await self.zygote.request("sweep", {"id": next_id(), "pid": self.pid})
        return reply["pids"]


@functools.cache
def _ipykernel_resources():
    """The folder of ipykernel's built-in kernel spec, found without importing ipykernel."""
    import importlib.util

    spec = importlib.util.find_spec("ipykernel")
    locations = list(spec.submodule_search_locations or []) if spec else []
    return os.path.join(locations[0], "resources") if locations else None


class KernelSpecs(KernelSpecManager):
    """jupyter_client's kernel spec lookup without its imports of IPython and ipykernel (and its
    debugger): half a second of every driver's first notebook. IPython's own `kernels` folder is
    found as IPython finds it (IPYTHONDIR, else ~/.ipython), and a `python3` spec read from a
    folder is checked against ipykernel's built-in one only when the folder is ipykernel's."""

    def _kernel_dirs_default(self):
        from jupyter_core.paths import jupyter_path

        ipython = os.environ.get("IPYTHONDIR") or os.path.join(os.path.expanduser("~"), ".ipython")
        return [*jupyter_path("kernels"), os.path.join(ipython, "kernels")]

    def _get_kernel_spec_by_name(self, kernel_name, resource_dir):
        if kernel_name != NATIVE_KERNEL_NAME or resource_dir == _ipykernel_resources():
            return super()._get_kernel_spec_by_name(kernel_name, resource_dir)
        kspec = self.kernel_spec_class.from_resource_dir(resource_dir)
        if not KernelProvisionerFactory.instance(parent=self.parent).is_provisioner_available(kspec):
            raise NoSuchKernel(kernel_name)
        return kspec


class ForkingKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels come from the zygote when the spec allows it."""

    @default("kernel_spec_manager")
    def _kernel_spec_manager_default(self):
        return KernelSpecs(data_dir=self.data_dir)

    preload = ()
    fast = False
    zygote = None  # the socket of the runner's shared zygote, if any

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
