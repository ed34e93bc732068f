"""Checks: one small function per concern, each yielding `Issue`s with a stable code listed in `CODES`.

`validate_bib` checks one .bib file on its own; `validate_project` adds the knowledge-base rules (annotation pages,
topics, citations in docs/). Neither prints: the CLI and the MkDocs hook decide how to report.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz, process

from . import annotation, bibfile, citations, coding, freshness, guard, hosts, htmlpolicy, kb, safeyaml, searchlog
from .checks import appraisal as appraisal_check
from .checks import ledger, slugs, trail
from .checks import names as name_variants
from .checks.codes import CODES
from .checks.codes import issue as _issue
from .model import BibFile, Entry, Field, Issue
from .project import Project
from .values import AND, DOI, DOI_PREFIX, split_names, url_problem


def at_field(bib: BibFile, entry: Entry, f: Field, code: str, message: str, fix: str, value: bool = True) -> Issue:
    p = f.value_pos if value else f.pos
    return _issue(bib.path, p.line, p.col, code, entry.key, message, fix)


def at_entry(bib: BibFile, entry: Entry, code: str, message: str, fix: str) -> Issue:
    p = entry.pos
    return _issue(bib.path, p.line, p.col, code, entry.key, message, fix)


# ---------------------------------------------------------------------------------------------------------------
# The biblatex data model: types, aliases and required fields ("a|b" means either).

ALIASES = {
    "conference": "inproceedings",
    "electronic": "online",
    "www": "online",
    "mastersthesis": "thesis",
    "phdthesis": "thesis",
    "techreport": "report",
    "journal": "journaltitle",
    "address": "location",
    "school": "institution",
}
_AUTHOR = "author|editor"
REQUIRED: dict[str, tuple[str, ...]] = {
    "article": ("author", "title", "journaltitle|journal", "date|year"),
    "book": ("author|editor", "title", "date|year"),
    "mvbook": ("author|editor", "title", "date|year"),
    "inbook": ("author", "title", "booktitle", "date|year"),
    "bookinbook": ("author", "title", "booktitle", "date|year"),
    "suppbook": ("author", "title", "booktitle", "date|year"),
    "booklet": (_AUTHOR, "title", "date|year"),
    "collection": ("editor", "title", "date|year"),
    "mvcollection": ("editor", "title", "date|year"),
    "incollection": ("author", "title", "booktitle", "date|year"),
    "suppcollection": ("author", "title", "booktitle", "date|year"),
    "dataset": (_AUTHOR, "title", "date|year"),
    "manual": (_AUTHOR, "title", "date|year"),
    "misc": (_AUTHOR, "title", "date|year"),
    # An undated web page is common and honest ("n.d."); urldate is required instead (missing-urldate).
    "online": (_AUTHOR, "title", "url|doi|eprint"),
    "patent": ("author", "title", "number", "date|year"),
    "periodical": ("editor", "title", "date|year"),
    "suppperiodical": ("author", "title", "journaltitle|journal", "date|year"),
    "proceedings": ("title", "date|year"),
    "mvproceedings": ("title", "date|year"),
    "inproceedings": ("author", "title", "booktitle", "date|year"),
    "reference": ("editor", "title", "date|year"),
    "mvreference": ("editor", "title", "date|year"),
    "inreference": ("author", "title", "booktitle", "date|year"),
    "report": ("author", "title", "type", "institution|school", "date|year"),
    "techreport": ("author", "title", "institution|school", "date|year"),
    "software": (_AUTHOR, "title", "date|year"),
    "thesis": ("author", "title", "type", "institution|school", "date|year"),
    "mastersthesis": ("author", "title", "institution|school", "date|year"),
    "phdthesis": ("author", "title", "institution|school", "date|year"),
    "unpublished": ("author", "title", "date|year"),
    "set": ("entryset",),
    "xdata": (),
    # Types biblatex defines but its standard styles do not support: title and date at least.
    **dict.fromkeys(
        (
            "artwork",
            "audio",
            "bibnote",
            "commentary",
            "image",
            "jurisdiction",
            "legislation",
            "legal",
            "letter",
            "movie",
            "music",
            "performance",
            "review",
            "standard",
            "video",
        ),
        ("title", "date|year"),
    ),
    **{f"custom{c}": () for c in "abcdef"},
}
for _alias, _target in (("conference", "inproceedings"), ("electronic", "online"), ("www", "online")):
    REQUIRED[_alias] = REQUIRED[_target]

SAFE_KEY = re.compile(r"^[a-z0-9][a-z0-9-]*$")
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_PART = r"(?:\d{4}(?:-\d{2}(?:-\d{2})?)?)"
DATE = re.compile(rf"^(?:{_DATE_PART}(?:/(?:{_DATE_PART})?)?|/{_DATE_PART})$")
YEAR = re.compile(r"^\d{4}$")
_PAGE = r"(?:[A-Za-z]?\d+[A-Za-z]?(?::\d+)?|[ivxlcdm]+|[IVXLCDM]+)"
PAGES = re.compile(rf"^{_PAGE}(?:\s*(?:--|-|–|—)\s*{_PAGE})?$")
MONTH_NAMES = {name.lower(): i for i, name in enumerate(bibfile.MONTHS.values(), 1)}
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad\u180e]")
SUSPECT = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u200b-\u200d\u2060\ufeff\u00ad\u180e]"
)
# Precompiled patterns used in the per-entry checks (10,000 entries call them ~30,000 times each).
_DOI_BAD_CHAR = re.compile(r"[\"'<>\\{}\s]")
_ISBN_SEP = re.compile(r"[\s-]")
_ISBN10 = re.compile(r"\d{9}[\dX]")
_ISBN13 = re.compile(r"97[89]\d{10}")
_ISBN_LIST_SEP = re.compile(r"\s*[,;\s]\s*|\s+and\s+")
_ISSN_LIST_SEP = re.compile(r"\s*[,;]\s*|\s+and\s+")
_ISSN = re.compile(r"\d{7}[\dX]")
_RANGE_SEP = re.compile(r"--")
_DANGLING_AND = re.compile(r"(?:^|\s)and\s*$|^\s*and\s|\sand\s+and\s")  # "A and and B": an empty name
_BARE_AMP = re.compile(r"(?<!\\)&")
_TEX_MARKUP = re.compile(r"\\[a-zA-Z]+\s*|\\.|[{}]")
_NON_ALNUM = re.compile(r"[^a-z0-9]")
_WORD_SEP = re.compile(r"[\s/]+")
_LEADING_ARTICLE = re.compile(r"^(?:the|a|an) ")
_NOT_WORD_OR_SEP = re.compile(r"[^a-z0-9\s/]+")
_NUMBER_WORD = re.compile(r"\d+(?:st|nd|rd|th)?")
_ALNUM_RUN = re.compile(r"[a-z0-9]+")
_YEAR_PREFIX = re.compile(r"\d{4}")
_KEY_SUFFIX = re.compile(r"-[a-z0-9]+$")
_URL_SCHEME_WWW = re.compile(r"^https?://(www\.)?")
URL_FIELDS = ("url", "archiveurl")
ORG_FIELDS = ("institution", "organization", "publisher", "school")
NAME_FIELDS = ("author", "editor", "translator", "bookauthor")
VERBATIM = frozenset({"url", "archiveurl", "doi", "file", "eprint", "urlraw", "verba", "verbb", "verbc", "pdf"})
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


@dataclass(frozen=True)
class Settings:
    """What the checks need beyond the file: today's date and the controlled vocabularies (None: not checked)."""

    today: dt.date = field(default_factory=dt.date.today)
    topics: frozenset[str] | None = None
    sourcekinds: frozenset[str] | None = None
    sentence_case_titles: bool = False  # extra.refkb.titles: sentence-case


