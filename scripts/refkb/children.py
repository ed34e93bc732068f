"""refkb's worker processes end with the process that started them.

A build killed with SIGKILL (an editor's "stop", an out-of-memory kill, `kill -9`) gets no chance to shut its pools
down; the downloads writer then ran on as an orphan. Every pool refkb starts passes `die_with_parent` as its
initializer: on Linux the kernel sends the worker SIGKILL when its parent dies (prctl PR_SET_PDEATHSIG); elsewhere
the call does nothing.

Every pool refkb starts is also ended, and waited for, before the interpreter exits (`end_all`, from the plugin's
`on_shutdown` and the command line's end): Python's own exit hook for process pools (concurrent.futures'
`_python_exit`) wakes each pool's manager thread without the lock that thread takes to close its wake-up pipe, so a
pool shut down without waiting just before the exit could meet it half closed — `OSError: [Errno 9] Bad file
descriptor` and a traceback after a build that had succeeded (once in a fresh-clone test run, Python 3.11.7).
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Literal

_PR_SET_PDEATHSIG = 1
_started: weakref.WeakSet[ProcessPoolExecutor] = weakref.WeakSet()  # every pool of this process not yet collected
_ending: set[threading.Thread] = set()  # manager threads of pools shut down without waiting, maybe still running


class _Pool(ProcessPoolExecutor):
    """A process pool that, shut down without waiting, keeps its manager thread for `end_all` to wait for (once shut
    down, the pool itself forgets it)."""

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        manager = getattr(self, "_executor_manager_thread", None)  # CPython's; None before a job and once shut down
        super().shutdown(wait, cancel_futures=cancel_futures)
        if isinstance(manager, threading.Thread) and manager.is_alive():
            _ending.difference_update([t for t in _ending if not t.is_alive()])
            _ending.add(manager)


def pool(workers: int, start: Literal["fork", "spawn"], ready: Callable[[], None] | None = None) -> ProcessPoolExecutor:
    """A pool of `workers` processes started by `start` ("spawn" where a worker runs V8, which must not be forked;
    "fork" for one that only reads or writes files), each ending with this process (`die_with_parent`); `ready` (a
    module-level function, for "spawn") runs in each worker as it starts, before any job: what the jobs will need
    is made while this process does other work."""
    context = multiprocessing.get_context(start)
    if ready is None:
        made = _Pool(workers, mp_context=context, initializer=die_with_parent, initargs=(os.getpid(),))
    else:
        made = _Pool(workers, mp_context=context, initializer=_start, initargs=(os.getpid(), ready))
    _started.add(made)
    return made


def end_all() -> None:
    """Every pool this process started is shut down and its manager thread has ended (jobs not begun are cancelled,
    running ones finish): what Python's exit hook then finds is closed, and it does nothing to it. A pool that was
    already shut down returns at once."""
    for made in list(_started):
        made.shutdown(wait=True, cancel_futures=True)
    for manager in list(_ending):
        manager.join()
        _ending.discard(manager)


def _start(parent: int, ready: Callable[[], None]) -> None:
    die_with_parent(parent)
    ready()


def die_with_parent(parent: int) -> None:
    """Initializer of a worker process whose parent is `parent` (its pid, taken before the pool started)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the call above: nothing would signal this worker
        os._exit(1)
