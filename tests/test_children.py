"""refkb.children: a worker refkb started does not outlive its parent, even one killed with SIGKILL."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from conftest import ROOT

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
