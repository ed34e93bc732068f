"""The knowledge base's own data besides references.bib: the claims ledger (`docs/claims.yml`), the glossary
(`docs/glossary.yml`) and the timeline (`docs/timeline.yml`). Read with line numbers, checked, and typed."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import guard, safeyaml
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


def load(project: Project, keys: set[str], today: dt.date | None = None) -> Data:
    """Read and check the three files; a missing file is simply empty."""
    today = today or dt.date.today()
    issues: list[Issue] = []
    docs = project.docs

    def rel(name: str) -> str:
        return project.relative(docs / name)

    def bad(name: str, line: int, code: str, key: str, message: str, fix: str) -> None:
        issues.append(Issue(rel(name), line, 1, Level.ERROR, code, key, message, fix))

    def check_keys(name: str, line: int, ident: str, cited: tuple[str, ...], required: bool) -> None:
        if required and not cited:
            bad(name, line, "missing-citation", ident, "no source is cited", "cite at least one key of references.bib")
        for k in cited:
            if k not in keys:
                bad(
                    name,
                    line,
                    "unresolved-data-key",
                    k,
                    f"{ident}: [{k}] names no entry in references.bib",
                    "correct the key or add the reference",
                )

    raw, found = _load(docs / "claims.yml", rel("claims.yml"))
    issues += found
    claims = []
    seen: set[str] = set()
    for item in raw:
        line = int(item.get("__line__", 1))
        for problem in type_problems(item, ("id", "section", "claim", "verdict", "note", "corrected"), ("evidence",)):
            bad("claims.yml", line, "data-invalid", _text(item, "id"), problem, "write the value as the others are")
        cid = _text(item, "id")
        text, verdict = _text(item, "claim"), _text(item, "verdict").lower()
        missing = [f for f in ("id", "section", "claim", "verdict", "note") if not _text(item, f)]
        if missing:
            bad("claims.yml", line, "data-invalid", cid, f"claim lacks {', '.join(missing)}", "fill in every field")
        if cid in seen:
            bad("claims.yml", line, "data-invalid", cid, f"claim id {cid} is used twice", "give each claim its own id")
        seen.add(cid)
        if verdict not in VERDICTS:
            bad(
                "claims.yml",
                line,
                "unknown-verdict",
                cid,
                f"verdict {verdict!r} is not one of: {', '.join(VERDICTS)}",
                "use the verdict vocabulary",
            )
        corrected = _text(item, "corrected")
        if verdict not in ("supported", "") and not corrected:
            bad(
                "claims.yml",
                line,
                "missing-correction",
                cid,
                f"a claim judged {verdict!r} needs a corrected statement",
                "add corrected: with a sourced statement",
            )
        evidence = _keys(item, "evidence")
        check_keys("claims.yml", line, cid, evidence, required=verdict not in ("unverifiable",))
        claims.append(Claim(cid, _text(item, "section"), text, verdict, evidence, _text(item, "note"), corrected, line))

    raw, found = _load(docs / "glossary.yml", rel("glossary.yml"))
    issues += found
    terms = []
    for item in raw:
        line = int(item.get("__line__", 1))
        for problem in type_problems(item, ("term", "definition"), ("cite",)):
            bad("glossary.yml", line, "data-invalid", _text(item, "term"), problem, "write the value as the others are")
        term, definition = _text(item, "term"), _text(item, "definition")
        if not term or not definition:
            bad("glossary.yml", line, "data-invalid", term, "a term needs term and definition", "fill in both")
        cite = _keys(item, "cite")
        check_keys("glossary.yml", line, term, cite, required=True)
        terms.append(Term(term, definition, cite, line))

    raw, found = _load(docs / "timeline.yml", rel("timeline.yml"))
    issues += found
    events = []
    for item in raw:
        line = int(item.get("__line__", 1))
        for problem in type_problems(item, ("date", "event"), ("cite",)):
            bad("timeline.yml", line, "data-invalid", _text(item, "date"), problem, "write the value as the others are")
        date, event = _text(item, "date"), _text(item, "event")
        if not _DATE.match(date) or not _valid_date(date):
            bad(
                "timeline.yml",
                line,
                "invalid-event-date",
                date,
                f"date {date!r} is not YYYY, YYYY-MM or YYYY-MM-DD",
                "write the date only as precisely as the source shows it",
            )
            continue
        if date > today.isoformat()[: len(date)]:
            bad(
                "timeline.yml",
                line,
                "future-date",
                date,
                f"date {date} is in the future",
                "a timeline records what has happened: check the date",
            )
        if not event:
            bad("timeline.yml", line, "data-invalid", date, "an event needs its text", "write the event")
        cite = _keys(item, "cite")
        check_keys("timeline.yml", line, date, cite, required=True)
        events.append(Event(date, event, cite, line))
    events.sort(key=lambda e: e.date)
    return Data(tuple(claims), tuple(sorted(terms, key=lambda t: t.term.casefold())), tuple(events), tuple(issues))


def _valid_date(value: str) -> bool:
    y, m, d = ([*value.split("-"), "01", "01"])[:3]
    try:
        dt.date(int(y), int(m), int(d))
    except ValueError:
        return False
    return True
