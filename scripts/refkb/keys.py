"""Citation keys: the slug a key's pages and files are named by, and the knowledge base's key convention.

A BibTeX key may hold any case and most punctuation (`AntoEtal24`, `smith:2020`); a page address and a file name
need a safe slug. `slug` derives one (lowercase ASCII letters, digits and hyphens); two keys whose slugs are the same
are reported by the checks (`slug-collision`), never silently merged. A key that already is a safe slug (every key of
the knowledge-base profile) is its own slug.

The convention `<first author's family name or organisation><year or nd><first significant title word(s)>`
(`polaris2018onramps`) is the knowledge-base profile's rule: `key_parts` says what an entry allows, `key_follows`
whether a key follows it; `refkb add` builds new keys from the same parts.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from . import bibfile
from .model import Entry
from .values import AND, SIMPLE_NAME, split_names

SAFE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
SAFE_KEY = SAFE  # the name the checks and `refkb add` use
MAX_KEY = 64  # characters: a key names files and pages
_NOT_SAFE = re.compile(r"[^a-z0-9]+")

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "on",
        "of",
        "and",
        "in",
        "for",
        "to",
        "with",
        "from",
        "at",
        "by",
        "as",
        "or",
        "is",
        "are",
        "be",
        "its",
        "it",
        "into",
        "about",
        "via",
        "towards",
        "toward",
    ]
)
TITLE_LEADS = ("united nations",)

_TEX_MARKUP = re.compile(r"\\[a-zA-Z]+\s*|\\.|[{}]")
_NON_ALNUM = re.compile(r"[^a-z0-9]")
_WORD_SEP = re.compile(r"[\s/]+")
_NOT_WORD_OR_SEP = re.compile(r"[^a-z0-9\s/]+")
_NUMBER_WORD = re.compile(r"\d+(?:st|nd|rd|th)?")
_ALNUM_RUN = re.compile(r"[a-z0-9]+")
_YEAR_PREFIX = re.compile(r"\d{4}")
_KEY_SUFFIX = re.compile(r"-[a-z0-9]+$")


def slug(key: str) -> str:
    """The key's slug: the key itself when it is safe, else folded to ASCII, lowercased, with each run of other
    characters made one hyphen ('entry' when nothing is left)."""
    if SAFE.match(key):
        return key
    folded = unicodedata.normalize("NFKD", key).encode("ascii", "ignore").decode("ascii").lower()
    return _NOT_SAFE.sub("-", folded).strip("-") or "entry"


def ascii_fold(text: str) -> str:
    """Text as a key may hold it: TeX markup dropped, accents folded to ASCII, lower case."""
    if text.isascii() and "\\" not in text and "{" not in text:
        return text.lower()
    text = _TEX_MARKUP.sub("", text)
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


@functools.lru_cache(maxsize=4096)
def _fold_key_part(text: str) -> str:
    """An author name or short name as it stands in a key: ASCII letters and digits, lower case."""
    return _NON_ALNUM.sub("", ascii_fold(text))


def title_words(title: str, limit: int = 0) -> list[str]:
    """The significant words of a title, as the key convention uses them (lower-case ASCII, no stop words);
    with `limit`, only the first `limit` of them (a key uses the first one or two)."""
    folded = ascii_fold(title)
    for lead in TITLE_LEADS:
        if folded.startswith(lead + " "):
            folded = folded[len(lead) + 1 :]
    if limit:  # the first words are enough: leave long titles unsplit
        folded = " ".join(folded.split(None, limit * 3 + 4)[: limit * 3 + 4])
    out = []
    for w in _WORD_SEP.split(_NOT_WORD_OR_SEP.sub("", folded)):
        if not w or w in STOPWORDS or (w[0].isdigit() and _NUMBER_WORD.fullmatch(w)):
            continue
        out.append(w)
        if limit and len(out) >= limit:
            break
    return out


def family_names(name: str) -> list[str]:
    """Candidate family names of one personal name, for the key convention ('van der Berg, Jan': vanderberg, berg)."""
    if SIMPLE_NAME.match(name):
        head = name.split(",")[0].split() if "," in name else name.split()[-1:]
        return [" ".join(head), *([head[-1]] if len(head) > 1 else [])]
    try:
        parts = bibfile.name_parts(name)
    except bibfile.BadName:
        return []
    return [" ".join(parts.von + parts.last), " ".join(parts.last)]


@dataclass(frozen=True)
class KeyParts:
    """What the key convention allows for one entry."""

    prefixes: frozenset[str]  # the first author's family name(s), an organisation's initials or short name
    year: str  # four digits, or 'nd'
    titles: tuple[tuple[str, ...], ...]  # the significant words of the title and of the short title


def _outlet(e: Entry) -> str:
    """An unsigned news article's or web page's outlet as a key prefix ('The Washington Post': washingtonpost)."""
    outlet = ascii_fold(e.value("journaltitle") or e.value("organization")).strip()
    outlet = re.sub(r"^the\s+", "", outlet, flags=re.I)
    return "".join(_ALNUM_RUN.findall(outlet.lower()))


def key_parts(e: Entry) -> KeyParts:
    """What the key convention allows: author prefixes, the year (or 'nd'), and title word lists."""
    prefixes: set[str] = set()
    short = e.value("shortauthor")
    if short:
        prefixes.add(_fold_key_part(short))
    if not (e.value("author") or e.value("editor")) and (e.value("journaltitle") or e.value("organization")):
        prefixes.add(_outlet(e))  # the outlet stands in for the author
    people = " ".join((e.value("author") or e.value("editor")).split())
    names = AND.split(people, maxsplit=1) if "{" not in people else split_names(people)
    first = names[0].strip() if names else ""
    if first.startswith("{") and first.endswith("}"):
        words = _ALNUM_RUN.findall(ascii_fold(first))
        prefixes.add("".join(w[0] for w in words if w not in STOPWORDS))
        prefixes.add(words[0] if words else "")
    elif first:
        prefixes.update(_fold_key_part(n) for n in family_names(first))
    m = _YEAR_PREFIX.match((e.value("date") or e.value("year")).strip())
    titles = tuple(tuple(title_words(e.value(n), limit=4)) for n in ("title", "shorttitle") if e.value(n))
    return KeyParts(frozenset(p for p in prefixes if p), m.group(0) if m else "nd", titles)


def key_follows(key: str, parts: KeyParts) -> bool:
    """Whether `key` is <prefix><year><first title word(s)>, a -suffix allowed (a word may be cut after 4 letters)."""
    base = _KEY_SUFFIX.sub("", key)
    for prefix in parts.prefixes:
        head = prefix + parts.year
        if not base.startswith(head):
            continue
        rest = base[len(head) :]
        if not any(parts.titles):  # a title of stop words only ("About"): any title word will do
            return bool(rest)
        for words in parts.titles:
            if _rest_matches(rest, words):
                return True
    return False


def _rest_matches(rest: str, words: tuple[str, ...]) -> bool:
    joined = ""
    for w in words:
        joined += w
        if rest == joined or (rest and joined.startswith(rest) and len(rest) >= 4):
            return True
        if len(joined) > len(rest):
            break
    return False


def example_key(parts: KeyParts) -> str:
    """A key that follows the convention, for a message's fix."""
    prefix = sorted(parts.prefixes)[0] if parts.prefixes else "author"
    return prefix + parts.year + (parts.titles[0][0] if parts.titles and parts.titles[0] else "word")
