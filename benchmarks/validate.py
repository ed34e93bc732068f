"""How much `refkb validate` costs next to a bare bibtexparser parse of the same references.bib.

Whole command (the default): the real knowledge base grown to N works with their annotation pages, coding, search
trail, ledger and citing pages (benchmarks/grow.py, seeded), then, in paired rounds that alternate which of the two
runs first so that load drift falls on both:
- bare:     `python -c "bibtexparser.parse_string(open(references.bib).read())"`, a subprocess (what any tool pays
            to start and read the file);
- validate: `refkb validate` in the grown project, a subprocess: the whole command, every file it reads.
  --cache says what it finds kept from the last run (.cache/refkb/validate.json, refkb.checks.kept): `warm` (the
  default: the run before it kept its findings, as when validate is run again), `cold` (the file removed before
  each run: a first run, which pays for keeping its findings), `off` (`--no-cache`: nothing read or kept).
Each is timed by the wall clock and by the CPU time of the child (user + system, from the children's rusage: what
the run cost whatever else the machine was doing). Prints the median and range of each, and of the per-round
ratio validate / bare. Target: at most 2.5x at 10,000 works.

--bib: the .bib checks alone, in one process, on synthetic bibliographies (the former benchmark): N realistic
synthetic entries (mixed types, personal and corporate authors, LaTeX accents, DOIs, URLs, multi-line abstracts) in
two variants — `clean`, and `warnings`, where every fifth entry repeats another's title with a small change and
every entry's key breaks the key convention — timed as refkb's read (positions and the syntax checks bibtexparser
skips) plus every check of the file against bibtexparser.parse_string on the same text. Target: at most 2x.

Usage: python benchmarks/validate.py [N ...] [--rounds R] [--cache warm|cold|off] [--bib]
       (default: 1000 10000, 5 rounds, warm)
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import bibtexparser

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from refkb import bibfile, keys
from refkb.checks import suite
from refkb.checks.settings import Settings
from refkb.model import Issue

WORDS = [
    "online",
    "recruitment",
    "trafficking",
    "social",
    "media",
    "platforms",
    "victims",
    "exploitation",
    "survivors",
    "advertising",
    "networks",
    "detection",
    "machine",
    "learning",
    "policy",
    "law",
    "enforcement",
    "evidence",
    "children",
    "labour",
    "migration",
    "grooming",
    "coercion",
    "surveillance",
    "technology",
    "harm",
    "reduction",
    "analysis",
    "review",
    "data",
    "hotline",
    "reports",
    "prosecution",
    "jurisdiction",
    "classifieds",
    "messaging",
    "encryption",
    "payments",
    "cryptocurrency",
    "awareness",
    "education",
    "prevention",
    "collaboration",
]
FAMILY = [
    "Smith",
    "Jones",
    "Müller",
    "García",
    "Nguyen",
    "Okafor",
    "Rossi",
    "Kowalski",
    "Haddad",
    "Tanaka",
    "Silva",
    "Novak",
    "Dubois",
    "Kim",
    "Ali",
]
# Family names as real libraries have them: a few common ones and many rare ones. Measured on the five real
# bibliographies in ../shared/corpora (1,319 works): 922 distinct first-author family names, the commonest first
# author on 16 works. A fifth of the names here come from FAMILY (about 13 works per name at 1,000), the rest are
# drawn from 1,600 made-up ones; likewise for organisations (ORGS, or a made-up name and BODIES).
# REFKB_BENCH_NAMES=few draws every name from FAMILY, as this generator first did: about 70 works under each first
# author, a stress test of disambiguation rather than a library.
SYLLABLES = [
    "ab",
    "al",
    "an",
    "ar",
    "ba",
    "be",
    "bo",
    "da",
    "de",
    "di",
    "el",
    "en",
    "fa",
    "fe",
    "go",
    "ha",
    "he",
    "ka",
    "ki",
    "ko",
    "la",
    "le",
    "li",
    "lo",
    "ma",
    "me",
    "mi",
    "mo",
    "na",
    "ne",
    "no",
    "ol",
    "or",
    "pa",
    "ra",
    "re",
    "ro",
    "sa",
    "se",
    "ta",
    "to",
]
GIVEN = [
    "Ana",
    "Ben",
    "Chloé",
    "David",
    "Emeka",
    "Fatima",
    "Grace",
    "Hiro",
    "Ines",
    "José",
    "Kai",
    "Lena",
    "Marta",
    "Noor",
    "Omar",
]
ORGS = [
    "{{United Nations Office on Drugs and Crime}}",
    "{{Polaris}}",
    "{{Thorn}}",
    "{{Europol}}",
    "{{National Center for Missing \\& Exploited Children}}",
]
BODIES = ["Foundation", "Institute", "Council", "Network", "Alliance", "Commission", "Centre", "Coalition"]
TOPICS = [
    "recruitment-grooming",
    "advertising-transactions",
    "detection-monitoring",
    "technology-responses",
    "data-measurement",
    "legal-jurisdiction",
]


def synthetic(n: int, seed: int = 7, names: str | None = None) -> str:
    rnd = random.Random(seed)
    few = (names or os.environ.get("REFKB_BENCH_NAMES", "realistic")) == "few"

    def family() -> str:
        if few or rnd.random() < 0.2:
            return rnd.choice(FAMILY)
        return (rnd.choice(SYLLABLES) + rnd.choice(SYLLABLES) + rnd.choice(SYLLABLES)[0]).capitalize()

    def organisation() -> str:
        if few or rnd.random() < 0.2:
            return rnd.choice(ORGS)
        return f"{{{{{family()} {rnd.choice(BODIES)}}}}}"

    out = []
    for i in range(n):
        year = rnd.randint(1995, 2025)
        title_words = rnd.sample(WORDS, rnd.randint(5, 11))
        title = " ".join(title_words).capitalize()
        if rnd.random() < 0.2:
            title = title.replace(" ", " {\\'e}tude ", 1)
        kind = rnd.choice(["article", "article", "inproceedings", "report", "online", "book"])
        extra = []
        if kind == "report" or rnd.random() < 0.1:
            author = organisation()
            extra = ["shortauthor = {Org}"]
        else:
            author = " and ".join(f"{family()}, {rnd.choice(GIVEN)}" for _ in range(rnd.randint(1, 4)))
        fields = [f"author = {{{author}}}", *extra, f"title = {{{title}}}"]
        if kind == "article":
            fields += [
                f"journaltitle = {{Journal of {rnd.choice(WORDS).capitalize()} Studies}}",
                f"volume = {{{rnd.randint(1, 60)}}}",
                f"number = {{{rnd.randint(1, 12)}}}",
                f"pages = {{{(p := rnd.randint(1, 900))}--{p + rnd.randint(5, 30)}}}",
                f"doi = {{10.{rnd.randint(1000, 99999)}/{rnd.randint(10**6, 10**7)}}}",
            ]
        elif kind == "inproceedings":
            fields += [
                f"booktitle = {{Proceedings of the {rnd.choice(WORDS).capitalize()} Conference}}",
                f"pages = {{{(p := rnd.randint(1, 900))}--{p + 9}}}",
                "publisher = {ACM}",
            ]
        elif kind == "report":
            fields += ["type = {Report}", f"institution = {author}", f"number = {{R-{i}}}"]
        elif kind == "book":
            fields += ["publisher = {{Routledge}}", "location = {London}"]
        fields.append(f"date = {{{year}-{rnd.randint(1, 12):02d}}}")
        if kind == "online" or rnd.random() < 0.5:
            fields += [f"url = {{https://example.org/{year}/{i}/{title_words[0]}}}", "urldate = {2026-11-01}"]
        fields += [f"keywords = {{{', '.join(rnd.sample(TOPICS, 2))}}}", "sourcekind = {academic}"]
        if rnd.random() < 0.5:
            abstract = " ".join(rnd.choice(WORDS) for _ in range(60))
            fields.append(f"abstract = {{{abstract[:200]}\n    {abstract[200:]}}}")
        first = "org" if author.startswith("{{") else keys.ascii_fold(author.split(",")[0])
        key = f"{first}{year}{title_words[0]}-{i}"
        out.append(f"@{kind}{{{key},\n" + "".join(f"  {f},\n" for f in fields) + "}\n")
    return "\n".join(out)


def with_warnings(text: str, seed: int = 11) -> str:
    """The same bibliography with a near-duplicate of every fifth entry (title changed by one word, new key)."""
    rnd = random.Random(seed)
    blocks = text.split("\n@")
    out = [blocks[0], *("@" + b for b in blocks[1:])]
    extra = []
    for i, block in enumerate(out):
        if i % 5 == 0:
            copy = block.replace("{", "{dup", 1) if block.startswith("@") else block
            copy = copy.replace("title = {", f"title = {{{rnd.choice(WORDS)} ", 1)
            extra.append(copy)
    return "\n".join(out + extra)


def timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def bib_only(sizes: Sequence[int], rounds: int) -> None:
    """The .bib checks alone, in one process, against bibtexparser on the same synthetic text."""
    settings = Settings(dt.date(2026, 11, 29), frozenset(TOPICS), frozenset({"academic"}))
    print(f"{'N':>7} {'variant':>9} {'bare':>8} {'validate':>9} {'ratio median (range)':>22}  issues")
    for n in sizes:
        clean = synthetic(n)
        for variant, text in (("clean", clean), ("warnings", with_warnings(clean))):

            def bare_parse(text: str = text) -> object:
                return bibtexparser.parse_string(text)  # type: ignore[attr-defined]

            def refkb_validate(text: str = text) -> list[Issue]:
                return suite.validate_bib(bibfile.parse_text(text, "synthetic.bib"), settings)

            bare_parse()  # warm caches and imports once
            ratios, bares, fulls = [], [], []
            for _ in range(rounds):  # paired rounds: one of each, alternating
                b, f = timed(bare_parse), timed(refkb_validate)
                bares.append(b)
                fulls.append(f)
                ratios.append(f / b)
            found = refkb_validate()
            spread = f"({min(ratios):.2f}–{max(ratios):.2f})"
            print(
                f"{n:>7} {variant:>9} {statistics.median(bares):>7.3f}s {statistics.median(fulls):>8.3f}s "
                f"{statistics.median(ratios):>8.2f}x {spread}  {len(found)}"
            )


@dataclass(frozen=True)
class Run:
    """One timed subprocess: wall-clock seconds and the child's CPU seconds (user + system)."""

    wall: float
    cpu: float
    out: str  # what it printed (stdout, then stderr)