FieldCheck = Callable[[BibFile, Entry, Field, Settings], Iterator[Issue]]
FIELD_CHECKS: dict[str, list[FieldCheck]] = defaultdict(list)


def field_check(*names: str) -> Callable[[FieldCheck], FieldCheck]:
    def register(fn: FieldCheck) -> FieldCheck:
        for n in names:
            FIELD_CHECKS[n].append(fn)
        return fn

    return register


@field_check("year")
def check_year(bib: BibFile, e: Entry, f: Field, s: Settings) -> Iterator[Issue]:
    value = f.value.strip()
    if not YEAR.match(value):
        yield at_field(
            bib,
            e,
            f,
            "invalid-year",
            f"year {value!r} is not four digits",
            "write e.g. year = {2020}, or use date = {2020-07}",
        )
    elif not 1500 <= int(value) <= s.today.year + 1:
        yield at_field(
            bib, e, f, "year-out-of-range", f"year {value} is before 1500 or after next year", "check the year"
        )
    elif int(value) < 1800:
        yield at_field(bib, e, f, "implausible-year", f"year {value} is implausible", "check the year")


def _date_ok(value: str) -> bool:
    if not DATE.match(value):
        return False
    for part in value.split("/"):
        if part:
            y, m, d = [*part.split("-"), "01", "01"][:3]
            try:
                dt.date(int(y), int(m), int(d))
            except ValueError:
                return False
    return True


@field_check("date", "origdate", "eventdate")
def check_date(bib: BibFile, e: Entry, f: Field, s: Settings) -> Iterator[Issue]:
    value = f.value.strip()
    if not _date_ok(value):
        yield at_field(
            bib,
            e,
            f,
            "invalid-date",
            f"{f.name} {value!r} is not an ISO 8601 date",
            "write YYYY, YYYY-MM or YYYY-MM-DD (a range as start/end)",
        )
        return
    if f.name == "date" and "year" in e:
        year = e.value("year").strip()
        if YEAR.match(year) and not value.startswith(year) and not value.startswith("/"):
            yield at_field(
                bib, e, f, "date-year-mismatch", f"date {value} disagrees with year {year}", "keep only date"
            )
    for part in value.split("/"):
        if part and not 1500 <= int(part[:4]) <= s.today.year + 1:
            yield at_field(
                bib, e, f, "year-out-of-range", f"{f.name} {value} is before 1500 or after next year", "check the date"
            )
            return
    if int(value.lstrip("/")[:4]) < 1800:
        yield at_field(bib, e, f, "implausible-year", f"{f.name} {value} is implausible", "check the date")


@field_check("month")
def check_month(bib: BibFile, e: Entry, f: Field, s: Settings) -> Iterator[Issue]:
    value = f.value.strip().lower()
    if value.isdigit() and 1 <= int(value) <= 12:
        return
    if value in MONTH_NAMES or (value[:3] in bibfile.MONTHS and len(value) == 3):
        return
    yield at_field(
        bib,
        e,
        f,
        "invalid-month",
        f"month {f.value!r} is not a month",
        "write month = jan (a macro) or a number 1-12, or put the month in date",
    )


@field_check("urldate")
def check_urldate(bib: BibFile, e: Entry, f: Field, s: Settings) -> Iterator[Issue]:
    value = f.value.strip()
    if not ISO_DAY.match(value) or not _date_ok(value):
        yield at_field(
            bib,
            e,
            f,
            "invalid-urldate",
            f"urldate {value!r} is not an ISO 8601 day",
            "write the day you visited the page as YYYY-MM-DD",
        )
    elif dt.date.fromisoformat(value) > s.today:
        yield at_field(bib, e, f, "future-urldate", f"urldate {value} is in the future", "write the day of the visit")


@field_check("doi")
def check_doi(bib: BibFile, e: Entry, f: Field, s: Settings) -> Iterator[Issue]:
    value = f.value.strip()
    bare = DOI_PREFIX.sub("", value)
    if bare != value:
        yield at_field(
            bib, e, f, "doi-resolver-prefix", f"doi {value!r} carries a resolver prefix", f"write doi = {{{bare}}}"
        )
    if not DOI.match(bare) or _DOI_BAD_CHAR.search(bare):
        yield at_field(bib, e, f, "invalid-doi", f"doi {value!r} is not a DOI", "a DOI looks like 10.1234/abc-5")


@field_check(*URL_FIELDS)
def check_url(bib: BibFile, e: Entry, f: Field, s: Settings) -> Iterator[Issue]:
    problem = url_problem(f.value.strip())
    if problem:
        yield at_field(
            bib,
            e,
            f,
            "invalid-url",
            f"{f.name} {f.value.strip()[:80]!r} {problem}",
            "use the page's full http(s) address",
        )


@field_check(*URL_FIELDS)
def check_url_host(bib: BibFile, e: Entry, f: Field, s: Settings) -> Iterator[Issue]:
    host = hosts.classify(f.value)
    if host is None:
        return
    if host.kind == "piracy":
        yield at_field(
            bib,
            e,
            f,
            "piracy-host",
            f"{f.name} points to {hosts.host_of(f.value)}: {host.reason}",
            "remove the link; cite the publisher's page or the DOI",
        )
    elif f.name == "url":
        fix = "link the issuing body's own page or the DOI; keep the copy in the annotation's verified_at"
        yield at_field(bib, e, f, "mirror-url", f"url points to {hosts.host_of(f.value)}: {host.reason}", fix)


# Where a new sentence or a subtitle starts inside a title: its first word keeps its capital.
_SENTENCE_START = re.compile(r"(?:^|[:?!.—]|\s–|\s-{2,3}|[“\"‘(])\s*$")
_TITLE_WORD = re.compile(r"(?<![\\\w])[^\W\d_][\w'’]*")


def title_case_problem(value: str) -> tuple[int, str] | None:
    """The offset and word of the first capitalised word outside braces that does not start the title or a
    subtitle: under the sentence-case convention APA's and Harvard's engines would print it as it stands, and a
    proper noun would be lowered by BibTeX styles and pandoc."""
    masked = list(value)
    depth = 0
    for i, ch in enumerate(value):
        escaped = i > 0 and value[i - 1] == "\\"
        if ch == "{" and not escaped:
            depth += 1
        if depth:
            masked[i] = "x"
        if ch == "}" and depth and not escaped:
            depth -= 1
    text = "".join(masked)
    for m in _TITLE_WORD.finditer(text):
        if m.group(0)[0].isupper() and not _SENTENCE_START.search(text[: m.start()]):
            return m.start(), m.group(0)
    return None


