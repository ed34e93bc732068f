"""Finding pandoc citations in Markdown, and not finding them where they cannot be."""

from __future__ import annotations

import pytest

from refkb import citations


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("See [@a].", [("a", "", "", False)]),
        ("See [@a; @b].", [("a", "", "", False), ("b", "", "", False)]),
        ("See [@a, p. 12].", [("a", "", ", p. 12", False)]),
        ("See [see @a, ch. 5; also @b, pp. 3-4].", [("a", "see", ", ch. 5", False), ("b", "also", ", pp. 3-4", False)]),
        ("Polaris says [-@a].", [("a", "", "", True)]),
        ("@a says so.", [("a", "", "", False)]),
        ("@a [p. 33] says so.", [("a", "", "p. 33", False)]),
        ("As @polaris2018onramps. shows", [("polaris2018onramps", "", "", False)]),
        ("Keys may hold punctuation: [@doe:2020.x-y].", [("doe:2020.x-y", "", "", False)]),
    ],
)
def test_citation_forms(text: str, expected: list[tuple[str, str, str, bool]]) -> None:
    found = [(c.key, c.prefix, c.suffix, c.suppress_author) for ci in citations.find(text) for c in ci.cites]
    assert found == expected


@pytest.mark.parametrize(
    "text",
    [
        "`[@a]` in code",
        "``code with ` and [@a]``",
        "```\n[@a]\n```\n",
        "~~~python\nx = '@a'\n~~~\n",
        "write to someone@example.org",
        "https://example.org/@a/page",
        "<https://example.org/@a>",
        "[link](https://example.org/@a)",
        "<!-- [@a] -->",
        "<!--\nmulti-line [@a]\n-->",
        "---\ntitle: '@a'\n---\nbody",
        "escaped \\@a",
        "[text](#anchor) and [ref][@a]",
    ],
)
def test_no_citation_where_none_can_be(text: str) -> None:
    assert citations.find(text) == []


def test_lines_and_columns_are_reported() -> None:
    text = "# Title\n\nFirst line.\nSecond [@a] and @b.\n"
    found = citations.find(text)
    assert [(c.keys, c.line, c.col, c.narrative) for c in found] == [(("a",), 4, 8, False), (("b",), 4, 17, True)]


def test_masking_keeps_offsets() -> None:
    text = "`x` [@a] <!-- y -->\n"
    masked = citations.mask(text)
    assert len(masked) == len(text)
    assert masked.index("[@a]") == text.index("[@a]")
