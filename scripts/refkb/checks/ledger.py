"""The claims ledger agrees with the library.

- `ledger-contradiction`: a note or correction that says a source is "not (yet) in the library". The library grows;
  such sentences go stale silently (two did when gifctndabout was added). A source the ledger needs is added, or
  named in the search log's screening records with the reason it was left out.
- `uncited-evidence`: an `evidence` key whose source the note never cites (`[@key]`) nor names (by its short
  author, first author's family name or organisation): the note should say what each cited source contributes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping

from .. import csl, kbdata
from ..model import Entry, Issue
from .codes import issue

_ABSENT = re.compile(r"\bnot\s+(?:yet\s+)?in\s+(?:the|this)\s+(?:library|knowledge\s+base)\b", re.I)


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


def names_of(entry: Entry) -> list[str]:
    """How a note may name a source: its short author, its first author's family name, its organisation."""
    out = [csl.plain(entry.value("shortauthor")).strip()]
    people = csl.people(entry.value("author") or entry.value("editor"))
    if people:
        out.append(people[0].family)
    for name in ("institution", "organization", "publisher", "journaltitle"):
        out.extend(p.family for p in csl.people(entry.value(name))[:1])
    return [n for n in out if n]


_KEY_GOES_ON = re.compile(r"[\w:-]")  # a character after '@key' that makes it another key


def _cites(note: str, key: str) -> bool:
    """`note` holds '@key' not followed by a character of a longer key (a string search: a pattern per key, 8,000
    of them, would each be compiled)."""
    needle = "@" + key
    at = note.find(needle)
    while at >= 0:
        if not _KEY_GOES_ON.match(note, at + len(needle)):
            return True
        at = note.find(needle, at + 1)
    return False


def _named(note: str, entry: Entry) -> bool:
    if _cites(note, entry.key):
        return True  # cited in the note itself: [@key]
    text = _fold(note)
    for name in names_of(entry):
        words = re.findall(r"\w+", _fold(name))
        if words and any(len(w) > 2 and re.search(rf"\b{re.escape(w)}", text) for w in words):
            return True
    return False


def check(path: str, claims: tuple[kbdata.Claim, ...], entries: Mapping[str, Entry]) -> Iterator[Issue]:
    for c in claims:
        for text in (c.note, c.corrected):
            m = _ABSENT.search(text)
            if m:
                yield issue(
                    path,
                    c.line,
                    1,
                    "ledger-contradiction",
                    c.id,
                    f"claim {c.id} says '{m.group(0)}': the library changes, and such a sentence goes stale",
                    "say what the cited sources show; name a missing source in the search log's screening instead",
                )
        for key in c.evidence:
            entry = entries.get(key)
            if entry is not None and not _named(c.note, entry):
                yield issue(
                    path,
                    c.line,
                    1,
                    "uncited-evidence",
                    c.id,
                    f"claim {c.id} lists [{key}] as evidence, but its note never names that source",
                    f"say in the note what [{key}] shows, or drop it from evidence",
                )
