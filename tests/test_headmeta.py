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


@pytest.mark.parametrize(
    ("text", "record"),
    [
        # a work with no URL: its RIS, which Zotero's RIS import reads as the type the page declares
        ("@report{k, author = {{Europol}}, title = {T}, institution = {Europol}, date = {2016}}", ("ris", "ris")),
        ("@article{k, title = {T}, journaltitle = {The Post}, entrysubtype = {newspaper}}", ("ris", "ris")),
        # a document: RIS's GEN is read as a journal article, biblatex's @misc as a document
        ("@misc{k, author = {{INTERPOL}}, title = {T}, date = {2023}}", ("bib", "bibtex")),
        # neither reads a pamphlet as a document (RIS PAMP: manuscript; BibTeX @booklet: book): no record
        ("@booklet{k, title = {T}, date = {2023}}", None),
        # a work with a URL: Embedded Metadata stores that URL, no record
        ("@report{k, title = {T}, url = {https://example.org/r}}", None),
        ("@article{k, title = {T}, eprint = {1805.10617}, eprinttype = {arxiv}}", None),  # arxiv.org/abs link
        ("@report{k, title = {A ]]> B}}", None),  # would end the record's CDATA section
    ],
)
def test_unapi_record_only_for_a_work_without_url(text: str, record: tuple[str, str] | None) -> None:
    entry = bibfile.parse_text(text, "t.bib").entries[0]
    item = csl.item(entry)
    got = headmeta.unapi(item, entry)
    assert (got.download, got.format) == record if got else record is None
    ref = refs.Ref(entry, item, {})
    link = '<link rel="unapi-server" type="application/xml" title="unAPI" href="k.unapi.xml">'
    assert (link in str(headmeta.head_meta(ref, "Site"))) is (record is not None)
    assert (str(headmeta.unapi_id(ref)) == '<abbr class="unapi-id" title="k" hidden></abbr>') is (record is not None)


def test_unapi_record_is_the_format_list_and_the_record() -> None:
    """One file answers both of unAPI.js's requests: XML whose document element holds one <format>, and the record
    whole inside CDATA (the RIS and BibTeX readers skip the lines around it)."""
    from xml.etree import ElementTree

    ris = "TY  - RPRT\nTI  - A & <b> report\nER  - \n"
    text = headmeta.unapi_record(headmeta.Unapi("ris", "ris"), ris)
    root = ElementTree.fromstring(text)
    assert [f.get("name") for f in root.iter("format")] == ["ris"]
    assert "".join(root.itertext()) == "\n" + ris


def test_a_cdata_end_in_the_record_stays_text() -> None:
    """A title holding "]]>" (an untrusted .bib) cannot end the CDATA section and put markup into an XML document
    served from the site: the document still has one element, and its text is the record as written."""
    from xml.etree import ElementTree

    ris = 'TY  - RPRT\nTI  - x]]><script xmlns="http://www.w3.org/1999/xhtml">alert(1)</script>\nER  - \n'
    root = ElementTree.fromstring(headmeta.unapi_record(headmeta.Unapi("ris", "ris"), ris))
    assert [e.tag for e in root.iter()] == ["formats", "format"]
    assert "".join(root.itertext()) == "\n" + ris