@field_check("title", "subtitle")
def check_title_case(bib: BibFile, e: Entry, f: Field, s: Settings) -> Iterator[Issue]:
    found = title_case_problem(f.value) if s.sentence_case_titles else None
    if found is None:
        return
    _, word = found
    fix = f"write it lower-case, or protect a proper noun or acronym: {{{word}}} (CONTRIBUTING.md, Titles)"
    yield at_field(bib, e, f, "title-case", f"{f.name}: {word!r} is capitalised outside braces", fix)


def isbn_ok(value: str) -> bool:
    digits = _ISBN_SEP.sub("", value).upper()
    if _ISBN10.fullmatch(digits):
        total = sum((10 - i) * (10 if c == "X" else int(c)) for i, c in enumerate(digits))
        return total % 11 == 0
    if _ISBN13.fullmatch(digits):
        return sum((3 if i % 2 else 1) * int(c) for i, c in enumerate(digits)) % 10 == 0
    return False


@field_check("isbn")
def check_isbn(bib: BibFile, e: Entry, f: Field, s: Settings) -> Iterator[Issue]:
    value = f.value.strip()
    items = [value] if isbn_ok(value) else _ISBN_LIST_SEP.split(value)
    bad = [v for v in items if v and not isbn_ok(v)]
    if bad:
        yield at_field(
            bib,
            e,
            f,
            "invalid-isbn",
            f"isbn {bad[0]!r} has a wrong length or checksum",
            "copy the ISBN again from the publication",
        )


@field_check("issn")
def check_issn(bib: BibFile, e: Entry, f: Field, s: Settings) -> Iterator[Issue]:
    for v in _ISSN_LIST_SEP.split(f.value.strip()):
        d = v.replace("-", "").upper()
        ok = (
            _ISSN.fullmatch(d) is not None
            and (sum((8 - i) * int(c) for i, c in enumerate(d[:7])) + (10 if d[7] == "X" else int(d[7]))) % 11 == 0
        )
        if v and not ok:
            yield at_field(
                bib, e, f, "invalid-issn", f"issn {v!r} has a wrong form or checksum", "write NNNN-NNNC as printed"
            )
            return


@field_check("pages")
def check_pages(bib: BibFile, e: Entry, f: Field, s: Settings) -> Iterator[Issue]:
    value = f.value.strip()
    parts = [p.strip() for p in value.split(",")]
    if not all(PAGES.match(p) for p in parts):
        yield at_field(
            bib, e, f, "invalid-pages", f"pages {value!r} is not a page or page range", "write pages = {12--34}"
        )
        return
    for p in parts:
        if not re.fullmatch(rf"{_PAGE}(?:--{_PAGE})?", p):
            yield at_field(
                bib,
                e,
                f,
                "page-range-hyphen",
                f"pages {value!r} uses a single hyphen or dash",
                "write the range with two hyphens: 12--34",
            )
            return
        ends = _RANGE_SEP.split(p)
        if len(ends) == 2 and ends[0].isdigit() and ends[1].isdigit() and int(ends[0]) > int(ends[1]):
            yield at_field(bib, e, f, "invalid-pages", f"pages {value!r} ends before it starts", "check the page range")
            return


_SIMPLE_NAME = re.compile(r"^[^,{}\\]+(?:,[^,{}\\]+){0,2}$")


def family_names(name: str) -> list[str]:
    """Candidate family names of one personal name, for the key convention ('van der Berg, Jan': vanderberg, berg)."""
    if _SIMPLE_NAME.match(name):
        head = name.split(",")[0].split() if "," in name else name.split()[-1:]
        return [" ".join(head), *([head[-1]] if len(head) > 1 else [])]
    try:
        parts = bibfile.name_parts(name)
    except bibfile.BadName:
        return []
    return [" ".join(parts.von + parts.last), " ".join(parts.last)]


@field_check(*NAME_FIELDS)
def check_names(bib: BibFile, e: Entry, f: Field, s: Settings) -> Iterator[Issue]:
    value = " ".join(f.value.split())
    names = split_names(value)
    if not names or any(not n.strip() for n in names) or _DANGLING_AND.search(value):
        yield at_field(bib, e, f, "invalid-name", f"{f.name} has an empty name", "remove the extra 'and'")
        return
    for n in names:
        problem = _name_problem(n)
        if problem:
            yield at_field(
                bib,
                e,
                f,
                "invalid-name",
                f"{f.name} name {n!r} {problem}",
                "write 'Family, Given' or a braced organisation name",
            )
            return
    yield from _unprotected_and(bib, e, f, names)


@functools.lru_cache(maxsize=8192)
def _name_problem(name: str) -> str:
    """What is wrong with one personal or braced name ('' if nothing): names repeat, so each is parsed once."""
    if _SIMPLE_NAME.match(name):
        return ""
    try:
        parts = bibfile.name_parts(name)
    except bibfile.BadName as exc:
        return f"is malformed ({exc})"
    return "" if parts.last else "has no family name"


@field_check(*ORG_FIELDS)
def check_org(bib: BibFile, e: Entry, f: Field, s: Settings) -> Iterator[Issue]:
    yield from _unprotected_and(bib, e, f, split_names(" ".join(f.value.split())))


ORG_WORDS = frozenset(
    [
        "office",
        "center",
        "centre",
        "institute",
        "organization",
        "organisation",
        "department",
        "ministry",
        "council",
        "agency",
        "association",
        "foundation",
        "committee",
        "commission",
        "university",
        "bureau",
        "network",
        "alliance",
        "project",
        "union",
        "coalition",
        "group",
        "society",
        "conference",
        "federation",
        "board",
        "service",
        "services",
        "nations",
        "assembly",
        "parliament",
        "congress",
        "court",
    ]
)


def _looks_like_org_fragment(name: str) -> bool:
    if name.startswith("{") or "," in name:
        return False
    return any(w.lower().strip(".()") in ORG_WORDS for w in name.split())


def _unprotected_and(bib: BibFile, e: Entry, f: Field, names: list[str]) -> Iterator[Issue]:
    """'Office on Drugs and Crime' unbraced: biblatex and pandoc split it into two names. In a name list this is
    flagged only when a part looks like an organisation; in publisher/institution (lists too) always."""
    if len(names) < 2:
        return
    unbraced = [n.strip() for n in names if not n.strip().startswith("{")]
    org_field = f.name in ORG_FIELDS
    if (org_field and unbraced) or any(_looks_like_org_fragment(n) for n in unbraced):
        yield at_field(
            bib,
            e,
            f,
            "unprotected-and",
            f"{f.name} {' '.join(f.value.split())[:60]!r} will be read as {len(names)} names",
            "protect an organisation's name with double braces: {{Office on Drugs and Crime}}",
        )


