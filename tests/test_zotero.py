"""Zotero's own translation-server as the oracle: capture of every reference page (/web) and import of every
download (/import), field by field against tests/data/zotero.bib, written out by hand below (nothing from refkb).

Accepted differences are in ACCEPTED, each with its reason."""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import tarfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from conftest import ANNOTATION, DATA, ROOT, write_project

TARBALL = ROOT.parent / "shared" / "tools" / "zotero-translation-server" / "translation-server-src.tar.gz"
CI = os.environ.get("CI") == "true"

# key: (item type, title, creators as Zotero names, date prefix, {field: value} that must come through)
WORKS = {
    "gao2021sex": (
        "report",
        "Sex trafficking: Online platforms and federal prosecutions",
        ["U.S. Government Accountability Office"],
        "2021",
        {
            "reportNumber": "GAO-21-385",
            "institution": "U.S. Government Accountability Office",
            "url": "https://www.gao.gov/products/gao-21-385",
            "seriesTitle": "GAO Reports",
            "place": "Washington, DC",
            "reportType": "Report to Congressional Committees",
        },
    ),
    "polaris2018onramps": (
        "webpage",
        "On-ramps, intersections, and exit routes",
        ["Polaris Project"],
        "2018",
        {
            "url": "https://polarisproject.org/on-ramps-intersections-and-exit-routes/",
            "websiteTitle": "Polaris Project",
        },
    ),
    "fosta2018": (
        "statute",
        "Allow States and Victims to Fight Online Sex Trafficking Act of 2017",
        [],
        "2018",
        {"publicLawNumber": "115-164", "url": "https://www.congress.gov/bill/115th-congress/house-bill/1865"},
    ),
    "latonero2012rise": (
        "journalArticle",
        "The rise of mobile and the diffusion of technology-facilitated trafficking",
        ["Mark Latonero", "Jane Smith"],
        "2012",
        {
            "publicationTitle": "PLOS ONE",
            "volume": "7",
            "issue": "3",
            "DOI": "10.1371/journal.pone.0273708",
            "ISSN": "1932-6203",
            "abstractNote": "An abstract of the article.",
            "pages": "e0273708",
        },
    ),
    "dubrawski2015leveraging": (
        "conferencePaper",
        "Leveraging publicly available data to discern patterns of human-trafficking activity",
        ["Artur Dubrawski", "Kyle Miller", "John Doe"],
        "2015",
        {
            "proceedingsTitle": "Proceedings of the 21st ACM SIGKDD Conference",
            "conferenceName": "KDD 2015",
            "publisher": "ACM",
            "place": "New York",
            "DOI": "10.1145/2783258.2788613",
            "pages": "1–10",
            "series": "KDD ’15",
        },
    ),
    "antonopoulos2020technology": (
        "book",
        "Technology in human smuggling and trafficking: Case studies from Italy",
        ["Georgios A. Antonopoulos"],
        "2020",
        {
            "publisher": "Springer",
            "place": "Cham",
            "series": "SpringerBriefs in Criminology",
            "seriesNumber": "4",
            "ISBN": "9783030427672",
        },
    ),
    "musto2020chapter": (
        "bookSection",
        "The limits and possibilities of data-driven anti-trafficking efforts",
        ["Jennifer Musto", "John Winterdyk", "Jackie Jones"],
        "2020",
        {
            "bookTitle": "The Palgrave International Handbook of Human Trafficking",
            "publisher": "Palgrave Macmillan",
            "place": "Cham",
            "pages": "1115-1130",
            "ISBN": "9783319630571",
        },
    ),
    "smith2019thesis": (
        "thesis",
        "Online advertising and trafficking markets",
        ["Alice Smith"],
        "2019",
        {"university": "University of Toronto", "url": "https://hdl.handle.net/1807/00000"},
    ),
    "washingtonpost2021instagram": (
        "newspaperArticle",
        "Instagram fuels rise in black-market sales of maids",
        ["Rachel Pannett"],
        "2021",
        {
            "publicationTitle": "The Washington Post",
            "url": "https://www.washingtonpost.com/world/2021/05/04/story.html",
        },
    ),
    "ctdc2023data": (
        "dataset",
        "Global synthetic dataset",
        ["Counter Trafficking Data Collaborative"],
        "2023",
        {
            "repository": "International Organization for Migration",
            "versionNumber": "2.1",
            "url": "https://www.ctdatacollaborative.org/page/global-synthetic-dataset",
        },
    ),
    # Works with no URL: Zotero must store none (the capture goes through the page's unAPI record, not Embedded
    # Metadata, which would store the reference page's own address; refkb.headmeta.unapi_record).
    "europol2016situation": (
        "report",
        "Situation report: Trafficking in human beings in the EU",
        ["Europol"],
        "2016",
        {
            "reportNumber": "765175",
            "institution": "Europol",
            "place": "The Hague",
            "reportType": "Situation report",
            "url": "",
        },
    ),
    "horwitz2023instagram": (
        "newspaperArticle",
        "Instagram connects vast pedophile network",
        ["Jeff Horwitz", "Katherine Blunt"],
        "2023",
        {"publicationTitle": "The Wall Street Journal", "url": ""},
    ),
    "interpol2023interpol": (
        "document",
        "INTERPOL issues global warning on human trafficking-fueled fraud",
        ["INTERPOL"],
        "2023",
        {"publisher": "INTERPOL", "url": ""},
    ),
}
NO_URL = ("europol2016situation", "horwitz2023instagram", "interpol2023interpol")
FORMATS = ("web", "ris", "bib", "bibtex.bib", "json")
# (format, key) -> {field: reason}: what the format, or Zotero's reader of it, cannot carry. Nothing else may differ.
_BIB_SERIES = "Zotero's BibTeX translator reads `series` only for books and their parts, not for a report"
_CLASSIC_TYPE = "classic BibTeX has no type for this work: it is @misc, which Zotero imports as a document"
ACCEPTED: dict[tuple[str, str], dict[str, str]] = {
    ("web", "gao2021sex"): {
        "creators": "Zotero's name cleaner (ZU.cleanAuthor) writes the initials 'U.S.' as 'U. S.'; still one name"
    },
    ("bib", "gao2021sex"): {"seriesTitle": _BIB_SERIES},
    ("bibtex.bib", "gao2021sex"): {"seriesTitle": _BIB_SERIES},
    ("bib", "polaris2018onramps"): {"websiteTitle": "Zotero's BibTeX translator reads no site from @online"},
    ("bibtex.bib", "polaris2018onramps"): {"itemType": _CLASSIC_TYPE, "websiteTitle": _CLASSIC_TYPE},
    ("bib", "fosta2018"): {
        "itemType": "Zotero's BibTeX translator files biblatex @legislation as a bill",
        "publicLawNumber": "a bill has no public-law number",
    },
    ("bibtex.bib", "fosta2018"): {"itemType": _CLASSIC_TYPE, "publicLawNumber": "written in howpublished"},
    ("bib", "latonero2012rise"): {"pages": "Zotero's BibTeX translator ignores biblatex `eid` (article number)"},
    ("json", "latonero2012rise"): {"pages": "CSL `number` (article number) has no Zotero journal-article field"},
    ("bib", "dubrawski2015leveraging"): {"place": "Zotero's BibTeX translator reads no location for a paper"},
    ("bibtex.bib", "dubrawski2015leveraging"): {"conferenceName": "classic BibTeX has no event title"},
    ("bib", "washingtonpost2021instagram"): {
        "itemType": "Zotero's BibTeX translator ignores biblatex entrysubtype = newspaper"
    },
    ("bibtex.bib", "washingtonpost2021instagram"): {"itemType": "classic BibTeX has no newspaper type"},
    ("bib", "horwitz2023instagram"): {
        "itemType": "Zotero's BibTeX translator ignores biblatex entrysubtype = newspaper"
    },
    ("bibtex.bib", "horwitz2023instagram"): {"itemType": "classic BibTeX has no newspaper type"},
    ("ris", "interpol2023interpol"): {
        "itemType": "Zotero's RIS translator imports GEN, RIS's type for a document, as a journal article (RIS.js "
        "importTypeMap); the page's unAPI record is therefore the biblatex one (refkb.headmeta.unapi)",
        "publisher": "a journal article has no publisher",
    },
    ("bibtex.bib", "interpol2023interpol"): {
        "publisher": "classic BibTeX's @misc has no publisher: the organisation is written in howpublished, which "
        "Zotero's BibTeX translator keeps in Extra ('Published: INTERPOL')",
    },
    ("bib", "ctdc2023data"): {
        "itemType": "Zotero's BibTeX translator knows no @dataset (it skips the entry): the .bib writes @misc with "
        "entrysubtype = {dataset}, which Zotero imports as a document",
        "repository": "a document has no repository; the organisation arrives as its publisher",
        "versionNumber": "Zotero's BibTeX translator reads no version",
    },
    ("bibtex.bib", "ctdc2023data"): {
        "itemType": _CLASSIC_TYPE,
        "repository": _CLASSIC_TYPE,
        "versionNumber": "classic BibTeX has no version field",
    },
}


