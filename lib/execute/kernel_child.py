"""What a child forked by the kernel zygote (`zygote.py`) does to become an attempt's kernel:
either at once (`run_child`), or ahead of its attempt as a spare (`run_spare`), which initialises
in the zygote's environment and starts serving when the attempt is handed to it.

Both leave the child in the state a new kernel process of the attempt would be in: a session of
its own (a child subreaper), the attempt's working folder, environment, `sys.path` and `sys.argv`,
reseeded random generators, a fresh `__main__`. It imports nothing heavy itself: the zygote that
imports it stays free of threads.
"""

import json
import os
import signal
import sys

import reaper

def _reseed():
    import random

    random.seed()
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        try:
            numpy.random.seed()
        except Exception:  # noqa: BLE001 - a broken NumPy must not stop the kernel
            pass


def _matplotlib_inline():
    """A preloaded matplotlib read MPLBACKEND in the zygote; ipykernel's inline default (or the
    task's MPLBACKEND) must win, as in a new kernel."""
    matplotlib = sys.modules.get("matplotlib")
    if matplotlib is None:
        return
    backend = os.environ.get("MPLBACKEND") or "module://matplotlib_inline.backend_inline"
    try:
        # With matplotlib.pyplot preloaded the backend is already chosen: documented, not fixed.
        matplotlib.rcParams["backend"] = backend
    except Exception:  # noqa: BLE001 - the kernel still runs, with matplotlib's backend
        pass


def read_at_start(name):
    """Whether a kernel reads this variable while it starts (IPython's profile and startup file,
    Jupyter's configuration): a spare, initialised in the zygote's environment, only serves an
    attempt whose environment has the same values for these."""
    if name == "JUPYTER_RUNTIME_DIR":  # only resolves a relative connection file
        return False
    return name in ("HOME", "PYTHONSTARTUP") or name.startswith(("IPYTHON", "JUPYTER", "JPY_"))


def output_to(fds):
    """The kernel's stdout and stderr: the fd its driver sent with the request (a shared zygote's
    kernels write to their own driver), else the zygote's own."""
    if fds:
        os.dup2(fds[0], 1)
        os.dup2(fds[0], 2)
    for fd in fds:
        if fd > 2:
            os.close(fd)


def _detach(fds):
    """The forked child's own session (a subreaper), default signals, none of the zygote's fds."""
    os.setsid()
    reaper.become_subreaper()
    signal.set_wakeup_fd(-1)
    for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT, signal.SIGPIPE):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for fd in fds:
        os.close(fd)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)


def _enter(request, env, base_path):
    """Applies an attempt's working folder, environment, `sys.path` and `sys.argv`, as a new
    interpreter started there would have them."""
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(env)
    extra = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    sys.path[:] = [os.getcwd(), *extra, *base_path]
    sys.dont_write_bytecode = bool(os.environ.get("PYTHONDONTWRITEBYTECODE"))
    import tempfile

    tempfile.tempdir = None  # read TMPDIR of this environment again
    import importlib.util

    argv = request["argv"]
    sys.argv = [importlib.util.find_spec(argv[0]).origin, *argv[1:]]
    _matplotlib_inline()


def _fresh_main():
    import types

    sys.modules["__main__"] = types.ModuleType("__main__")


def run_child(request, fds, base_path):
    """Runs in the forked child: becomes the attempt's kernel. Never returns."""

    def start():
        _detach(fds)
        _enter(request, request["env"], base_path)
        _reseed()
        _fresh_main()
        from ipykernel.kernelapp import IPKernelApp

        IPKernelApp.launch_instance(argv=request["argv"][1:])

    _as_kernel(start)


def _as_kernel(start):
    """Runs `start` (the kernel's whole life) and ends the process with its exit code, without
    the zygote's clean-up: never returns."""
    code = 1
    try:
        start()
        code = 0
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else 1
    except BaseException:  # noqa: BLE001 - reported on stderr, then the child ends
        import traceback

        traceback.print_exc(file=sys.__stderr__)  # sys.stderr may be the kernel's by now
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _read_line(fd):
    """One line from a blocking fd; None at EOF before a whole line."""
    data = b""
    while not data.endswith(b"\n"):
        chunk = os.read(fd, 65536)
        if not chunk:
            return None
        data += chunk
    return data