@field_check("keywords")
def check_topics(bib: BibFile, e: Entry, f: Field, s: Settings) -> Iterator[Issue]:
    if s.topics is None:
        return
    for word in (w.strip() for w in f.value.split(",")):
        if word and word not in s.topics:
            yield at_field(
                bib,
                e,
                f,
                "unknown-topic",
                f"topic {word!r} is not in the vocabulary",
                "use one of extra.refkb.topics in mkdocs.yml: " + ", ".join(sorted(s.topics)),
            )


@field_check("sourcekind")
def check_sourcekind(bib: BibFile, e: Entry, f: Field, s: Settings) -> Iterator[Issue]:
    if s.sourcekinds is not None and f.value.strip() not in s.sourcekinds:
        yield at_field(
            bib,
            e,
            f,
            "invalid-sourcekind",
            f"sourcekind {f.value.strip()!r} is unknown",
            "use one of: " + ", ".join(sorted(s.sourcekinds)),
        )


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
            for pattern, code, what in (
                (CONTROL, "control-character", "a control character"),
                (BIDI, "bidi-control", "a bidirectional control character"),
                (INVISIBLE, "invisible-character", "an invisible character"),
            ):
                m = pattern.search(f.raw)
                if m:
                    p = f.position_of(m.start())
                    name = unicodedata.name(m.group(0), f"U+{ord(m.group(0)):04X}")
                    yield _issue(
                        bib.path,
                        p.line,
                        p.col,
                        code,
                        e.key,
                        f"'{f.name}' holds {what} ({name})",
                        "delete it; retype the text around it",
                    )
        if amp and f.name not in VERBATIM:
            m = _BARE_AMP.search(f.raw)
            if m:
                p = f.position_of(m.start())
                yield _issue(
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
        yield _issue(
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
    if e.type in ("online", "electronic", "www") and "urldate" not in e:
        yield at_entry(
            bib,
            e,
            "missing-urldate",
            "an online source needs urldate",
            "add urldate = {YYYY-MM-DD}, the day you read the page",
        )


def check_kb_fields(bib: BibFile, e: Entry, s: Settings) -> Iterator[Issue]:
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


@functools.lru_cache(maxsize=4096)
def _fold_key_part(text: str) -> str:
    """An author name or short name as it stands in a key: ASCII letters and digits, lower case."""
    return _NON_ALNUM.sub("", ascii_fold(text))


def ascii_fold(text: str) -> str:
    if text.isascii() and "\\" not in text and "{" not in text:
        return text.lower()
    text = _TEX_MARKUP.sub("", text)
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


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


def key_parts(e: Entry) -> tuple[set[str], str, list[list[str]]]:
    """What the key convention allows: author prefixes, the year (or 'nd'), and title word lists."""
    prefixes: set[str] = set()
    short = e.value("shortauthor")
    if short:
        prefixes.add(_fold_key_part(short))
    if not (e.value("author") or e.value("editor")) and (e.value("journaltitle") or e.value("organization")):
        # An unsigned news article or web page: the outlet stands in for the author ("The Washington Post").
        outlet = ascii_fold(e.value("journaltitle") or e.value("organization")).strip()
        outlet = re.sub(r"^the\s+", "", outlet, flags=re.I)
        prefixes.add("".join(_ALNUM_RUN.findall(outlet.lower())))
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
    year = m.group(0) if m else "nd"
    titles = [title_words(e.value(n), limit=4) for n in ("title", "shorttitle") if e.value(n)]
    return {p for p in prefixes if p}, year, titles


MAX_KEY = 64


def check_key(bib: BibFile, e: Entry, s: Settings) -> Iterator[Issue]:
    p = e.key_pos
    if len(e.key) > MAX_KEY:
        yield _issue(
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
        yield _issue(
            bib.path,
            p.line,
            p.col,
            "empty-key",
            "",
            f"@{e.type} entry has an empty key",
            "add a key such as polaris2018onramps",
        )
        return
    if not SAFE_KEY.match(e.key):
        yield _issue(
            bib.path,
            p.line,
            p.col,
            "unsafe-key",
            e.key,
            f"key {e.key!r} is not a safe slug",
            "use lowercase letters, digits and hyphens only (^[a-z0-9][a-z0-9-]*$)",
        )
        return
    prefixes, year, titles = key_parts(e)
    if not key_follows(e.key, prefixes, year, titles):
        example = (
            (sorted(prefixes)[0] if prefixes else "author") + year + (titles[0][0] if titles and titles[0] else "word")
        )
        yield _issue(
            bib.path,
            p.line,
            p.col,
            "key-convention",
            e.key,
            f"key {e.key!r} does not follow <author><year><title-word>",
            f"e.g. {example}",
        )


def key_follows(key: str, prefixes: set[str], year: str, titles: list[list[str]]) -> bool:
    base = _KEY_SUFFIX.sub("", key)
    for prefix in prefixes:
        head = prefix + year
        if not base.startswith(head):
            continue
        rest = base[len(head) :]
        if not any(titles):  # a title of stop words only ("About"): any title word will do
            return bool(rest)
        for words in titles:
            joined = ""
            for w in words:
                joined += w
                if rest == joined or (rest and joined.startswith(rest) and len(rest) >= 4):
                    return True
                if len(joined) > len(rest):
                    break
    return False


ENTRY_CHECKS: tuple[Callable[[BibFile, Entry, Settings], Iterator[Issue]], ...] = (
    check_key,
    check_type_and_required,
    check_online_urldate,
    check_values,
    check_kb_fields,
)


# ---------------------------------------------------------------------------------------------------------------
# File-level checks: keys and likely duplicates


def check_duplicate_keys(bib: BibFile) -> Iterator[Issue]:
    exact: dict[str, Entry] = {}
    folded: dict[str, Entry] = {}
    for e in bib.entries:
        if not e.key:
            continue
        p = e.key_pos
        if e.key in exact:
            yield _issue(
                bib.path,
                p.line,
                p.col,
                "duplicate-key",
                e.key,
                f"key {e.key!r} is used again (first on line {exact[e.key].key_pos.line})",
                "give one of the entries another key, or merge them",
            )
        elif e.key.lower() in folded:
            other = folded[e.key.lower()]
            yield _issue(
                bib.path,
                p.line,
                p.col,
                "duplicate-key-case",
                e.key,
                f"key {e.key!r} differs only in case from {other.key!r} (line {other.key_pos.line})",
                "keys name pages and files: rename one",
            )
        exact.setdefault(e.key, e)
        folded.setdefault(e.key.lower(), e)


def _normal_url(url: str) -> str:
    url = _URL_SCHEME_WWW.sub("", url.strip().lower())
    return url.rstrip("/")


def check_duplicate_identifiers(bib: BibFile) -> Iterator[Issue]:
    for name, code, norm in (
        ("doi", "duplicate-doi", lambda v: DOI_PREFIX.sub("", v.strip()).lower()),
        ("url", "duplicate-url", _normal_url),
    ):
        seen: dict[str, Entry] = {}
        for e in bib.entries:
            f = e.get(name)
            if f is None or not f.value.strip():
                continue
            value = norm(f.value)
            if value in seen and seen[value].key != e.key:
                first = seen[value]
                yield at_field(
                    bib,
                    e,
                    f,
                    code,
                    f"same {name} as [{first.key}] (line {first.pos.line})",
                    f"if both are the same work, keep one entry; else correct the {name}",
                )
            seen.setdefault(value, e)


def _normal_title(title: str) -> str:
    return " ".join(_ALNUM_RUN.findall(ascii_fold(title)))


def _similar_pairs(titles: list[str], cutoff: float) -> Iterator[tuple[int, int, float]]:
    """(i, j, score) for i < j with fuzz.ratio >= cutoff: plain calls for small blocks, cdist (numpy) for big ones."""
    if len(titles) < 24:
        for i in range(len(titles)):
            for j in range(i + 1, len(titles)):
                score = fuzz.ratio(titles[i], titles[j], score_cutoff=cutoff)
                if score:
                    yield i, j, score
        return
    matrix = process.cdist(titles, titles, scorer=fuzz.ratio, score_cutoff=cutoff, dtype="uint8")
    for i, j in zip(*matrix.nonzero(), strict=True):
        if i < j:
            yield int(i), int(j), float(matrix[i, j])


NEAR_DUPLICATES_PER_BLOCK = 20  # warnings listed one by one in a block; the rest are counted in one summary
_BLOCK_MAX = 2000  # a block larger than this is split again by the title's first word


def check_near_duplicates(bib: BibFile, cutoff: float = 92.0) -> Iterator[Issue]:
    """Near-identical titles within the same year. Blocked by year and by the first letter of the title (leading
    articles dropped), so comparisons stay near-linear; a title with a different first letter is no longer
    'near-identical' at this cutoff anyway. Identical titles are grouped before any comparison (8,000 "Annual
    report"s are one group, not 32 million pairs), a large block is split again by its first word, and each block
    lists at most `NEAR_DUPLICATES_PER_BLOCK` warnings, then one line with the count of the rest."""
    blocks: dict[tuple[str, str], dict[str, list[Entry]]] = defaultdict(dict)
    for e in bib.entries:
        title = e.value("title")
        if not title:
            continue
        m = _YEAR_PREFIX.match((e.value("date") or e.value("year")).strip())
        norm = _LEADING_ARTICLE.sub("", _normal_title(title))
        if norm:
            blocks[(m.group(0) if m else "", norm[0])].setdefault(norm, []).append(e)
    for (year, _), groups in blocks.items():
        if len(groups) > _BLOCK_MAX:
            split: dict[str, dict[str, list[Entry]]] = defaultdict(dict)
            for norm, members in groups.items():
                split[norm.split(" ", 1)[0]][norm] = members
            parts = list(split.values())
        else:
            parts = [groups]
        for part in parts:
            yield from _near_duplicates_in(bib, part, cutoff, year)


def _near_duplicates_in(bib: BibFile, groups: dict[str, list[Entry]], cutoff: float, year: str) -> Iterator[Issue]:
    pairs: list[tuple[Entry, Entry, int]] = []
    total = 0
    for members in groups.values():  # identical titles: each later one against the first
        first = members[0]
        for b in members[1:]:
            if b.key != first.key:
                total += 1
                if len(pairs) < NEAR_DUPLICATES_PER_BLOCK:
                    pairs.append((first, b, 100))
    titles = list(groups)
    if len(titles) > 1 and len(titles) <= _BLOCK_MAX * 4:
        for i, j, score in _similar_pairs(titles, cutoff):
            total += 1
            if len(pairs) < NEAR_DUPLICATES_PER_BLOCK:
                pairs.append((groups[titles[i]][0], groups[titles[j]][0], int(score)))
    for a, b, score in pairs:
        p = b.pos
        yield _issue(
            bib.path,
            p.line,
            p.col,
            "near-duplicate-title",
            b.key,
            f"title is near-identical to [{a.key}] (line {a.pos.line}, {score}% alike)",
            "if both are the same work, keep one entry",
        )
    if total > len(pairs):
        a = pairs[0][0]
        p = a.pos
        yield _issue(
            bib.path,
            p.line,
            p.col,
            "near-duplicate-title",
            a.key,
            f"… and {total - len(pairs):,} more near-identical titles in {year or 'undated'} entries like [{a.key}] "
            "(not listed one by one)",
            "look for repeated or templated titles, e.g. 'Annual report', and make each title specific",
        )


MAX_FIELD = 65_536  # characters in one field value (an abstract is a few thousand)


def validate_bib(bib: BibFile, settings: Settings | None = None) -> list[Issue]:
    """Every check on one parsed file: syntax (from reading), keys, fields and likely duplicates."""
    s = settings or Settings()
    issues = list(bib.issues)
    with bibfile.no_gc():
        for e in bib.entries:
            huge = [f for f in e.fields if len(f.value) > MAX_FIELD]
            if huge:  # nothing else is read of an entry that holds such a value: every later step would pay for it
                fix = f"shorten it below {MAX_FIELD:,} characters"
                for f in huge:
                    message = f"{f.name} is {len(f.value):,} characters long"
                    issues.append(at_field(bib, e, f, "field-too-large", message, fix, value=False))
                continue
            for check in ENTRY_CHECKS:
                issues.extend(check(bib, e, s))
            for f in e.fields:
                for fcheck in FIELD_CHECKS.get(f.name, ()):
                    issues.extend(fcheck(bib, e, f, s))
        issues.extend(check_duplicate_keys(bib))
        issues.extend(check_duplicate_identifiers(bib))
        issues.extend(check_near_duplicates(bib))
    return sorted(issues, key=Issue.sort_key)


# ---------------------------------------------------------------------------------------------------------------
# Knowledge-base rules


def check_annotations(
    project: Project, bib: BibFile, notes: Iterable[annotation.Annotation], today: dt.date | None = None
) -> Iterator[Issue]:
    by_key = {n.key: n for n in notes}
    keys = {e.key for e in bib.entries}
    bib_entry = {e.key: e for e in bib.entries}
    for e in bib.entries:
        if e.key and SAFE_KEY.match(e.key) and e.key not in by_key:
            want = project.relative(project.annotations / f"{e.key}.md")
            yield at_entry(
                bib,
                e,
                "missing-annotation",
                f"no annotation page {want}",
                "create it (refkb add scaffolds one) with the five sections",
            )
    for key, note in sorted(by_key.items()):
        path = project.relative(note.path)
        if key not in keys:
            yield _issue(
                path,
                1,
                1,
                "orphan-annotation",
                key,
                f"no entry [{key}] in {project.relative(project.bibliography)}",
                "add the entry or delete the page",
            )
        yield from check_annotation(path, note, today)
        yield from trail.check(path, note)
        entry = bib_entry.get(key)
        if project.appraisal_required and entry is not None:
            designs = [d.strip() for d in entry.value("design").split(",") if d.strip()]
            primary = project.coding.primary if project.coding else frozenset()
            yield from appraisal_check.check(path, note, designs, primary)


# Front matter is untrusted: MkDocs hands every key to the theme, which prints some of them unescaped
# (`description` and `author` in <head>, `template` picks a template, `redirect.html` reads `location`). So a page
# may carry only these keys, each of its type.
ANNOTATION_KEYS = frozenset({"verified_at", "verified_on", "content_note", "appraisal"})
PAGE_KEYS = frozenset({"title", "description", "hide", "search", "status"})
_HIDE = frozenset({"navigation", "toc", "footer", "path", "tags", "feedback"})
_PLAIN_UNSAFE = re.compile(r"[<>\"'&`\x00-\x1f\x7f]")


def _trail_item(x: object) -> bool:
    if isinstance(x, str):
        return True
    return (
        isinstance(x, dict)
        and set(x) == {"url", "note"}
        and isinstance(x["url"], str)
        and isinstance(x["note"], str)
        and 0 < len(x["note"].strip()) <= 300
    )


def front_matter_problems(meta: dict[str, object], allowed: frozenset[str]) -> list[tuple[str, str]]:
    """(key, what is wrong) for every key outside `allowed` or with a value of the wrong type."""
    out: list[tuple[str, str]] = []
    for k, v in meta.items():
        if k not in allowed:
            out.append((k, f"front-matter key '{k}' is not allowed here (allowed: {', '.join(sorted(allowed))})"))
        elif k == "verified_at":
            if not isinstance(v, str | list) or (isinstance(v, list) and not all(_trail_item(x) for x in v)):
                out.append((k, "verified_at must be a URL or a list of URLs (or {url: …, note: …} items)"))
        elif k == "verified_on":
            if not isinstance(v, dt.date | str) or isinstance(v, dt.datetime):
                out.append((k, "verified_on must be a date (YYYY-MM-DD)"))
        elif k == "content_note":
            if not isinstance(v, str) or len(v) > 2000 or CONTROL.search(v):
                out.append((k, "content_note must be one short text (no control characters)"))
        elif k in ("title", "description"):
            if not isinstance(v, str) or _PLAIN_UNSAFE.search(v) or len(v) > 500:
                out.append((k, f"{k} must be plain text without < > \" ' & ` (the theme prints it unescaped)"))
        elif k == "hide":
            if not isinstance(v, list) or not all(isinstance(x, str) and x in _HIDE for x in v):
                out.append((k, f"hide must be a list of: {', '.join(sorted(_HIDE))}"))
        elif k == "search":
            if (
                not isinstance(v, dict)
                or not set(v) <= {"exclude", "boost"}
                or not all(isinstance(x, bool | int | float) for x in v.values())
            ):
                out.append((k, "search may only hold exclude: true/false and boost: a number"))
        elif k == "status" and v not in ("new", "deprecated"):
            out.append((k, "status must be new or deprecated"))
    return out


def check_annotation(path: str, note: annotation.Annotation, today: dt.date | None = None) -> Iterator[Issue]:
    key = note.key
    where = note.meta_lines

    def line_of(name: str) -> int:
        return where.get(name, 2 if note.meta_error == "" else 1)

    if note.meta_code != "annotation-front-matter":  # not UTF-8, too large: nothing else can be checked
        yield _issue(
            path,
            note.meta_line,
            note.meta_col,
            note.meta_code,
            key,
            note.meta_error,
            "save the page as UTF-8" if note.meta_code == "encoding-not-utf8" else "shorten the page",
        )
        return
    if note.meta_error:
        yield _issue(
            path,
            note.meta_line,
            note.meta_col,
            "annotation-front-matter",
            key,
            note.meta_error,
            "start the page with ---, verified_at: [urls], verified_on: YYYY-MM-DD, ---",
        )
    else:
        for name, problem in front_matter_problems(note.meta, ANNOTATION_KEYS):
            yield _issue(
                path,
                line_of(name),
                1,
                "front-matter-key",
                key,
                problem,
                "an annotation's front matter holds verified_at, verified_on, content_note and appraisal only",
            )
        urls = note.verified_at
        if not urls or any(url_problem(u) for u in urls):
            yield _issue(
                path,
                line_of("verified_at"),
                1,
                "annotation-front-matter",
                key,
                "verified_at must list the http(s) pages where the record was confirmed",
                "add verified_at: [https://...]",
            )
        if note.verified_on is None:
            yield _issue(
                path,
                line_of("verified_on"),
                1,
                "annotation-front-matter",
                key,
                "verified_on must be a date (YYYY-MM-DD)",
                "add verified_on: YYYY-MM-DD",
            )
        elif note.verified_on > (today or dt.date.today()):
            yield _issue(
                path,
                line_of("verified_on"),
                1,
                "future-date",
                key,
                f"verified_on {note.verified_on} is in the future",
                "write the day the record was checked",
            )
    for section in annotation.SECTIONS:
        if section not in note.sections:
            yield _issue(
                path,
                note.body_line,
                1,
                "missing-section",
                key,
                f"no '## {section}' section",
                f"add '## {section}' with its text",
            )
        elif not note.sections[section]:
            yield _issue(
                path,
                note.section_lines[section],
                1,
                "empty-section",
                key,
                f"'## {section}' is empty",
                "write the section",
            )


def read_page(md: Path) -> str:
    """A docs page's text; '' when it is not UTF-8 or too large (check_docs_pages reports that, at the bad byte)."""
    try:
        data = md.read_bytes()
    except OSError:
        return ""
    if len(data) > annotation.MAX_BYTES:
        return ""
    try:
        return safeyaml.decode(data)
    except safeyaml.YamlError:
        return ""


_FRONT = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.S)
_ATTR_LIST = re.compile(r"\{:[^{}\n]*\}|\{[ \t]*[#.][A-Za-z_][^{}\n]*\}")
_ATTR_TOKEN = re.compile(r"""([^\s=]+)=("[^"]*"|'[^']*'|[^\s}]+)|(\S+)""")
_SAFE_ATTR = re.compile(r"^(?:#[A-Za-z][\w-]*|\.[A-Za-z_][\w-]*)$")
_SAFE_VALUE = re.compile(r"""^["']?[^"'<>`&:\\]*["']?$""")


_AUTOLINK = re.compile(r"^<(?:[a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>]*|[^\s<>@]+@[^\s<>@]+)>$")


MAX_NESTING = 64  # block quotes, list levels and indentation: Python-Markdown recurses once per level
_NESTING_PREFIX = re.compile(r"^(?:[ \t]*(?:>|[-*+][ \t]|\d{1,9}[.)][ \t]))+")


def nesting_problem(text: str) -> tuple[int, int] | None:
    """(line, depth) of the first line nested deeper than MAX_NESTING (a 600-deep list made Python-Markdown print a
    RecursionError traceback), or None."""
    for n, line in enumerate(text.split("\n"), 1):
        if len(line) < MAX_NESTING:
            continue
        indent = len(line) - len(line.lstrip(" \t"))
        prefix = _NESTING_PREFIX.match(line)
        markers = len(re.findall(r">|[-*+][ \t]|\d[.)][ \t]", prefix.group(0))) if prefix else 0
        depth = markers + line[:indent].expandtabs(4).count("  ")
        if depth > MAX_NESTING:
            return n, depth
    return None


def html_problems(text: str) -> Iterator[tuple[int, int, str]]:
    """(line, col, what) for each raw HTML tag in a page's prose that the site's HTML policy would strip."""
    prose = _NOT_PROSE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    for m in htmlpolicy.tags_in(prose):
        if _AUTOLINK.match(m.group(0)):
            continue  # <https://…> and <name@host> are Markdown autolinks, not HTML
        for p in htmlpolicy.problems(m.group(0)):
            line = text.count("\n", 0, m.start()) + 1
            col = m.start() - (text.rfind("\n", 0, m.start()) + 1) + p.col
            yield line, col, p.what


def attribute_problems(text: str) -> Iterator[tuple[int, int, str]]:
    """(line, col, what) for each attr_list `{: ...}` attribute that is not a plain #id, .class, title or lang."""
    prose = _NOT_PROSE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    for m in _ATTR_LIST.finditer(prose):
        inner = m.group(0)[1:-1].lstrip(":")
        for t in _ATTR_TOKEN.finditer(inner):
            name, value, bare = t.group(1), t.group(2), t.group(3)
            if bare is not None and _SAFE_ATTR.match(bare):
                continue
            if name in ("title", "lang") and value is not None and _SAFE_VALUE.match(value):
                continue
            line = prose.count("\n", 0, m.start()) + 1
            col = m.start() - (prose.rfind("\n", 0, m.start()) + 1) + 1
            yield line, col, (t.group(0)[:40])
            break


# What a page check found, kept by mkdocs serve between rebuilds: (check, path) -> (the file's modification time and
# size and the check's other inputs, the issues). A page is checked again only when one of them changed.
PageMemo = dict[tuple[str, str], tuple[tuple[object, ...], tuple[Issue, ...]]]


def _each_page(
    project: Project, check: str, inputs: object, fn: Callable[[Path], Iterable[Issue]], memo: PageMemo | None
) -> Iterator[Issue]:
    """`fn`'s issues for every page of docs/, in path order; with a memo, unchanged pages are not read again."""
    if not project.docs.is_dir():
        return
    for md in sorted(project.docs.rglob("*.md")):
        if memo is None:
            yield from fn(md)
            continue
        try:
            st = md.stat()
        except OSError:
            yield from fn(md)
            continue
        sig = (st.st_mtime_ns, st.st_size, inputs)
        old = memo.get((check, str(md)))
        if old is None or old[0] != sig:
            old = (sig, tuple(fn(md)))
            memo[(check, str(md))] = old
        yield from old[1]


def check_docs_pages(project: Project, today: dt.date | None = None, memo: PageMemo | None = None) -> Iterator[Issue]:
    """Every page of docs/: readable (UTF-8, not too large), front matter with allowed keys of the right type
    (annotation pages are checked by check_annotation), and attr_list attributes that cannot carry script."""
    return _each_page(project, "docs", today, lambda md: _docs_page(project, md), memo)


def _docs_page(project: Project, md: Path) -> Iterator[Issue]:
    rel = project.relative(md)
    guard.note(rel)
    try:
        data = md.read_bytes()
    except OSError as exc:
        yield _issue(rel, 1, 1, "data-invalid", "", f"cannot read ({exc.strerror})", "check the file")
        return
    if len(data) > annotation.MAX_BYTES:
        yield _issue(
            rel,
            1,
            1,
            "input-too-large",
            "",
            f"the page is larger than {annotation.MAX_BYTES // 1024} KB",
            "split the page",
        )
        return
    try:
        text = safeyaml.decode(data)
    except safeyaml.YamlError as exc:
        if md.parent != project.annotations:  # annotation pages: reported by check_annotation
            yield _issue(rel, exc.line, exc.col, "encoding-not-utf8", "", exc.message, "save the page as UTF-8")
        return
    bad = CONTROL.search(text)
    if bad is not None:
        line = text.count("\n", 0, bad.start()) + 1
        col = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        message = f"a control character U+{ord(bad.group(0)):04X} in the page"
        yield _issue(rel, line, col, "control-character", "", message, "delete it (an editor may show it as a box)")
    deep = nesting_problem(text)
    if deep is not None:
        fix = f"flatten it to at most {MAX_NESTING} levels"
        yield _issue(rel, deep[0], 1, "nesting-too-deep", "", f"a line nested {deep[1]} levels deep", fix)
        return
    for line, col, what in html_problems(text):
        fix = "write it in Markdown, or use only the tags and attributes htmlpolicy.py allows"
        yield _issue(rel, line, col, "unsafe-html", "", f"raw HTML with {what}", fix)
    for line, col, what in attribute_problems(text):
        yield _issue(
            rel,
            line,
            col,
            "unsafe-attribute",
            "",
            f"attribute list with {what!r}",
            "use only {: #plain-id .class }: event handlers, styles and quotes are refused",
        )
    if md.parent == project.annotations or not text.startswith("---"):
        return
    m = _FRONT.match(text)
    if m is None:
        return
    try:
        meta = safeyaml.load(m.group(1), safeyaml.Options(line_offset=1))
    except safeyaml.YamlError as exc:
        yield _issue(
            rel,
            exc.line,
            exc.col,
            "front-matter-key",
            "",
            f"front matter: {exc.message}",
            "fix the YAML between the --- lines",
        )
        return
    if meta is None:
        return
    if not isinstance(meta, dict):
        yield _issue(rel, 2, 1, "front-matter-key", "", "front matter is not a mapping", "write key: value lines")
        return
    lines = {
        k.group(1).strip(): m.group(1).count("\n", 0, k.start()) + 2 for k in annotation._TOP_KEY.finditer(m.group(1))
    }
    for name, problem in front_matter_problems({str(k): v for k, v in meta.items()}, PAGE_KEYS):
        yield _issue(
            rel,
            lines.get(name, 2),
            1,
            "front-matter-key",
            "",
            problem,
            "a page's front matter may hold title, description, hide, search and status",
        )


def check_citations(project: Project, keys: set[str], memo: PageMemo | None = None) -> Iterator[Issue]:
    return _each_page(project, "citations", hash(frozenset(keys)), lambda md: _page_citations(project, md, keys), memo)


def _page_citations(project: Project, md: Path, keys: set[str]) -> Iterator[Issue]:
    if md.parent == project.annotations and md.stem in keys:
        return
    text = read_page(md)
    if "@" not in text:
        return
    for key, line, col in citations.keys(text):
        if key not in keys:
            yield _issue(
                project.relative(md),
                line,
                col,
                "unresolved-citation",
                key,
                f"[@{key}] names no entry in {project.relative(project.bibliography)}",
                "correct the key or add the reference",
            )


_PHONE = re.compile(r"(?<![\w/.,-])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)[\s.-]?)?\d{1,5}(?:[\s.-]\d{2,5}){1,4}(?![\w/-])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
_HANDLE = re.compile(r"(?<![\w@\[/.-])@([A-Za-z0-9_](?:[A-Za-z0-9_.]*[A-Za-z0-9_])?)")
_NOT_PROSE = re.compile(
    r"\A---[ \t]*\n.*?\n---[ \t]*\n|^([ \t]*)(`{3,}|~{3,})[^\n]*\n.*?(?:^[ \t]*\2[`~]*[ \t]*$|\Z)|<!--.*?-->|"
    r"(?<!`)(`+)(?!`).+?(?<!`)\3(?!`)",
    re.S | re.M,
)


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def check_do_no_harm(project: Project, keys: set[str], memo: PageMemo | None = None) -> Iterator[Issue]:
    """No phone numbers but the allow-listed help lines, no e-mail addresses and no social-media handles in the
    prose of docs/ (front matter, code and HTML comments are not prose)."""
    allowed = {_digits(n) for n in project.helplines}
    inputs = (hash(frozenset(keys)), tuple(sorted(allowed)))
    return _each_page(project, "harm", inputs, lambda md: _page_harm(project, md, keys, allowed), memo)


def _page_harm(project: Project, md: Path, keys: set[str], allowed: set[str]) -> Iterator[Issue]:
    text = read_page(md)
    if "@" not in text and not any(9 <= len(_digits(m.group(0))) <= 15 for m in _PHONE.finditer(text)):
        return  # nothing that could be a handle, an address or a phone number: skip the masking
    prose = _NOT_PROSE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    rel = project.relative(md)

    def found(offset: int, code: str, key: str, message: str, fix: str) -> Issue:
        line = prose.count("\n", 0, offset) + 1
        return _issue(rel, line, offset - (prose.rfind("\n", 0, offset) + 1) + 1, code, key, message, fix)

    for m in _EMAIL.finditer(prose):
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


def check_coding(bib: BibFile, scheme: coding.Scheme | None) -> Iterator[Issue]:
    """The evidence coding of every entry (refkb.coding): values in their vocabularies, required dimensions."""
    if scheme is None:
        return
    for e in bib.entries:
        for p in coding.problems(e, scheme):
            if p.field is None:
                yield at_entry(bib, e, p.code, p.message, p.fix)
            else:
                pos = p.field.position_of(p.offset)
                yield _issue(bib.path, pos.line, pos.col, p.code, e.key, p.message, p.fix)


def read_bibliography(project: Project) -> tuple[BibFile, list[Issue]]:
    """The project's bibliography: its macro files (extra.refkb.bibliography lists several) read first, in order,
    so that their @string macros are defined in the last file, which holds the entries; with the macro files'
    own syntax problems."""
    paths = [*project.macro_files, project.bibliography]
    bibs = bibfile.read_set(paths, [project.relative(p) for p in paths])
    return bibs[-1], [i for b in bibs[:-1] for i in b.issues]


def project_settings(project: Project, today: dt.date | None = None) -> Settings:
    return Settings(
        today or dt.date.today(), project.topic_slugs, frozenset(project.sourcekinds), project.titles == "sentence-case"
    )


def validate_bibliography(
    project: Project, bib: BibFile, settings: Settings, macro_issues: Sequence[Issue] | None = None
) -> list[Issue]:
    """The checks that read the bibliography alone (its macro files' syntax included, as `read_bibliography`
    returned it — read again only when not given): what `mkdocs serve` can keep while only pages change."""
    if macro_issues is None:
        macro_issues = read_bibliography(project)[1] if project.macro_files else []
    return (
        validate_bib(bib, settings)
        + list(macro_issues)
        + list(check_coding(bib, project.coding))
        + list(name_variants.check(bib))
    )


def validate_project(
    project: Project,
    today: dt.date | None = None,
    notes: Sequence[annotation.Annotation] | None = None,
    data: kb.Data | None = None,
    bib: BibFile | None = None,
    bib_issues: Sequence[Issue] | None = None,
    page_memo: PageMemo | None = None,
) -> tuple[BibFile, list[Issue]]:
    """The project's references.bib with every check, its annotation pages (read here unless given) and the
    citations in docs/. `bib_issues` are `validate_bibliography`'s, when the caller kept them for this `bib`."""
    settings = project_settings(project, today)
    if bib is None:
        bib, _ = read_bibliography(project)
    issues = list(bib_issues) if bib_issues is not None else validate_bibliography(project, bib, settings)
    if not any(i.code == "encoding-not-utf8" for i in issues):
        scanned = annotation.scan(project.annotations) if notes is None else notes
        issues.extend(check_annotations(project, bib, scanned, settings.today))
        issues.extend(check_freshness(project, scanned, settings.today))
        issues.extend(check_docs_pages(project, settings.today, page_memo))
        keys = {e.key for e in bib.entries}
        issues.extend(check_citations(project, keys, page_memo))
        issues.extend(check_do_no_harm(project, keys, page_memo))
        data = data if data is not None else kb.load(project, keys, settings.today)
        issues.extend(data.issues)
        issues.extend(check_search_log(project, keys, settings.today))
        issues.extend(slugs.check(project, data))
        claims_path = project.relative(project.docs / "claims.yml")
        issues.extend(ledger.check(claims_path, data.claims, {e.key: e for e in bib.entries}))
    return bib, sorted(issues, key=Issue.sort_key)


def search_vocabulary(project: Project) -> dict[str, list[str]]:
    """The slugs a search may aim at: topics and the coding's values (platform categories apart)."""
    vocab: dict[str, list[str]] = {"topics": [t.slug for t in project.topics]}
    scheme = project.coding
    if scheme is not None:
        vocab["platform_categories"] = [c.slug for c in scheme.categories]
        for dim in scheme.dimensions:
            vocab[dim.name] = list(dim.by_slug)
    return vocab


def check_search_log(project: Project, keys: set[str], today: dt.date) -> Iterator[Issue]:
    """The search log and screening records (extra.refkb.searches), when the project keeps one."""
    if project.searches is None:
        return
    log = searchlog.load(project.searches, project.relative(project.searches), search_vocabulary(project))
    yield from log.issues
    if not log.issues:
        yield from searchlog.check(log, keys, today, [t.slug for t in project.topics])


def check_freshness(project: Project, notes: Iterable[annotation.Annotation], today: dt.date) -> Iterator[Issue]:
    """Annotations verified longer ago than the configured age (a missing date is annotation-front-matter's)."""
    months = project.stale_after_months
    for note in sorted(notes, key=lambda n: n.key):
        on = note.verified_on
        if on is not None and freshness.is_stale(on, today, months):
            yield _issue(
                project.relative(note.path),
                1,
                1,
                "stale-verification",
                note.key,
                f"verified_on {on.isoformat()} is more than {months} months before {today.isoformat()}",
                "re-check the record on the issuing body's page and update verified_on (and verified_at)",
            )


def check_names_table() -> list[tuple[str, str, str]]:
    """(code, level, meaning) for documentation."""
    return [(code, level.value, meaning) for code, (level, meaning) in CODES.items()]
