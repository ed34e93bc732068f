"""refkb.children: a worker refkb started does not outlive its parent, even one killed with SIGKILL."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Literal

import pytest

from conftest import ROOT
from refkb import children

PARENT = """
import multiprocessing, os, signal, sys, time
sys.path.insert(0, "scripts")
from concurrent.futures import ProcessPoolExecutor
from refkb import children

if __name__ == "__main__":
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context(sys.argv[1]),
                               initializer=children.die_with_parent, initargs=(os.getpid(),))
    print(pool.submit(os.getpid).result(), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
            return f.read().split()[2] != "Z"  # a zombie has ended
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_a_worker_ends_when_its_parent_is_killed(method: str) -> None:
    run = subprocess.run([sys.executable, "-c", PARENT, method], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == -9, run.stderr
    pid = int(run.stdout.strip())
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid), f"worker {pid} outlived its parent"
    assert os.getpid() != pid


def _in_group(pgid: int) -> list[str]:
    """The processes (not zombies) of a process group, as "pid command"."""
    found: list[str] = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                command = f.read().replace(b"\0", b" ").decode(errors="replace")[:120]
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            found.append(f"{entry} {command}")
    return found


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
@pytest.mark.parametrize("after", [1.5, 3.0, 5.0])
def test_kill_9_during_a_build_leaves_no_process(tmp_path: Path, after: float) -> None:
    """`mkdocs build` of the tiny site killed with SIGKILL at several moments (the engine workers and the downloads
    writer run then): nothing of its process group is left a few seconds later."""
    site = tmp_path / "tiny"
    shutil.copytree(ROOT / "tests" / "data" / "sites" / "tiny", site, ignore=shutil.ignore_patterns(".cache", "site"))
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "REFKB_PAGE_CACHE": "0"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "out")],
        cwd=site,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: every process it starts is found by the group's id
    )
    time.sleep(after)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 10
    while _in_group(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _in_group(proc.pid) == []


_MARKS: list[int] = []


def _mark() -> None:
    _MARKS.append(os.getpid())


def _marked() -> list[int]:
    return list(_MARKS)


@pytest.mark.parametrize("ready", [None, _mark])
def test_a_pool_runs_ready_in_each_worker_before_its_jobs(ready: Callable[[], None] | None) -> None:
    with children.pool(1, "fork", ready) as pool:
        pid, marks = pool.submit(os.getpid).result(), pool.submit(_marked).result()
    assert marks == ([pid] if ready else [])
    assert _MARKS == []  # in the worker, not here


def _managers() -> set[threading.Thread]:
    """The process pools' manager threads alive in this process."""
    return {t for t in threading.enumerate() if type(t).__name__ == "_ExecutorManagerThread" and t.is_alive()}


def _left_running(pool: ProcessPoolExecutor) -> None:
    pool.submit(os.getpid).result()


def _shut_without_waiting(pool: ProcessPoolExecutor) -> None:
    pool.submit(time.sleep, 0.5)
    pool.shutdown(wait=False)


def _shut_with_jobs_queued(pool: ProcessPoolExecutor) -> None:
    for _ in range(3):
        pool.submit(time.sleep, 0.3)
    pool.shutdown(wait=False, cancel_futures=True)


def _shut_and_waited(pool: ProcessPoolExecutor) -> None:
    pool.shutdown()


@pytest.mark.parametrize("start", ["fork", "spawn"])
@pytest.mark.parametrize("use", [_left_running, _shut_without_waiting, _shut_with_jobs_queued, _shut_and_waited])
def test_end_all_leaves_no_pool_manager_running(start: Literal["fork", "spawn"], use: Callable[..., None]) -> None:
    """Python's exit hook for process pools wakes a manager thread that may be closing its pipe (EBADF, a traceback
    after a good build): after end_all no pool refkb started has a manager thread left to meet it."""
    before = _managers()
    pool = children.pool(1, start)
    use(pool)
    children.end_all()
    assert _managers() - before == set()
    children.end_all()  # again: nothing left to do


# MkDocs' command run in a process that, once the command has returned (its plugins' on_shutdown done), says which
# pool manager threads are still alive: what Python's exit hooks would still find running.
AFTER_BUILD = """
import sys, threading
from mkdocs.__main__ import cli
try:
    cli()
except SystemExit as end:
    left = [t.name for t in threading.enumerate() if type(t).__name__ == "_ExecutorManagerThread" and t.is_alive()]
    print("pool managers left:", left, file=sys.stderr)
    raise
"""


def test_a_build_leaves_no_pool_manager_to_pythons_exit_hooks(tmp_path: Path) -> None:
    from test_plugin import _build_command, copy_tiny

    site = copy_tiny(tmp_path)
    for out in ("cold", "warm"):  # no cache (every pool refkb starts on a small site), then with it
        log = _build_command(site, tmp_path / out, runner=("-c", AFTER_BUILD))
        assert "pool managers left: []" in log
        assert "Traceback" not in log
