"""Pandoc-style citations in Markdown: `[@key]`, `[@a; @b]`, `[see @key, p. 12]`, `[-@key]` and narrative `@key`.

Citations are never looked for where Markdown would not show them as text, or would put refkb's HTML inside an HTML
attribute: front matter, fenced and indented code, code spans, HTML comments, HTML tags (with their attributes) and
the content of `<code>`, `<pre>`, `<script>`, `<style>` and `<textarea>`, footnote labels, image descriptions,
attribute lists, link targets, reference definitions, URLs and e-mail addresses. Those regions are blanked out first
(same length, newlines kept, so offsets and lines stay true). The build's replacement (refkb.site.render.cite) and
`refkb validate`'s unknown-key check (refkb.checks.docs_pages) both read citations through `find`, so they agree.

Indented code is decided as Python-Markdown does at the top level of a page, and conservatively: a block (lines
between blank lines) that starts indented by four columns (tabs to four) is code, unless the last block that was not
indented opened something that takes indented continuations (a list item, an admonition `!!!`, a collapsible `???`,
a content tab `===`, a footnote or a definition) or raw HTML, whose indented blocks are Markdown. The code ends at its
first line indented less. Indented code inside such a continuation or inside a block quote is not recognised: a
citation there is found (as it is in all their other text), never lost.
"""

from __future__ import annotations

import bisect
import functools
import heapq
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

# Pandoc: a key starts with a letter, digit or `_` and may hold internal punctuation; it never ends with punctuation.
KEY = r"[A-Za-z0-9_](?:[\w:.#$%&+?<>~/-]*\w)?"
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n.*?\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_FRONT_OPENING = re.compile(r"---[ \t]*\n")  # _FRONT_MATTER's opening line and closing line (after_front_matter)
_FRONT_CLOSING = re.compile(r"\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)")
_FENCE = re.compile(r"^([ \t]*)(`{3,}|~{3,})[^\n]*\n.*?(?:^[ \t]*\2[`~]*[ \t]*$|\Z)", re.S | re.M)
# A code span never crosses a blank line: Markdown reads inline code one block at a time. Its opening backticks are
# not after a backtick or a backslash: a lookbehind written after the first backtick, so that the regex engine looks
# for a backtick alone instead of trying the pattern at every character (the same for _BRACKET below).
_CODE_SPAN = re.compile(r"(`(?<![`\\]`)`*)(?!`)(?:[^\n]|\n(?![ \t]*\n))+?(?<!`)\1(?!`)")
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
# An HTML tag as CommonMark defines one (attributes may span lines, never a blank one); its attributes' values are
# written as they stand, so a citation there would put refkb's markup inside an attribute.
_VALUE = r"(?:\"(?:[^\"\n]|\n(?![ \t]*\n))*\"|'(?:[^'\n]|\n(?![ \t]*\n))*'|[^\s\"'=<>`]+)"
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s+[^\s\"'<>/=`]+(?:\s*=\s*" + _VALUE + r")?)*\s*/?>")
_RAW_TEXT = re.compile(r"<(code|pre|script|style|textarea)\b[^>]*>.*?</\1\s*>", re.S | re.I)
_FOOTNOTE_LABEL = re.compile(r"\[\^[^\]\n]*\]")
# An image: its description is the alt attribute.
_IMAGE = re.compile(r"!\[(?:[^\[\]\n]|\[[^\[\]\n]*\])*\](?:\([^)\n]*\)|\[[^\]\n]*\])")
_ATTR_LIST = re.compile(r"\{:?[ \t]*(?:[#.][\w-]|[\w-]+=)[^}\n]*\}")  # attr_list: `{: title="..." }`
_TITLE = r"(?:\"[^\"\n]*\"|'[^'\n]*'|\([^)\n]*\))"
_REFERENCE = re.compile(r"^ {0,3}\[(?!\^)[^\[\]\n]*\]:[ \t]*\S+(?:[ \t]+" + _TITLE + r")?[ \t]*$", re.M)
_URL = re.compile(r"(?:\b(?:https?|ftp|mailto|file|data|javascript):|\bwww\.)[^\s<>\]\)]*", re.I)
_AUTOLINK = re.compile(r"<[A-Za-z][A-Za-z0-9+.-]*:[^\s<>]*>")
_LINK_TARGET = re.compile(r"\]\([^)\n]*\)")
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")  # from the start of a run: linear
_ESCAPED = re.compile(r"\\@")
_BRACKET = re.compile(r"\[(?<!\]\[)([^\[\]\n]*?-?@" + KEY + r"[^\[\]]*?)\](?![(\[:])")
_ITEM = re.compile(r"^\s*(?P<prefix>.*?)(?P<suppress>-?)@(?P<key>" + KEY + r")(?P<suffix>.*?)\s*$", re.S)
_NARRATIVE = re.compile(r"(?<![\w@\]\[`-])(?P<suppress>-?)@(?P<key>" + KEY + r")(?:\s?\[(?P<locator>[^\[\]\n@]*)\])?")
# Blanked after code blocks and code spans (a tag written in a code span is code, not a tag), in this order.
_INLINE = (
    _RAW_TEXT,
    _TAG,
    _FOOTNOTE_LABEL,
    _IMAGE,
    _ATTR_LIST,
    _REFERENCE,
    _AUTOLINK,
    _LINK_TARGET,
    _URL,
    _EMAIL,
    _ESCAPED,
)
# A line that opens something whose indented blocks are its continuation, not code (or raw HTML: not code either).
_OPENS = re.compile(
    r" {0,3}(?:[*+-]|\d+[.)])(?:[ \t]|$)"  # list item
    r"|(?:!!!|\?\?\?\+?|===[+!]*)"  # admonition, collapsible block, content tab
    r"| {0,3}\[\^[^\]\n]*\]:"  # footnote
    r"| {0,3}:[ \t]"  # definition
    r"| {0,3}<"  # raw HTML
)
_DEEP = re.compile(r"^(?: {4}| {0,3}\t)", re.M)  # a line indented by four columns (a tab goes to the next four)


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
    """The match as spaces, its line breaks kept."""
    return "\n".join(" " * len(line) for line in match.group(0).split("\n"))


