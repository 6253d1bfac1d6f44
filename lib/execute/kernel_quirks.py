"""What the driver does for kernels that are not ipykernel (Deno's), mixed into its nbclient
client by driver_run.py:

- A result may be published after the kernel reported idle (Deno's kernel: about 1 cell in 10).
  nbclient stops listening to a cell at idle and would drop it. Here a message of the previous
  cell that arrives while the next one runs goes to the previous cell, and after the last code
  cell the driver listens for a short grace period.
- A failing cell may reply `status: ok` (a regression of Deno's kernel, denoland/deno#35290): a
  cell with an `error` output failed, whatever its status reply says. Before that check the driver
  listens 10 ms for late messages of the cell; an error output later still fails the run after
  the cell that was running when it came.

For ipykernel nothing changes.
"""

from queue import Empty

from nbclient.exceptions import CellExecutionComplete, CellExecutionError
from nbclient.util import ensure_async

# How long the driver listens for late results after the last code cell.
LATE_OUTPUT_GRACE_SECONDS = 0.25
# How long it listens for late messages of a cell before deciding whether it failed.
LATE_ERROR_GRACE_SECONDS = 0.01


class KernelQuirks:
    """Mixin of the driver's NotebookClient; `self.quirks_last_code_cell` is set by it."""

    quirks_previous = None  # (msg_id, cell, cell_index) of the last cell that reached idle
    quirks_last_code_cell = None
    quirks_late_error = None  # (cell, error content) of an error output that came late

    def quirks_apply(self):
        return not getattr(self.km, "ipykernel", True)

    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        if not self.quirks_apply():
            return await super()._async_poll_output_msg(parent_msg_id, cell, cell_index)
        while True:
            msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=None))
            parent = msg["parent_header"].get("msg_id")
            if parent == parent_msg_id:
                try:
                    self.process_message(msg, cell, cell_index)
                except CellExecutionComplete:
                    self.quirks_previous = (parent_msg_id, cell, cell_index)
                    return
            elif self.quirks_previous is not None and parent == self.quirks_previous[0]:
                self.quirks_late_output(msg)

    def quirks_late_output(self, msg, checked=True):
        _, cell, cell_index = self.quirks_previous
        try:
            self.process_message(msg, cell, cell_index)
        except CellExecutionComplete:
            pass
        if checked and msg["msg_type"] == "error" and self.quirks_late_error is None:
            self.quirks_late_error = (cell, msg["content"])

    async def quirks_drain(self, grace, checked=True):
        """Listens for late messages of the last cell until none comes for `grace` seconds."""
        while self.quirks_previous is not None:
            try:
                msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=grace))
            except Empty:
                return
            if msg["parent_header"].get("msg_id") == self.quirks_previous[0]:
                self.quirks_late_output(msg, checked)

    def quirks_raise_late_error(self):
        if self.quirks_late_error is not None:
            cell, content = self.quirks_late_error
            self.quirks_late_error = None
            raise CellExecutionError.from_cell_and_msg(cell, content)

    async def async_execute_cell(self, cell, cell_index, *args, **kwargs):
        result = await super().async_execute_cell(cell, cell_index, *args, **kwargs)
        if self.quirks_apply():
            if cell_index == self.quirks_last_code_cell:
                await self.quirks_drain(LATE_OUTPUT_GRACE_SECONDS)
            self.quirks_raise_late_error()
        return result

    async def _check_raise_for_error(self, cell, cell_index, exec_reply):
        if self.quirks_apply() and exec_reply is not None:
            # This cell's late messages (the output poller has ended) go to it before the check.
            await self.quirks_drain(LATE_ERROR_GRACE_SECONDS, checked=False)
            content = exec_reply.get("content", {})
            error = next(
                (o for o in cell.get("outputs", []) if o.get("output_type") == "error"), None
            )
            if content.get("status") != "error" and error is not None:
                content = dict(
                    content,
                    status="error",
                    ename=error.get("ename", "Error"),
                    evalue=error.get("evalue", ""),
                    traceback=list(error.get("traceback", [])),
                )
                exec_reply = dict(exec_reply, content=content)
        return await super()._check_raise_for_error(cell, cell_index, exec_reply)
