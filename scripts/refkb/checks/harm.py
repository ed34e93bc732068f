"""Do no harm (the knowledge-base profile): readers may be survivors or people at risk, so the prose of docs/ holds
no phone number but the allow-listed help lines (`extra.refkb.helplines`), no e-mail address and no social-media
handle. Front matter, code, HTML comments, raw HTML tags with their attributes and attribute lists are not prose:
they are masked by the citations' masker (refkb.citations.mask_markup), as the build and `refkb validate` mask them.
An e-mail address is looked for in tags too: a `mailto:` link is a URL the site's HTML policy keeps."""

from __future__ import annotations

import re
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from pathlib import Path

from .. import citations
from ..model import Issue, LineIndex
from ..project import Project
from .codes import issue
from .docs_pages import PageMemo, each_page, prose_of, read_page

_PHONE = re.compile(r"(?<![\w/.,-])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)[\s.-]?)?\d{1,5}(?:[\s.-]\d{2,5}){1,4}(?![\w/-])")
# Nine digits as a phone number may space them (at most two of ' .()-' between two digits): a page whose prose
# (its text after the front matter) has none holds no phone number, and _PHONE, slower, is not run on it.
_NINE_DIGITS = re.compile(r"\d(?:[\s.()-]{0,2}\d){8}")
# _NINE_DIGITS on an ASCII text, read as the class of each character (bytes.translate: a table lookup a byte): '1' a
# digit, '2' a separator, '0' anything else, each class taken from _NINE_DIGITS' own. The regex engine then goes from
# '1' to '1' (a literal) instead of testing each character's class (0.35 -> 0.1 s on the 10,000 grown pages).
_CLASSES = bytes(
    ord("1") if re.fullmatch(r"\d", chr(b)) else ord("2") if re.fullmatch(r"[\s.()-]", chr(b)) else ord("0")
    for b in range(256)
)
_NINE_CLASSES = re.compile(rb"1(?:2{0,2}1){8}")
# Another text read as ASCII, each other character a '?' (str.encode's 'replace': one a character), and each '?' read
# as a digit: a match of _NINE_DIGITS is one here too (a character read as a digit shortens a gap), so a text with no
# match here has none.
_WIDE_CLASSES = _CLASSES[: ord("?")] + b"1" + _CLASSES[ord("?") + 1 :]
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
_HANDLE = re.compile(r"(?<![\w@\[/.-])@([A-Za-z0-9_](?:[A-Za-z0-9_.]*[A-Za-z0-9_])?)")
# Where a match of _PHONE or _HANDLE may start: its first character, not after what its lookbehind refuses (the
# lookbehind comes after the character here, so that the regex engine looks for the character alone).
_PHONE_START = re.compile(r"[+(\d](?<![\w/.,-][+(\d])")
_AT = re.compile("@")
_EMAIL_CHAR = re.compile(r"[\w.+-]")  # what _EMAIL reads before the '@'


