"""Checks of whole entries (`ENTRY_CHECKS` on the entry as written, `RECORD_CHECKS` on its record, with what it
inherits through crossref and xdata): the key (its length; under the knowledge-base profile its form and the
key convention), the entry type and the fields it requires, urldate on online sources and the knowledge base's
fields (profile rules), and the characters and escapes of every value."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator

from ..csl import CARRIED, carried
from ..inherit import is_work
from ..keys import MAX_KEY, SAFE_KEY, example_key, key_follows, key_parts
from ..model import BibFile, Entry, Field, Issue
from ..values import BIDI, INVISIBLE, SUSPECT
from .codes import at_entry, at_field, issue
from .datamodel import BIBLATEX_FIELDS, NOT_PRINTED, REQUIRED
from .settings import Settings

VERBATIM = frozenset({"url", "archiveurl", "doi", "file", "eprint", "urlraw", "verba", "verbb", "verbc", "pdf"})
_BARE_AMP = re.compile(r"(?<!\\)&")


_C0 = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # values.CONTROL below U+0080: a damaged file, terminal escapes
_C1 = re.compile(r"[\x80-\x9f]")  # values.CONTROL's C1 part: Windows-1252 punctuation decoded as Latin-1


def _suspect_characters(bib: BibFile, e: Entry, f: Field) -> Iterator[Issue]:
    """The first control, bidi and invisible character of a field. A C1 control (U+0097) is most often the
    Windows-1252 character of its byte read as Latin-1 ('—'): the fix names that character."""
    for pattern, code, what in (
        (_C0, "control-character", "a control character"),
        (_C1, "c1-control", "a C1 control character"),
        (BIDI, "bidi-control", "a bidirectional control character"),
        (INVISIBLE, "invisible-character", "an invisible character"),
    ):
        m = pattern.search(f.raw)
        if m:
            p = f.position_of(m.start())
            name = unicodedata.name(m.group(0), f"U+{ord(m.group(0)):04X}")
            fix = "delete it; retype the text around it"
            meant = bytes([ord(m.group(0))]).decode("cp1252", errors="replace") if code == "c1-control" else ""
            if meant and meant != "\ufffd":
                fix = f"write the character meant, most likely {meant!r} (Windows-1252's byte {ord(m.group(0)):#x})"
            yield issue(bib.path, p.line, p.col, code, e.key, f"'{f.name}' holds {what} ({name})", fix)


def check_values(bib: BibFile, e: Entry, s: Settings) -> Iterator[Issue]:
    """Control characters, bidi overrides, invisible characters, empty values and stray '&' in any field."""
    suspect = SUSPECT.search(e.raw) is not None
    amp = "&" in e.raw
    for f in e.fields:
        if not f.value.strip():
            yield at_field(
                bib, e, f, "empty-field", f"field '{f.name}' is empty", "remove it or fill it in", value=False
            )
        if suspect:
            yield from _suspect_characters(bib, e, f)
        if amp and f.name not in VERBATIM:
            m = _BARE_AMP.search(f.raw)
            if m:
                p = f.position_of(m.start())
                yield issue(
                    bib.path,
                    p.line,
                    p.col,
                    "unescaped-ampersand",
                    e.key,
                    f"'{f.name}' has an unescaped '&'",
                    "write \\&",
                )


# ---------------------------------------------------------------------------------------------------------------
# Entry-level checks


def check_type_and_required(bib: BibFile, e: Entry, s: Settings) -> Iterator[Issue]:
    required = REQUIRED.get(e.type)
    if required is None:
        p = e.pos
        yield issue(
            bib.path,
            p.line,
            p.col + 1,
            "unknown-entry-type",
            e.key,
            f"entry type @{e.type} is unknown",
            "use a biblatex type such as @article, @report, @online, @misc",
        )
        required = REQUIRED["misc"]
    present = {f.name for f in e.fields if f.value.strip()}
    if e.type == "article" and e.value("entrysubtype").strip() in ("newspaper", "magazine"):
        # An unsigned news article: the title moves to the author position (APA 7 9.12, MLA 9 5.6, CMOS 14.89).
        required = tuple(r for r in required if r != "author")
    for need in required:
        options = need.split("|")
        if not present.intersection(options):
            yield at_entry(
                bib,
                e,
                "missing-field",
                f"'{options[0]}' is required for @{e.type}"
                + (f" (or {', '.join(repr(o) for o in options[1:])})" if len(options) > 1 else ""),
                f"add {options[0]} = {{...}}",
            )


def check_online_urldate(bib: BibFile, e: Entry, s: Settings) -> Iterator[Issue]:
    """Under the knowledge-base profile, an online source says when it was read (biblatex makes urldate optional)."""
    if s.profile.online_urldate and e.type in ("online", "electronic", "www") and "urldate" not in e:
        yield at_entry(
            bib,
            e,
            "missing-urldate",
            "an online source needs urldate",
            "add urldate = {YYYY-MM-DD}, the day you read the page",
        )


def check_kb_fields(bib: BibFile, e: Entry, s: Settings) -> Iterator[Issue]:
    """Under the knowledge-base profile, every entry has a topic and a kind of source."""
    if not s.profile.kb_fields:
        return
    if s.topics is not None and not e.value("keywords").strip():
        yield at_entry(bib, e, "missing-topic", "the entry has no topic", "add keywords = {topic-slug, ...}")
    if s.sourcekinds is not None and "sourcekind" not in e:
        yield at_entry(
            bib,
            e,
            "missing-sourcekind",
            "the entry has no sourcekind",
            "add sourcekind = {ngo|intergovernmental|government|academic|industry|law|journalism}",
        )


def check_key(bib: BibFile, e: Entry, s: Settings) -> Iterator[Issue]:
    """Every key: not empty and short enough to name files; under the knowledge-base profile a work's key is a safe
    slug that follows <author><year><title-word> (other profiles take a key in any case, named by its slug; an
    @xdata entry's key names no page or file, refkb.inherit.is_work)."""
    p = e.key_pos
    if len(e.key) > MAX_KEY:
        yield issue(
            bib.path,
            p.line,
            p.col,
            "key-too-long",
            e.key[:20] + "…",
            f"the key has {len(e.key)} characters; a key names files and pages (at most {MAX_KEY})",
            "shorten it to <author><year><title-word>",
        )
        return
    if not e.key:
        yield issue(
            bib.path,
            p.line,
            p.col,
            "empty-key",
            "",
            f"@{e.type} entry has an empty key",
            "add a key such as polaris2018onramps",
        )
        return
    if not s.profile.key_convention or not is_work(e):
        return
    if not SAFE_KEY.match(e.key):
        yield issue(
            bib.path,
            p.line,
            p.col,
            "unsafe-key",
            e.key,
            f"key {e.key!r} is not a safe slug",
            "use lowercase letters, digits and hyphens only (^[a-z0-9][a-z0-9-]*$)",
        )
        return
    parts = key_parts(e)
    if not key_follows(e.key, parts):
        yield issue(
            bib.path,
            p.line,
            p.col,
            "key-convention",
            e.key,
            f"key {e.key!r} does not follow <author><year><title-word>",
            f"e.g. {example_key(parts)}",
        )


_NOT_CARRIED = BIBLATEX_FIELDS - CARRIED - NOT_PRINTED


def check_carried(bib: BibFile, e: Entry, s: Settings) -> Iterator[Issue]:
    """A biblatex field that biblatex's styles print but refkb's citations do not carry (refkb.csl.CARRIED): it
    would be dropped from every style without a word."""
    for f in e.fields:
        if f.name in _NOT_CARRIED and f.value.strip() and not carried(e, f.name):
            yield at_field(
                bib,
                e,
                f,
                "field-not-carried",
                f"'{f.name}' is a biblatex field refkb does not carry to the citations: no style will print it",
                "move what it says to a field refkb carries (e.g. note, or titleaddon for a translated title), or "
                "delete it",
                value=False,
            )


EntryCheck = Callable[[BibFile, Entry, Settings], Iterator[Issue]]
# Checks of what the entry holds as written (its key, its values)…
ENTRY_CHECKS: tuple[EntryCheck, ...] = (check_key, check_values, check_carried)
# …and of what a work has once crossref and xdata are resolved (refkb.inherit): a child has the date its parent
# gives. An @xdata entry is no work (refkb.inherit.is_work): checks/suite.py runs these on works only.
RECORD_CHECKS: tuple[EntryCheck, ...] = (check_type_and_required, check_online_urldate, check_kb_fields)
