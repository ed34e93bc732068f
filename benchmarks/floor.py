"""The least wall time this machine's cores allow a cold build, from the work it cannot skip, each part measured on
its own: the pages (plain MkDocs building the same pages) and citeproc-js formatting every work in each style.

For the real knowledge base grown to N works (benchmarks/grow.py), or with --lab for the lab's bibliography
(benchmarks/lab.py: cdl.bib, 6,315 entries, and a plain site with a page per entry):
- pages:    `mkdocs build` of the plain twin (one process: its CPU time is its wall time on an idle core);
- checks:   `refkb validate --no-cache` in the site (a build refuses a broken project, so it checks it first);
- library:  each of the four styles (refkb.styles.STYLES) in a fresh process: citeproc-js (refkb.engine.Citeproc,
            as a cold build's style worker loads it) formats the whole library in one makeBibliography call, each
            work's own citation, and alone the works whose library entry can differ from their one-item bibliography
            (refkbLoad). This is what refkb's design does per style: order, year suffixes and disambiguation are the
            style's own (DEVELOPMENT.md, "Engine");
- clusters: the site's style (APA) then formats every citation cluster the site's pages ask for (the in-text
            citations of the topic, platform and data pages), in the same engine, as a cold build does. The clusters
            are those refkb hands the engine: a build of the site is started and stopped there (`_CLUSTERS`);
- stripped: the three styles the pages show only in a work's cite block, as one-item bibliographies (MLA, Chicago,
            Harvard), each with what a one-item bibliography never uses taken out of the style (the bibliography's
            and citations' <sort>, the disambiguation attributes, the repeated-author dash), then formatted once over
            the whole library in one fresh process, in one makeBibliography call and nothing else (`ONE_PASS`):
            every work rendered once, with none of the work that relates it to the others. On the real knowledge
            base each entry is the work's one-item bibliography (tests/test_bench_floor.py); in the lab's, one
            Harvard entry is not (two authors who share a family name and an initial get their given names spelt
            out alone): it does at most what a design needs.

Each part's CPU time (user + system of its process: the engine's V8 threads are in it; for the styles, the engine's
calls alone, the works already read) and peak resident memory. The floors are CPU time over the cores
(os.sched_getaffinity): the wall time of a build that kept every core busy from start to end with nothing but
those parts:
- as designed: pages + checks + the four styles' `library` + APA's clusters;
- the least:   pages + checks + APA's `library` (the site's style: its lists and in-text citations need the whole
               library) + APA's clusters + the three `stripped`.
A cold build does more than either (the reference pages composed, the downloads, the coding and the ledger, the
wait for the site's style before the pages that show it), so a target below a floor cannot be met here.

Usage: python benchmarks/floor.py [N] [--lab]   (default 5,000 works)
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from grow import grow, plain_twin
from refkb import styles
from runs import build, command, run, table

TARGET_S = 60.0  # the performance issue's cold-build target at 5,000 works and for the lab's bibliography (6,315)
_STRIP = (
    re.compile(r"(<bibliography[\s>][\s\S]*?)<sort>[\s\S]*?</sort>"),
    re.compile(r"(<citation[\s>][\s\S]*?)<sort>[\s\S]*?</sort>"),
)
_ATTRIBUTES = re.compile(
    r"\s(?:disambiguate-add-names|disambiguate-add-givenname|disambiguate-add-year-suffix|"
    r'givenname-disambiguation-rule|subsequent-author-substitute)="[^"]*"'
)

# Run in a fresh interpreter per style: argv is the .bib, the style's id in refkb.styles.STYLES, "library" or
# "stripped", and a JSON file of clusters to format after the library (or ""); prints one JSON object.
_CHILD = """
import json, resource, sys, time
sys.path.insert(0, {scripts!r})
sys.path.insert(0, {benchmarks!r})
from refkb import bibfile, csl, engine, styles
from floor import one_pass, stripped
path, style_id, variant, clusters_file = sys.argv[1:5]
style = styles.STYLES[style_id]
items = [csl.engine_item(csl.item(e)) for e in bibfile.parse_text(open(path, encoding="utf-8").read(), path).entries]
xml = engine.style_path(style.csl).read_text(encoding="utf-8")
if variant == "stripped":
    xml = stripped(xml)
