"""Hypothesis: whatever the text, reading, validating and formatting raise nothing, and format is idempotent.

Three kinds of text: random pieces, structurally plausible BibTeX drawn from a small grammar (`bibtex_files`), and
real entries with characters and tokens deleted, duplicated or inserted (`mutated`). The property, as `refkb
format` sees a file (bytes, decoded): format(read(x)) is accepted, means what x meant, and formats to itself; and
every position reported lies inside the text.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import FUZZ_EXAMPLES, ROOT
from refkb import bibfile
from refkb.checks import suite
from refkb.checks.settings import Settings
from refkb.model import BibFile, Directive, Issue, Level
from test_bibfile import meaning

SETTINGS = Settings(dt.date(2026, 11, 29), frozenset({"t"}), frozenset({"ngo"}))

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


# ---------------------------------------------------------------------------------------------------------------
# Grammar-based: blocks as BibTeX writes them (entries, @string, @preamble, @comment, % lines, text between), each
# rule drawn with its awkward corners (near-directive types, odd keys, escapes, BOMs between files).

_WORDS = st.sampled_from(
    [
        *("A", "Smith, J.", " and ", "x y", "é", "\\&", "\\\\", "\\{", "\\}", '\\"o', '{\\"o}', "%", "#", ",", "="),
        *("@", "(", ")", '"', "\u200b", "\ufeff", "\n", "  ", "--", "$x$", "jan", "10.1/x", "https://x.org/a", "\\"),
    ]
)
_BRACED = st.recursive(
    st.lists(_WORDS, max_size=3).map("".join),
    lambda inner: st.lists(st.one_of(_WORDS, inner.map(lambda t: "{" + t + "}")), max_size=3).map("".join),
    max_leaves=8,
)
_PART = st.one_of(
    _BRACED.map(lambda t: "{" + t + "}"),
    _BRACED.map(lambda t: '"' + t + '"'),
    st.integers(0, 3000).map(str),
    st.sampled_from(["jan", "Feb", "s", "abbr", "undefined", "x.y", "1a", "."]),
)
_VALUE = st.lists(st.tuples(_PART, st.sampled_from([" # ", "#", "\n  # ", " "])), min_size=1, max_size=3).map(
    lambda parts: "".join(part + sep for part, sep in parts[:-1]) + parts[-1][0]
)
_FIELD_NAME = st.sampled_from(["title", "author", "url", "doi", "date", "note", "month", "pages", "Title", "x-y", "1"])
_TYPES = ["article", "misc", "Book", "online", "stringj", "preamblex", "commentary", "string", "preamble", ""]
_KEYS = st.sampled_from(["k1", "smith2020", "a:b", "o=.", "", "k k", "é", "K1", "@", "k}"])
_BLANK = st.sampled_from(["", " ", "\n", "\n  ", "\t"])
_GAP = st.sampled_from(["\n", "\n\n", "", " ", "\ufeff", "\n\ufeff", "% c\n", "text\n\n", "\f", "\n\ufeff\ufeff"])


@st.composite
def _field(draw: st.DrawFn) -> str:
    return f"{draw(_BLANK)}{draw(_FIELD_NAME)}{draw(_BLANK)}={draw(_BLANK)}{draw(_VALUE)}"


@st.composite
def _entry(draw: st.DrawFn) -> str:
    opener, closer = draw(st.sampled_from([("{", "}"), ("(", ")")]))
    fields = draw(st.lists(_field(), max_size=4))
    comma = draw(st.sampled_from(["", ",", ",\n"]))
    body = ",".join(fields) + comma if fields else draw(st.sampled_from(["", ","]))
    return f"@{draw(st.sampled_from(_TYPES))}{opener}{draw(_KEYS)},{body}{draw(_BLANK)}{closer}"


@st.composite
def _directive(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["@string", "@STRING", "@String", "@preamble", "@comment", "%", "text"]))
    if kind.lower() == "@string":
        name = draw(st.sampled_from(["s", "abbr", "jan", "x.y", "S"]))
        return f"{kind}{{{name}{draw(_BLANK)}={draw(_BLANK)}{draw(_VALUE)}}}"
    if kind == "@preamble":
        return f"@preamble{{{draw(_VALUE)}}}"
    if kind == "@comment":
        return "@comment{" + draw(_BRACED) + "}"
    return f"{kind} {draw(_BRACED)}\n"


@st.composite
def bibtex_files(draw: st.DrawFn) -> bytes:
    """A .bib file's bytes: blocks from the grammar, text between them, maybe a BOM first."""
    blocks = draw(st.lists(st.one_of(_entry(), _directive()), max_size=5))
    text = "".join(draw(_GAP) + b for b in blocks) + draw(_GAP)
    return draw(st.sampled_from(["", "\ufeff", "\ufeff\ufeff"])).encode() + text.encode()


# ---------------------------------------------------------------------------------------------------------------
# Mutation-based: real entries (the project's references.bib, the test data) with characters and tokens deleted,
# duplicated or inserted.


