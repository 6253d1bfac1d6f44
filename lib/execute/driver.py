"""Executes one Jupyter notebook with nbclient and streams one JSON event per line on stdout.

Started by pynb-dag-runner (lib/execute/attempt.ts) with the detected interpreter:

    python3 driver.py NOTEBOOK OUTPUT --cwd DIR --kernel NAME

- The driver becomes a session and process group leader first, so the runner can signal it as a
  group. jupyter_client starts the kernel in a session of its own: the `kernel_started` event
  gives its pid and process group so the runner can kill both groups.
- The executed notebook is written to OUTPUT (atomically: temporary file + rename) once at the
  start, after every cell, every few seconds while a cell prints, and when the driver is stopped.
- The first error stops the notebook (`allow_errors` off). The kernel is shut down immediately.
- A line `{"stop": "timeout", "ename": "Timeout", "message": "..."}` on stdin (sent by the
  runner), SIGTERM, SIGINT, or EOF on stdin (the runner died) save the notebook (with the message
  as an error output of the running cell), kill the kernel's process group and exit with 143.
- Anything the kernel or a library writes to file descriptor 1 goes to stderr: stdout carries
  events only, each a complete line of ASCII JSON.

Exit codes: 0 succeeded, 1 the notebook failed (cell error, dead kernel), 2 bad arguments or
notebook, 143 stopped by a signal or EOF.
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
import re
import signal
import sys
import threading
import time
import traceback

# Events travel on a private copy of stdout; fd 1 becomes stderr, so that nothing written by a
# library, nbclient or the kernel (which inherits fd 1) can corrupt the event stream.
_EVENTS_FD = os.dup(1)  # non-inheritable (PEP 446): the kernel never holds the event pipe
os.dup2(2, 1)
sys.stdout = sys.stderr

_events_lock = threading.Lock()
_STREAM_EVENT_CHARS = 2000
_SAVE_INTERVAL_SECONDS = 2.0
_MERGE_LIMIT_CHARS = 1 << 20


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
    parser = argparse.ArgumentParser(description="Execute a notebook, streaming JSON events.")
    parser.add_argument("notebook", help="notebook to execute (.ipynb)")
    parser.add_argument("output", help="where to save the executed notebook")
    parser.add_argument("--cwd", default=None, help="working directory of the kernel")
    parser.add_argument("--kernel", default=None, help="kernel name (default: the notebook's)")
    parser.add_argument("--startup-timeout", type=float, default=120.0)
    parser.add_argument(
        "--watch-stdin",
        action="store_true",
        help="stop (save, kill the kernel, exit) when stdin reaches EOF: the runner died",
    )
    return parser.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    # jupyter_client writes the kernel's connection file (its ports and key) with mkstemp: into
    # the attempt's runtime folder, which the runner removes even when it had to kill us.
    runtime_dir = os.environ.get("JUPYTER_RUNTIME_DIR")
    if runtime_dir:
        import tempfile

        os.makedirs(runtime_dir, exist_ok=True)
        tempfile.tempdir = runtime_dir
    import nbclient
    import nbformat
    from jupyter_client.kernelspec import NoSuchKernel
    from nbclient.exceptions import CellExecutionError, DeadKernelError

    try:
        nb = nbformat.read(args.notebook, as_version=4)
    except Exception as err:  # noqa: BLE001 - any unreadable notebook is reported the same way
        emit(
            "done",
            status="error",
            error={
                "ename": "InvalidNotebook",
                "evalue": f"Cannot read notebook '{args.notebook}': {err}",
                "traceback": [],
            },
        )
        return 2

    state = {"kernel_pgid": None, "kernel_pid": None, "dirty_since": None, "stopping": False}

    def save():
        data = nbformat.writes(nb)
        tmp = f"{args.output}.tmp-{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(data)
        os.replace(tmp, args.output)
        state["dirty_since"] = None

    def save_quietly():
        try:
            save()
        except Exception:  # noqa: BLE001 - saving is best effort while stopping
            traceback.print_exc()

    def kill_kernel_group():
        pgid = state["kernel_pgid"]
        if pgid is None:
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(pgid, sig)
            except OSError:
                return
            if sig == signal.SIGTERM:
                time.sleep(0.2)

    def stop(reason, ename=None, message=None):
        """Saves what was executed so far, kills the kernel, exits: asked by the runner, a
        signal, or the runner gone. With a message, the running cell gets an error output
        saying why it stopped, as the rendered notebook's last word."""
        if state["stopping"]:
            return
        state["stopping"] = True
        running = state.get("running")
        if message and running is not None and running < len(nb.cells):
            try:
                nb.cells[running].setdefault("outputs", []).append(
                    nbformat.v4.new_output(
                        "error", ename=ename or "Stopped", evalue=message, traceback=[message]
                    )
                )
            except Exception:  # noqa: BLE001 - the annotation is a courtesy
                traceback.print_exc()
        save_quietly()
        kill_kernel_group()
        emit("done", status="terminated", reason=reason)
        os._exit(143)

    cell_started_at = {}
    code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.strip()]

    class Client(nbclient.NotebookClient):
        async def async_start_new_kernel(self, **kwargs):
            await super().async_start_new_kernel(**kwargs)
            provisioner = getattr(self.km, "provisioner", None)
            # jupyter_client >= 7 keeps the Popen in the provisioner, older ones in `kernel`.
            process = getattr(provisioner, "process", None) or getattr(self.km, "kernel", None)
            pid = getattr(process, "pid", None)
            pgid = getattr(provisioner, "pgid", None)
            if pgid is None and pid is not None:
                try:
                    pgid = os.getpgid(pid)
                except OSError:
                    pgid = None
            state["kernel_pid"], state["kernel_pgid"] = pid, pgid
            state["kernel_process"] = process
            emit("kernel_started", pid=pid, pgid=pgid, kernel=self.kernel_name or "")

        def output(self, outs, msg, display_id, cell_index):
            out = super().output(outs, msg, display_id, cell_index)
            # One stream output per run of prints, as Jupyter shows it, not one per message;
            # progress bars redrawn with "\r" keep only what Jupyter would show.
            if out is not None and out.get("output_type") == "stream" and outs and outs[-1] is out:
                previous = outs[-2] if len(outs) >= 2 else None
                if (
                    previous is not None
                    and previous.get("output_type") == "stream"
                    and previous.get("name") == out.get("name")
                    # Past 1 MB a new output starts: merging stays linear in the output's size.
                    and len(previous["text"]) < _MERGE_LIMIT_CHARS
                ):
                    previous["text"] = join_stream(previous["text"], out["text"])
                    outs.pop()
                elif "\r" in out["text"]:
                    out["text"] = join_stream("", out["text"])
            msg_type = msg["msg_type"]
            content = msg.get("content", {})
            if msg_type == "stream":
                text = content.get("text", "")
                emit(
                    "stream",
                    cellIndex=cell_index,
                    name=content.get("name", "stdout"),
                    text=text[-_STREAM_EVENT_CHARS:],
                    truncated=len(text) > _STREAM_EVENT_CHARS,
                    chars=len(text),
                )
            elif msg_type in ("display_data", "execute_result"):
                emit(
                    "display",
                    cellIndex=cell_index,
                    outputType=msg_type,
                    mimeTypes=sorted(content.get("data", {}).keys()),
                )
            self._mark_dirty()
            return out

        def _mark_dirty(self):
            now = time.monotonic()
            if state["dirty_since"] is None:
                state["dirty_since"] = now
            elif now - state["dirty_since"] >= _SAVE_INTERVAL_SECONDS:
                save_quietly()

    async def on_notebook_start(notebook, **_):
        # nbclient installs SIGTERM/SIGINT handlers that shut the kernel down; ours also save
        # the notebook and tell the runner, so they take over here.
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop, signal.Signals(sig).name)

    async def on_cell_execute(cell, cell_index, **_):
        cell_started_at[cell_index] = time.monotonic()
        state["running"] = cell_index
        emit(
            "cell_started",
            cellIndex=cell_index,
            codeCellNumber=code_cells.index(cell_index) + 1 if cell_index in code_cells else None,
        )

    async def on_cell_error(cell, cell_index, execute_reply, **_):
        content = execute_reply.get("content", {}) if execute_reply else {}
        state["cell_error"] = {
            "ename": str(content.get("ename", "Error")),
            "evalue": str(content.get("evalue", "")),
            "traceback": [str(line) for line in content.get("traceback", [])],
        }
        emit("cell_error", cellIndex=cell_index, **state["cell_error"])

    async def on_cell_executed(cell, cell_index, execute_reply, **_):
        content = execute_reply.get("content", {}) if execute_reply else {}
        started = cell_started_at.get(cell_index, time.monotonic())
        state["running"] = None
        save_quietly()
        emit(
            "cell_done",
            cellIndex=cell_index,
            status=str(content.get("status", "ok")),
            durationSeconds=round(time.monotonic() - started, 6),
        )

    client = Client(
        nb,
        timeout=None,  # the runner owns the whole-task timeout
        startup_timeout=int(args.startup_timeout),
        kernel_name=args.kernel or "",
        allow_errors=False,
        shutdown_kernel="immediate",
        record_timing=True,
        resources={"metadata": {"path": args.cwd or os.getcwd()}},
        on_notebook_start=on_notebook_start,
        on_cell_execute=on_cell_execute,
        on_cell_error=on_cell_error,
        on_cell_executed=on_cell_executed,
    )

    stdin_buffer = [b""]

    def on_stdin():
        """EOF: the runner died. A line `{"stop": reason, "ename": ..., "message": ...}`: the
        runner stops the notebook (timeout, cancellation)."""
        try:
            data = os.read(0, 4096)
        except OSError:
            data = b""
        if not data:
            stop("stdin closed")
            return
        stdin_buffer[0] += data
        *lines, stdin_buffer[0] = stdin_buffer[0].split(b"\n")
        for line in lines:
            try:
                request = json.loads(line)
            except ValueError:
                continue
            if isinstance(request, dict) and "stop" in request:
                stop(str(request["stop"]), request.get("ename"), request.get("message"))

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop, signal.Signals(sig).name)
    if args.watch_stdin:
        loop.add_reader(0, on_stdin)

    save()
    emit(
        "started",
        pid=os.getpid(),
        pgid=os.getpgid(0),
        python=sys.version.split()[0],
        nbclient=nbclient.__version__,
        cellCount=len(nb.cells),
        codeCellCount=len(code_cells),
    )

    status, error, code = "succeeded", None, 0
    try:
        loop.run_until_complete(client.async_execute())
    except CellExecutionError as err:
        status, code = "failed", 1
        error = state.get("cell_error") or {
            "ename": err.ename,
            "evalue": err.evalue,
            "traceback": err.traceback.splitlines(),
        }
    except DeadKernelError:
        status, code = "kernel_died", 1
        error = {"ename": "KernelDied", "evalue": kernel_exit(state), "traceback": []}
    except NoSuchKernel as err:
        status, code = "error", 2
        error = {
            "ename": "NoSuchKernel",
            "evalue": f"Cannot start kernel '{err.args[0] if err.args else args.kernel}': "
            f"no such kernel (installed: {', '.join(installed_kernels()) or 'none'})",
            "traceback": [],
        }
    except Exception as err:  # noqa: BLE001 - reported to the runner, with the traceback
        status, code = "error", 1
        error = {
            "ename": type(err).__name__,
            "evalue": str(err),
            "traceback": traceback.format_exc().splitlines(),
        }
    if state["stopping"]:
        return 143
    save_quietly()
    kill_kernel_group()  # processes a cell left behind in the kernel's group
    cell = running_cell(nb, cell_started_at)
    if error is not None and cell is not None:
        error["cellIndex"] = cell
    emit("done", status=status, error=error)
    return code


