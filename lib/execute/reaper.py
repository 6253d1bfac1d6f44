"""Finds and stops every process descended from a notebook's kernel, however it detached.

A process that leaves its session (`setsid`, `Popen(start_new_session=True)`) or its parent (a
double fork) escapes a process-group or session sweep: on Linux it is re-parented to the nearest
ancestor that declared itself a *child subreaper* (`prctl(PR_SET_CHILD_SUBREAPER)`), and to PID 1
only when there is none. The driver, the zygote and every forked kernel declare themselves
subreapers, so every process a cell starts stays in the tree below the driver, where `/proc`
(parent pids) finds it.

Where `prctl` is missing (not Linux) `become_subreaper()` returns False: only the process groups
and sessions that the runner knows are swept, and a double-forked daemon may outlive its task.

Imported by `driver.py` and `zygote.py`, which run as scripts from this folder.
"""

import ctypes
import ctypes.util
import os
import signal
import time

_PR_SET_CHILD_SUBREAPER = 36
_POLL_SECONDS = 0.02


def become_subreaper():
    """Makes orphaned descendants of this process its children rather than PID 1's.

    Returns True when it worked (Linux 3.4 and later), False elsewhere."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _processes():
    """Maps pid -> (ppid, state) for every process in /proc; empty without /proc."""
    table = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return table
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                text = f.read().decode("ascii", "replace")
        except OSError:
            continue  # ended while listing
        fields = text[text.rfind(")") + 2 :].split(" ")
        if len(fields) > 1:
            table[int(name)] = (int(fields[1]), fields[0])
    return table


def descendants(root, keep=()):
    """The live (not zombie) descendants of `root`, leaving out the processes in `keep` and
    everything below them."""
    table = _processes()
    children = {}
    for pid, (ppid, _state) in table.items():
        children.setdefault(ppid, []).append(pid)
    skip = set(keep)
    found, queue = [], list(children.get(root, []))
    while queue:
        pid = queue.pop()
        if pid in skip:
            continue
        if table.get(pid, (0, "Z"))[1] != "Z":
            found.append(pid)
        queue.extend(children.get(pid, []))
    return found


def _signal(pids, sig):
    hit = []
    for pid in pids:
        try:
            os.kill(pid, sig)
            hit.append(pid)
        except OSError:
            pass  # gone already
    return hit


def reap(pids):
    """Collects the exit status of those `pids` that are our children and have ended."""
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)
        except OSError:
            pass  # not our child, or reaped already


def kill_descendants(root, keep=(), grace=0.5):
    """Stops every descendant of `root` except `keep` and their subtrees: SIGTERM, up to `grace`
    seconds to exit, then SIGKILL until none is left. Costs nothing when there is none.

    `root` should be a subreaper (this process, or a kernel): a process whose parent is killed
    is then re-parented to `root` and found again by the next round.

    Returns the pids that were signalled."""
    pids = descendants(root, keep)
    if not pids:
        return []
    signalled = set(_signal(pids, signal.SIGTERM))
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        reap(signalled)
        pids = descendants(root, keep)
        if not pids:
            return sorted(signalled)
        signalled.update(_signal([p for p in pids if p not in signalled], signal.SIGTERM))
        time.sleep(_POLL_SECONDS)
    # Stop them first, so none forks between a listing and the kill, then kill them.
    for _round in range(100):
        pids = descendants(root, keep)
        if not pids:
            break
        signalled.update(_signal(pids, signal.SIGSTOP))
        _signal(pids, signal.SIGKILL)
        reap(pids)
        time.sleep(_POLL_SECONDS / 4)
    reap(signalled)
    return sorted(signalled)


def reap_orphans(keep=()):
    """Collects the exit status of dead children of this process that it did not start itself
    (orphans re-parented here, which ended on their own), except `keep`: zombies would pile up
    in a driver that runs many notebooks."""
    me = os.getpid()
    skip = set(keep)
    for pid, (ppid, state) in _processes().items():
        if ppid == me and state == "Z" and pid not in skip:
            reap([pid])
