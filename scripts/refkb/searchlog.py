"""The search log and screening records (`extra.refkb.searches`, e.g. docs/searches.yml): every search that looked
for sources — where, how, when, how many results were looked at, what it yielded — and every candidate looked at and
left out, with its reason. From them: the PRISMA 2020 flow (`flow`), each topic's last search, and the checks.

Searches made before the log began are one record with route `before-log` listing the keys they yielded, so that
every included source traces to a search without an invented history.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import guard, safeyaml
from .checks.codes import issue
from .model import Issue
from .values import excerpt

ROUTES = ("before-log", "web-search", "publication-list", "catalogue", "citation-chasing")
REASONS: dict[str, str] = {
    "out-of-scope": "Out of scope",
    "record-not-verifiable": "Record not verifiable on a stored page",
    "duplicate": "Duplicate of an included record",
    "no-stored-copy": "No stored copy that could be read",
    "superseded": "Superseded by a later edition or report",
    "low-trust-host": "Only on a low-trust host",
    "harmful-content": "Would expose victims or explicit content",
}
AIM_DIMENSIONS = ("topics", "forms", "platform_categories", "platforms", "regions", "populations")
_ID = re.compile(r"^s\d{3,}$")
_YAML = safeyaml.Options(keep_lines=True, dates_as_text=True)
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Search:
    id: str
    date: dt.date
    route: str
    place: str
    query: str
    looked_at: int
    yielded: tuple[str, ...]
    aims: Mapping[str, tuple[str, ...]]
    line: int


@dataclass(frozen=True)
class Screened:
    candidate: str
    search: str
    reason: str
    note: str
    line: int


@dataclass(frozen=True)
class Log:
    path: str = ""
    cadence_months: int = 6
    searches: tuple[Search, ...] = ()
    screening: tuple[Screened, ...] = ()
    issues: tuple[Issue, ...] = ()

    def by_id(self) -> dict[str, Search]:
        return {s.id: s for s in self.searches}

    def last_searched(self, dimension: str, value: str) -> tuple[dt.date | None, tuple[Search, ...]]:
        """When `value` of `dimension` (a topic slug, a platform category, …) was last searched for, and the
        searches that aimed at it; with none, the day the unrecorded searches before the log ended."""
        aimed = tuple(s for s in self.searches if value in s.aims.get(dimension, ()))
        if aimed:
            return max(s.date for s in aimed), aimed
        before = [s.date for s in self.searches if s.route == "before-log"]
        return (max(before) if before else None), ()


@dataclass(frozen=True)
class Flow:
    """The PRISMA 2020 flow for an updated review: what the log's searches found, beside what came before it."""

    previous: int  # included before the log began
    previous_excluded: int  # candidates left out before the log (those recorded)
    searches: int  # searches recorded since the log began
    identified: int  # results looked at
    duplicates: int  # results already in the library
    screened_out: int  # looked at and set aside on title and summary, not listed one by one
    assessed: int  # records assessed in full: listed exclusions and new inclusions
    excluded: Mapping[str, int] = field(default_factory=dict)  # reason -> count
    new: int = 0  # new sources included
    total: int = 0  # sources in the knowledge base


def _text(item: Mapping[str, Any], name: str) -> str:
    value = item.get(name)
    return " ".join(str(value).split()) if isinstance(value, str | int | float) and not isinstance(value, bool) else ""


