"""Runs one notebook in one kernel with nbclient, for `driver.py`: events for every cell, the
executed notebook saved as it goes, and the outcome as a `done` event.

The kernel is forked from a warm zygote (`fork_kernel.py`) when the request says `fast` and the
kernel spec is ipykernel run by this interpreter; otherwise it is spawned as jupyter_client
always did. Either way the driver waits on the kernel's first reply, not on fixed sleeps.

`sys.exit(0)` (or `sys.exit()`, `raise SystemExit`) in a cell ends the notebook early and
successfully, as papermill treats it: the cells after it are not run, and are marked so in their
metadata (`pynb_dag_runner.not_run`). Any other exit code is a failure.
"""

import json
import os
import re
import signal
import sys
import time
import uuid

import nbclient
import nbformat
import zmq
from jupyter_client.kernelspec import NoSuchKernel
from nbclient.exceptions import CellExecutionError, DeadKernelError

import fork_kernel
from kernel_quirks import KernelQuirks

_STREAM_EVENT_CHARS = 2000
_SAVE_INTERVAL_SECONDS = 2.0
_MERGE_LIMIT_CHARS = 1 << 20
_SUCCESSFUL_EXITS = ("", "0", "None", "False")


class Attempt:
    """One notebook being run: the request, the notebook, what the kernel is doing."""

    def __init__(self, request, emit):
        self.request = request
        self.emit = emit
        self.nb = None
        self.km = None
        self.kernel_pid = None
        self.kernel_process = None
        self.running = None
        self.cell_error = None
        self.dirty_since = None
        self.started_at = {}
        self.code_cells = []
        self.done = None  # the fields of the `done` event, sent once the attempt is swept

    def save(self):
        data = nbformat.writes(self.nb)
        output = self.request["output"]
        tmp = f"{output}.tmp-{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(data)
        os.replace(tmp, output)
        self.dirty_since = None

    def save_quietly(self):
        try:
            self.save()
        except Exception:  # noqa: BLE001 - saving is best effort while stopping
            import traceback

            traceback.print_exc()

    def mark_dirty(self):
        now = time.monotonic()
        if self.dirty_since is None:
            self.dirty_since = now
        elif now - self.dirty_since >= _SAVE_INTERVAL_SECONDS:
            self.save_quietly()

    def note_stop(self, ename, message):
        """Adds why the notebook stopped as an error output of the running cell."""
        running = self.running
        if self.nb is None or not message or running is None or running >= len(self.nb.cells):
            return
        self.nb.cells[running].setdefault("outputs", []).append(
            nbformat.v4.new_output(
                "error", ename=ename or "Stopped", evalue=message, traceback=[message]
            )
        )


def make_client(attempt):
    """An nbclient NotebookClient that reports to `attempt` (a class per attempt: it closes
    over the attempt's state)."""
    request = attempt.request

    class Client(KernelQuirks, nbclient.NotebookClient):
        quirks_last_code_cell = attempt.code_cells[-1] if attempt.code_cells else None

        async def async_start_new_kernel(self, **kwargs):
            self.km.preload = tuple(request.get("preload") or ())
            self.km.fast = bool(request.get("fast"))
            self.km.zygote = request.get("zygote") or None
            runtime_dir = request.get("runtimeDir")
            if runtime_dir:
                os.makedirs(runtime_dir, exist_ok=True)
                name = f"kernel-{uuid.uuid4().hex}.json"
                self.km.connection_file = os.path.join(runtime_dir, name)
            if request.get("env") is not None:
                kwargs["env"] = request["env"]
            start_dir = kernel_start_dir(request)
            if start_dir:
                kwargs["cwd"] = start_dir
            await super().async_start_new_kernel(**kwargs)
            provisioner = self.km.provisioner
            attempt.km = self.km
            attempt.kernel_process = provisioner.process
            attempt.kernel_pid = provisioner.pid
            attempt.emit(
                "kernel_started",
                pid=provisioner.pid,
                pgid=provisioner.pgid,
                kernel=self.kernel_name or "",
                forked=bool(getattr(provisioner, "forked", False)),
            )

        async def async_start_new_kernel_client(self):
            self.kc = self.km.client()
            self.kc.context.setsockopt(zmq.RECONNECT_IVL, 5)
            await nbclient.util.ensure_async(self.kc.start_channels())
            try:
                await fork_kernel.wait_for_ready(self.kc, self.km.is_alive, self.startup_timeout)
            except Exception:
                await self._async_cleanup_kernel()
                raise
            if request.get("spareKernel"):
                # The next attempt's kernel initialises while this notebook runs.
                fork_kernel.prepare_spare(self.km, lambda pid: attempt.emit("spare", pid=pid))
            self.kc.allow_stdin = False
            if kernel_start_dir(request):
                await self.enter_notebook_folder()
            await nbclient.util.run_hook(self.on_notebook_start, notebook=self.nb)
            return self.kc

        async def enter_notebook_folder(self):
            """A Deno kernel started in the runner's folder (its deno.json maps `pynb_dag_runner`)
            moves to the notebook's working directory before the first cell, silently."""
            cwd = request.get("cwd") or os.getcwd()
            code = f"Deno.chdir({json.dumps(cwd)});"
            msg_id = self.kc.execute(code, silent=True, store_history=False)
            reply = await self.async_wait_for_reply(msg_id)
            if not reply or reply.get("content", {}).get("status") != "ok":
                raise RuntimeError(f"Cannot enter the working directory '{cwd}' in the kernel")

        def output(self, outs, msg, display_id, cell_index):
            out = super().output(outs, msg, display_id, cell_index)
            merge_stream(outs, out)
            report_output(attempt, msg, cell_index)
            attempt.mark_dirty()
            return out

    return Client


