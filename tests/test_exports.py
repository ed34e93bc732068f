"""Downloads parse back with independent readers to the same records."""

from __future__ import annotations

import json
import re

import bibtexparser
import jsonschema
import pytest
import rispy

from conftest import DATA, ROOT
from refkb import bibfile, csl, exports
from refkb.model import BibFile, Entry

BIB = bibfile.read(ROOT / "references.bib")
SAMPLE = bibfile.read(DATA / "styles.bib")
ENTRIES = [*BIB.entries, *SAMPLE.entries]
ITEMS = [csl.item(e) for e in ENTRIES]
SCHEMA = json.loads((DATA / "csl-data.schema.json").read_text(encoding="utf-8"))


def test_csl_json_is_valid_against_the_csl_schema() -> None:
    data = json.loads(exports.csl_json(ITEMS))
    jsonschema.validate(data, SCHEMA)
    assert [d["id"] for d in data] == [e.key for e in ENTRIES]


def test_csl_json_round_trips() -> None:
    assert json.loads(exports.csl_json(ITEMS)) == [exports.csl_export(i) for i in ITEMS]


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    return []


def test_csl_json_is_plain_text_with_citation_keys() -> None:
    """No markup in any value (brace protection was once written as `<span class="nocase">`), and each item's key as
    CSL 1.0.2's `citation-key`."""
    data = json.loads(exports.csl_json(ITEMS))
    assert [d["citation-key"] for d in data] == [e.key for e in ENTRIES]
    marked = [(d["id"], s) for d in data for s in _strings(d) if re.search(r"</?[a-z]+[ >]", s)]
    assert not marked
    assert any("{" in f.value for e in ENTRIES for f in e.fields if f.name == "title"), "no protected title tested"


def test_ris_has_no_numbering_keywords_or_trailing_comma() -> None:
    text = exports.ris(ITEMS)
    assert text.startswith("TY  - ")
    assert not re.search(r"^\d+\.$", text, re.MULTILINE)
    assert "\nKW  - " not in text
    assert not re.search(r"^A[U1-4]  - .*,$", text, re.MULTILINE)


@pytest.mark.parametrize("item", ITEMS, ids=[i["id"] for i in ITEMS])
def test_ris_parses_back_to_the_same_record(item: csl.CslItem) -> None:
    (record,) = rispy.loads(exports.ris([item]), mapping=exports.RIS_MAPPING)
    public = csl.public(item)
    assert record["id"] == item["id"]
    assert record["title"] == public["title"]
    assert record["type_of_reference"] == exports.RIS_TYPES.get(item["type"], "GEN")
    expected = [
        # An organisation as written: no comma, so Zotero keeps it one name.
        n["literal"]
        if "literal" in n
        else ", ".join(
            x for x in (f"{n.get('non-dropping-particle', '')} {n['family']}".strip(), n.get("given", "")) if x
        )
        for n in public.get("author", [])
    ]
    assert record.get("authors", []) == expected
    if "DOI" in item:
        assert record["doi"] == item["DOI"]
    if "URL" in item:
        assert record["urls"] == [item["URL"]]
    if "issued" in item:
        assert record["year"] == str(item["issued"]["date-parts"][0][0])
    assert exports.ris_record(public) == {k: v for k, v in record.items() if k != "id"} | {"id": item["id"]}


def test_bibtex_export_is_canonical_and_reads_back() -> None:
    text = exports.bibtex(list(BIB.entries))
    again = bibfile.parse_text(text, "x.bib")
    assert not again.issues
    assert [(e.key, [(f.name, f.value) for f in e.fields]) for e in again.entries] == [
        (e.key, sorted(((f.name, f.value) for f in e.fields), key=lambda nv: bibfile.field_order(nv[0])))
        if e.type not in exports.AS_MISC
        else (e.key, sorted([*((f.name, f.value) for f in e.fields), ("entrysubtype", e.type)], key=_order))
        for e in BIB.entries
    ]
    assert [e.type for e in again.entries] == ["misc" if e.type in exports.AS_MISC else e.type for e in BIB.entries]
    assert any(e.type in exports.AS_MISC for e in BIB.entries), "no @dataset tested"
    library = bibtexparser.parse_string(text)  # type: ignore[attr-defined]
    assert len(library.entries) == len(BIB.entries)
    assert not library.failed_blocks


def _order(name_value: tuple[str, str]) -> tuple[int, int, str]:
    return bibfile.field_order(name_value[0])


def test_exports_hold_no_private_use_characters() -> None:
    for text in (exports.csl_json(ITEMS), exports.ris(ITEMS)):
        assert not any("\ue000" <= ch <= "\uf8ff" for ch in text)


# Entries pybtex's `plain` style refuses, with the reason. BibTeX's own plain.bst formats them with a warning.
PYBTEX_REFUSED = {
    "washingtonpost2021instagram": "pybtex's plain requires an author for @article (plain.bst only warns)",
}