def _keys(value: object) -> tuple[str, ...] | None:
    if value is None:
        return ()
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def load(path: Path, shown: str, vocab: Mapping[str, Iterable[str]] | None = None) -> Log:
    """The log at `path` (`shown` names it in messages); every problem is an Issue of the log, never an exception."""
    issues: list[Issue] = []

    def bad(line: int, code: str, key: str, message: str, fix: str) -> None:
        issues.append(issue(shown, line, 1, code, key, message, fix))

    guard.note(path)
    try:
        raw = safeyaml.load_bytes(path.read_bytes(), _YAML)
    except OSError as exc:
        bad(1, "searchlog-invalid", "", f"cannot read the search log ({exc.strerror})", "create it or fix the path")
        return Log(shown, issues=tuple(issues))
    except safeyaml.YamlError as exc:
        issues.append(issue(shown, exc.line, exc.col, "searchlog-invalid", "", exc.message, "fix the YAML"))
        return Log(shown, issues=tuple(issues))
    if not isinstance(raw, dict):
        bad(1, "searchlog-invalid", "", "the search log must be a mapping (searches: [...], screening: [...])", "")
        return Log(shown, issues=tuple(issues))
    cadence = raw.get("cadence_months", 6)
    if isinstance(cadence, bool) or not isinstance(cadence, int) or cadence < 1:
        bad(1, "searchlog-invalid", "", "cadence_months must be a whole number of months", "write cadence_months: 6")
        cadence = 6
    searches = list(_searches(raw.get("searches"), bad, vocab or {}))
    ids = {s.id for s in searches}
    screening = list(_screening(raw.get("screening"), bad, ids))
    return Log(shown, cadence, tuple(searches), tuple(screening), tuple(issues))


def _searches(items: object, bad: Any, vocab: Mapping[str, Iterable[str]]) -> Iterator[Search]:
    if not isinstance(items, list):
        bad(1, "searchlog-invalid", "", "searches must be a list", "write searches: [- id: s001 …]")
        return
    seen: set[str] = set()
    for item in items:
        line = item.get("__line__", 1) if isinstance(item, dict) else 1
        if not isinstance(item, dict):
            bad(line, "searchlog-invalid", "", "each search must be a mapping", "write id, date, route, place, …")
            continue
        sid = _text(item, "id")
        missing = [n for n in ("id", "date", "route", "place", "query") if not _text(item, n)]
        if missing:
            bad(line, "searchlog-invalid", sid, f"search lacks {', '.join(missing)}", "fill in every field")
            continue
        if not _ID.match(sid) or sid in seen:
            what = "is used twice" if sid in seen else "is not of the form s001"
            bad(line, "searchlog-invalid", sid, f"search id {sid} {what}", "give each search its own id sNNN")
            continue
        seen.add(sid)
        route = _text(item, "route")
        if route not in ROUTES:
            bad(line, "unknown-route", sid, f"route {excerpt(route)} is not one of: {', '.join(ROUTES)}", "pick one")
            continue
        day = _text(item, "date")
        try:
            date = dt.date.fromisoformat(day) if _DAY.match(day) else None
        except ValueError:
            date = None
        if date is None:
            bad(
                line,
                "searchlog-invalid",
                sid,
                f"date {excerpt(day)} is not a day YYYY-MM-DD",
                "write the search's day",
            )
            continue
        looked = item.get("looked_at")
        yielded = _keys(item.get("yielded"))
        if isinstance(looked, bool) or not isinstance(looked, int) or looked < 0 or yielded is None:
            bad(line, "searchlog-invalid", sid, "looked_at must be a count and yielded a list of keys", "fix them")
            continue
        aims = _aims(item.get("aims"), line, sid, bad, vocab)
        yield Search(sid, date, route, _text(item, "place"), _text(item, "query"), looked, yielded, aims, line)


def _aims(
    value: object, line: int, sid: str, bad: Any, vocab: Mapping[str, Iterable[str]]
) -> dict[str, tuple[str, ...]]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        bad(line, "searchlog-invalid", sid, "aims must be a mapping (topics: [...], regions: [...])", "fix it")
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for dim, values in value.items():
        if dim == "__line__":
            continue
        keys = _keys(values)
        if dim not in AIM_DIMENSIONS or keys is None:
            bad(line, "unknown-aim", sid, f"aims.{dim} is not one of {', '.join(AIM_DIMENSIONS)} with a list", "fix")
            continue
        known = set(vocab.get(dim, ()))
        for v in keys:
            if known and v not in known:
                bad(
                    line,
                    "unknown-aim",
                    sid,
                    f"aims.{dim}: {excerpt(v)} is not in its vocabulary",
                    "use a listed slug",
                )
        out[str(dim)] = keys
    return out