_CR_NEWLINE = re.compile(r"\r+\n")
_OVERWRITTEN = re.compile(r"^.*\r+", re.MULTILINE)


def join_stream(text, more):
    """Appends printed text, applying carriage returns the way Jupyter displays them (a line
    redrawn after "\r" keeps its last version). Only the last line of `text` is re-read."""
    if "\r" not in more and not text.endswith("\r"):
        return text + more
    head, newline, tail = text.rpartition("\n")
    combined = _CR_NEWLINE.sub("\n", tail + more)
    # A trailing "\r" waits for what comes next: "\n" keeps the line, more text replaces it.
    body = combined.rstrip("\r")
    return head + newline + _OVERWRITTEN.sub("", body) + combined[len(body):]


def kernel_exit(state):
    """How the kernel process ended, as words: its exit code or the signal that killed it."""
    process = state.get("kernel_process")
    code = None
    try:
        code = process.poll() if process is not None else None
    except Exception:  # noqa: BLE001 - only used to improve a message
        code = None
    if code is None:
        return "the kernel process ended"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        hint = " (often the out-of-memory killer)" if -code == signal.SIGKILL else ""
        return f"the kernel process was killed by {name}{hint}"
    return f"the kernel process exited with code {code}"


def running_cell(nb, cell_started_at):
    """The index of the last cell that started, if any."""
    return max(cell_started_at) if cell_started_at else None


def installed_kernels():
    try:
        from jupyter_client.kernelspec import KernelSpecManager

        return sorted(KernelSpecManager().find_kernel_specs())
    except Exception:  # noqa: BLE001 - only used to improve a message
        return []


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