def merge_stream(outs, out):
    """One stream output per run of prints, as Jupyter shows it, not one per message; progress
    bars redrawn with "\\r" keep only what Jupyter would show."""
    if out is None or out.get("output_type") != "stream" or not outs or outs[-1] is not out:
        return
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


def report_output(attempt, msg, cell_index):
    msg_type = msg["msg_type"]
    content = msg.get("content", {})
    if msg_type == "stream":
        text = content.get("text", "")
        attempt.emit(
            "stream",
            cellIndex=cell_index,
            name=content.get("name", "stdout"),
            text=text[-_STREAM_EVENT_CHARS:],
            truncated=len(text) > _STREAM_EVENT_CHARS,
            chars=len(text),
        )
    elif msg_type in ("display_data", "execute_result"):
        attempt.emit(
            "display",
            cellIndex=cell_index,
            outputType=msg_type,
            mimeTypes=sorted(content.get("data", {}).keys()),
        )


def hooks(attempt, on_notebook_start):
    """nbclient's per-cell hooks, reporting to `attempt`."""

    async def on_cell_execute(cell, cell_index, **_):
        attempt.started_at[cell_index] = time.monotonic()
        attempt.running = cell_index
        codes = attempt.code_cells
        attempt.emit(
            "cell_started",
            cellIndex=cell_index,
            codeCellNumber=codes.index(cell_index) + 1 if cell_index in codes else None,
        )

    async def on_cell_error(cell, cell_index, execute_reply, **_):
        content = execute_reply.get("content", {}) if execute_reply else {}
        attempt.cell_error = {
            "ename": str(content.get("ename", "Error")),
            "evalue": str(content.get("evalue", "")),
            "traceback": [str(line) for line in content.get("traceback", [])],
        }
        if not is_successful_exit(attempt.cell_error):
            attempt.emit("cell_error", cellIndex=cell_index, **attempt.cell_error)

    async def on_cell_executed(cell, cell_index, execute_reply, **_):
        content = execute_reply.get("content", {}) if execute_reply else {}
        started = attempt.started_at.get(cell_index, time.monotonic())
        attempt.running = None
        attempt.save_quietly()
        attempt.emit(
            "cell_done",
            cellIndex=cell_index,
            status=str(content.get("status", "ok")),
            durationSeconds=round(time.monotonic() - started, 6),
        )

    return {
        "on_notebook_start": on_notebook_start,
        "on_cell_execute": on_cell_execute,
        "on_cell_error": on_cell_error,
        "on_cell_executed": on_cell_executed,
    }


def is_successful_exit(error):
    return error is not None and error["ename"] == "SystemExit" and (
        error["evalue"].strip() in _SUCCESSFUL_EXITS
    )


def mark_not_run(nb, cell_index):
    """Marks the code cells after `cell_index` as not run; returns how many."""
    count = 0
    for cell in nb.cells[cell_index + 1 :]:
        if cell.cell_type == "code" and cell.source.strip():
            cell.metadata.setdefault("pynb_dag_runner", {})["not_run"] = (
                f"sys.exit(0) in cell {cell_index} ended the notebook before this cell"
            )
            count += 1
    return count


def kernel_start_dir(request):
    """Where the kernel process starts, when not in the notebook's folder: a Deno kernel reads its
    configuration (the import map of `pynb_dag_runner`) from the folder it starts in."""
    env = request.get("env")
    return (env if env is not None else os.environ).get("PYNB_KERNEL_START_DIR") or None


