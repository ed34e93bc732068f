"""How much refkb adds to an MkDocs build, on the real knowledge base grown to N works (benchmarks/grow.py).

Two sites with the same pages, theme and nav: the grown knowledge base built by refkb, and its plain-MkDocs twin
(each page holding the Markdown the maintainers wrote; no refkb). Each round builds, one after the other:
- plain:   the twin;
- warm:    refkb with its .cache full (citations and finished reference pages from the previous build);
- cold:    refkb with no .cache (every work formatted in four styles, every page rendered);
- no page cache: refkb with the citation cache full but REFKB_PAGE_CACHE=0 (every page rendered again).
Reports, as the median and range of the per-round ratios, in wall time and in CPU time (user + system of the build
process): warm / plain (target at most 1.3×), cold / no page cache (target at most 1.5×), and the peak memory (max
RSS) of a cold refkb build / a plain one (target at most 2×).

Usage: python benchmarks/build.py [N ...]   (default 1000; also 5000, 10000; REFKB_BENCH_ROUNDS, default 3)
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from grow import grow, plain_twin
from runs import Run, Spread, build, command, ratios, table

HEADER = ("N", "measure", "refkb", "baseline", "ratio (wall)", "ratio (CPU)", "target")


@dataclass(frozen=True)
class Rounds:
    """The runs of every round at one size, by kind."""

    plain: list[Run]
    warm: list[Run]
    cold: list[Run]
    uncached: list[Run]


def measure(n: int, rounds: int) -> Rounds:
    base = Path(tempfile.mkdtemp(prefix=f"refkb-build-{n}-"))
    try:
        kb = grow(base / "refkb", n)
        plain = plain_twin(kb, base / "plain")
        build(plain)  # the OS's file cache and Python's bytecode, once
        build(kb, cold=True)  # fills .cache for the first warm build
        out = Rounds([], [], [], [])
        for r in range(rounds):
            out.plain.append(build(plain))
            out.warm.append(build(kb))
            out.cold.append(build(kb, cold=True))
            out.uncached.append(build(kb, env={"REFKB_PAGE_CACHE": "0"}))
            done = {"plain": out.plain, "warm": out.warm, "cold": out.cold, "no page cache": out.uncached}
            each = ", ".join(f"{k} {v[-1].wall:.1f} s (CPU {v[-1].cpu:.1f} s)" for k, v in done.items())
            print(f"N={n} round {r + 1}: {each}", file=sys.stderr)
        return out
    finally:
        shutil.rmtree(base, ignore_errors=True)


def rows(n: int, r: Rounds) -> list[list[str]]:
    def times(runs: list[Run]) -> str:
        wall, cpu = Spread.of([x.wall for x in runs]), Spread.of([x.cpu for x in runs])
        return f"{wall.median:.1f} s (CPU {cpu.median:.1f} s)"

    warm_wall, warm_cpu = ratios(r.warm, r.plain)
    cold_wall, cold_cpu = ratios(r.cold, r.uncached)
    memory = Spread.of([a.max_rss_mb / b.max_rss_mb for a, b in zip(r.cold, r.plain, strict=True)])
    cold_mb, plain_mb = Spread.of([x.max_rss_mb for x in r.cold]), Spread.of([x.max_rss_mb for x in r.plain])
    tree = Spread.of([a.tree_mb / b.tree_mb for a, b in zip(r.cold, r.plain, strict=True)])
    cold_tree, plain_tree = Spread.of([x.tree_mb for x in r.cold]), Spread.of([x.tree_mb for x in r.plain])
    return [
        [f"{n:,}", "warm / plain", times(r.warm), times(r.plain), warm_wall.times(), warm_cpu.times(), "≤ 1.3×"],
        [
            f"{n:,}",
            "cold / no page cache",
            times(r.cold),
            times(r.uncached),
            cold_wall.times(),
            cold_cpu.times(),
            "≤ 1.5×",
        ],
        [
            f"{n:,}",
            "peak memory, cold / plain (largest process)",
            f"{cold_mb.median:.0f} MB",
            f"{plain_mb.median:.0f} MB",
            memory.times(),
            "",
            "≤ 2×",
        ],
        [
            f"{n:,}",
            "peak memory, cold / plain (all processes at once)",
            f"{cold_tree.median:.0f} MB",
            f"{plain_tree.median:.0f} MB",
            tree.times(),
            "",
            "≤ 2×",
        ],
    ]


def main(argv: list[str]) -> int:
    sizes = [int(a) for a in argv] or [1000]
    rounds = int(os.environ.get("REFKB_BENCH_ROUNDS", "3"))
    out = [row for n in sizes for row in rows(n, measure(n, rounds))]
    env = f"REFKB_BENCH_ROUNDS={rounds}"
    title = f"Build times on the grown knowledge base, median (range) of {rounds} paired rounds"
    print(table(title, HEADER, out, command("build.py", argv, env)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
