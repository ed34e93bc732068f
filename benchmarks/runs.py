"""What the benchmarks share: one timed `mkdocs build` (wall time, CPU time and peak memory of the build process,
from os.wait4's resource usage), paired ratios with their median and range, and table lines to paste.

CPU time is user + system time of the build process and the processes it waited for. Peak memory is given two ways:
- `max_rss_mb`: the largest peak resident set of any one process of the build (the build's own process or one of
  the children it waited for: style workers, the page engine, the downloads writer), not their sum: os.wait4's
  ru_maxrss where it exceeds the peak of the process that started the build, else the largest VmHWM read from
  /proc. Linux carries a process's peak over fork (and vfork) and exec, so a build started by a large process (a
  test runner of 500 MB) reports that process's peak as its own; each process's VmHWM is of its own memory since its
  last exec;
- `tree_mb`: the largest sum of the resident sets of every process of the build at one moment, read from /proc
  every 0.1 s while it runs (Linux only), and never less than `max_rss_mb` (when its largest process peaked, the
  tree held at least that). Sampling can miss a peak shorter than 0.1 s, and it counts twice the pages a forked
  child still shares with its parent. Plain MkDocs is one process: its two figures are the same but for sampling.
Wall time moves with the load of a shared machine; CPU time moves less, so the tables give both.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Run:
    """One build: wall time and CPU time (user + system) in seconds; peak resident memory in MB of its largest
    process (`max_rss_mb`) and of all its processes at once (`tree_mb`, sampled)."""

    wall: float
    cpu: float
    max_rss_mb: float
    tree_mb: float = 0.0


def _children(pid: int) -> list[int]:
    """The processes `pid`'s threads started that still run (/proc/PID/task/TID/children)."""
    out: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tasks:
        try:
            out += [int(c) for c in Path(f"/proc/{pid}/task/{tid}/children").read_text().split()]
        except (OSError, ValueError):
            continue
    return out


def _status_kb(pid: int, field: str) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0  # ended between the listing and the read
    for line in status.splitlines():
        if line.startswith(field):
            return int(line.split()[1])
    return 0


def tree_rss_kb(pid: int) -> int:
    """The resident set of `pid` and every process below it, summed (kB)."""
    return sum(_status_kb(p, "VmRSS:") for p in _tree(pid))


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += _children(p)
    return out


class TreePeak:
    """The largest `tree_rss_kb(pid)`, sampled every `every` seconds on a thread of its own until `stop()`."""

    def __init__(self, pid: int, every: float = 0.1) -> None:
        self.peak_kb = 0
        self.hwm_kb: dict[int, int] = {}  # each process's own peak resident set (VmHWM), as last read
        self._pid, self._every = pid, every
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        if sys.platform.startswith("linux"):
            self._thread.start()

    def _sample(self) -> None:
        while not self._done.is_set():
            pids = _tree(self._pid)
            self.peak_kb = max(self.peak_kb, sum(_status_kb(p, "VmRSS:") for p in pids))
            for p in pids:
                self.hwm_kb[p] = max(self.hwm_kb.get(p, 0), _status_kb(p, "VmHWM:"))
            self._done.wait(self._every)

    def stop(self) -> float:
        """Stops sampling (before the process is waited for: a reaped pid may be reused) and gives the peak in MB."""
        self._done.set()
        if self._thread.is_alive():
            self._thread.join()
        return self.peak_kb / 1024


@dataclass(frozen=True)
class Spread:
    """The median and range of some values."""

    median: float
    low: float
    high: float

    @staticmethod
    def of(values: Sequence[float]) -> Spread:
        return Spread(statistics.median(values), min(values), max(values))

    def seconds(self) -> str:
        return f"{self.median:.2f} s ({self.low:.2f}–{self.high:.2f})"

    def times(self) -> str:
        return f"{self.median:.2f}× ({self.low:.2f}–{self.high:.2f})"


class BuildFailed(RuntimeError):
    """A build of a benchmark site exited with an error (its log's last lines in the message)."""


def run(argv: Sequence[str], cwd: Path, env: Mapping[str, str] | None = None, log: Path | None = None) -> Run:
    """Run `argv` in `cwd` and measure it; raises BuildFailed (with the log's tail) when it fails."""
    out = log or cwd / "bench.log"
    full_env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})}
    with out.open("w", encoding="utf-8") as sink:
        start = time.perf_counter()
        launcher_kb = _status_kb(os.getpid(), "VmHWM:")  # what a child's ru_maxrss may have taken from this process
        proc = subprocess.Popen(list(argv), cwd=cwd, env=full_env, stdout=sink, stderr=subprocess.STDOUT)
        tree = TreePeak(proc.pid)
        os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)  # ended, not yet reaped: its pid is not reused
        tree_mb = tree.stop()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        tail = "\n".join(out.read_text(encoding="utf-8", errors="replace").splitlines()[-30:])
        raise BuildFailed(f"{' '.join(argv)} failed in {cwd} (exit {proc.returncode}):\n{tail}")
    own_kb = max(tree.hwm_kb.values(), default=0)
    max_rss = (usage.ru_maxrss if usage.ru_maxrss > launcher_kb or not own_kb else own_kb) / 1024
    return Run(wall, usage.ru_utime + usage.ru_stime, max_rss, max(tree_mb, max_rss))  # the tree held its largest


def build(site: Path, env: Mapping[str, str] | None = None, cold: bool = False) -> Run:
    """`mkdocs build` of `site` into site/site; `cold` removes refkb's .cache first."""
    if cold:
        shutil.rmtree(site / ".cache", ignore_errors=True)
    return run([sys.executable, "-m", "mkdocs", "build", "-d", str(site / "site")], site, env)


def ratios(top: Sequence[Run], bottom: Sequence[Run]) -> tuple[Spread, Spread]:
    """The per-round ratios top/bottom of paired runs: (wall, CPU)."""
    wall = [a.wall / b.wall for a, b in zip(top, bottom, strict=True)]
    cpu = [a.cpu / b.cpu for a, b in zip(top, bottom, strict=True)]
    return Spread.of(wall), Spread.of(cpu)


def table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]], command: str) -> str:
    """A Markdown table to paste into DEVELOPMENT.md, with the command that produced it."""
    lines = [f"{title} (`{command}`):", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def command(script: str, argv: Sequence[str], env: str = "") -> str:
    return " ".join(p for p in (env, "python", f"benchmarks/{script}", *argv) if p)
