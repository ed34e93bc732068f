"""refkb.refs: works labelled as readers know them (a newspaper piece is not a journal article)."""

from __future__ import annotations

import pytest

from refkb import bibfile, refs


@pytest.mark.parametrize(
    ("fields", "kind", "label", "container"),
    [
        ("", "article", "Journal article", "Journal"),
        ("  entrysubtype = {newspaper},\n", "article-newspaper", "Newspaper article", "Newspaper"),
        ("  entrysubtype = {magazine},\n", "article-magazine", "Magazine article", "Magazine"),
    ],
)
def test_newspaper_and_magazine_pieces_are_labelled_as_such(fields: str, kind: str, label: str, container: str) -> None:
    head = "@article{k,\n  author = {A, B},\n  title = {T},\n  journaltitle = {The Post},\n"
    text = head + fields + "  date = {2020},\n}\n"
    entry = bibfile.parse_text(text, "t.bib").entries[0]
    assert refs.type_of(entry) == kind
    assert refs.type_label(entry) == label
    assert refs.CONTAINER_LABELS[kind] == container


@pytest.mark.parametrize(
    ("key", "slug"),
    [
        ("polaris2018onramps", "polaris2018onramps"),
        ("AntoEtal24", "antoetal24"),
        ("smith:2020", "smith-2020"),
    ],
)
def test_a_works_address_is_named_by_its_slug(key: str, slug: str) -> None:
    entry = bibfile.parse_text(f"@misc{{{key},\n  title = {{T}},\n}}\n", "t.bib").entries[0]
    ref = refs.Ref(entry, {"id": key, "type": "document"}, {})
    assert (ref.key, ref.slug, ref.url) == (key, slug, f"references/{slug}/")


def _kind(key: str, kind: str) -> refs.Ref:
    line = f"  sourcekind = {{ {kind} }},\n" if kind else ""
    entry = bibfile.parse_text(f"@misc{{{key},\n  title = {{T}},\n{line}}}\n", "t.bib").entries[0]
    return refs.Ref(entry, {"id": key, "type": "document"}, {})


@pytest.mark.parametrize(
    ("kinds", "order", "expected"),
    [
        (["academic", "ngo", "ngo", ""], refs.KIND_ORDER, ["ngo", "academic"]),  # the order's, each once
        (["academic", "ngo"], ("academic", "law"), ["academic"]),  # a kind outside the order is left out
        ([], refs.KIND_ORDER, []),
    ],
)
def test_kinds_present(kinds: list[str], order: tuple[str, ...], expected: list[str]) -> None:
    works = [_kind(f"k{i}", k) for i, k in enumerate(kinds)]
    assert refs.kinds_present(works, order) == expected
