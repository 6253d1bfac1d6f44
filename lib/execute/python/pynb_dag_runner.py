"""Log values, metrics, artifacts and figures from a notebook run by pynb-dag-runner, and read
what upstream tasks logged.

    import pynb_dag_runner as pdr

    pdr.log_value("n_rows", 70000)
    pdr.log_metric("loss", 0.12, step=3)
    pdr.log_artifact("model.onnx", pathlib.Path("model.onnx"))
    pdr.log_figure("confusion-matrix.png", fig)
    for up in pdr.upstream("train-model"):
        print(up.matrix, up.values["accuracy"], up.artifacts["model.onnx"])

Everything is written to files in the attempt's folder (`$PYNB_ATTEMPT_DIR`): one JSON line per
call in `values.jsonl`, artifacts under `artifacts/<name>`. No network, no server.

Outside pynb-dag-runner (a notebook opened in Jupyter Lab) the same calls write to a fresh folder
under `./.pynb-dag-runner-local/` and warn once, so a notebook runs unchanged in both places.

The single file has no dependency beyond the Python standard library (3.8+).
"""

import dataclasses
import datetime
import hashlib
import io
import json
import math
import mimetypes
import numbers
import os
import pathlib
import shutil
import tempfile
import warnings
from typing import Any, Dict, List, Optional, Union

__all__ = [
    "log_value",
    "log_metric",
    "log_artifact",
    "log_figure",
    "upstream",
    "Upstream",
    "PynbDagRunnerError",
    "NotJsonError",
    "DuplicateNameError",
    "InvalidNameError",
    "UpstreamError",
]

__version__ = "1"

# The original pynb-dag-runner's notebook API (`pynb_dag_runner.tasks.task_opentelemetry_logging`)
# lives in the folder next to this file: a `__path__` makes this module a package for imports.
__path__ = [os.path.join(os.path.dirname(os.path.abspath(__file__)), "pynb_dag_runner_compat")]


class PynbDagRunnerError(Exception):
    """Base class of every error raised by this module."""


class NotJsonError(PynbDagRunnerError, TypeError):
    """A value to log cannot be written as JSON (an object, NaN, infinity...)."""


class DuplicateNameError(PynbDagRunnerError, ValueError):
    """A value or artifact with this name was already logged by this attempt."""


class InvalidNameError(PynbDagRunnerError, ValueError):
    """A name is empty, not a string, or (for an artifact) would leave the artifacts folder."""


class UpstreamError(PynbDagRunnerError, LookupError):
    """The upstream task asked for is not an upstream of this task, or cannot be read."""


@dataclasses.dataclass(frozen=True)
class Upstream:
    """What one upstream task instance logged.

    Attributes:
        id: Instance id, e.g. ``train-model[nr_train_images=600]``.
        task: Task name, e.g. ``train-model``.
        matrix: The instance's matrix values (empty without a matrix).
        values: Logged values by name.
        metrics: Logged metrics, each ``{"name", "value", "step"}``, in logging order.
        artifacts: Logged artifacts by name, as absolute paths of readable files.
    """

    id: str
    task: str
    matrix: Dict[str, Any]
    values: Dict[str, Any]
    metrics: List[Dict[str, Any]]
    artifacts: Dict[str, pathlib.Path]