def _screening(items: object, bad: Any, ids: set[str]) -> Iterator[Screened]:
    if items is None:
        return
    if not isinstance(items, list):
        bad(1, "searchlog-invalid", "", "screening must be a list", "write screening: [- candidate: …]")
        return
    for item in items:
        line = item.get("__line__", 1) if isinstance(item, dict) else 1
        if not isinstance(item, dict):
            bad(line, "searchlog-invalid", "", "each screening record must be a mapping", "write candidate, …")
            continue
        missing = [n for n in ("candidate", "search", "reason", "note") if not _text(item, n)]
        if missing:
            bad(line, "searchlog-invalid", "", f"screening record lacks {', '.join(missing)}", "fill in every field")
            continue
        sid, reason = _text(item, "search"), _text(item, "reason")
        if sid not in ids:
            bad(
                line,
                "unknown-search",
                sid,
                f"search {excerpt(sid)} is not in the log",
                "name the search that found it",
            )
            continue
        if reason not in REASONS:
            bad(
                line,
                "unknown-reason",
                sid,
                f"reason {excerpt(reason)} is not one of: {', '.join(REASONS)}",
                "pick one",
            )
            continue
        yield Screened(_text(item, "candidate"), sid, reason, _text(item, "note"), line)


def check(log: Log, keys: Iterable[str], today: dt.date, topics: Iterable[str]) -> Iterator[Issue]:
    """Every included key traces to a search; every yielded key is in the library; each topic searched within the
    cadence."""
    keys = set(keys)
    traced: set[str] = set()
    screened = Counter(x.search for x in log.screening)
    for s in log.searches:
        traced.update(s.yielded)
        for k in s.yielded:
            if k not in keys:
                msg = f"search {s.id} yields [{k}], which is not in the bibliography"
                yield issue(log.path, s.line, 1, "unresolved-search-key", s.id, msg, "fix the key or add the entry")
        if s.route != "before-log" and s.looked_at < len(s.yielded) + screened[s.id]:
            msg = (
                f"search {s.id} looked at {s.looked_at} results but yields or screens {len(s.yielded) + screened[s.id]}"
            )
            yield issue(log.path, s.line, 1, "searchlog-invalid", s.id, msg, "write the number of results looked at")
    for k in sorted(keys - traced):
        msg = f"[{k}] is in the bibliography but no search yields it"
        fix = "add it to the yielded list of the search (or route) that found it"
        yield issue(log.path, 1, 1, "untraced-source", k, msg, fix)
    for slug in topics:
        last, _ = log.last_searched("topics", slug)
        if last is not None and _months_between(last, today) > log.cadence_months:
            msg = f"topic {slug} was last searched on {last.isoformat()}, over {log.cadence_months} months ago"
            yield issue(log.path, 1, 1, "stale-search", slug, msg, "search for it again and record the search")


def _months_between(a: dt.date, b: dt.date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month - (1 if b.day < a.day else 0)


def flow(log: Log, total: int) -> Flow:
    """PRISMA 2020's counts, from the log alone (a test recounts them from the file)."""
    before = [s for s in log.searches if s.route == "before-log"]
    since = [s for s in log.searches if s.route != "before-log"]
    previous_keys = {k for s in before for k in s.yielded}
    seen = set(previous_keys)
    duplicates = new = 0
    for s in sorted(since, key=lambda s: (s.date, s.id)):
        for k in s.yielded:
            if k in seen:
                duplicates += 1
            else:
                seen.add(k)
                new += 1
    before_ids = {s.id for s in before}
    excluded = Counter(x.reason for x in log.screening if x.search not in before_ids)
    identified = sum(s.looked_at for s in since)
    assessed = sum(excluded.values()) + new
    return Flow(
        previous=len(previous_keys),
        previous_excluded=sum(1 for x in log.screening if x.search in before_ids),
        searches=len(since),
        identified=identified,
        duplicates=duplicates,
        screened_out=max(identified - duplicates - assessed, 0),
        assessed=assessed,
        excluded=dict(sorted(excluded.items())),
        new=new,
        total=total,
    )