# What no reader sees as text, besides code: raw HTML tags with their attributes, the content of `<code>`, `<pre>`,
# `<script>`, `<style>` and `<textarea>`, and attr_list attributes.
_MARKUP = frozenset({_RAW_TEXT, _TAG, _ATTR_LIST})


def after_front_matter(text: str) -> str:
    """`text` from where its front matter ends (all of it when it has none): what `mask_code` does not blank as
    front matter. Where `_FRONT_MATTER.match` ends, found in two steps: its opening line, then the first closing line
    after it (the regex engine tries the lazy `.*?` one character at a time; a search for the '\\n' runs in C)."""
    opening = _FRONT_OPENING.match(text)
    closing = _FRONT_CLOSING.search(text, opening.end()) if opening else None
    return text[closing.end() :] if closing else text


@functools.lru_cache(maxsize=16)
def mask_code(text: str) -> str:
    """`text` with front matter, fenced and indented code, code spans and HTML comments blanked out: the layer every
    reader of a page's prose starts from (the HTML policy's checks then read the tags and attributes left). Kept for
    the last few texts: a page's checks ask for it several times (its HTML, its attributes, do-no-harm's layers)."""
    for pattern in (_FRONT_MATTER, _FENCE):
        text = pattern.sub(_blank, text)
    masked = _COMMENT.sub(_blank, text)
    return _CODE_SPAN.sub(_blank, _mask_indented_code(masked, text))


def mask_markup(text: str) -> str:
    """`mask_code`'s text with raw HTML tags (attributes included), raw-text elements and attribute lists blanked
    out too: the words a reader sees (the do-no-harm check reads these)."""
    text = mask_code(text)
    for pattern in _INLINE:
        if pattern in _MARKUP:
            text = pattern.sub(_blank, text)
    return text


def mask(text: str) -> str:
    """`text` with every region that cannot hold a citation blanked out: `mask_markup`'s, and labels, image
    descriptions, link targets, reference definitions, URLs and e-mail addresses."""
    text = mask_code(text)
    for pattern in _INLINE:
        if pattern is _URL:
            text = _blank_all(text, _url_matches(text))
        elif pattern is _EMAIL:
            text = _blank_all(text, _email_matches(text))
        else:
            text = pattern.sub(_blank, text)
    return text


# _URL and _EMAIL open with what the regex engine tries at every character (a word boundary or a lookbehind, and
# alternatives): 0.6 s on the 10 MB of topic pages grown to 10,000 works. Neither holds a line break, a URL holds a
# ':' or 'www.' and an address an '@': they are looked for only where those stand, with the same matches.
_WWW = re.compile(r"[wW]{3}\.")  # what _URL, ignoring case, reads as 'www.'
_EMAIL_CHAR = re.compile(r"[\w.+-]")  # what _EMAIL reads before the '@'


def _blank_all(text: str, matches: Iterable[re.Match[str]]) -> str:
    """`text` with each of `matches` (in order, not overlapping, none empty) blanked out: `pattern.sub(_blank,
    text)` when they are `pattern.finditer(text)`'s."""
    out: list[str] = []
    done = 0
    for m in matches:
        out += (text[done : m.start()], _blank(m))
        done = m.end()
    return "".join(out) + text[done:] if out else text


