"""Cold refkb builds of the real knowledge base grown to N works (benchmarks/grow.py): next to the peer it
replaces, and on their own at 5,000 and 10,000 works.

Peer comparison (`cold.py [N] [ROUNDS]`, default 1,000 works, 3 rounds), in paired rounds:
- peer:  MkDocs + mkdocs-bibtex (pandoc's citeproc, one CSL style): the grown site's plain twin with its `[@key]`
         citations left for the plugin (every topic and platform page its own bibliography) — what a site gets
         from the peer;
- refkb: a cold build of the grown site (no .cache): every work in four styles, reference pages, downloads,
         library, coding, ledger and map.
Reports the median and range of refkb / peer in wall time and in CPU time. Target: at most 1.0×.
The peer is an optional dev extra: `make bench-deps` installs it (pyproject's `bench` extra).

Absolute (`cold.py --absolute [N ...]`, default 5,000 and 10,000; REFKB_BENCH_ROUNDS, default 1): the wall time,
CPU time and peak memory of a cold build. Targets: at most 60 s at 5,000 works, 150 s at 10,000.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from grow import grow, plain_twin
from runs import Run, Spread, build, command, ratios, table

TARGETS = {5000: "≤ 60 s", 10000: "≤ 150 s"}


def peer_site(kb: Path, dest: Path) -> Path:
    """The peer: the plain twin with its citations, references.bib, mkdocs-bibtex with APA and the footnotes
    extension it writes each page's bibliography with."""
    from refkb import engine

    plain_twin(kb, dest, keep_citations=True)
    shutil.copyfile(kb / "references.bib", dest / "references.bib")
    config = (dest / "mkdocs.yml").read_text(encoding="utf-8")
    plugin = f"  - bibtex:\n      bib_file: references.bib\n      csl_file: {engine.style_path('apa')}\n"
    config = config.replace("  - search\n", "  - search\n" + plugin, 1)
    config = config.replace("markdown_extensions:\n", "markdown_extensions:\n  - footnotes\n", 1)  # its bibliographies
    (dest / "mkdocs.yml").write_text(config, encoding="utf-8")
    return dest


def versus_peer(n: int, rounds: int, argv: list[str]) -> int:
    try:
        import mkdocs_bibtex  # noqa: F401
    except ImportError:
        print("mkdocs-bibtex is not installed: run `make bench-deps` first", file=sys.stderr)
        return 2
    base = Path(tempfile.mkdtemp(prefix=f"refkb-cold-{n}-"))
    try:
        kb = grow(base / "refkb", n)
        peer = peer_site(kb, base / "peer")
        build(peer)  # the OS's file cache and Python's bytecode, once
        peers: list[Run] = []
        colds: list[Run] = []
        for r in range(rounds):
            peers.append(build(peer))
            colds.append(build(kb, cold=True))
            print(
                f"N={n} round {r + 1}: peer {peers[-1].wall:.1f} s, refkb cold {colds[-1].wall:.1f} s", file=sys.stderr
            )
    finally:
        shutil.rmtree(base, ignore_errors=True)
    wall, cpu = ratios(colds, peers)

    def times(runs: list[Run]) -> str:
        return f"{Spread.of([x.wall for x in runs]).median:.1f} s (CPU {Spread.of([x.cpu for x in runs]).median:.1f} s)"

    header = ("N", "refkb cold", "mkdocs-bibtex + pandoc", "ratio (wall)", "ratio (CPU)", "target")
    row = [f"{n:,}", times(colds), times(peers), wall.times(), cpu.times(), "≤ 1.0×"]
    title = f"Cold build next to the peer, median (range) of {rounds} paired rounds"
    print(table(title, header, [row], command("cold.py", argv)))
    return 0


def absolute(sizes: list[int], rounds: int, argv: list[str]) -> int:
    out = []
    for n in sizes:
        base = Path(tempfile.mkdtemp(prefix=f"refkb-cold-{n}-"))
        try:
            kb = grow(base / "refkb", n)
            runs = []
            for r in range(rounds):
                runs.append(build(kb, cold=True))
                print(f"N={n} round {r + 1}: cold {runs[-1].wall:.1f} s", file=sys.stderr)
        finally:
            shutil.rmtree(base, ignore_errors=True)
        wall, cpu = Spread.of([x.wall for x in runs]), Spread.of([x.cpu for x in runs])
        memory = Spread.of([x.max_rss_mb for x in runs])
        out.append([f"{n:,}", wall.seconds(), cpu.seconds(), f"{memory.median:.0f} MB", TARGETS.get(n, "")])
    header = ("N", "cold build (wall)", "CPU", "peak memory", "target")
    title = f"Cold builds of the grown knowledge base, median (range) of {rounds} rounds"
    print(table(title, header, out, command("cold.py", argv, f"REFKB_BENCH_ROUNDS={rounds}")))
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["--absolute"]:
        sizes = [int(a) for a in argv[1:]] or [5000, 10000]
        return absolute(sizes, int(os.environ.get("REFKB_BENCH_ROUNDS", "1")), argv)
    n = int(argv[0]) if argv else 1000
    rounds = int(argv[1]) if len(argv) > 1 else 3
    return versus_peer(n, rounds, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