clusters = []
if clusters_file:
    clusters = [[engine.ClusterCite.of(c) for c in cl] for cl in json.load(open(clusters_file, encoding="utf-8"))]
js = engine.Citeproc()
if variant == "stripped":
    js.items(engine.item_texts(items))
start = time.process_time()
if variant == "stripped":
    entries = len(one_pass(js, xml, style.locale))
else:
    entries = len(js.load(style.csl, xml, style.locale, items).entries)
cpu = time.process_time() - start
start = time.process_time()
made = len(js.clusters(style.csl, clusters)) if clusters else 0
clusters_cpu = time.process_time() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"cpu": cpu, "clusters_cpu": clusters_cpu, "clusters": made, "peak_mb": peak, "entries": entries,
                  "works": len(items)}}))
"""

# Run in the grown site: a cold build started and stopped when refkb hands the library to the engines, with the
# clusters the pages ask of the site's style written to argv[1] as JSON.
_CLUSTERS = """
import json, os, sys
sys.path.insert(0, {scripts!r})
from mkdocs.commands import build
from mkdocs.config import load_config
from refkb import styles

def render(self, items, clusters=None, first=()):
    asked = [[c.csl() for c in cl] for cl in next(iter((clusters or {{}}).values()), [])]
    with open(sys.argv[1], "w", encoding="utf-8") as out:
        json.dump(asked, out)
    os._exit(0)  # the build goes no further; its style workers end with this process

styles.Renderer.render = render
build.build(load_config("mkdocs.yml"))
sys.exit("the build never handed the library to the engines")
"""


# The stripped style's one pass: an engine of its own registers the library and makes its bibliography, nothing
# else (refkb's load also makes each work's own citation and formats some works alone: refkbLoad).
ONE_PASS = """
function floorOnePass(styleXml, lang) {
  // JSON: each work's entry, by id (the engine's bibliography, not re-sorted: the stripped style has no sort)
  var eng = new CSL.Engine(refkbGlue.sys(REFKB.sys, styleXml), styleXml, lang, true);
  eng.setOutputFormat("html");
  eng.updateItems(REFKB.ids.map(refkbRid));
  var bib = eng.makeBibliography(), out = {};
  for (var k = 0; bib && k < bib[0].entry_ids.length; k++) {
    out[REFKB.items[bib[0].entry_ids[k][0]].system_id] = bib[1][k];
  }
  return JSON.stringify(out);
}
"""


def stripped(style_xml: str) -> str:
    """The style without what a one-item bibliography never uses: sorting, disambiguation, the repeated-author
    dash."""
    for pattern in _STRIP:
        style_xml = pattern.sub(r"\1", style_xml)
    return _ATTRIBUTES.sub("", style_xml)


@dataclass(frozen=True)
class Part:
    """One style formatted over the whole library in a process of its own."""

    style: str
    variant: str  # "library" or "stripped"
    cpu: float  # seconds of the engine's call, the works already read
    peak_mb: float  # the process's peak resident set (the works read included)
    clusters: int = 0  # how many citation clusters it formatted after the library
    clusters_cpu: float = 0.0


_HERE = Path(__file__).resolve()
_PATHS = {"scripts": str(_HERE.parents[1] / "scripts"), "benchmarks": str(_HERE.parent)}


def engine_part(bib: Path, style_id: str, variant: str, clusters: Path | None = None) -> Part:
    argv = [str(bib), style_id, variant, str(clusters or "")]
    out = subprocess.run(
        [sys.executable, "-c", _CHILD.format(**_PATHS), *argv], check=True, capture_output=True, text=True
    )
    data = json.loads(out.stdout.strip().splitlines()[-1])
    if data["entries"] != data["works"]:
        raise RuntimeError(f"{style_id} {variant}: {data['entries']} entries for {data['works']} works")
    return Part(style_id, variant, data["cpu"], data["peak_mb"], data["clusters"], data["clusters_cpu"])


def site_clusters(site: Path, dest: Path) -> Path:
    """The clusters the site's pages ask of its style, as refkb hands them to the engines (JSON at `dest`)."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    subprocess.run(
        [sys.executable, "-c", _CLUSTERS.format(**_PATHS), str(dest)],
        cwd=site,
        env=env,
        check=True,
        capture_output=True,
    )
    return dest


