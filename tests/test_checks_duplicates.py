"""refkb.checks.duplicates: keys used twice, keys whose slugs collide, likely duplicate works."""

from __future__ import annotations

import pytest

from refkb import bibfile
from refkb.checks import duplicates
from refkb.model import BibFile


def _bib(*keys: str) -> BibFile:
    text = "".join(f"@misc{{{k},\n  title = {{Work {n}}},\n  year = {{2020}},\n}}\n\n" for n, k in enumerate(keys))
    return bibfile.parse_text(text, "t.bib")


# (keys in file order, (code, key) of every issue about keys)
KEY_CASES = [
    (("AntoEtal24", "Smith:2020a", "vanDijk2019"), []),
    (("Smith:2020a", "smith-2020a"), [("slug-collision", "smith-2020a")]),
    (("smith_2020", "Smith.2020", "smith-2020"), [("slug-collision", "Smith.2020"), ("slug-collision", "smith-2020")]),
    (("a", "a"), [("duplicate-key", "a")]),  # said once, as a duplicate key
    (("Smith2020", "smith2020"), [("duplicate-key-case", "smith2020")]),  # said once, as a case duplicate
    (("Müller2020", "muller2020"), [("slug-collision", "muller2020")]),
    (("???", "!!!"), [("slug-collision", "!!!")]),  # both have no letter: the fallback slug
]


@pytest.mark.parametrize(("keys", "expected"), KEY_CASES)
def test_duplicate_keys_and_slug_collisions(keys: tuple[str, ...], expected: list[tuple[str, str]]) -> None:
    bib = _bib(*keys)
    found = [*duplicates.check_duplicate_keys(bib), *duplicates.check_slug_collisions(bib)]
    assert [(i.code, i.key) for i in found] == expected


def test_a_slug_collision_names_both_keys_and_the_fix() -> None:
    (found,) = duplicates.check_slug_collisions(_bib("Smith:2020a", "smith-2020a"))
    assert "'smith-2020a' and 'Smith:2020a' (line 1)" in found.message
    assert "same slug 'smith-2020a'" in found.message
    assert found.fix.startswith("rename one of the two")
    assert (found.line, found.level.value) == (6, "error")


# (url or doi fields of two entries, code)
IDENTIFIER_CASES = [
    (("url = {https://www.example.org/a/}", "url = {http://example.org/a}"), "duplicate-url"),
    (("doi = {10.1234/ABC}", "doi = {https://doi.org/10.1234/abc}"), "duplicate-doi"),
]


@pytest.mark.parametrize(("fields", "code"), IDENTIFIER_CASES)
def test_duplicate_identifiers(fields: tuple[str, str], code: str) -> None:
    text = "".join(f"@misc{{k{n},\n  title = {{W {n}}},\n  {f},\n}}\n" for n, f in enumerate(fields))
    found = list(duplicates.check_duplicate_identifiers(bibfile.parse_text(text, "t.bib")))
    assert [(i.code, i.key) for i in found] == [(code, "k1")]