def _seed_blocks() -> list[str]:
    out: list[str] = []
    for path in [ROOT / "references.bib", *sorted((ROOT / "tests" / "data").glob("*.bib"))]:
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
        out.extend("@" + chunk.strip() for chunk in re.split(r"^@", text, flags=re.M)[1:] if len(chunk) < 1500)
    return out or ["@misc{k,\n  title = {T},\n}"]


SEEDS = _seed_blocks()
_TOKEN = re.compile(r"""\s+|[{}()"#,=@%\\]|[^\s{}()"#,=@%\\]+""")
_INSERTS = st.sampled_from([*PIECES, "\ufeff", "\\", "}", "{", "\r\n", "\f", "@misc{", "},", " # ", "\\}"])


@st.composite
def _mutation(draw: st.DrawFn, text: str) -> str:
    what = draw(st.sampled_from(["delete", "duplicate", "insert"]))
    if draw(st.booleans()):  # on characters
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 6)))
        pieces = [text[:i], text[i:j], text[j:]]
    else:  # on tokens
        tokens = _TOKEN.findall(text)
        i = draw(st.integers(0, len(tokens)))
        pieces = ["".join(tokens[:i]), "".join(tokens[i : i + 1]), "".join(tokens[i + 1 :])]
    before, chosen, after = pieces
    if what == "delete":
        return before + after
    if what == "duplicate":
        return before + chosen + chosen + after
    return before + draw(_INSERTS) + chosen + after


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """One to three real blocks, mutated one to four times."""
    text = "\n\n".join(draw(st.lists(st.sampled_from(SEEDS), min_size=1, max_size=3))) + "\n"
    for _ in range(draw(st.integers(1, 4))):
        text = draw(_mutation(text))
    return text.encode()


# ---------------------------------------------------------------------------------------------------------------
# The property


def _read(data: bytes) -> BibFile:
    """A file as `refkb format` reads it: bytes decoded (BOM, line endings), then parsed."""
    text, problem = bibfile.decode(data, "f.bib")
    assert problem is None
    return bibfile.parse_text(text, "f.bib")


def _refused(bib: BibFile) -> list[str]:
    """The problems for which `refkb format` writes nothing (an undefined macro is kept as it is)."""
    return [i.render() for i in bib.issues if i.level is Level.ERROR and i.code != "undefined-macro"]


def assert_inside(text: str, issues: list[Issue]) -> None:
    """Every position names a line of the text and a column on it (or just after its end)."""
    lines = text.split("\n")
    for i in issues:
        assert 1 <= i.line <= len(lines), i.render()
        assert 1 <= i.col <= len(lines[i.line - 1]) + 1, i.render()


def _meaning(bib: BibFile) -> object:
    """`meaning`, except that the comment paragraphs above the first block written, all but the last, count as the
    file's header: the canonical text writes the header, a blank line, then those paragraphs and the block, so the
    two are the same lines and a reader cannot tell them apart. (A @string not first in the file, with two
    paragraphs above it, is written first: its first paragraph is read back as the header.)"""
    entries = sorted(bib.entries, key=lambda e: (e.key.lower(), e.key))
    first = bib.directives[0] if bib.directives else entries[0] if entries else None
    if first is None or len(first.comments) < 2:
        return meaning(bib)
    header = (*bib.header, *first.comments[:-1])
    if isinstance(first, Directive):
        directives = (dataclasses.replace(first, comments=first.comments[-1:]), *bib.directives[1:])
        return meaning(dataclasses.replace(bib, header=header, directives=directives))
    moved = tuple(dataclasses.replace(e, comments=e.comments[-1:]) if e is first else e for e in bib.entries)
    return meaning(dataclasses.replace(bib, header=header, entries=moved))


def assert_format_property(data: bytes) -> None:
    """format(read(x)) is accepted, means what x meant, and formats to itself; positions lie inside the text."""
    bib = _read(data)
    assert_inside(bib.text, [*bib.issues, *suite.validate_bib(bib, SETTINGS)])
    if _refused(bib):
        return
    once = bibfile.format_text(bib)
    again = _read(once.encode())
    assert again.text == once, "the canonical text must read back as it is written (no BOM, LF only)"
    assert not _refused(again), _refused(again)
    assert bibfile.format_text(again) == once
    assert _meaning(again) == _meaning(bib)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(texts, entries()))
def test_read_validate_format_never_raise(text: str) -> None:
    assert_format_property(text.encode())


# 300 examples locally, 1,000 under CI (FUZZ_EXAMPLES' 10,000 took four minutes on two shared cores)
STRUCTURED_EXAMPLES = min(FUZZ_EXAMPLES, 1_000)


@settings(max_examples=STRUCTURED_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bibtex_files())
@example(b"@stringj{o=.}")
@example(b"@{,1={{\\}}}},")
@example(b"\xef\xbb\xbf@misc{a, title = {A}}\n\xef\xbb\xbf@misc{b, title = {B}}\n")
@example(b"\xef\xbb\xbf\xef\xbb\xbf@misc")
@example(b"@{@{")
def test_format_property_on_grammar_files(data: bytes) -> None:
    assert_format_property(data)


@settings(max_examples=STRUCTURED_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_format_property_on_mutated_entries(data: bytes) -> None:
    assert_format_property(data)


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