@dataclass(frozen=True)
class Sites:
    """The site built cold (its bibliography), and the plain site whose build is the pages' share."""

    site: Path
    bib: Path
    plain: Path


def sites(base: Path, n: int, lab: bool) -> Sites:
    if lab:
        import lab as labsite
        from refkb import bibfile

        text = labsite.read_bib(["-"])
        if text is None:
            raise SystemExit("cdl.bib not found: see benchmarks/lab.py")
        site = labsite.write_lab(base, text)
        entries = len(bibfile.parse_text(text, "cdl.bib").entries)  # a page per entry and the home page
        return Sites(site, site / "cdl.bib", labsite.write_plain(base, text, entries + 1))
    kb = grow(base / "refkb", n)
    return Sites(kb, kb / "references.bib", plain_twin(kb, base / "plain"))


@dataclass(frozen=True)
class Measured:
    """The table's rows, and the CPU seconds of the parts as designed and of the least ones."""

    rows: list[list[str]]
    designed: float
    least: float


def one_pass(js: Any, style_xml: str, lang: str) -> dict[str, str]:
    """Every work of the library `js` holds (refkb.engine.Citeproc, after `items`) formatted by the style in one
    makeBibliography call of an engine of its own (`ONE_PASS`): the entry's HTML by id."""
    js._ctx.eval(ONE_PASS)
    return dict(json.loads(js._ctx.call("floorOnePass", style_xml, lang)))


def measure(s: Sites, base: Path) -> Measured:
    build(s.plain)  # the OS's file cache and Python's bytecode, once
    pages = build(s.plain)
    checks = run([sys.executable, "-m", "refkb", "validate", "--no-cache"], s.site, {"PYTHONPATH": _PATHS["scripts"]})
    clusters = site_clusters(s.site, base / "clusters.json")
    parts = [engine_part(s.bib, x, "library", clusters if x == "apa" else None) for x in styles.ORDER]
    parts += [engine_part(s.bib, x, "stripped") for x in styles.ORDER if x != "apa"]
    rows = [
        ["pages (plain MkDocs)", f"{pages.cpu:.1f} s", f"{pages.max_rss_mb:.0f} MB"],
        ["checks (`refkb validate --no-cache`)", f"{checks.cpu:.1f} s", f"{checks.max_rss_mb:.0f} MB"],
    ]
    for p in parts:
        rows.append([f"{styles.STYLES[p.style].label}, {p.variant}", f"{p.cpu:.1f} s", f"{p.peak_mb:.0f} MB"])
        if p.clusters:
            rows.append([f"{styles.STYLES[p.style].label}, its {p.clusters:,} clusters", f"{p.clusters_cpu:.1f} s", ""])
    common = pages.cpu + checks.cpu + sum(p.clusters_cpu for p in parts)
    designed = common + sum(p.cpu for p in parts if p.variant == "library")
    least = common + sum(p.cpu for p in parts if p.variant == "stripped" or p.style == "apa")
    return Measured(rows, designed, least)


def main(argv: list[str]) -> int:
    lab = "--lab" in argv
    sizes = [int(a) for a in argv if a != "--lab"]
    n = sizes[0] if sizes else 5000
    cores = len(os.sched_getaffinity(0))
    base = Path(tempfile.mkdtemp(prefix="refkb-floor-"))
    try:
        done = measure(sites(base, n, lab), base)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    rows = done.rows
    target = f"target ≤ {TARGET_S:.0f} s" if lab or n == 5000 else ""
    for name, cpu in (("as designed", done.designed), ("the least", done.least)):
        rows.append([f"floor, {name}: {cpu:.1f} s CPU / {cores} cores", f"{cpu / cores:.1f} s", target])
    what = "the lab's cdl.bib (6,315 entries)" if lab else f"the knowledge base grown to {n:,} works"
    print(table(f"A cold build's floor, {what}", ("part", "CPU", "peak memory"), rows, command("floor.py", argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
