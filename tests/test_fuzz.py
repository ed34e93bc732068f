"""Hypothesis: whatever the text, reading, validating and formatting raise nothing, and format is idempotent."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from refkb import bibfile
from refkb.checks import suite
from refkb.checks.settings import Settings
from test_bibfile import meaning

PIECES = [
    "@article",
    "@misc",
    "@string",
    "@preamble",
    "@comment",
    "{",
    "}",
    "(",
    ")",
    '"',
    ",",
    "=",
    "#",
    "%",
    "\n",
    " ",
    "key",
    "title",
    "author",
    "url",
    "doi",
    "date",
    "2020",
    "jan",
    "\\&",
    "&",
    "and",
    "{{Org and Co}}",
    "Smith, J.",
    "https://x.org/a",
    "javascript:alert(1)",
    "10.1234/x",
    "\u202e",
    "\x07",
    "é",
    "\u200b",
    "--",
    "12-34",
    "@",
]

texts = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(PIECES), max_size=60).map("".join),
)


@st.composite
def entries(draw: st.DrawFn) -> str:
    """Mostly well-formed entries, with values drawn from the awkward pieces."""
    out = []
    for i in range(draw(st.integers(0, 4))):
        fields = draw(
            st.lists(
                st.sampled_from(["title", "author", "url", "doi", "date", "note", "pages", "month"]),
                max_size=5,
                unique=True,
            )
        )
        body = "".join(
            f"  {f} = {{{draw(st.lists(st.sampled_from(PIECES[10:]), max_size=4).map(''.join))}}},\n" for f in fields
        )
        comment = draw(st.sampled_from(["", "% a comment\n", "plain text\n\n"]))
        etype = draw(st.sampled_from(["article", "misc", "online"]))
        suffix = draw(st.sampled_from(["", "x", "X"]))
        out.append(f"{comment}@{etype}{{k{i}{suffix},\n{body}}}\n")
    return "\n".join(out)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(texts, entries()))
def test_read_validate_format_never_raise(text: str) -> None:
    bib = bibfile.parse_text(text, "f.bib")
    suite.validate_bib(bib, Settings(dt.date(2026, 11, 29), frozenset({"t"}), frozenset({"ngo"})))
    if bib.has_errors:
        return
    once = bibfile.format_text(bib)
    again = bibfile.parse_text(once, "f.bib")
    assert not again.has_errors, [i.render() for i in again.issues]
    assert bibfile.format_text(again) == once
    assert meaning(again) == meaning(bib)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_decode_or_report(data: bytes) -> None:
    text, problem = bibfile.decode(data, "f.bib")
    if problem is None:
        suite.validate_bib(bibfile.parse_text(text, "f.bib"))
    else:
        assert problem.code == "encoding-not-utf8"
        assert problem.line >= 1
        assert problem.col >= 1