def _from_starts(pattern: re.Pattern[str], starts: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """`pattern.finditer(text)` (the same matches, in order), for a pattern that can only match where `starts`
    matches: tried there alone. A pattern that opens with a lookbehind or an optional group is otherwise tried at
    every character (a third of a second on the 10 MB of topic pages grown to 10,000 works)."""
    end = 0
    for s in starts.finditer(text):
        if s.start() >= end:
            m = pattern.match(text, s.start())
            if m is not None:
                end = m.end()
                yield m


def _emails(text: str) -> Iterator[re.Match[str]]:
    """`_EMAIL.finditer(text)` (the same matches, in order), tried only at the start of the characters before each
    '@' (from where the last match ended): the only place from which a match through that '@' can start, as no
    character _EMAIL reads before the '@' is an '@'."""
    end = 0
    at = text.find("@")
    while at >= 0:
        start = at
        while start > end and _EMAIL_CHAR.match(text, start - 1):
            start -= 1
        m = _EMAIL.match(text, start) if start < at else None
        if m is not None:
            end = m.end()
            yield m
        at = text.find("@", max(at + 1, end))


def _nine_digits(text: str) -> bool:
    """Whether `_NINE_DIGITS` finds nine digits in `text`."""
    if text.isascii():
        return _NINE_CLASSES.search(text.encode("ascii").translate(_CLASSES)) is not None
    if _NINE_CLASSES.search(text.encode("ascii", "replace").translate(_WIDE_CLASSES)) is None:
        return False
    return _NINE_DIGITS.search(text) is not None


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def check_do_no_harm(project: Project, keys: set[str], memo: PageMemo | None = None) -> Iterator[Issue]:
    """No phone numbers but the allow-listed help lines, no e-mail addresses and no social-media handles in the
    prose of docs/ (front matter, code, HTML comments, tags, attributes are not prose; tags may hold an address)."""
    allowed = helpline_digits(project)
    inputs = (hash(frozenset(keys)), tuple(sorted(allowed)))
    return each_page(project, "harm", inputs, lambda md: _page_harm(project, md, keys, allowed), memo)


def helpline_digits(project: Project) -> set[str]:
    """The digits of the help lines the pages may give."""
    return {_digits(n) for n in project.helplines}


def _page_harm(project: Project, md: Path, keys: set[str], allowed: set[str]) -> Iterator[Issue]:
    return harm_issues(page_harm(project.relative(md), read_page(md), allowed), keys)


@dataclass(frozen=True)
class Handle:
    """Something in a page's prose that reads as a social-media handle: '@name', where its '@' is."""

    name: str
    line: int
    col: int


@dataclass(frozen=True)
class HarmFound:
    """What the do-no-harm check found in one page: its e-mail addresses and phone numbers (`issues`) and what reads
    as a handle (an issue unless it is a citation key: the bibliography decides)."""

    path: str
    issues: tuple[Issue, ...] = ()
    handles: tuple[Handle, ...] = ()


def harm_issues(found: HarmFound, keys: AbstractSet[str]) -> Iterator[Issue]:
    """A page's do-no-harm issues: its addresses and numbers, then its handles that are not citation keys."""
    yield from found.issues
    for h in found.handles:
        if h.name not in keys:
            yield issue(
                found.path,
                h.line,
                h.col,
                "social-media-handle",
                h.name,
                f"'@{h.name}' looks like a handle",
                "remove it (a citation key would resolve: check the spelling)",
            )


def page_harm(rel: str, text: str, allowed: AbstractSet[str]) -> HarmFound:
    """What page `rel` holds that do no harm refuses, whatever the bibliography holds."""
    body = citations.after_front_matter(text)  # both layers below blank the front matter: nothing is found there
    if "@" not in body and not _nine_digits(body):
        return HarmFound(rel)  # no '@' and no nine digits where the layers below read: nothing can be found
    if "@" not in text and not any(9 <= len(_digits(m.group(0))) <= 15 for m in _phones(text)):
        return HarmFound(rel)  # nothing that could be a handle, an address or a phone number: skip the masking
    prose = citations.mask_markup(text)
    linked = prose_of(text)  # tags kept: an address in a mailto: link is published

    lines: list[LineIndex] = []  # made when something is found (a grown topic page holds thousands of handles)

    def at(offset: int) -> tuple[int, int]:
        if not lines:
            lines.append(LineIndex(prose))
        pos = lines[0].pos(offset)
        return pos.line, pos.col

    def found(offset: int, code: str, message: str, fix: str) -> Issue:
        return issue(rel, *at(offset), code, "", message, fix)

    issues = [
        found(
            m.start(),
            "email-address",
            f"e-mail address {m.group(0)!r}",
            "remove it: only official help lines may be given (on the help page)",
        )
        for m in _emails(linked)
    ]
    for m in _phones(prose):
        digits = _digits(m.group(0))
        before = prose[max(0, m.start() - 6) : m.start()].lower()
        if not 9 <= len(digits) <= 15 or "isbn" in before or "issn" in before or digits in allowed:
            continue
        separators = re.findall(r"[\s.()-]+", m.group(0).strip())
        if separators == ["."] or "arxiv" in before:  # a decimal number or an arXiv identifier
            continue
        message = f"phone number {m.group(0).strip()!r}"
        issues.append(
            found(
                m.start(), "phone-number", message, "remove it, or add an official help line to extra.refkb.helplines"
            )
        )
    handles = [
        Handle(m.group(1), *at(m.start()))
        for m in _from_starts(_HANDLE, _AT, prose)
        if not _EMAIL.match(prose, max(0, m.start() - 64))
    ]
    return HarmFound(rel, tuple(issues), tuple(handles))


def _phones(text: str) -> Iterator[re.Match[str]]:
    """`_PHONE.finditer(text)`, tried only where a number may start."""
    return _from_starts(_PHONE, _PHONE_START, text)