@pytest.mark.parametrize("bib", [BIB, SAMPLE], ids=["references.bib", "styles.bib"])
def test_classic_bibtex_is_formatted_by_pybtex(bib: BibFile) -> None:
    """The classic file, read by pybtex (an independent BibTeX implementation) and formatted with its `plain`."""
    from pybtex.backends.plaintext import Backend
    from pybtex.database import parse_string
    from pybtex.style.formatting.plain import Style

    text = exports.bibtex_classic(bib.entries)
    db = parse_string(text, "bibtex")
    assert list(db.entries) == [e.key for e in bib.entries]
    refused = {}
    for key, entry in db.entries.items():
        try:
            Style().format_entry(key, entry).text.render(Backend())
        except Exception as exc:  # any failure to format is recorded
            refused[key] = str(exc)
    assert set(refused) == set(PYBTEX_REFUSED) & set(db.entries), refused


BIBLATEX_ONLY = {
    "date",
    "journaltitle",
    "location",
    "urldate",
    "eid",
    "entrysubtype",
    "eventtitle",
    "venue",
    "eventdate",
    "subtitle",
    "maintitle",
    "pagetotal",
    "langid",
    "shortauthor",
    "sourcekind",
    "regions",
    "populations",
    "platforms",
    "forms",
    "design",
    "datasource",
}


@pytest.mark.parametrize("bib", [BIB, SAMPLE], ids=["references.bib", "styles.bib"])
def test_classic_bibtex_has_year_journal_and_no_biblatex_field(bib: BibFile) -> None:
    library = bibtexparser.parse_string(exports.bibtex_classic(bib.entries))  # type: ignore[attr-defined]
    assert not library.failed_blocks
    by_key = {e.key: e for e in library.entries}
    for entry in bib.entries:
        got = by_key[entry.key]
        names = {f.key for f in got.fields}
        assert not names & BIBLATEX_ONLY, (entry.key, names & BIBLATEX_ONLY)
        assert got.entry_type in exports.CLASSIC_TYPES.values() or got.entry_type == "misc"
        if csl.year_of(entry):
            assert got["year"] == csl.year_of(entry)
        if entry.type == "article":
            assert got["journal"]
        if entry.type == "report":
            assert got.entry_type == "techreport"
            assert got["institution"]
        if entry.type == "online" and csl.link_of(entry):
            assert got.entry_type == "misc"
            assert csl.link_of(entry) in got["howpublished"]


# biblatex field -> the CSL variables that can hold it (CSL 1.0.2); a field a style can print is never dropped.
CSL_HOLDS = {
    "author": ("author",),
    "editor": ("editor",),
    "translator": ("translator",),
    "title": ("title",),
    "journaltitle": ("container-title",),
    "booktitle": ("container-title",),
    "series": ("collection-title",),
    "publisher": ("publisher",),
    "institution": ("publisher", "authority"),  # a court decision's court is its authority
    "school": ("publisher",),
    "location": ("publisher-place",),
    "date": ("issued",),
    "urldate": ("accessed",),
    "volume": ("volume",),
    "number": ("number", "issue", "collection-number"),
    "pages": ("page",),
    "eid": ("number",),
    "doi": ("DOI",),
    "url": ("URL",),
    "isbn": ("ISBN",),
    "issn": ("ISSN",),
    "edition": ("edition",),
    "version": ("version",),
    "note": ("note",),
    "abstract": ("abstract",),
    "eventtitle": ("event-title",),
    "venue": ("event-place",),
    "eventdate": ("event-date",),
    "pagetotal": ("number-of-pages",),
    "langid": ("language",),
    "keywords": ("keyword",),
}


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.key for e in ENTRIES])
def test_csl_json_keeps_every_field_a_style_can_print(entry: Entry) -> None:
    (data,) = json.loads(exports.csl_json([csl.item(entry)]))
    for f in entry.fields:
        if f.name in CSL_HOLDS and f.value.strip():
            assert any(v in data for v in CSL_HOLDS[f.name]), (entry.key, f.name)


@pytest.mark.parametrize("count", [0, 1, 2, 129])
def test_a_library_file_joined_from_each_works_own_equals_the_whole_export(count: int) -> None:
    entries = ENTRIES[:count]
    items = [csl.item(e) for e in entries]
    cases = [
        (exports.joined_bibtex([exports.bibtex([e]) for e in entries]), exports.bibtex(entries)),
        (exports.joined_bibtex([exports.bibtex_classic([e]) for e in entries]), exports.bibtex_classic(entries)),
        (exports.joined_ris([exports.ris([it]) for it in items]), exports.ris(items)),
        (exports.joined_csl_json([exports.csl_json([it]) for it in items]), exports.csl_json(items)),
    ]
    for joined, whole in cases:
        assert joined == whole
