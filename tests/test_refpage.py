"""refkb.refpage: a reference page's downloads are named by the work's slug, and its details by the work's type."""

from __future__ import annotations

import pytest

from refkb import bibfile, csl, refpage, refs


def ref_of(text: str) -> refs.Ref:
    entry = bibfile.parse_text(text, "t.bib").entries[0]
    return refs.Ref(entry, csl.item(entry), {})


@pytest.mark.parametrize(
    ("key", "files"),
    [
        ("tong2017combating", ["tong2017combating.bib", "tong2017combating.bibtex.bib", "tong2017combating.ris"]),
        ("AntoEtal24", ["antoetal24.bib", "antoetal24.bibtex.bib", "antoetal24.ris", "antoetal24.json"]),
        ("smith:2020", ["smith-2020.bib", "smith-2020.ris", "smith-2020.json"]),
    ],
)
def test_downloads_are_named_by_the_slug(key: str, files: list[str]) -> None:
    html = refpage.downloads(ref_of(f"@misc{{{key},\n  title = {{T}},\n}}\n"))
    for name in files:
        assert f'href="{name}" download' in html


@pytest.mark.parametrize(
    ("fields", "shown"),
    [
        (
            "journaltitle = {J. Stud.}, volume = {3}, number = {2}, pages = {1--9}",
            "<dt>Journal</dt><dd>J. Stud., vol. 3, no. 2, pp. 1–9</dd>",
        ),
        ("journaltitle = {The Post}, entrysubtype = {newspaper}", "<dt>Newspaper</dt><dd>The Post</dd>"),
        ("doi = {10.1000/xyz}", '<a href="https://doi.org/10.1000/xyz" class="refkb-link"'),
        ("sourcekind = {ngo}", "<dt>Kind of source</dt><dd>Non-governmental organisation</dd>"),
    ],
)
def test_reference_header_shows_the_details(fields: str, shown: str) -> None:
    html = refpage.reference_header(ref_of(f"@article{{k, title = {{T}}, {fields}}}"), {}, "references/k/")
    assert shown in html


@pytest.mark.parametrize(
    ("style", "text"),
    [
        ("apa", "Retrieved November 29, 2026"),
        ("mla", "Accessed 29 Nov. 2026"),
        ("chicago", "Accessed November 29, 2026"),
        ("harvard", "(Accessed: 29 November 2026"),
        ("ieee", ""),
    ],
)
def test_access_date_as_each_style_prints_it(style: str, text: str) -> None:
    item: csl.CslItem = {"accessed": {"date-parts": [[2026, 11, 29]]}}
    assert refpage.access_date_text(style, item) == text