def run(command: Sequence[str], cwd: Path, forget: Path | None = None) -> Run:
    """`command` in `cwd`, timed, with the file `forget` removed first (untimed); its exit status must be 0 (a
    benchmark of a failing run means nothing)."""
    if forget is not None:
        forget.unlink(missing_ok=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited {done.returncode}:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(wall, cpu, done.stdout + done.stderr)


def refkb_command() -> list[str]:
    """`refkb` as installed next to this Python (the console script), else `python -m refkb`."""
    script = Path(sys.executable).parent / "refkb"
    return [str(script)] if script.exists() else [sys.executable, "-m", "refkb"]


BARE = "import sys, bibtexparser; bibtexparser.parse_string(open(sys.argv[1], encoding='utf-8').read())"


def spread(values: Sequence[float], unit: str) -> str:
    return f"{statistics.median(values):.2f}{unit} ({min(values):.2f}–{max(values):.2f})"


def whole_command(sizes: Sequence[int], rounds: int, where: Path, cache: str = "warm") -> None:
    """`refkb validate` in the grown knowledge base against a bare parse of its references.bib, both subprocesses;
    `cache`: what validate finds kept from the run before (see the module's docstring)."""
    from grow import grow  # the benchmarks' own module: benchmarks/ is on sys.path when this file is run

    bare_cmd = [sys.executable, "-c", BARE, "references.bib"]
    validate_cmd = [*refkb_command(), "validate", *(["--no-cache"] if cache == "off" else [])]
    print(f"bare: {sys.executable} -c {BARE!r} references.bib; validate: {' '.join(validate_cmd)} (cache: {cache})")
    head = f"{'bare median (range)':>22} {'validate median (range)':>26} {'ratio median (range)':>22}"
    print(f"{'N':>7} {'clock':>5} {head}")
    for n in sizes:
        project = grow(where / f"kb{n}", n)
        kept = project / ".cache" / "refkb" / "validate.json"
        forget = kept if cache == "cold" else None
        for warm in (bare_cmd, validate_cmd):  # the page cache and the imports, once (and the findings kept)
            run(warm, project)
        bare: list[Run] = []
        full: list[Run] = []
        for r in range(rounds):  # paired rounds, alternating which runs first
            if r % 2:
                full.append(run(validate_cmd, project, forget))
                bare.append(run(bare_cmd, project))
            else:
                bare.append(run(bare_cmd, project))
                full.append(run(validate_cmd, project, forget))
        for clock in ("wall", "cpu"):
            b = [getattr(x, clock) for x in bare]
            f = [getattr(x, clock) for x in full]
            ratios = [y / x for x, y in zip(b, f, strict=True)]
            print(f"{n:>7} {clock:>5} {spread(b, 's'):>22} {spread(f, 's'):>26} {spread(ratios, 'x'):>22}")
        print(f"{'':>7} refkb validate said: {full[-1].out.strip().splitlines()[-1]}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10000])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cache", choices=("warm", "cold", "off"), default="warm", help="what validate finds kept")
    parser.add_argument("--bib", action="store_true", help="the .bib checks alone, in one process (synthetic .bib)")
    parser.add_argument("--dir", type=Path, help="where to grow the knowledge bases (default: a temporary folder)")
    args = parser.parse_args(argv)
    if args.bib:
        bib_only(args.sizes, args.rounds)
    elif args.dir is not None:
        whole_command(args.sizes, args.rounds, args.dir, args.cache)
    else:
        with tempfile.TemporaryDirectory(prefix="refkb-validate-") as tmp:
            whole_command(args.sizes, args.rounds, Path(tmp), args.cache)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
