"""refkb.kbcite: a page of the knowledge base cited as a work — its author (the knowledge base, never the engine),
its citation in the four styles with the retrieval date where the style wants one, its BibTeX and RIS (clean keys,
no host name, an organisation's name whole), and the cite block's copy buttons that put in the reader's date.

Oracle for the four styles: the texts below, checked by hand against APA 7 (9.8 group author = site name: the
site's name is left out; 9.16 "Retrieved Month D, YYYY, from URL"), MLA 9 (5.6: an organisation that is also the
website is not named as author), Chicago author-date (author, then the website's name) and Cite Them Right
("Available at: URL (Accessed: D Month YYYY)")."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import rispy

from conftest import ROOT
from refkb import exports, kbcite, reader, styles

D = dt.date
KB = "Social Media and Human Trafficking: A Research Knowledge Base"
SITE = "Social Media and Human Trafficking — a research knowledge base"
META = reader.KbMeta(KB, "0.2.0", D(2026, 12, 1), (KB,))
PAGE = "topics/recruitment-grooming/"
URL = "https://kb.example.org/topics/recruitment-grooming/"
UPDATED = D(2026, 3, 4)

APA = (
    f"{KB}. (2026, March 4). <i>Recruitment and grooming</i>. Retrieved March 4, 2026, from {URL}",
    "Retrieved March 4, 2026",
)
MLA = (
    "“Recruitment and Grooming.” <i>Social Media and Human Trafficking — a Research Knowledge Base</i>, "
    f"Version 0.2.0, 4 Mar. 2026, {URL}.",
    "",
)
CHICAGO = (
    f"{KB}. 2026. “Recruitment and Grooming.” Version 0.2.0. Social Media and Human Trafficking — a Research "
    f"Knowledge Base, March 4. {URL}.",
    "",
)
HARVARD = (
    f"{KB} (2026) <i>Recruitment and grooming</i>. Available at: {URL} (Accessed: 4 March 2026).",
    "(Accessed: 4 March 2026",
)
BIBTEX = f"""@online{{smhtrkb2026topics-recruitment-grooming,
  author = {{{{{KB}}}}},
  title = {{{{Recruitment and grooming}}}},
  organization = {{{SITE}}},
  date = {{2026-03-04}},
  urldate = {{2026-03-04}},
  version = {{0.2.0}},
  url = {{{URL}}},
}}"""
RIS = f"""TY  - ELEC
ID  - smhtrkb2026topics-recruitment-grooming
AU  - {KB}
TI  - Recruitment and grooming
T2  - {SITE}
PY  - 2026
DA  - 2026/03/04
Y2  - 2026-03-04
ET  - 0.2.0
UR  - {URL}
ER  - {""}
"""


@pytest.fixture(scope="module")
def citer() -> reader.PageCiter:
    return reader.PageCiter(None)


def _page() -> dict[str, object]:
    return kbcite.page_item(META, SITE, "Recruitment and grooming", PAGE, "https://kb.example.org/", UPDATED)


@pytest.mark.parametrize(
    ("style_id", "expected"),
    [("apa", APA), ("mla", MLA), ("chicago", CHICAGO), ("harvard", HARVARD)],
)
def test_one_page_in_the_four_styles(citer: reader.PageCiter, style_id: str, expected: tuple[str, str]) -> None:
    text, accessed = expected
    html = kbcite.formatted(citer, _page())[style_id]
    assert html.replace(kbcite.URL_PLACEHOLDER, URL) == text
    block = str(kbcite.cite_block(_page(), kbcite.formatted(citer, _page()), "p", UPDATED, "0.2.0"))
    marked = re.search(rf'id="p-cite-{style_id}" data-style="{style_id}"( data-accessed="([^"]*)")?', block)
    assert marked is not None
    assert (marked.group(2) or "") == accessed  # the date the copy button replaces with the reader's


@pytest.mark.parametrize(
    ("record", "expected"),
    [(kbcite.page_bibtex, BIBTEX), (kbcite.page_ris, RIS)],
)
def test_one_page_as_bibtex_and_ris(record: object, expected: str) -> None:
    assert callable(record)
    assert record(_page()) == expected


def _kb() -> dict[str, object]:
    return kbcite.kb_item(META, SITE, "https://kb.example.org/", UPDATED)


def _two_lines() -> dict[str, object]:
    meta = reader.KbMeta("K", "", D(2026, 1, 1), ("Doe,  Jane",))
    return kbcite.page_item(meta, "S", "x\n  y", "x/", "", UPDATED)


PAGE_RECORD = {
    "type_of_reference": "ELEC",
    "id": "smhtrkb2026topics-recruitment-grooming",
    "authors": [KB],
    "title": "Recruitment and grooming",
    "secondary_title": SITE,
    "year": "2026",
    "date": "2026/03/04",
    "access_date": "2026-03-04",
    "edition": "0.2.0",
    "urls": [URL],
}
KB_RECORD = {
    "type_of_reference": "DATA",
    "id": "smhtrkb2026",
    "authors": [KB],
    "title": KB,
    "year": "2026",
    "date": "2026/03/04",
    "access_date": "2026-03-04",
    "edition": "0.2.0",
    "urls": ["https://kb.example.org/"],
}
TWO_LINES_RECORD = {
    "type_of_reference": "ELEC",
    "id": "dj2026x",
    "authors": ["Doe, Jane"],
    "title": "x y",
    "secondary_title": "S",
    "year": "2026",
    "date": "2026/03/04",
    "access_date": "2026-03-04",
    "urls": ["/x/"],
}


@pytest.mark.parametrize(
    ("make", "expected", "as_downloaded"),
    [
        (_page, PAGE_RECORD, True),
        (_kb, KB_RECORD, True),
        (_two_lines, TWO_LINES_RECORD, False),  # whitespace runs made one space before the writer sees them
    ],
)
def test_page_ris_round_trips_through_rispy(make: object, expected: dict[str, object], as_downloaded: bool) -> None:
    """The cite block's RIS is the downloads' RIS (refkb.exports): rispy reads back every value, one record."""
    assert callable(make)
    item = make()
    text = kbcite.page_ris(item)
    assert rispy.loads(text, mapping=exports.RIS_MAPPING) == [expected]
    assert (text == exports.ris([item])) is as_downloaded


@pytest.mark.parametrize(
    ("css", "accessed", "form"),
    [("bibtex", "urldate = {2026-03-04", "iso"), ("ris", "Y2  - 2026-03-04", "iso")],
)
def test_records_carry_the_access_date_the_copy_button_replaces(
    citer: reader.PageCiter, css: str, accessed: str, form: str
) -> None:
    block = str(kbcite.cite_block(_page(), kbcite.formatted(citer, _page()), "p", UPDATED, "0.2.0"))
    assert f'<code id="p-cite-{css}" data-accessed="{accessed}"' in block
    assert f'data-accessed-form="{form}"' in block
    assert f'data-refkb-copy="#p-cite-{css}"' in block
    assert "data-clipboard-target" not in block  # refkb.js copies (with the reader's date), not Material's copy


def test_the_whole_knowledge_base(citer: reader.PageCiter) -> None:
    item = kbcite.kb_item(META, SITE, "https://kb.example.org/", UPDATED)
    assert item["id"] == "smhtrkb2026"
    assert item["URL"] == "https://kb.example.org/"
    assert kbcite.page_bibtex(item).startswith("@dataset{smhtrkb2026,\n")
    assert kbcite.page_ris(item).startswith(f"TY  - DATA\nID  - smhtrkb2026\nAU  - {KB}\nTI  - {KB}\nPY  - 2026\n")
    apa = kbcite.formatted(citer, item)["apa"].replace(kbcite.URL_PLACEHOLDER, "https://kb.example.org/")
    assert apa == (
        f"{KB}. (2026). <i>{KB}</i> (Version 0.2.0) [Data set]. Retrieved March 4, 2026, from https://kb.example.org/"
    )


@pytest.mark.parametrize(
    ("meta", "site", "expected"),
    [
        (META, SITE, (KB,)),
        (reader.KbMeta(KB, "", D(1970, 1, 1), ("Jane Doe", "Ann Roe")), SITE, ("Jane Doe", "Ann Roe")),
        (reader.KbMeta(KB, "", D(1970, 1, 1), ()), SITE, (KB,)),  # no authors in CITATION.cff: its title
        (reader.KbMeta("", "", D(1970, 1, 1), ()), SITE, (SITE,)),  # no CITATION.cff: the site's name
        (reader.KbMeta("", "", D(1970, 1, 1), ()), "", ()),
    ],
)
def test_authors(meta: reader.KbMeta, site: str, expected: tuple[str, ...]) -> None:
    assert kbcite.authors(meta, site) == expected


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        (KB, "smhtrkb"),
        ("The Data Lab", "dl"),
        ("Économie des plateformes", "edp"),  # folded as the key convention folds (English stop words)
        ("", "kb"),
    ],
)
def test_project_slug(name: str, slug: str) -> None:
    assert kbcite.project_slug(name) == slug


@pytest.mark.parametrize(
    ("path", "slug"),
    [("topics/recruitment-grooming/", "topics-recruitment-grooming"), ("", "home"), ("méthode/", "methode")],
)
def test_page_slug(path: str, slug: str) -> None:
    assert kbcite.page_slug(path) == slug


@pytest.mark.parametrize(
    ("site_url", "key", "url"),
    [
        ("https://kb.example.org/", "smhtrkb2026topics-recruitment-grooming", URL),
        ("", "smhtrkb2026topics-recruitment-grooming", "/topics/recruitment-grooming/"),  # the same key anywhere
    ],
)
def test_the_key_holds_no_host_name(site_url: str, key: str, url: str) -> None:
    item = kbcite.page_item(META, SITE, "Recruitment and grooming", PAGE, site_url, UPDATED)
    assert item["id"] == key
    assert item["URL"] == url


@pytest.mark.parametrize(
    ("authors", "dropped"),
    [
        ((KB,), {"apa": "container-title", "mla": "author", "chicago": "", "harvard": "container-title"}),
        (("Jane Doe",), {"apa": "", "mla": "", "chicago": "", "harvard": ""}),  # people: nothing left out
    ],
)
def test_the_sites_name_is_said_once(authors: tuple[str, ...], dropped: dict[str, str]) -> None:
    meta = reader.KbMeta(KB, "0.2.0", D(2026, 1, 1), authors)
    item = kbcite.page_item(meta, SITE, "T", PAGE, "", UPDATED)
    styled = kbcite.for_engine(item)
    assert set(styled) == set(styles.ORDER)
    for style_id, var in dropped.items():
        kept = {"author", "container-title"} - {var}
        assert kept <= set(styled[style_id]), style_id
        assert var == "" or var not in styled[style_id], style_id
        assert styled[style_id]["URL"] == kbcite.URL_PLACEHOLDER


def test_the_engine_id_changes_with_the_content() -> None:
    """citeproc-js keeps an item by its id: a page whose title changed (mkdocs serve) gets a new one."""
    one = kbcite.for_engine(kbcite.page_item(META, SITE, "One", PAGE, "", UPDATED))
    two = kbcite.for_engine(kbcite.page_item(META, SITE, "Two", PAGE, "", UPDATED))
    assert one["apa"]["id"] != two["apa"]["id"]
    assert one["apa"]["id"].startswith("smhtrkb2026topics-recruitment-grooming-")


def test_page_bibtex_escapes_tex() -> None:
    meta = reader.KbMeta("KB", "1.2.3", D(2026, 1, 1), ("Contributors & friends",))
    item = kbcite.page_item(
        meta, "Site_name 100%", "Costs & $ {braces}", "topics/x/", "https://example.org/", D(2026, 2, 3)
    )
    text = kbcite.page_bibtex(item)
    assert r"author = {{Contributors \& friends}}" in text
    assert r"title = {{Costs \& \$ \{braces\}}}" in text
    assert r"organization = {Site\_name 100\%}" in text
    assert "date = {2026-02-03}" in text
    assert "version = {1.2.3}" in text
    assert text.startswith("@online{cf2026topics-x,")


@pytest.mark.parametrize("line", ["AU  - A, B.", "TI  - x\ny"])
def test_ris_values_stay_on_their_line(line: str) -> None:
    tag, value = line.split("  - ", 1)
    item = kbcite.page_item(reader.KbMeta("K", "", D(2026, 1, 1), (value,)), "S", value, "x/", "", UPDATED)
    ris = kbcite.page_ris(item)
    assert all(re.fullmatch(r"[A-Z][A-Z0-9]  - .*", row) for row in ris.splitlines()), ris
    assert f"{tag}  - {' '.join(value.split())}\n" in ris


def test_the_knowledge_bases_own_authors_are_not_the_engine() -> None:
    meta = reader.kb_meta(ROOT)
    assert meta.authors
    assert all("refkb" not in a.lower() for a in meta.authors)
    item = kbcite.page_item(meta, SITE, "T", PAGE, "", UPDATED)
    assert "refkb" not in item["id"]
    assert not re.search(r"^AU  - .*,$", kbcite.page_ris(item), re.M)  # an organisation's name, no trailing comma
