"""refkb.headmeta: the meta tags that give Zotero a work's type (tests/test_zotero.py checks them against Zotero's
own translators)."""

from __future__ import annotations

import pytest

from refkb import bibfile, csl, headmeta, refs


def tags_of(text: str) -> str:
    entry = bibfile.parse_text(text, "t.bib").entries[0]
    return str(headmeta.head_meta(refs.Ref(entry, csl.item(entry), {}), "Site"))


@pytest.mark.parametrize(
    ("text", "present", "absent"),
    [
        (
            "@article{k, author = {Tong, A}, title = {T}, journaltitle = {J}, date = {2017-05}, pages = {3--9}}",
            ['name="citation_journal_title" content="J"', 'content="2017/05"', 'name="citation_lastpage" content="9"'],
            ["z.itemType"],
        ),
        (
            "@report{k, author = {{UNODC}}, title = {T}, date = {2020}}",
            ['name="citation_author" content="UNODC,"', 'name="citation_technical_report_institution" content="UNODC"'],
            ["z.itemType"],
        ),
        (
            "@online{k, title = {T}, url = {https://example.org/x}, urldate = {2026-01-02}}",
            ['name="z.itemType" content="webpage"', 'name="citation_public_url" content="https://example.org/x"'],
            ["citation_journal_title"],
        ),
        (
            "@article{k, title = {T}, journaltitle = {The Post}, entrysubtype = {newspaper}}",
            ['name="z.itemType" content="newspaperArticle"', 'name="prism.publicationName" content="The Post"'],
            ["citation_journal_title"],
        ),
        (
            "@inproceedings{k, title = {T}, booktitle = {Proc.}, eventtitle = {Conf}, location = {Oslo}}",
            [
                'name="citation_inbook_title" content="Proc."',
                'name="citation_conference_title" content="Conf"',
                'name="z.place" content="Oslo"',
            ],
            ["z.itemType"],
        ),
    ],
)
def test_tags_by_type(text: str, present: list[str], absent: list[str]) -> None:
    html = tags_of(text)
    for tag in present:
        assert tag in html
    for tag in absent:
        assert tag not in html
