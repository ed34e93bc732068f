"""Checks of single fields, each registered for the field names it reads (`FIELD_CHECKS`): dates, years, months,
urldate, DOI, URLs and their hosts, title case, ISBN, ISSN, pages, name lists, organisation names, topics and kind of
source. Each yields `Issue`s with a code registered in `codes`."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterator

from .. import bibfile, hosts
from ..model import BibFile, Entry, Field, Issue
from ..values import DOI, DOI_PREFIX, NAME_FIELDS, ORG_FIELDS, URL_FIELDS, name_problem, split_names, url_problem
from .codes import at_field
from .settings import Settings

ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_PART = r"(?:\d{4}(?:-\d{2}(?:-\d{2})?)?)"
DATE = re.compile(rf"^(?:{_DATE_PART}(?:/(?:{_DATE_PART})?)?|/{_DATE_PART})$")
YEAR = re.compile(r"^\d{4}$")
_PAGE = r"(?:[A-Za-z]?\d+[A-Za-z]?(?::\d+)?|[ivxlcdm]+|[IVXLCDM]+)"
PAGES = re.compile(rf"^{_PAGE}(?:\s*(?:--|-|–|—)\s*{_PAGE})?$")
MONTH_NAMES = {name.lower(): i for i, name in enumerate(bibfile.MONTHS.values(), 1)}
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
    text = _unbraced(value) if "{" in value else value
    for m in _TITLE_WORD.finditer(text):
        if m.group(0)[0].isupper() and not _sentence_starts(text, m.start()):
            return m.start(), m.group(0)
    return None


_BRACE = re.compile(r"[{}]")


def _unbraced(value: str) -> str:
    """`value` with what stands inside braces, the braces included, as x's (a brace after a backslash opens or
    closes nothing): read from brace to brace."""
    out: list[str] = []
    depth = 0
    start = 0  # where the text not yet in `out` starts
    for m in _BRACE.finditer(value):
        i = m.start()
        if i > 0 and value[i - 1] == "\\":
            continue
        if m.group(0) == "{":
            if depth == 0:
                out.append(value[start:i])
                start = i
            depth += 1
        elif depth:
            depth -= 1
            if depth == 0:
                out.append("x" * (i + 1 - start))
                start = i + 1
    out.append("x" * (len(value) - start) if depth else value[start:])
    return "".join(out)


def _sentence_starts(text: str, at: int) -> bool:
    """A sentence or a subtitle starts at offset `at` (_SENTENCE_START ends there). A match ends in the spaces
    before `at` and its mark is at most four characters long, so only from there on is it looked for."""
    spaces = len(text[:at].rstrip())
    return _SENTENCE_START.search(text, max(0, spaces - 4), at) is not None


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


@field_check(*NAME_FIELDS)
def check_names(bib: BibFile, e: Entry, f: Field, s: Settings) -> Iterator[Issue]:
    value = " ".join(f.value.split())
    names = split_names(value)
    if not names or any(not n.strip() for n in names) or _DANGLING_AND.search(value):
        yield at_field(bib, e, f, "invalid-name", f"{f.name} has an empty name", "remove the extra 'and'")
        return
    for n in names:
        problem = name_problem(n)
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
