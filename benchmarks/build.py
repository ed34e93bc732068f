"""How much refkb adds to an MkDocs build.

For N synthetic references (default 100 and 1,000) it builds two sites with the same theme and the same text:
- plain:  MkDocs with N pages holding the annotation text, out of the nav;
- refkb:  the same N annotations as reference pages generated from references.bib, plus a topic page citing every
          work, built twice: cold (empty citation cache: every work formatted in four styles) and warm (cache
          full: nothing formatted).
Prints the median times and the ratios cold/plain and warm/plain (the warm ratio as the median and range of paired
rounds). Target: warm at most 1.3x.

Usage: python benchmarks/build.py [N ...]   (REFKB_BENCH_ROUNDS, default 5)
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "scripts"))
from validate import TOPICS, synthetic  # noqa: E402

ANNOTATION = """---
verified_at:
  - https://example.org/checked/{i}
verified_on: 2026-11-29
---
## Summary
This source examines how recruitment on social media platforms works, drawing on interviews and case files.
It sets out the stages of contact, trust-building and exploitation that the authors observed in case {i}.

## Key findings
- Platforms were used at several stages, from first contact to advertising.
- Reported cases grew over the period studied, which may reflect reporting rather than prevalence.

## Method and data
Qualitative analysis of a sample of cases; no claim to representativeness.

## Limitations
Small sample; one country; self-reported figures.

## Relevance
It documents mechanisms of online recruitment.
"""

CONFIG = """site_name: Benchmark
docs_dir: docs
theme:
  name: material
  font: false
not_in_nav: |
  /references/*.md
nav:
  - Home: index.md
{extra}
"""


def write_sites(n: int, base: Path) -> tuple[Path, Path]:
    bib = synthetic(n)
    from refkb import bibfile

    keys = [e.key for e in bibfile.parse_text(bib, "x.bib").entries]
    plain, kb = base / "plain", base / "refkb"
    for site in (plain, kb):
        (site / "docs" / "references").mkdir(parents=True)
    citing = "# Home\n\n" + "\n\n".join(f"A claim [@{k}]." for k in keys) + "\n"
    for i, key in enumerate(keys):
        text = ANNOTATION.format(i=i)
        (kb / "docs" / "references" / f"{key}.md").write_text(text, encoding="utf-8")
        (plain / "docs" / "references" / f"{key}.md").write_text(f"# Reference {i}\n\n{text.split('---', 2)[2]}")
    (kb / "docs" / "index.md").write_text(citing, encoding="utf-8")
    (plain / "docs" / "index.md").write_text(citing.replace("[@", "[").replace("].", "]."), encoding="utf-8")
    (kb / "references.bib").write_text(bib, encoding="utf-8")
    topics = "\n".join(f"      - {{slug: {t}, title: {t}, section: S}}" for t in TOPICS)
    (plain / "mkdocs.yml").write_text(CONFIG.format(extra=""))
    plugin = "plugins:\n  - search\n  - refkb\n"
    (kb / "mkdocs.yml").write_text(
        CONFIG.format(extra=f"{plugin}extra:\n  refkb:\n    sourcekinds: [academic]\n    topics:\n{topics}")
    )
    return plain, kb


def build(site: Path) -> float:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-d", str(site / "site")],
        cwd=site,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"build failed in {site}:\n{result.stderr[-3000:]}")
    return elapsed


def main(argv: list[str]) -> int:
    sizes = [int(a) for a in argv] or [100, 1000]
    rounds = int(os.environ.get("REFKB_BENCH_ROUNDS", "5"))
    print(f"{'N':>6} {'plain':>8} {'cold':>8} {'warm':>8} {'cold/plain':>11} {'warm/plain':>11}")
    for n in sizes:
        base = Path(tempfile.mkdtemp(prefix=f"refkb-bench-{n}-"))
        try:
            plain, kb = write_sites(n, base)
            build(plain)  # warm the OS caches and Python's bytecode
            shutil.rmtree(kb / ".cache", ignore_errors=True)
            cold_t = build(kb)
            # Paired rounds, alternating plain and warm, so that the machine's load falls on both: median and range
            # of the per-round ratio.
            ratios, plain_times, warm_times = [], [], []
            for _ in range(rounds):
                plain_times.append(build(plain))
                warm_times.append(build(kb))
                ratios.append(warm_times[-1] / plain_times[-1])
            plain_t, warm_t = statistics.median(plain_times), statistics.median(warm_times)
            spread = f"({min(ratios):.2f}–{max(ratios):.2f}, {rounds} rounds)"
            print(
                f"{n:>6} {plain_t:>7.2f}s {cold_t:>7.2f}s {warm_t:>7.2f}s {cold_t / plain_t:>10.2f}x "
                f"{statistics.median(ratios):>10.2f}x {spread}"
            )
        finally:
            shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
