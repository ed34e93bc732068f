"""Canonical links and the title convention: the host list (hosts.py) and the checks that use it, as tables."""

from __future__ import annotations

import datetime as dt

import pytest

from refkb import bibfile, hosts
from refkb.checks import suite
from refkb.checks.settings import Settings

SETTINGS = Settings(dt.date(2026, 12, 1), sentence_case_titles=True)


def _bib(fields: str, title: str = "A study of {Facebook} groups") -> str:
    head = f"@report{{smith2020study,\n  author = {{Smith, Jo}},\n  title = {{{title}}},\n"
    return head + f"  institution = {{{{X}}}},\n  date = {{2020}},\n{fields}}}\n"


CASES: list[tuple[str, str, int, int]] = [
    ("mirror-url", _bib("  url = {https://www.scribd.com/document/1/x},\n"), 6, 9),
    ("mirror-url", _bib("  url = {https://docslib.org/doc/1/x},\n"), 6, 9),
    ("mirror-url", _bib("  url = {https://www-dev.isi.edu/results/1},\n"), 6, 9),
    ("mirror-url", _bib("  url = {https://ezproxy.lib.example.edu/login?url=https://x.org},\n"), 6, 9),
    ("piracy-host", _bib("  url = {https://sci-hub.se/10.1/x},\n"), 6, 9),
    ("piracy-host", _bib("  archiveurl = {https://libgen.rs/book/1},\n"), 6, 16),
    ("title-case", _bib("", "Online and Technology-Facilitated Trafficking"), 3, 11),
    ("title-case", _bib("", "Recruitment on Facebook"), 3, 11),
    ("title-case", _bib("", "The trafficking--Technology nexus"), 3, 11),
]
LINK_TITLE_CODES = {"mirror-url", "piracy-host", "title-case"}


@pytest.mark.parametrize(("code", "text", "line", "col"), CASES)
def test_each_case_is_reported_at_its_field(code: str, text: str, line: int, col: int) -> None:
    found = [i for i in suite.validate_bib(bibfile.parse_text(text, "t.bib"), SETTINGS) if i.code == code]
    assert [(i.line, i.col) for i in found] == [(line, col)], found


@pytest.mark.parametrize(
    "title",
    [
        "Erased: The impact of {FOSTA-SESTA} on {Backpage}",
        "Why? Because {Instagram} said so",
        "The {United Nations}—A history",
        "2024 trafficking in persons report",
        "Backpage and {Bitcoin}: Uncovering traffickers",
        "A “Quoted” phrase",
    ],
)
def test_sentence_case_titles_pass(title: str) -> None:
    issues = suite.validate_bib(bibfile.parse_text(_bib("", title), "t.bib"), SETTINGS)
    assert not [i for i in issues if i.code == "title-case"]


def test_title_check_is_off_unless_the_project_asks_for_it() -> None:
    issues = suite.validate_bib(
        bibfile.parse_text(_bib("", "Title Case Title"), "t.bib"), Settings(dt.date(2026, 12, 1))
    )
    assert not [i for i in issues if i.code == "title-case"]


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://scribd.com/x", "mirror"),
        ("https://ja.scribd.com/x", "mirror"),
        ("https://sci-hub.ru/x", "piracy"),
        ("https://z-library.se/x", "piracy"),
        ("https://www.unodc.org/x", None),
        ("https://doi.org/10.1/x", None),
        ("https://example.org/scribd.com", None),
        ("not a url", None),
    ],
)
def test_host_classification(url: str, kind: str | None) -> None:
    found = hosts.classify(url)
    assert (found.kind if found else None) == kind


def test_every_host_has_a_reason_and_a_known_kind() -> None:
    assert all(h.reason and h.kind in ("mirror", "low-trust", "piracy") for h in hosts.HOSTS)
    assert len({h.name for h in hosts.HOSTS}) == len(hosts.HOSTS)


def test_the_knowledge_base_links_no_mirror_or_piracy_host() -> None:
    from conftest import ROOT

    bib = bibfile.read(ROOT / "references.bib")
    assert [(e.key, e.value("url")) for e in bib.entries if hosts.classify(e.value("url"))] == []
    for note in (ROOT / "docs" / "references").glob("*.md"):
        for line in note.read_text(encoding="utf-8").splitlines():
            found = hosts.classify(line.strip(" -"))
            assert found is None or found.kind != "piracy", (note.name, line)