def _hold_output(app):
    """Keeps what a spare's start-up prints (ipykernel's banner, its log) for the attempt that
    takes it: returns the function that writes it out then."""
    import logging

    class Held(logging.Handler):
        records = []

        def emit(self, record):
            self.records.append(record)

    log, held = app.log, Held()
    handlers, log.handlers[:] = log.handlers[:], [held]
    log_connection_info = app.log_connection_info

    def quietly():  # `parent_handle` set: no banner on stdout
        handle, app.parent_handle = app.parent_handle, 1
        try:
            log_connection_info()
        finally:
            app.parent_handle = handle

    app.log_connection_info = quietly

    def release(connection_file):
        """Writes it out, naming the attempt's connection file (the kernel's from now on)."""
        app.connection_file = connection_file
        log.handlers[:] = handlers
        from ipykernel.kernelapp import _ctrl_c_message

        print(_ctrl_c_message, file=sys.__stdout__)
        print("To connect another client to this kernel, use:", file=sys.__stdout__)
        print(f"    --existing {os.path.basename(connection_file)}", file=sys.__stdout__)
        sys.__stdout__.flush()
        for record in held.records:
            log.handle(record)

    return release


def _move_ipython_dir(app, started_in):
    """IPython's folder of the attempt instead of the fresh one the spare started in (which is
    removed): both were new and empty, so the kernel read nothing from either."""
    wanted = os.environ.get("IPYTHONDIR")
    if not wanted or wanted == started_in:
        return
    import shutil

    from IPython.core.profiledir import ProfileDir

    os.makedirs(wanted, exist_ok=True)
    profile = ProfileDir.create_profile_dir_by_name(wanted, app.profile)
    app.ipython_dir = app.shell.ipython_dir = wanted
    app.profile_dir = app.shell.profile_dir = profile
    if started_in:
        shutil.rmtree(started_in, ignore_errors=True)


def run_spare(request, fds, base_path, activation_fd):
    """Runs in the forked child: a kernel started ahead of its attempt. It initialises (sockets,
    shell) in the zygote's environment, then waits for its attempt on `activation_fd`; EOF (the
    zygote is gone, or the spare was discarded) ends it. The attempt's folder, environment,
    `sys.path` and `sys.argv` are applied as `run_child` applies them before a start; what the
    kernel's own start-up set (TERM, PAGER, the inline MPLBACKEND) stays, as it would. Never
    returns."""

    def start():
        _detach(fds)
        before = {**os.environ, **request.get("env", {})}
        _enter(request, before, base_path)
        _reseed()
        _fresh_main()
        from ipykernel.kernelapp import IPKernelApp

        app = IPKernelApp.instance()
        held = _hold_output(app)
        app.initialize(request["argv"][1:])
        # Read now (its ports and key): removed by the spare itself, as an attempt may take it
        # before it got this far.
        try:
            os.remove(app.connection_file)
        except OSError:
            pass
        line = _read_line(activation_fd)
        if line is None:
            os._exit(0)
        os.close(activation_fd)
        attempt = json.loads(line)
        env = dict(attempt["env"])
        for name, value in os.environ.items():
            if before.get(name) != value and not (name == "MPLBACKEND" and env.get(name)):
                env[name] = value
        _enter(attempt, env, base_path)
        _move_ipython_dir(app, before.get("IPYTHONDIR"))
        app.init_path()  # IPython's '' entry, as at a start in this folder
        import pathlib

        app.shell.history_manager.dir_hist[:] = [pathlib.Path.cwd()]
        argv = attempt["argv"]
        held(argv[argv.index("-f") + 1] if "-f" in argv[:-1] else app.connection_file)
        app.start()

    _as_kernel(start)
