"""The notebook logger of the original pynb-dag-runner (Python), so that its notebooks run
unchanged:

    from pynb_dag_runner.tasks.task_opentelemetry_logging import PydarLogger

    logger = PydarLogger(P)
    logger.log_int("nr_rows", 70000)
    logger.log_artefact("README.md", "text")
    logger.log_figure("roc.png", fig)

Each call writes what ``pynb_dag_runner.log_value`` and ``log_artifact`` write (``values.jsonl``
and ``artifacts/<name>`` of the attempt): no Ray cluster, no OpenTelemetry collector. The typed
methods check their value's type as the original did and raise ``ValueError`` otherwise.
"""

import io
from typing import Any, Mapping, Union

import pynb_dag_runner as _pdr

__all__ = ["PydarLogger"]


class PydarLogger:
    """Logs values and artefacts of a notebook task (the original pynb-dag-runner's API)."""

    def __init__(self, P: Mapping[str, Any]):
        if not isinstance(P, dict):
            raise ValueError(f"PydarLogger: P must be the dict of parameters, got {type(P).__name__}")
        self.P = P

    # --- files ---

    def log_artefact(self, name: str, content: Union[bytes, str]) -> None:
        """Stores text (as UTF-8) or bytes as the artefact ``name``."""
        __tracebackhide__ = True
        if not isinstance(content, (str, bytes)):
            raise ValueError(
                f"Cannot log artefact '{name}': content must be str or bytes, got "
                f"{type(content).__name__}"
            )
        _pdr.log_artifact(name, content)

    def log_figure(self, name: str, fig: Any) -> None:
        """Stores a matplotlib figure as a PNG artefact named ``name`` (white background)."""
        __tracebackhide__ = True
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", facecolor="white", transparent=False)
        _pdr.log_artifact(name, buffer.getvalue())

    # --- values ---

    def log_value(self, name: str, value: Any) -> None:
        """Logs a JSON value."""
        __tracebackhide__ = True
        _pdr.log_value(name, value)

    def log_key_value(self, key: str, value: Any) -> None:
        """Older name of :meth:`log_value`."""
        __tracebackhide__ = True
        _pdr.log_value(key, value)

    def log_string(self, name: str, value: str) -> None:
        __tracebackhide__ = True
        _check(isinstance(value, str), "log_string", "a string", value)
        _pdr.log_value(name, value)

    def log_int(self, name: str, value: int) -> None:
        __tracebackhide__ = True
        _check(isinstance(value, int), "log_int", "an integer", value)
        _pdr.log_value(name, value)

    def log_boolean(self, name: str, value: bool) -> None:
        __tracebackhide__ = True
        _check(isinstance(value, bool), "log_boolean", "a boolean", value)
        _pdr.log_value(name, value)

    def log_float(self, name: str, value: float) -> None:
        __tracebackhide__ = True
        _check(isinstance(value, float), "log_float", "a float", value)
        _pdr.log_value(name, value)


def _check(ok: bool, method: str, what: str, value: Any) -> None:
    __tracebackhide__ = True
    if not ok:
        raise ValueError(f"{method}: value not {what} {value!r}")