class _Log:
    """Where this kernel logs to, resolved on first use."""

    def __init__(self) -> None:
        self.folder: Optional[pathlib.Path] = None
        self.inside_runner = False
        self.value_names: set = set()
        self.artifact_names: set = set()

    def dir(self) -> pathlib.Path:
        if self.folder is None:
            attempt_dir = os.environ.get("PYNB_ATTEMPT_DIR")
            if attempt_dir:
                self.folder = pathlib.Path(attempt_dir)
                self.inside_runner = True
            else:
                stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
                base = pathlib.Path.cwd() / ".pynb-dag-runner-local"
                base.mkdir(parents=True, exist_ok=True)
                self.folder = pathlib.Path(tempfile.mkdtemp(prefix=f"{stamp}-", dir=base))
                warnings.warn(
                    "pynb_dag_runner: not running inside pynb-dag-runner (PYNB_ATTEMPT_DIR is "
                    f"not set); logging to '{self.folder}' instead",
                    stacklevel=3,
                )
            self.folder.mkdir(parents=True, exist_ok=True)
        return self.folder

    def append(self, line: Dict[str, Any]) -> None:
        data = (json.dumps(line, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")
        # One write on an O_APPEND descriptor: a reader never sees half a line.
        fd = os.open(self.dir() / "values.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            while data:
                written = os.write(fd, data)
                data = data[written:]
        finally:
            os.close(fd)

    def claim(self, names: set, kind: str, name: str) -> None:
        """Registers a name; a second use raises in the runner and warns outside it."""
        __tracebackhide__ = True
        if name in names:
            if self.inside_runner:
                raise DuplicateNameError(
                    f"Cannot log {kind} '{name}': a {kind} with this name was already logged "
                    f"by this task; every {kind} name must be unique (use log_metric() for a "
                    "series of numbers)"
                )
            warnings.warn(f"pynb_dag_runner: {kind} '{name}' logged again", stacklevel=4)
        names.add(name)


_log = _Log()


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z"
    )


def _check_name(kind: str, name: Any) -> str:
    __tracebackhide__ = True
    if not isinstance(name, str) or not name.strip():
        raise InvalidNameError(f"Cannot log {kind}: its name must be a non-empty string, got {name!r}")
    return name


def _to_json(value: Any) -> Any:
    """Numpy scalars and arrays become plain Python values; anything else must already be JSON."""

    def default(obj: Any) -> Any:
        tolist = getattr(obj, "tolist", None)  # numpy.generic and numpy.ndarray
        if callable(tolist) and type(obj).__module__.startswith("numpy"):
            return tolist()
        raise TypeError(f"{type(obj).__name__} is not JSON")

    return json.loads(json.dumps(value, default=default, allow_nan=True))


def _find_non_json(value: Any, where: str = "value") -> Optional[str]:
    if isinstance(value, float) and not math.isfinite(value):
        return f"{where} is {value!r}, which JSON cannot hold; log None or a string instead"
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                return f"{where} has the key {key!r}, but JSON object keys are strings"
            found = _find_non_json(item, f"{where}[{key!r}]")
            if found:
                return found
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            found = _find_non_json(item, f"{where}[{i}]")
            if found:
                return found
    return None


def log_value(name: str, value: Any) -> None:
    """Logs a named JSON value (a number, string, bool, None, or lists and dicts of them).

    Numpy scalars and arrays are converted with ``.tolist()``.

    Raises:
        InvalidNameError: The name is empty or not a string.
        NotJsonError: The value is not JSON: an object, a tuple key, NaN or an infinity.
        DuplicateNameError: A value with this name was already logged by this task.
    """
    __tracebackhide__ = True  # newer IPython versions hide this frame from tracebacks
    _check_name("value", name)
    problem = _find_non_json(value)
    if problem:
        raise NotJsonError(f"Cannot log value '{name}': {problem}")
    try:
        data = _to_json(value)
    except (TypeError, ValueError) as err:
        raise NotJsonError(
            f"Cannot log value '{name}': {type(value).__name__} is not JSON; log a "
            "number, string, bool, None, or lists and dicts of them, or use log_artifact()"
        ) from err
    problem = _find_non_json(data)
    if problem:
        raise NotJsonError(f"Cannot log value '{name}': {problem}")
    _log.claim(_log.value_names, "value", name)
    _log.append({"kind": "value", "name": name, "value": data, "timestamp": _now()})


def log_metric(name: str, value: Union[int, float], step: Optional[Union[int, float]] = None) -> None:
    """Logs one point of a numeric metric; call it again with the same name for a series.

    Args:
        name: Metric name, e.g. ``"loss"``.
        value: A finite number (numpy numbers too).
        step: Optional step (epoch, iteration) of the point.

    Raises:
        InvalidNameError: The name is empty or not a string.
        NotJsonError: The value or step is not a finite number.
    """
    __tracebackhide__ = True  # newer IPython versions hide this frame from tracebacks
    _check_name("metric", name)
    number = _finite_number(f"Cannot log metric '{name}'", "value", value)
    step_number = None if step is None else _finite_number(f"Cannot log metric '{name}'", "step", step)
    _log.append(
        {"kind": "metric", "name": name, "value": number, "step": step_number, "timestamp": _now()}
    )


def _finite_number(context: str, what: str, value: Any) -> Union[int, float]:
    __tracebackhide__ = True
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise NotJsonError(f"{context}: its {what} must be a number, got {type(value).__name__}")
    number: Union[int, float] = int(value) if isinstance(value, numbers.Integral) else float(value)
    if isinstance(number, float) and not math.isfinite(number):
        raise NotJsonError(f"{context}: its {what} is {number!r}; only finite numbers can be logged")
    return number


def _check_artifact_name(name: Any) -> str:
    __tracebackhide__ = True
    _check_name("artifact", name)
    parts = name.split("/")
    if (
        name.startswith("/")
        or "\\" in name
        or "\0" in name
        or any(part in ("", ".", "..") for part in parts)
        or (len(name) > 1 and name[1] == ":")
    ):
        raise InvalidNameError(
            f"Cannot log artifact {name!r}: the name must be a relative path inside the artifacts "
            "folder (like 'model.pkl' or 'plots/roc.png'), without '..', '.', empty parts, a "
            "leading '/' or backslashes"
        )
    return name


def log_artifact(name: str, content: Union[bytes, bytearray, memoryview, str, "os.PathLike[str]"]) -> pathlib.Path:
    """Stores a file as a named artifact of this task: bytes, text (written as UTF-8), or a copy
    of an existing file given as a ``pathlib.Path``.

    Args:
        name: Relative file name inside the artifacts folder, e.g. ``"model.pkl"`` or
            ``"plots/roc.png"``; its extension sets the media type.
        content: The bytes, the text, or the path of a file to copy.

    Returns:
        The path of the stored artifact.

    Raises:
        InvalidNameError: The name is empty, absolute, or contains ``..``.
        DuplicateNameError: An artifact with this name was already logged by this task.
        TypeError: The content is of another type.
        FileNotFoundError: The path given as content does not exist or is a folder.
    """
    __tracebackhide__ = True  # newer IPython versions hide this frame from tracebacks
    _check_artifact_name(name)
    if isinstance(content, (bytes, bytearray, memoryview)):
        source: Union[bytes, pathlib.Path] = bytes(content)
    elif isinstance(content, str):
        if "\n" not in content and len(content) < 4096 and os.path.isfile(content):
            warnings.warn(
                f"pynb_dag_runner: log_artifact('{name}', '{content}') stores the text "
                f"'{content}'; to copy that file, pass pathlib.Path('{content}')",
                stacklevel=2,
            )
        source = content.encode("utf-8")
    elif isinstance(content, os.PathLike):
        # A link is resolved and its bytes are copied: the run folder never holds a link, so
        # publishing it can never publish what a link points to.
        source = pathlib.Path(content).resolve()
        if not source.is_file():
            raise FileNotFoundError(
                f"Cannot log artifact '{name}': '{content}' does not exist or is not a file"
            )
    else:
        raise TypeError(
            f"Cannot log artifact '{name}': content must be bytes, str or pathlib.Path, got "
            f"{type(content).__name__}"
        )
    _log.claim(_log.artifact_names, "artifact", name)
    folder = _log.dir() / "artifacts"
    target = folder.joinpath(*name.split("/"))
    target.parent.mkdir(parents=True, exist_ok=True)
    real_folder = str(folder.resolve())
    if os.path.commonpath([real_folder, str(target.parent.resolve())]) != real_folder:
        raise InvalidNameError(
            f"Cannot log artifact '{name}': its folder is a link out of the artifacts folder"
        )
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    digest = hashlib.sha256()
    size = 0
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    with os.fdopen(os.open(tmp, flags, 0o644), "wb") as out:
        if isinstance(source, bytes):
            out.write(source)
            digest.update(source)
            size = len(source)
        else:
            with open(source, "rb") as src:
                for chunk in iter(lambda: src.read(1 << 20), b""):
                    out.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
    os.replace(tmp, target)
    line: Dict[str, Any] = {
        "kind": "artifact",
        "name": name,
        "path": f"artifacts/{name}",
        "size": size,
        "sha256": digest.hexdigest(),
    }
    media_type = mimetypes.guess_type(name)[0]
    if media_type:
        line["mediaType"] = media_type
    line["timestamp"] = _now()
    _log.append(line)
    return target


def log_figure(name: str, figure: Any, **savefig_options: Any) -> pathlib.Path:
    """Stores a matplotlib figure as a PNG artifact (``.png`` is added to the name if missing).

    Args:
        name: Artifact name, e.g. ``"roc-curve.png"``.
        figure: A ``matplotlib.figure.Figure`` (anything with ``savefig``).
        savefig_options: Passed to ``figure.savefig`` (default ``bbox_inches="tight"``).

    Returns:
        The path of the stored PNG.
    """
    __tracebackhide__ = True  # newer IPython versions hide this frame from tracebacks
    if isinstance(name, str) and name and not name.lower().endswith(".png"):
        name = f"{name}.png"
    _check_artifact_name(name)
    savefig = getattr(figure, "savefig", None)
    if not callable(savefig):
        raise TypeError(
            f"Cannot log figure '{name}': expected a matplotlib Figure, got {type(figure).__name__}"
        )
    buffer = io.BytesIO()
    savefig(buffer, **{"format": "png", "bbox_inches": "tight", **savefig_options})
    return log_artifact(name, buffer.getvalue())


def _read_upstream_file() -> List[Dict[str, Any]]:
    path = os.environ.get("PYNB_UPSTREAM_FILE")
    if not path:
        return []
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as err:
        raise UpstreamError(f"Cannot read upstream results from '{path}': {err}") from err
    if not isinstance(data, list):
        raise UpstreamError(f"Cannot read upstream results from '{path}': expected a JSON array")
    return data


def upstream(task_name: str) -> List[Upstream]:
    """The results of the upstream instances of ``task_name``: one entry per instance (several
    for a matrix task), in the order of the plan.

    Raises:
        UpstreamError: ``task_name`` is not an upstream task of this task, or the results
            cannot be read (outside pynb-dag-runner, point ``PYNB_UPSTREAM_FILE`` at a JSON file
            with the same shape to develop a notebook interactively).
    """
    __tracebackhide__ = True  # newer IPython versions hide this frame from tracebacks
    entries = _read_upstream_file()
    found = [
        Upstream(
            id=str(e.get("id", "")),
            task=str(e.get("task", "")),
            matrix=dict(e.get("matrix") or {}),
            values=dict(e.get("values") or {}),
            metrics=list(e.get("metrics") or []),
            artifacts={str(k): pathlib.Path(v) for k, v in (e.get("artifacts") or {}).items()},
        )
        for e in entries
        if isinstance(e, dict) and e.get("task") == task_name
    ]
    if found:
        return found
    known = sorted({str(e.get("task")) for e in entries if isinstance(e, dict)})
    if not os.environ.get("PYNB_UPSTREAM_FILE") and not os.environ.get("PYNB_ATTEMPT_DIR"):
        raise UpstreamError(
            f"Cannot read upstream task '{task_name}': not running inside pynb-dag-runner; set "
            "PYNB_UPSTREAM_FILE to a JSON file of upstream results to develop interactively"
        )
    raise UpstreamError(
        f"Cannot read upstream task '{task_name}': it is not an upstream task of this task "
        f"(upstream tasks: {', '.join(known) if known else 'none'}); add it to `needs:` in the "
        "pipeline file"
    )
