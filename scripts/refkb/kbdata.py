"""The knowledge base's own data besides references.bib: the claims ledger (`docs/claims.yml`), the glossary
(`docs/glossary.yml`) and the timeline (`docs/timeline.yml`). Read with line numbers, checked, and typed."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import bibfile, guard, inherit, safeyaml
from .model import Issue, Level
from .project import Project

VERDICTS = ("supported", "partly supported", "unsupported", "contradicted", "unverifiable")
_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")


@dataclass(frozen=True)
class Claim:
    id: str
    section: str
    claim: str
    verdict: str
    evidence: tuple[str, ...]
    note: str
    corrected: str
    line: int

    @property
    def keys(self) -> tuple[str, ...]:
        return self.evidence


@dataclass(frozen=True)
class Term:
    term: str
    definition: str
    cite: tuple[str, ...]
    line: int

    @property
    def keys(self) -> tuple[str, ...]:
        return self.cite

    @property
    def anchor(self) -> str:
        return "term-" + re.sub(r"[^a-z0-9]+", "-", self.term.lower()).strip("-")


@dataclass(frozen=True)
class Event:
    date: str
    event: str
    cite: tuple[str, ...]
    line: int

    @property
    def keys(self) -> tuple[str, ...]:
        return self.cite


@dataclass(frozen=True)
class Data:
    claims: tuple[Claim, ...] = ()
    terms: tuple[Term, ...] = ()
    events: tuple[Event, ...] = ()
    issues: tuple[Issue, ...] = ()


_YAML = safeyaml.Options(keep_lines=True, dates_as_text=True)
_SCALAR = (str, int, float, bool)


def _text(item: dict[str, Any], name: str) -> str:
    value = item.get(name, "")
    if value is None or not isinstance(value, _SCALAR):
        return ""
    return " ".join(str(value).split())


def _keys(item: dict[str, Any], name: str) -> tuple[str, ...]:
    value = item.get(name) or []
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",")]
    if not isinstance(value, list):
        return ()
    return tuple(str(v).strip().lstrip("@") for v in value if isinstance(v, _SCALAR) and str(v).strip())


def type_problems(item: dict[str, Any], texts: tuple[str, ...], lists: tuple[str, ...]) -> list[str]:
    """What is of the wrong YAML type in one record: text fields must be text, key lists text or lists of text."""
    out = []
    for name in texts:
        v = item.get(name)
        if v is not None and not isinstance(v, _SCALAR):
            out.append(f"'{name}' must be text, not a {_kind(v)}")
    for name in lists:
        v = item.get(name)
        if v is None or isinstance(v, str):
            continue
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            what = (
                _kind(v)
                if not isinstance(v, list)
                else "a list holding " + ", ".join(sorted({_kind(x) for x in v if not isinstance(x, str)}))
            )
            out.append(f"'{name}' must be a list of citation keys, not {what}")
    return out


def _kind(v: object) -> str:
    kinds = {dict: "a mapping", list: "a list", int: "a number", float: "a number", bool: "true/false"}
    return kinds.get(type(v), type(v).__name__)


def _load(path: Path, rel: str) -> tuple[list[dict[str, Any]], list[Issue]]:
    if not path.is_file():
        return [], []
    guard.note(rel)
    try:
        data = safeyaml.load_bytes(path.read_bytes(), _YAML)
    except safeyaml.YamlError as exc:
        return [], [
            Issue(
                rel,
                exc.line,
                exc.col,
                Level.ERROR,
                "data-invalid",
                "",
                exc.message,
                "fix the YAML (no aliases, UTF-8, nesting below 64 levels)",
            )
        ]
    except OSError as exc:
        return [], [Issue(rel, 1, 1, Level.ERROR, "data-invalid", "", f"cannot read ({exc.strerror})", "")]
    if data is None:
        return [], []
    if not isinstance(data, list) or not all(isinstance(x, dict) for x in data):
        return [], [
            Issue(
                rel,
                1,
                1,
                Level.ERROR,
                "data-invalid",
                "",
                "the file must be a list of mappings",
                "write one '- name: value' item per record",
            )
        ]
    return data, []


FILES = ("claims.yml", "glossary.yml", "timeline.yml")  # under docs/


def load(project: Project, keys: set[str], today: dt.date | None = None) -> Data:
    """Read and check the three files; a missing file is simply empty."""
    r = _Checker(project, frozenset(keys))
    claims = _claims(r)
    terms = _terms(r)
    events = _events(r, today or dt.date.today())
    return Data(
        tuple(claims),
        tuple(sorted(terms, key=lambda t: t.term.casefold())),
        tuple(sorted(events, key=lambda e: e.date)),
        tuple(r.issues),
    )


@dataclass(frozen=True)
class _Checker:
    """The records of the data files under docs/ and the problems found in them, each at its file and line."""

    project: Project
    keys: frozenset[str]
    issues: list[Issue] = field(default_factory=list)
    xdata: list[frozenset[str]] = field(default_factory=list)  # the bibliography's @xdata keys, once read

    def rel(self, name: str) -> str:
        return self.project.relative(self.project.docs / name)

    def records(self, name: str) -> list[dict[str, Any]]:
        raw, found = _load(self.project.docs / name, self.rel(name))
        self.issues.extend(found)
        return raw

    def bad(self, name: str, line: int, code: str, key: str, message: str, fix: str) -> None:
        self.issues.append(Issue(self.rel(name), line, 1, Level.ERROR, code, key, message, fix))

    def types(self, name: str, line: int, ident: str, problems: list[str]) -> None:
        for problem in problems:
            self.bad(name, line, "data-invalid", ident, problem, "write the value as the others are")

    def cited(self, name: str, line: int, ident: str, cited: tuple[str, ...], required: bool) -> None:
        """`cited` keys that name no entry; none at all when one is `required`."""
        if required and not cited:
            self.bad(
                name, line, "missing-citation", ident, "no source is cited", "cite at least one key of references.bib"
            )
        for k in cited:
            if k in self.keys:
                continue
            if k in self.xdata_keys():  # the words of refkb.checks.inheritance.check_cited, for a page
                self.bad(
                    name,
                    line,
                    "xdata-cited",
                    k,
                    f"{ident}: [{k}] names an @xdata entry: it only holds fields for the entries that name it in "
                    "xdata, and cannot be cited",
                    "cite a work that names it (xdata = {" + k + "}), or change @xdata to the work's own type",
                )
            else:
                self.bad(
                    name,
                    line,
                    "unresolved-data-key",
                    k,
                    f"{ident}: [{k}] names no entry in references.bib",
                    "correct the key or add the reference",
                )

    def xdata_keys(self) -> frozenset[str]:
        """The keys of the bibliography's @xdata entries, which a data file may not cite (it cites works, `keys`):
        read once, and only when a key names no work."""
        if not self.xdata:
            try:
                entries = bibfile.read(self.project.bibliography).entries
            except OSError:
                entries = ()
            self.xdata.append(frozenset(e.key for e in entries if not inherit.is_work(e)))
        return self.xdata[0]


def _claims(r: _Checker) -> list[Claim]:
    """docs/claims.yml: each claim with its fields, a verdict of the vocabulary, a correction unless supported."""
    name = "claims.yml"
    claims = []
    seen: set[str] = set()
    for item in r.records(name):
        line = int(item.get("__line__", 1))
        cid = _text(item, "id")
        r.types(
            name,
            line,
            cid,
            type_problems(item, ("id", "section", "claim", "verdict", "note", "corrected"), ("evidence",)),
        )
        verdict = _text(item, "verdict").lower()
        missing = [f for f in ("id", "section", "claim", "verdict", "note") if not _text(item, f)]
        if missing:
            r.bad(name, line, "data-invalid", cid, f"claim lacks {', '.join(missing)}", "fill in every field")
        if cid in seen:
            r.bad(name, line, "data-invalid", cid, f"claim id {cid} is used twice", "give each claim its own id")
        seen.add(cid)
        if verdict not in VERDICTS:
            r.bad(
                name,
                line,
                "unknown-verdict",
                cid,
                f"verdict {verdict!r} is not one of: {', '.join(VERDICTS)}",
                "use the verdict vocabulary",
            )
        corrected = _text(item, "corrected")
        if verdict not in ("supported", "") and not corrected:
            r.bad(
                name,
                line,
                "missing-correction",
                cid,
                f"a claim judged {verdict!r} needs a corrected statement",
                "add corrected: with a sourced statement",
            )
        evidence = _keys(item, "evidence")
        r.cited(name, line, cid, evidence, required=verdict not in ("unverifiable",))
        claims.append(
            Claim(
                cid,
                _text(item, "section"),
                _text(item, "claim"),
                verdict,
                evidence,
                _text(item, "note"),
                corrected,
                line,
            )
        )
    return claims


def _terms(r: _Checker) -> list[Term]:
    """docs/glossary.yml: each term with its definition and at least one source."""
    name = "glossary.yml"
    terms = []
    for item in r.records(name):
        line = int(item.get("__line__", 1))
        term, definition = _text(item, "term"), _text(item, "definition")
        r.types(name, line, term, type_problems(item, ("term", "definition"), ("cite",)))
        if not term or not definition:
            r.bad(name, line, "data-invalid", term, "a term needs term and definition", "fill in both")
        cite = _keys(item, "cite")
        r.cited(name, line, term, cite, required=True)
        terms.append(Term(term, definition, cite, line))
    return terms


def _events(r: _Checker, today: dt.date) -> list[Event]:
    """docs/timeline.yml: each event with a date no more precise than its source and not after `today`; an event
    whose date cannot be read is left out."""
    name = "timeline.yml"
    events = []
    for item in r.records(name):
        line = int(item.get("__line__", 1))
        date, event = _text(item, "date"), _text(item, "event")
        r.types(name, line, date, type_problems(item, ("date", "event"), ("cite",)))
        if not _DATE.match(date) or not _valid_date(date):
            r.bad(
                name,
                line,
                "invalid-event-date",
                date,
                f"date {date!r} is not YYYY, YYYY-MM or YYYY-MM-DD",
                "write the date only as precisely as the source shows it",
            )
            continue
        if date > today.isoformat()[: len(date)]:
            r.bad(
                name,
                line,
                "future-date",
                date,
                f"date {date} is in the future",
                "a timeline records what has happened: check the date",
            )
        if not event:
            r.bad(name, line, "data-invalid", date, "an event needs its text", "write the event")
        cite = _keys(item, "cite")
        r.cited(name, line, date, cite, required=True)
        events.append(Event(date, event, cite, line))
    return events


def _valid_date(value: str) -> bool:
    y, m, d = ([*value.split("-"), "01", "01"])[:3]
    try:
        dt.date(int(y), int(m), int(d))
    except ValueError:
        return False
    return True
