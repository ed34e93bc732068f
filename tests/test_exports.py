"""Downloads parse back with independent readers to the same records."""

from __future__ import annotations

import json

import bibtexparser
import jsonschema
import pytest
import rispy

from conftest import DATA, ROOT
from refkb import bibfile, csl, exports

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
    assert json.loads(exports.csl_json(ITEMS)) == [csl.public(i) for i in ITEMS]


@pytest.mark.parametrize("item", ITEMS, ids=[i["id"] for i in ITEMS])
def test_ris_parses_back_to_the_same_record(item: csl.CslItem) -> None:
    (record,) = rispy.loads(exports.ris([item]))
    public = csl.public(item)
    assert record["id"] == item["id"]
    assert record["title"] == public["title"]
    assert record["type_of_reference"] == exports.RIS_TYPES.get(item["type"], "GEN")
    expected = [
        n.get("literal") or ", ".join(x for x in (f"{n.get('non-dropping-particle', '')} {n['family']}".strip(),
                                                  n.get("given", "")) if x)
        for n in public.get("author", [])
    ]  # fmt: skip
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
        for e in BIB.entries
    ]
    library = bibtexparser.parse_string(text)  # type: ignore[attr-defined]
    assert len(library.entries) == len(BIB.entries)
    assert not library.failed_blocks


def test_exports_hold_no_private_use_characters() -> None:
    for text in (exports.csl_json(ITEMS), exports.ris(ITEMS)):
        assert not any("\ue000" <= ch <= "\uf8ff" for ch in text)
