"""Any BibTeX file builds: a site with only `plugins: [search, refkb: {bibliography: lab.bib}]` (the default `bibtex`
profile), keys in any case and no annotation pages builds strictly; each work gets a page and files named by its
key's slug, cited works link there, and reference pages stay out of the navigation. Two keys with one slug stop
the build with one line naming both. A real lab's bibliography as it is (tests/data/sites/lab: 372 entries of
ContextLab/CDL-bibliography, with pages that are DOIs, chapters without booktitle, C1 control characters) builds
strictly with only the plugin's bibliography option: its content errors are warnings under `bibtex`, twenty of a
code in the log and a count of the rest."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DATA
from refkb import bibfile, keys

PLAIN = DATA / "sites" / "plain"
LAB = DATA / "sites" / "lab"
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


def build(site: Path, out: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(out)]
    return subprocess.run(command, cwd=site, env=ENV, capture_output=True, text=True, check=False, timeout=600)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("plain")
    site = tmp / "site"
    shutil.copytree(PLAIN, site)
    result = build(site, tmp / "out")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "WARNING" not in result.stderr
    return tmp / "out"


KEYS = [  # key -> the slug its page and files are named by
    ("AntoEtal24", "antoetal24"),
    ("Smith:2020a", "smith-2020a"),
    ("vanDijk2019", "vandijk2019"),
    ("LeCun_2015", "lecun-2015"),
    ("Garcia-Lopez2018b", "garcia-lopez2018b"),
    ("WHO2021report", "who2021report"),
    ("Ngugi.1986", "ngugi-1986"),
    ("OBrien2022", "obrien2022"),
]


@pytest.mark.parametrize(("key", "slug"), KEYS)
def test_every_work_has_a_page_and_files_named_by_its_slug(built: Path, key: str, slug: str) -> None:
    page = built / "references" / slug / "index.html"
    assert page.is_file()
    for suffix in (".bib", ".bibtex.bib", ".ris", ".json"):
        assert (built / "references" / slug / f"{slug}{suffix}").is_file()
    assert key in (built / "references" / slug / f"{slug}.bib").read_text(encoding="utf-8")  # the key itself kept


@pytest.mark.parametrize(("key", "slug"), KEYS[:3])
def test_a_citation_links_to_the_slug_address(built: Path, key: str, slug: str) -> None:
    home = (built / "index.html").read_text(encoding="utf-8")
    assert f'href="references/{slug}/"' in home


def test_reference_pages_stay_out_of_the_navigation(built: Path) -> None:
    home = (built / "index.html").read_text(encoding="utf-8")
    nav = re.findall(r'<a[^>]*class="[^"]*nav[^"]*"[^>]*href="([^"]*)"', home)
    nav += re.findall(r'<a[^>]*href="([^"]*)"[^>]*class="[^"]*nav[^"]*"', home)
    assert nav  # the reader sees the navigation
    assert not [h for h in nav if re.match(r"references/[^/]+/", h)]


def test_two_keys_with_one_slug_stop_the_build(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(PLAIN, site)
    bib = (site / "lab.bib").read_text(encoding="utf-8")
    (site / "lab.bib").write_text(bib + _twin(), encoding="utf-8")  # Ngugi:1986 beside Ngugi.1986: both ngugi-1986
    result = build(site, tmp_path / "out")
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if "slug-collision" in line]
    assert len(lines) == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert "bug in refkb" not in result.stderr


def _twin() -> str:
    return "\n@misc{Ngugi:1986,\n  author = {Ngugi, Wanjiru},\n  title = {A twin},\n  year = {1986},\n}\n"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The lab site built cold: its output and MkDocs' log."""
    tmp = tmp_path_factory.mktemp("lab")
    site = tmp / "site"
    shutil.copytree(LAB, site)
    result = build(site, tmp / "out")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "WARNING" not in result.stderr, result.stderr[-3000:]
    return tmp / "out", result.stderr


LAB_KEYS = sorted(e.key for e in bibfile.read(LAB / "cdl.bib").entries)


def test_the_lab_site_holds_every_entry(lab: tuple[Path, str]) -> None:
    out, _ = lab
    assert len(LAB_KEYS) == 372
    assert any(k != k.lower() for k in LAB_KEYS)
    for key in LAB_KEYS:
        slug = keys.slug(key)
        assert (out / "references" / slug / "index.html").is_file(), key
        for suffix in (".bib", ".bibtex.bib", ".ris", ".json"):
            assert (out / "references" / slug / f"{slug}{suffix}").is_file(), key
    library = (out / "references" / "index.html").read_text(encoding="utf-8")
    assert {keys.slug(k) for k in LAB_KEYS} <= set(re.findall(r'href="([^"/]+)/"', library))
    downloads = (out / "downloads" / "references.bib").read_text(encoding="utf-8")
    assert sorted(re.findall(r"^@[a-z]+\{([^,]+),", downloads, re.M)) == LAB_KEYS
    ris = (out / "downloads" / "references.ris").read_text(encoding="utf-8")
    assert ris.count("TY  - ") == len(LAB_KEYS)


@pytest.mark.parametrize("key", ["AntoEtal24", "HeusMann18", "WolfEtal20", "HeraCE", "SkraChiu03"])
def test_the_lab_site_links_its_citations(lab: tuple[Path, str], key: str) -> None:
    out, _ = lab
    home = (out / "index.html").read_text(encoding="utf-8")
    assert f'href="references/{keys.slug(key)}/"' in home


# (code, key of a warning the log shows, how many of the code the log counts beyond the twenty shown; 0: none)
LAB_WARNINGS = [
    ("invalid-pages", "HeusMann18", 31),  # pages = {PS-2B.16}; 51 in all
    ("missing-field", "WolfEtal20", 49),  # @inproceedings without booktitle; 69 in all
    ("c1-control", "SkraChiu03", 0),
    ("invalid-year", "HeraCE", 0),
]


@pytest.mark.parametrize(("code", "key", "more"), LAB_WARNINGS)
def test_the_lab_sites_content_errors_are_warnings(lab: tuple[Path, str], code: str, key: str, more: int) -> None:
    _, log = lab
    shown = [line for line in log.splitlines() if f" warning {code} [" in line]
    assert 0 < len(shown) <= 20
    counted = [line for line in log.splitlines() if f"more {code} warnings" in line]
    assert counted == (
        [f"INFO    -  refkb: … and {more} more {code} warnings (refkb validate lists every one)"] if more else []
    )
    if not more:
        assert any(f"[{key}]" in line for line in shown)
