"""refkb.vocabulary: every vocabulary value on the methodology table, with its definition."""

from __future__ import annotations

import pytest
from markupsafe import Markup

import codedlib
from refkb import vocabulary
from refkb.coding import Scheme


@pytest.fixture(scope="module")
def scheme() -> Scheme:
    return codedlib.scheme()


def test_methodology_table_lists_every_value_with_its_definition(scheme: Scheme) -> None:
    html = vocabulary.vocabulary_tables(scheme)
    for d in scheme.dimensions:
        for v in d.values:
            assert f"<code>{v.slug}</code>" in html, v.slug
            assert str(Markup.escape(v.definition)) in html, v.slug
    for c in scheme.categories:
        assert f"<code>{c.slug}</code>" in html
    assert "Primary empirical studies are sources whose design is one of" in html
