"""A real lab's bibliography built cold, next to plain MkDocs building as many pages.

The bibliography is ContextLab/CDL-bibliography's cdl.bib (6,315 entries, BibTeX's own keys such as AntoEtal24,
no annotation pages, MIT licence), built as a lab would: a site whose mkdocs.yml holds only
`plugins: [refkb: {bibliography: cdl.bib}]` (the default `bibtex` profile). In paired rounds:
- refkb: `mkdocs build --strict` in a fresh copy (no .cache: every style formatted, every page made);
- plain: `mkdocs build --strict` of a site with as many pages as refkb's build wrote (one per entry, its key and
         title; out of the navigation, as refkb's reference pages are; no plugin).
Each build's wall time, CPU time (user + system of the build and the processes it waited for: os.wait4) and peak
RSS (of its largest process: wait4's ru_maxrss), then the medians and refkb / plain. Target: refkb cold at most
60 s at this size.

Usage: python benchmarks/lab.py [PATH_TO_cdl.bib] [ROUNDS]
Without a path (or with '-'), cdl.bib is read from the mirror /work/.mirror/ContextLab+CDL-bibliography/repo
(git show HEAD:cdl.bib).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

MIRROR = Path("/work/.mirror/ContextLab+CDL-bibliography/repo")
SOURCE = "https://github.com/ContextLab/CDL-bibliography (cdl.bib, commit b339d2aa4ecb1e6dd76ba9591db0d27168b1c800)"
TARGET_S = 60.0
CONFIG = "site_name: Lab\nplugins:\n  - refkb:\n      bibliography: cdl.bib\n"
PLAIN_CONFIG = "site_name: Lab\nplugins: []\nnav:\n  - index.md\n"


@dataclass(frozen=True)
class Run:
    """One build: wall and CPU seconds, peak resident set in MB, pages written."""

    wall: float
    cpu: float
    rss_mb: float
    pages: int


def read_bib(argv: list[str]) -> str | None:
    """cdl.bib's text: from the path given, else (no path, or '-') from the mirror; None when neither has it."""
    if argv and argv[0] != "-":
        path = Path(argv[0])
        return path.read_text(encoding="utf-8") if path.is_file() else None
    if not MIRROR.is_dir():
        return None
    shown = subprocess.run(
        ["git", "-C", str(MIRROR), "show", "HEAD:cdl.bib"], capture_output=True, check=False, timeout=120
    )
    return shown.stdout.decode("utf-8") if shown.returncode == 0 else None


def build(site: Path) -> Run:
    """`mkdocs build --strict` in `site`, cold: its output and .cache removed first."""
    shutil.rmtree(site / "site", ignore_errors=True)
    shutil.rmtree(site / ".cache", ignore_errors=True)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", "site"]
    with (site / "build.log").open("wb") as log:
        start = time.perf_counter()
        proc = subprocess.Popen(command, cwd=site, env=env, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        tail = (site / "build.log").read_text(encoding="utf-8", errors="replace")[-3000:]
        raise SystemExit(f"the build in {site} failed ({proc.returncode}):\n{tail}")
    pages = sum(1 for _ in (site / "site").rglob("index.html"))
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, pages)


def write_lab(base: Path, bib: str) -> Path:
    site = base / "lab"
    (site / "docs").mkdir(parents=True)
    (site / "cdl.bib").write_text(bib, encoding="utf-8")
    (site / "mkdocs.yml").write_text(CONFIG, encoding="utf-8")
    (site / "docs" / "index.md").write_text("# Lab\n\nThe lab's bibliography.\n", encoding="utf-8")
    return site


def write_plain(base: Path, bib: str, pages: int) -> Path:
    """A plain MkDocs site of `pages` pages: the home page and one per entry (key and title), then fillers."""
    from refkb import bibfile

    site = base / "plain"
    (site / "docs").mkdir(parents=True)
    (site / "mkdocs.yml").write_text(PLAIN_CONFIG, encoding="utf-8")
    (site / "docs" / "index.md").write_text("# Lab\n\nThe lab's bibliography.\n", encoding="utf-8")
    entries = bibfile.parse_text(bib, "cdl.bib").entries
    for n in range(pages - 1):
        e = entries[n] if n < len(entries) else None
        title = e.value("title") if e is not None else ""
        text = f"# {e.key}\n\n{title}\n" if e is not None else f"# Page {n}\n\nA page.\n"
        (site / "docs" / f"p{n}.md").write_text(text, encoding="utf-8")
    return site


def show(name: str, r: Run) -> str:
    return f"{name}: {r.wall:6.1f}s wall {r.cpu:6.1f}s CPU {r.rss_mb:6.0f} MB"


def main(argv: list[str]) -> int:
    bib = read_bib(argv)
    if bib is None:
        where = argv[0] if argv and argv[0] != "-" else str(MIRROR)
        print(f"cdl.bib not found at {where}: pass its path; it is in {SOURCE}", file=sys.stderr)
        return 2
    rounds = int(argv[1]) if len(argv) > 1 else 3
    base = Path(tempfile.mkdtemp(prefix="refkb-lab-"))
    try:
        lab = write_lab(base, bib)
        kb_runs, plain_runs = [build(lab)], []  # the first refkb build also counts the pages plain MkDocs must write
        plain = write_plain(base, bib, kb_runs[0].pages)
        plain_runs.append(build(plain))
        print(f"round 1  {show('refkb', kb_runs[0])}  {show('plain', plain_runs[0])}", flush=True)
        for r in range(1, rounds):
            plain_runs.append(build(plain))
            kb_runs.append(build(lab))
            print(f"round {r + 1}  {show('refkb', kb_runs[-1])}  {show('plain', plain_runs[-1])}", flush=True)
        kb_wall = statistics.median(x.wall for x in kb_runs)
        verdict = "met" if kb_wall <= TARGET_S else "not met"
        plain_wall = statistics.median(x.wall for x in plain_runs)
        print(
            f"{kb_runs[0].pages:,} pages: refkb cold median {kb_wall:.1f}s wall, "
            f"{statistics.median(x.cpu for x in kb_runs):.1f}s CPU, {max(x.rss_mb for x in kb_runs):.0f} MB peak; "
            f"plain MkDocs {plain_wall:.1f}s wall, {statistics.median(x.cpu for x in plain_runs):.1f}s CPU, "
            f"{max(x.rss_mb for x in plain_runs):.0f} MB peak; refkb / plain {kb_wall / plain_wall:.1f}x "
            f"({rounds} paired rounds); target refkb cold <= {TARGET_S:.0f}s: {verdict}"
        )
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
