"""The knowledge base's own data besides references.bib: the claims ledger (`docs/claims.yml`), the glossary
(`docs/glossary.yml`) and the timeline (`docs/timeline.yml`). Read with line numbers, checked, and typed."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

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


class _LineLoader(yaml.SafeLoader):
    """Keeps each mapping's line (as `__line__`) and reads dates as text, as they were written."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping = super().construct_mapping(node, deep=deep)
        mapping["__line__"] = node.start_mark.line + 1
        return mapping


def _as_text(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    return str(loader.construct_scalar(node)) if isinstance(node, yaml.ScalarNode) else ""


_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _as_text)


def _text(item: dict[str, Any], name: str) -> str:
    value = item.get(name, "")
    return " ".join(str(value).split()) if value is not None else ""


def _keys(item: dict[str, Any], name: str) -> tuple[str, ...]:
    value = item.get(name) or []
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",")]
    return tuple(str(v).strip().lstrip("@") for v in value if str(v).strip())


def _load(path: Path, rel: str) -> tuple[list[dict[str, Any]], list[Issue]]:
    if not path.is_file():
        return [], []
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        first = str(exc).splitlines()[0]
        return [], [Issue(rel, line, col, Level.ERROR, "data-invalid", "", f"not valid YAML: {first}",
                          "fix the YAML syntax")]  # fmt: skip
    if data is None:
        return [], []
    if not isinstance(data, list) or not all(isinstance(x, dict) for x in data):
        return [], [Issue(rel, 1, 1, Level.ERROR, "data-invalid", "", "the file must be a list of mappings",
                          "write one '- name: value' item per record")]  # fmt: skip
    return data, []


def load(project: Project, keys: set[str]) -> Data:
    """Read and check the three files; a missing file is simply empty."""
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
                bad(name, line, "unresolved-data-key", k, f"{ident}: [{k}] names no entry in references.bib",
                    "correct the key or add the reference")  # fmt: skip

    raw, found = _load(docs / "claims.yml", rel("claims.yml"))
    issues += found
    claims = []
    seen: set[str] = set()
    for item in raw:
        line = int(item.get("__line__", 1))
        cid = _text(item, "id")
        text, verdict = _text(item, "claim"), _text(item, "verdict").lower()
        missing = [f for f in ("id", "section", "claim", "verdict", "note") if not _text(item, f)]
        if missing:
            bad("claims.yml", line, "data-invalid", cid, f"claim lacks {', '.join(missing)}", "fill in every field")
        if cid in seen:
            bad("claims.yml", line, "data-invalid", cid, f"claim id {cid} is used twice", "give each claim its own id")
        seen.add(cid)
        if verdict not in VERDICTS:
            bad("claims.yml", line, "unknown-verdict", cid, f"verdict {verdict!r} is not one of: {', '.join(VERDICTS)}",
                "use the verdict vocabulary")  # fmt: skip
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
        date, event = _text(item, "date"), _text(item, "event")
        if not _DATE.match(date) or not _valid_date(date):
            bad("timeline.yml", line, "invalid-event-date", date, f"date {date!r} is not YYYY, YYYY-MM or YYYY-MM-DD",
                "write the date only as precisely as the source shows it")  # fmt: skip
            continue
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
