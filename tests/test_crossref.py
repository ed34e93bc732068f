"""refkb.crossref.to_fields on answers of unexpected shape: never an exception, never a brace that could close a
BibTeX value (a `page` of `1}, note = {injected` once became a field of its own)."""

from __future__ import annotations

from typing import Any

import pytest

from refkb import crossref

BASE: dict[str, Any] = {"type": "journal-article", "title": ["A title"], "DOI": "10.1/x"}


@pytest.mark.parametrize(
    ("change", "field", "expected"),
    [
        ({"author": "Smith"}, "author", None),  # text where a list belongs
        ({"author": [7, {"family": ["x"]}, {"family": "Roe", "given": 5}]}, "author", "Roe"),
        ({"title": "Plain text"}, "title", "Plain text"),
        ({"title": [None, 3]}, "title", None),
        ({"issued": {"date-parts": "2020"}}, "date", None),
        ({"issued": {"date-parts": [["2020", 1]]}}, "date", None),
        ({"issued": {"date-parts": [[2020, 13]]}}, "date", None),
        ({"issued": {"date-parts": [[2021, 3, 9]]}}, "date", "2021-03-09"),
        ({"page": "1}, note = {injected"}, "pages", None),
        ({"page": "12-19"}, "pages", "12--19"),
        ({"page": ["12"]}, "pages", None),
        ({"DOI": "10.1/x}, note = {y"}, "doi", None),
        ({"volume": {"a": 1}}, "volume", None),
        ({"volume": 12}, "volume", "12"),
        ({"ISSN": "1234-5678"}, "issn", "1234-5678"),
        ({"ISSN": ["12}34"]}, "issn", None),
        ({"type": ["x"]}, "title", "A title"),
    ],
)
def test_unexpected_shapes_are_left_out(change: dict[str, Any], field: str, expected: str | None) -> None:
    _, fields = crossref.to_fields({**BASE, **change})
    assert fields.get(field) == expected
    assert not any("}" in v.replace("{{", "").replace("}}", "") for v in fields.values())