def _same(value: str) -> str:
    """A value as compared: markup dropped (Zotero keeps CSL-JSON's <span class="nocase"> as its rich-text markup),
    ISBN hyphens, dashes and apostrophes in one form (Zotero normalises ISBNs on some paths only)."""
    value = re.sub(r"<[^>]+>", "", value).replace("–", "-").replace("’", "'")
    return value.replace("-", "") if re.fullmatch(r"[\d-]{10,17}X?", value) else value


# Entries Zotero's reader skips whole. None: the biblatex file writes a @dataset as @misc (refkb.exports.AS_MISC).
LOST_WHOLE: dict[tuple[str, str], str] = {}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _post(url: str, body: str) -> list[dict[str, Any]]:
    req = urllib.request.Request(url, data=body.encode("utf-8"), headers={"Content-Type": "text/plain"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        data = json.loads(resp.read().decode("utf-8"))
    return data if isinstance(data, list) else [data]


@pytest.fixture(scope="session")
def zotero(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Zotero's translation-server from a copy of the tarball, on 127.0.0.1."""
    if not (shutil.which("node") and shutil.which("npm")) or not TARBALL.is_file():
        if CI:
            pytest.fail("node/npm or the translation-server tarball is missing under CI")
        pytest.skip("node/npm or ../shared/tools/zotero-translation-server is missing (not under CI)")
    root = tmp_path_factory.mktemp("zotero")
    with tarfile.open(TARBALL) as tar:
        tar.extractall(root, filter="data")
    src = root / "translation-server-src"
    subprocess.run(
        ["npm", "ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund"],
        cwd=src,
        check=True,
        capture_output=True,
        timeout=300,
    )
    port = _free_port()
    env = {**os.environ, "NODE_CONFIG": json.dumps({"port": port, "host": "127.0.0.1"}), "DEBUG_LEVEL": "0"}
    env.pop("NODE_ENV", None)
    proc = subprocess.Popen(
        ["node", "src/server.js"], cwd=src, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(base + "/", timeout=2)
            except urllib.error.HTTPError:
                break  # 404: up
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("the translation-server did not start in 60 s")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The test library built as a site and served on 127.0.0.1."""
    root = tmp_path_factory.mktemp("zsite")
    bib = (DATA / "zotero.bib").read_text(encoding="utf-8")
    write_project(root, bib, dict.fromkeys(WORKS, ANNOTATION))
    subprocess.run(
        [str(ROOT / ".venv" / "bin" / "mkdocs"), "build", "--strict"],
        cwd=root,
        check=True,
        capture_output=True,
        timeout=300,
    )
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root / "site"))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def _name(c: dict[str, str]) -> str:
    return c.get("name") or f"{c.get('firstName', '')} {c.get('lastName', '')}".strip()


def _keywords() -> dict[str, list[str]]:
    """Each work's keywords, read from the .bib by bibtexparser (not by refkb)."""
    import bibtexparser

    library = bibtexparser.parse_string((DATA / "zotero.bib").read_text(encoding="utf-8"))  # type: ignore[attr-defined]
    return {e.key: [k.strip() for k in e["keywords"].split(",")] for e in library.entries}


# key -> the note the entry holds (biblatex `note`), which Zotero keeps as a child note or in `extra`.
NOTES = {"gao2021sex": "Report to the Committee on the Judiciary"}
# Formats whose Zotero reader drops keywords or notes, with the reason.
NO_TAGS = {
    "json": "Zotero's CSL-JSON import (ZU.itemFromCSLJSON) ignores CSL `keyword`",
    "ris": "the RIS download has no KW lines: keywords are the knowledge base's topic codes (refkb.exports)",
    "web": "Embedded Metadata drops a page's keywords on purpose (finalDataCleanup: unless called from another "
    "translator, no automatic tags); a work with no URL is captured from its unAPI record, the RIS download",
}
NO_NOTES = {"web": "a page's citation_* tags have no note"}


def _notes(zotero: str, site: str, fmt: str, key: str) -> tuple[list[str], str]:
    if fmt == "web":
        return [], ""
    with urllib.request.urlopen(f"{site}/references/{key}/{key}.{fmt}", timeout=10) as resp:
        items = _post(zotero + "/import", resp.read().decode("utf-8"))
    main = [i for i in items if i.get("itemType") != "note"]
    return [str(i["note"]) for i in items if i.get("itemType") == "note"], str(main[0].get("extra", "")) if main else ""


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("key", list(WORKS))
def test_zotero_keeps_keywords_and_notes(zotero: str, site: str, key: str, fmt: str) -> None:
    if (fmt, key) in LOST_WHOLE:
        return
    item = _captured(zotero, site, fmt, key)
    if fmt not in NO_TAGS:
        assert sorted(t["tag"] for t in item.get("tags", [])) == sorted(_keywords()[key])
    if key in NOTES and fmt not in NO_NOTES:
        notes, extra = _notes(zotero, site, fmt, key)
        assert any(NOTES[key] in n for n in notes) or NOTES[key] in extra, (notes, extra)


def _captured(zotero: str, site: str, fmt: str, key: str) -> dict[str, Any]:
    if fmt == "web":
        items = _post(zotero + "/web", f"{site}/references/{key}/")
    else:
        with urllib.request.urlopen(f"{site}/references/{key}/{key}.{fmt}", timeout=10) as resp:
            items = _post(zotero + "/import", resp.read().decode("utf-8"))
    main = [i for i in items if i.get("itemType") != "note"]
    assert len(main) == 1, items
    return main[0]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("key", list(WORKS))
def test_zotero_keeps_every_field(zotero: str, site: str, key: str, fmt: str) -> None:
    if (fmt, key) in LOST_WHOLE:
        with pytest.raises(AssertionError, match=r"^\[\]"):
            _captured(zotero, site, fmt, key)
        return
    item = _captured(zotero, site, fmt, key)
    kind, title, creators, year, fields = WORKS[key]
    accepted = ACCEPTED.get((fmt, key), {})
    title_field = "nameOfAct" if kind == "statute" else "title"
    got: dict[str, object] = {
        "itemType": item.get("itemType"),
        "title": re.sub(r"<[^>]+>", "", str(item.get(title_field) or item.get("title") or "")),
        "creators": [_name(c) for c in item.get("creators", [])],
        "date": (re.findall(r"\d{4}", str(item.get("dateEnacted") or item.get("date") or "")) or [""])[0],
        # Zotero keeps CSL-JSON's <span class="nocase"> as its own rich-text markup in titles: compared as text.
        **{f: _same(str(item.get(f) or "")) for f in fields},
    }
    want: dict[str, object] = {
        "itemType": kind,
        "title": title,
        "creators": creators,
        "date": year,
        **{f: _same(v) for f, v in fields.items()},
    }
    lost = {f: (want[f], got[f]) for f in want if got[f] != want[f] and f not in accepted}
    assert not lost, f"{fmt} of {key}: {lost}"
    if fmt == "web":
        assert "abstractNote" not in item or "abstractNote" in fields, "abstract taken from the site description"


@pytest.mark.parametrize("key", NO_URL)
def test_zotero_stores_no_site_url_for_a_work_without_one(zotero: str, site: str, key: str) -> None:
    """A page whose work has no URL gives Zotero its unAPI record (refkb.headmeta.unapi_record), which the unAPI
    translator (priority 300) imports ahead of Embedded Metadata (320), whose addLowQualityMetadata would store the
    page's own address: the captured item holds no address of the site. libraryCatalog ('Library Catalog': where
    the item was captured) is the site's host name in both translators, and no URL."""
    with urllib.request.urlopen(f"{site}/references/{key}/", timeout=10) as resp:
        page = resp.read().decode("utf-8")
    assert f'<link rel="unapi-server" type="application/xml" title="unAPI" href="{key}.unapi.xml">' in page
    assert f'<abbr class="unapi-id" title="{key}" hidden></abbr>' in page
    item = _captured(zotero, site, "web", key)
    host = site.split("://", 1)[1]
    assert "url" not in item, item
    assert "accessDate" not in item, item
    assert not [f for f, v in item.items() if f != "libraryCatalog" and host in json.dumps(v)], item


def test_a_work_with_a_url_offers_no_unapi_record(zotero: str, site: str) -> None:
    """A work with a URL is captured by Embedded Metadata, with that URL (the page has no unAPI link)."""
    with urllib.request.urlopen(f"{site}/references/gao2021sex/", timeout=10) as resp:
        assert "unapi" not in resp.read().decode("utf-8")
    assert _captured(zotero, site, "web", "gao2021sex")["url"] == "https://www.gao.gov/products/gao-21-385"