def _url_matches(text: str) -> Iterator[re.Match[str]]:
    """`_URL.finditer(text)`, searched only on the lines holding a ':' or a 'www.' (the line's break included, as
    the pattern's look-arounds read it)."""
    marks = heapq.merge(_offsets(text, ":"), (m.start() for m in _WWW.finditer(text)))
    line_end = 0
    for mark in marks:
        if mark >= line_end:
            start = text.rfind("\n", 0, mark) + 1
            end = text.find("\n", mark)
            line_end = len(text) if end < 0 else end + 1
            yield from _URL.finditer(text, start, line_end)


def _offsets(text: str, char: str) -> Iterator[int]:
    """Where `char` stands in `text`, in order."""
    at = text.find(char)
    while at >= 0:
        yield at
        at = text.find(char, at + 1)


def _email_matches(text: str) -> Iterator[re.Match[str]]:
    """`_EMAIL.finditer(text)`: tried only at the start of the characters before each '@', where its lookbehind
    lets a match through that '@' start (none of them is an '@'), and not before the last match's end."""
    end = 0
    at = text.find("@")
    while at >= 0:
        start = at
        while start > 0 and _EMAIL_CHAR.match(text, start - 1):
            start -= 1
        m = _EMAIL.match(text, start) if end <= start < at else None
        if m is not None:
            end = m.end()
            yield m
        at = text.find("@", max(at + 1, end))


def _mask_indented_code(text: str, shape: str) -> str:
    """`text` with its top-level indented code blocks blanked out (the rule is in the module's docstring). `shape` is
    the text before its HTML comments were blanked: a line's indentation and what it opens are read there (a line
    that starts with a comment is not indented), whether it is blank in `text` (a comment alone is no text)."""
    if not _DEEP.search(shape):
        return text
    lines = text.split("\n")
    shapes = shape.split("\n")
    opens = False  # the last block that was not indented takes indented continuations
    starts = True  # the next line starts a block
    code = False  # inside an indented code block
    indented = False  # inside a block that started indented
    for n, (line, form) in enumerate(zip(lines, shapes, strict=True)):
        if not line.strip():
            starts, code = True, False
            continue
        deep = len(form.expandtabs(4)) - len(form.expandtabs(4).lstrip(" ")) >= 4
        if code and not deep:
            starts, code = True, False  # code ends at a line indented less: the rest is a new block
        if starts:
            indented = deep
            code = deep and not opens
            opens = opens if deep else bool(_OPENS.match(form))
        elif not indented:
            opens = opens or bool(_OPENS.match(form))
        starts = False
        if code:
            lines[n] = " " * len(line)
    return "\n".join(lines)


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
        lo = bisect.bisect_right(line_starts, offset) - 1  # the last line starting at or before `offset`
        return lo + 1, offset - line_starts[lo] + 1

    taken: list[int] = []  # start and end of each bracketed citation, in order: they do not overlap
    for m in _BRACKET.finditer(masked):
        items = [_ITEM.match(part) for part in text[m.start(1) : m.end(1)].split(";")]
        if not all(items):
            continue
        cites = tuple(Cite(i["key"], i["prefix"].strip(), i["suffix"].strip(), bool(i["suppress"])) for i in items if i)
        line, col = where(m.start())
        out.append(Citation(m.start(), m.end(), line, col, cites))
        taken += [m.start(), m.end()]
    for m in _narrative(masked):
        if bisect.bisect_right(taken, m.start()) % 2:  # inside a bracketed citation (was a scan of all of them)
            continue
        locator = text[m.start("locator") : m.end("locator")] if m["locator"] is not None else ""
        line, col = where(m.start())
        cite = Cite(m["key"], "", locator.strip(), bool(m["suppress"]))
        out.append(Citation(m.start(), m.end(), line, col, (cite,), narrative=True))
    out.sort(key=lambda c: c.start)
    return tuple(out)


def _narrative(masked: str) -> Iterator[re.Match[str]]:
    """`_NARRATIVE.finditer(masked)`: a narrative citation starts at its '@' or at the '-' just before it (its
    lookbehind refuses an '@' after a '-'), so it is tried only there."""
    end = 0
    at = masked.find("@")
    while at >= 0:
        m = None
        if at - 1 >= end and masked[at - 1] == "-":
            m = _NARRATIVE.match(masked, at - 1)
        if m is None:
            m = _NARRATIVE.match(masked, at)
        if m is not None:
            end = m.end()
            yield m
        at = masked.find("@", max(at + 1, end))


def keys(text: str) -> Iterator[tuple[str, int, int]]:
    """(key, line, col) of every cited key, for validation."""
    for citation in find(text):
        for cite in citation.cites:
            yield cite.key, citation.line, citation.col
