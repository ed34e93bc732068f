"""refkb's worker processes end with the process that started them.

A build killed with SIGKILL (an editor's "stop", an out-of-memory kill, `kill -9`) gets no chance to shut its pools
down; the downloads writer then ran on as an orphan. Every pool refkb starts passes `die_with_parent` as its
initializer: on Linux the kernel sends the worker SIGKILL when its parent dies (prctl PR_SET_PDEATHSIG); elsewhere
the call does nothing.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Literal

_PR_SET_PDEATHSIG = 1


def pool(workers: int, start: Literal["fork", "spawn"], ready: Callable[[], None] | None = None) -> ProcessPoolExecutor:
    """A pool of `workers` processes started by `start` ("spawn" where a worker runs V8, which must not be forked;
    "fork" for one that only reads or writes files), each ending with this process (`die_with_parent`); `ready` (a
    module-level function, for "spawn") runs in each worker as it starts, before any job: what the jobs will need
    is made while this process does other work."""
    if ready is None:
        return ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context(start), initializer=die_with_parent, initargs=(os.getpid(),)
        )
    return ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context(start), initializer=_start, initargs=(os.getpid(), ready)
    )


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
