"""A cold refkb build next to the peer it replaces: mkdocs-bibtex with pandoc.

One synthetic bibliography of N references (default 1,000), built side by side in paired rounds:
- peer:  MkDocs + mkdocs-bibtex (pandoc's citeproc, one CSL style) building 10 pages that together cite every
         reference (each page its own bibliography): what a site gets from the peer;
- refkb: a cold refkb build of the same 10 pages plus a page per reference, every reference in four styles, downloads,
         library and map (the citation cache emptied before each round).
Prints each round and the median and range of refkb / peer. Target: at most 1.0x.

The peer is an optional dev extra: `make bench-deps` installs it (pyproject's `bench` extra).

Usage: python benchmarks/cold.py [N] [ROUNDS]
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "scripts"))
from build import ANNOTATION, CONFIG, build  # noqa: E402
from validate import TOPICS, synthetic  # noqa: E402

PAGES = 10


def write_sites(n: int, base: Path) -> tuple[Path, Path]:
    from refkb import bibfile, engine

    bib = synthetic(n)
    keys = [e.key for e in bibfile.parse_text(bib, "x.bib").entries]
    peer, kb = base / "peer", base / "refkb"
    for site in (peer, kb):
        (site / "docs").mkdir(parents=True)
        (site / "references.bib").write_text(bib, encoding="utf-8")
    per = -(-len(keys) // PAGES)
    nav = []
    for p in range(PAGES):
        cited = keys[p * per : (p + 1) * per]
        text = f"# Page {p}\n\n" + "\n\n".join(f"A claim [@{k}]." for k in cited) + "\n"
        for site in (peer, kb):
            (site / "docs" / f"page{p}.md").write_text(text, encoding="utf-8")
        nav.append(f"  - page{p}.md")
    for site in (peer, kb):
        (site / "docs" / "index.md").write_text("# Home\n", encoding="utf-8")
    (kb / "docs" / "references").mkdir()
    for i, key in enumerate(keys):
        (kb / "docs" / "references" / f"{key}.md").write_text(ANNOTATION.format(i=i), encoding="utf-8")
    csl = engine.style_path("apa")
    nav_text = "\n".join(nav)
    peer_plugins = f"plugins:\n  - bibtex:\n      bib_file: references.bib\n      csl_file: {csl}\n"
    (peer / "mkdocs.yml").write_text(CONFIG.format(extra=nav_text) + peer_plugins)
    topics = "\n".join(f"      - {{slug: {t}, title: {t}, section: S}}" for t in TOPICS)
    (kb / "mkdocs.yml").write_text(
        CONFIG.format(extra=nav_text)
        + f"plugins:\n  - search\n  - refkb\nextra:\n  refkb:\n    sourcekinds: [academic]\n    topics:\n{topics}\n"
    )
    return peer, kb


def main(argv: list[str]) -> int:
    try:
        import mkdocs_bibtex  # noqa: F401
    except ImportError:
        print("mkdocs-bibtex is not installed: run `make bench-deps` first", file=sys.stderr)
        return 2
    n = int(argv[0]) if argv else 1000
    rounds = int(argv[1]) if len(argv) > 1 else 3
    base = Path(tempfile.mkdtemp(prefix=f"refkb-cold-{n}-"))
    try:
        peer, kb = write_sites(n, base)
        build(peer)  # warm the OS caches and Python's bytecode once
        ratios = []
        print(f"{'round':>5} {'peer':>8} {'refkb cold':>11} {'ratio':>6}")
        for r in range(rounds):
            peer_t = build(peer)
            shutil.rmtree(kb / ".cache", ignore_errors=True)
            cold_t = build(kb)
            ratios.append(cold_t / peer_t)
            print(f"{r + 1:>5} {peer_t:>7.2f}s {cold_t:>10.2f}s {cold_t / peer_t:>5.2f}x")
        print(
            f"refkb cold / mkdocs-bibtex+pandoc at N={n}: median {statistics.median(ratios):.2f}x "
            f"(range {min(ratios):.2f}–{max(ratios):.2f}x, {rounds} paired rounds)"
        )
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