async def run_notebook(attempt, on_notebook_start):
    """Runs the notebook of `attempt`; emits `started` and cell events, and leaves the fields of
    `done` in `attempt.done`. Returns the driver's exit code: 0 succeeded, 1 failed, 2 bad
    notebook or kernel."""
    request = attempt.request
    try:
        attempt.nb = nbformat.read(request["notebook"], as_version=4)
    except Exception as err:  # noqa: BLE001 - any unreadable notebook is reported the same way
        attempt.done = dict(
            status="error",
            error={
                "ename": "InvalidNotebook",
                "evalue": f"Cannot read notebook '{request['notebook']}': {err}",
                "traceback": [],
            },
        )
        return 2
    nb = attempt.nb
    attempt.code_cells = [
        i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.strip()
    ]
    client = make_client(attempt)(
        nb,
        timeout=None,  # the runner owns the whole-task timeout
        startup_timeout=int(request.get("startupTimeout", 120)),
        kernel_name=request.get("kernel") or "",
        kernel_manager_class=fork_kernel.ForkingKernelManager,
        allow_errors=False,
        shutdown_kernel="immediate",
        record_timing=True,
        resources={"metadata": {"path": request.get("cwd") or os.getcwd()}},
        **hooks(attempt, on_notebook_start),
    )
    attempt.save()
    attempt.emit(
        "started",
        pid=os.getpid(),
        pgid=os.getpgid(0),
        python=sys.version.split()[0],
        nbclient=nbclient.__version__,
        cellCount=len(nb.cells),
        codeCellCount=len(attempt.code_cells),
    )
    # The kernel spec is looked up in this process: a request's JUPYTER_PATH (the runner's own
    # kernelspecs, e.g. Deno's) counts for the time of the request.
    saved = os.environ.get("JUPYTER_PATH")
    wanted = (request.get("env") or {}).get("JUPYTER_PATH")
    if wanted:
        os.environ["JUPYTER_PATH"] = wanted
    try:
        status, error, code, extra = await execute(client, attempt)
    finally:
        if wanted and saved is None:
            os.environ.pop("JUPYTER_PATH", None)
        elif wanted:
            os.environ["JUPYTER_PATH"] = saved
    attempt.save_quietly()
    cell = max(attempt.started_at) if attempt.started_at else None
    if error is not None and cell is not None:
        error["cellIndex"] = cell
    attempt.done = dict(status=status, error=error, **extra)
    return code


async def execute(client, attempt):
    """Executes the notebook; returns (status, error, exit code, extra fields of `done`)."""
    try:
        await client.async_execute()
    except CellExecutionError as err:
        error = attempt.cell_error or {
            "ename": err.ename,
            "evalue": err.evalue,
            "traceback": err.traceback.splitlines(),
        }
        if is_successful_exit(error):
            cell = max(attempt.started_at)
            skipped = mark_not_run(attempt.nb, cell)
            early = {"cellIndex": cell, "cellsNotRun": skipped}
            return "succeeded", None, 0, {"exitedEarly": early}
        return "failed", error, 1, {}
    except DeadKernelError:
        died = {"ename": "KernelDied", "evalue": kernel_exit(attempt), "traceback": []}
        return "kernel_died", died, 1, {}
    except fork_kernel.ZygoteError as err:
        evalue = f"Cannot fork the kernel: {err}; fix kernel.preload, or set fast: false"
        failed = {"ename": "KernelStartFailed", "evalue": evalue, "traceback": []}
        return "error", failed, 1, {}
    except NoSuchKernel as err:
        name = err.args[0] if err.args else attempt.request.get("kernel")
        installed = ", ".join(installed_kernels()) or "none"
        return "error", {
            "ename": "NoSuchKernel",
            "evalue": f"Cannot start kernel '{name}': no such kernel (installed: {installed})",
            "traceback": [],
        }, 2, {}
    except Exception as err:  # noqa: BLE001 - reported to the runner, with the traceback
        import traceback

        return "error", {
            "ename": type(err).__name__,
            "evalue": str(err),
            "traceback": traceback.format_exc().splitlines(),
        }, 1, {}
    return "succeeded", None, 0, {}


_CR_NEWLINE = re.compile(r"\r+\n")
_OVERWRITTEN = re.compile(r"^.*\r+", re.MULTILINE)


def join_stream(text, more):
    """Appends printed text, applying carriage returns the way Jupyter displays them (a line
    redrawn after "\\r" keeps its last version). Only the last line of `text` is re-read."""
    if "\r" not in more and not text.endswith("\r"):
        return text + more
    head, newline, tail = text.rpartition("\n")
    combined = _CR_NEWLINE.sub("\n", tail + more)
    # A trailing "\r" waits for what comes next: "\n" keeps the line, more text replaces it.
    body = combined.rstrip("\r")
    return head + newline + _OVERWRITTEN.sub("", body) + combined[len(body) :]


def kernel_exit(attempt):
    """How the kernel process ended, as words: its exit code or the signal that killed it."""
    process = attempt.kernel_process
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


def installed_kernels():
    try:
        from jupyter_client.kernelspec import KernelSpecManager

        return sorted(KernelSpecManager().find_kernel_specs())
    except Exception:  # noqa: BLE001 - only used to improve a message
        return []
