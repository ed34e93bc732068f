"""refkb.children: a worker refkb started does not outlive its parent, even one killed with SIGKILL."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

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
