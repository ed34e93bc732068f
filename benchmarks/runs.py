"""What the benchmarks share: one timed `mkdocs build` (wall time, CPU time and peak memory of the build process,
from os.wait4's resource usage), paired ratios with their median and range, and table lines to paste.

CPU time is user + system time of the build process and the processes it waited for; peak memory is its maximum
resident set size. Wall time moves with the load of a shared machine; CPU time moves less, so the tables give both.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Run:
    """One process: wall time and CPU time (user + system) in seconds, peak resident memory in MB."""

    wall: float
    cpu: float
    max_rss_mb: float


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
        proc = subprocess.Popen(list(argv), cwd=cwd, env=full_env, stdout=sink, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        tail = "\n".join(out.read_text(encoding="utf-8", errors="replace").splitlines()[-30:])
        raise BuildFailed(f"{' '.join(argv)} failed in {cwd} (exit {proc.returncode}):\n{tail}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


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
