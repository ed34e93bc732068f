"""Pandoc-style citations in Markdown: `[@key]`, `[@a; @b]`, `[see @key, p. 12]`, `[-@key]` and narrative `@key`.

Citations are never looked for in front matter, fenced code, code spans, HTML comments, URLs, link targets or e-mail
addresses: those regions are blanked out first (same length, newlines kept, so offsets and lines stay true).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

# Pandoc: a key starts with a letter, digit or `_` and may hold internal punctuation; it never ends with punctuation.
KEY = r"[A-Za-z0-9_](?:[\w:.#$%&+?<>~/-]*\w)?"
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n.*?\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_FENCE = re.compile(r"^([ \t]*)(`{3,}|~{3,})[^\n]*\n.*?(?:^[ \t]*\2[`~]*[ \t]*$|\Z)", re.S | re.M)
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`).+?(?<!`)\1(?!`)", re.S)
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
_URL = re.compile(r"(?:\b(?:https?|ftp|mailto|file|data|javascript):|\bwww\.)[^\s<>\]\)]*", re.I)
_AUTOLINK = re.compile(r"<[A-Za-z][A-Za-z0-9+.-]*:[^\s<>]*>")
_LINK_TARGET = re.compile(r"\]\([^)\n]*\)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_ESCAPED = re.compile(r"\\@")
_BRACKET = re.compile(r"(?<!\])\[([^\[\]\n]*?-?@" + KEY + r"[^\[\]]*?)\](?![(\[:])")
_ITEM = re.compile(r"^\s*(?P<prefix>.*?)(?P<suppress>-?)@(?P<key>" + KEY + r")(?P<suffix>.*?)\s*$", re.S)
_NARRATIVE = re.compile(r"(?<![\w@\]\[`-])(?P<suppress>-?)@(?P<key>" + KEY + r")(?:\s?\[(?P<locator>[^\[\]\n@]*)\])?")


@dataclass(frozen=True)
class Cite:
    """One cited work inside a citation."""

    key: str
    prefix: str = ""
    suffix: str = ""  # locator and anything after the key, e.g. ", p. 12"
    suppress_author: bool = False


@dataclass(frozen=True)
class Citation:
    """A citation as written: its place in the text and the works it cites."""

    start: int
    end: int
    line: int
    col: int
    cites: tuple[Cite, ...]
    narrative: bool = False

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.cites)


def _blank(match: re.Match[str]) -> str:
    return re.sub(r"[^\n]", " ", match.group(0))


def mask(text: str) -> str:
    """`text` with every region that cannot hold a citation blanked out."""
    for pattern in (_FRONT_MATTER, _FENCE, _COMMENT, _CODE_SPAN, _AUTOLINK, _LINK_TARGET, _URL, _EMAIL, _ESCAPED):
        text = pattern.sub(_blank, text)
    return text


def find(text: str) -> list[Citation]:
    """Every citation in a Markdown text, in order. A build asks for the same page's citations more than once
    (validation, the "cited on" index): each text is scanned once."""
    if "@" not in text:
        return []
    return list(_find(text))


@functools.lru_cache(maxsize=4096)
def _find(text: str) -> tuple[Citation, ...]:
    masked = mask(text)
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    out: list[Citation] = []

    def where(offset: int) -> tuple[int, int]:
        lo, hi = 0, len(line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if line_starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1, offset - line_starts[lo] + 1

    taken: list[tuple[int, int]] = []
    for m in _BRACKET.finditer(masked):
        items = [_ITEM.match(part) for part in text[m.start(1) : m.end(1)].split(";")]
        if not all(items):
            continue
        cites = tuple(Cite(i["key"], i["prefix"].strip(), i["suffix"].strip(), bool(i["suppress"])) for i in items if i)
        line, col = where(m.start())
        out.append(Citation(m.start(), m.end(), line, col, cites))
        taken.append((m.start(), m.end()))
    for m in _NARRATIVE.finditer(masked):
        if any(a <= m.start() < b for a, b in taken):
            continue
        locator = text[m.start("locator") : m.end("locator")] if m["locator"] is not None else ""
        line, col = where(m.start())
        cite = Cite(m["key"], "", locator.strip(), bool(m["suppress"]))
        out.append(Citation(m.start(), m.end(), line, col, (cite,), narrative=True))
    out.sort(key=lambda c: c.start)
    return tuple(out)


def keys(text: str) -> Iterator[tuple[str, int, int]]:
    """(key, line, col) of every cited key, for validation."""
    for citation in find(text):
        for cite in citation.cites:
            yield cite.key, citation.line, citation.col
