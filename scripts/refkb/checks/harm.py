"""Do no harm (the knowledge-base profile): readers may be survivors or people at risk, so the prose of docs/ holds
no phone number but the allow-listed help lines (`extra.refkb.helplines`), no e-mail address and no social-media
handle. Front matter, code, HTML comments, raw HTML tags with their attributes and attribute lists are not prose:
they are masked by the citations' masker (refkb.citations.mask_markup), as the build and `refkb validate` mask them.
An e-mail address is looked for in tags too: a `mailto:` link is a URL the site's HTML policy keeps."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from .. import citations
from ..model import Issue
from ..project import Project
from .codes import issue
from .docs_pages import PageMemo, each_page, prose_of, read_page

_PHONE = re.compile(r"(?<![\w/.,-])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)[\s.-]?)?\d{1,5}(?:[\s.-]\d{2,5}){1,4}(?![\w/-])")
# Nine digits as a phone number may space them (at most two of ' .()-' between two digits): a page whose prose
# (its text after the front matter) has none holds no phone number, and _PHONE, slower, is not run on it.
_NINE_DIGITS = re.compile(r"\d(?:[\s.()-]{0,2}\d){8}")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
_HANDLE = re.compile(r"(?<![\w@\[/.-])@([A-Za-z0-9_](?:[A-Za-z0-9_.]*[A-Za-z0-9_])?)")


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def check_do_no_harm(project: Project, keys: set[str], memo: PageMemo | None = None) -> Iterator[Issue]:
    """No phone numbers but the allow-listed help lines, no e-mail addresses and no social-media handles in the
    prose of docs/ (front matter, code, HTML comments, tags, attributes are not prose; tags may hold an address)."""
    allowed = {_digits(n) for n in project.helplines}
    inputs = (hash(frozenset(keys)), tuple(sorted(allowed)))
    return each_page(project, "harm", inputs, lambda md: _page_harm(project, md, keys, allowed), memo)


def _page_harm(project: Project, md: Path, keys: set[str], allowed: set[str]) -> Iterator[Issue]:
    text = read_page(md)
    body = citations.after_front_matter(text)  # both layers below blank the front matter: nothing is found there
    if "@" not in body and not _NINE_DIGITS.search(body):
        return  # no '@' and no nine digits where the layers below read: nothing can be found
    if "@" not in text and not any(9 <= len(_digits(m.group(0))) <= 15 for m in _PHONE.finditer(text)):
        return  # nothing that could be a handle, an address or a phone number: skip the masking
    prose = citations.mask_markup(text)
    linked = prose_of(text)  # tags kept: an address in a mailto: link is published
    rel = project.relative(md)

    def found(offset: int, code: str, key: str, message: str, fix: str) -> Issue:
        line = prose.count("\n", 0, offset) + 1
        return issue(rel, line, offset - (prose.rfind("\n", 0, offset) + 1) + 1, code, key, message, fix)

    for m in _EMAIL.finditer(linked):
        yield found(
            m.start(),
            "email-address",
            "",
            f"e-mail address {m.group(0)!r}",
            "remove it: only official help lines may be given (on the help page)",
        )
    for m in _PHONE.finditer(prose):
        digits = _digits(m.group(0))
        before = prose[max(0, m.start() - 6) : m.start()].lower()
        if not 9 <= len(digits) <= 15 or "isbn" in before or "issn" in before or digits in allowed:
            continue
        separators = re.findall(r"[\s.()-]+", m.group(0).strip())
        if separators == ["."] or "arxiv" in before:  # a decimal number or an arXiv identifier
            continue
        yield found(
            m.start(),
            "phone-number",
            "",
            f"phone number {m.group(0).strip()!r}",
            "remove it, or add an official help line to extra.refkb.helplines",
        )
    for m in _HANDLE.finditer(prose):
        if m.group(1) in keys or _EMAIL.match(prose, max(0, m.start() - 64)):
            continue
        yield found(
            m.start(),
            "social-media-handle",
            m.group(1),
            f"'{m.group(0)}' looks like a handle",
            "remove it (a citation key would resolve: check the spelling)",
        )
