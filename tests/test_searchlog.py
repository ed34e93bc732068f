"""refkb.searchlog, refkb.prisma and refkb.checks.ledger: each code at its line (a table of bad logs), the PRISMA
counts recounted from the file itself, "last searched" lines, and the ledger's agreement with the library."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from conftest import ANNOTATION, GOOD, ROOT, codes_found, write_project
from refkb import prisma, searchlog

SEARCHLOG_CODES = {
    "searchlog-invalid",
    "unknown-route",
    "unknown-search",
    "unknown-reason",
    "unknown-aim",
    "unresolved-search-key",
    "untraced-source",
    "stale-search",
    "ledger-contradiction",
    "uncited-evidence",
}

BEFORE = """cadence_months: 6
searches:
  - id: s000
    date: 2026-11-29
    route: before-log
    place: Before the log
    query: not recorded
    looked_at: 0
    yielded: [smith2020study]
"""
SEARCH = """  - id: s001
    date: 2026-11-29
    route: web-search
    place: Stored public pages
    query: labour trafficking messaging
    looked_at: 5
    yielded: []
    aims: {topics: [data-measurement]}
"""
SCREEN = """screening:
  - candidate: A report
    search: s001
    reason: out-of-scope
    note: About something else.
"""


def found(tmp_path: Path, log: str, claims: str = "") -> list[str]:
    pages = {"searches.yml": log}
    if claims:
        pages["claims.yml"] = claims
    root = write_project(tmp_path, GOOD, {"smith2020study": ANNOTATION}, pages)
    return codes_found(root, "    searches: searches.yml\n", SEARCHLOG_CODES)


@pytest.mark.parametrize(
    ("log", "expected"),
    [
        (BEFORE + SEARCH + SCREEN, []),
        (BEFORE.replace("[smith2020study]", "[]"), ["1 untraced-source"]),
        (BEFORE.replace("[smith2020study]", "[smith2020study, nobody2020]"), ["3 unresolved-search-key"]),
        (BEFORE + SEARCH.replace("web-search", "asked-a-friend"), ["10 unknown-route"]),
        (BEFORE + SEARCH + SCREEN.replace("search: s001", "search: s009"), ["19 unknown-search"]),
        (BEFORE + SEARCH + SCREEN.replace("out-of-scope", "boring"), ["19 unknown-reason"]),
        (BEFORE + SEARCH.replace("data-measurement", "astrology"), ["10 unknown-aim"]),
        (BEFORE + SEARCH.replace("2026-11-29", "2026-02-30"), ["10 searchlog-invalid"]),
        (BEFORE + SEARCH.replace("id: s001", "id: s000"), ["10 searchlog-invalid"]),  # an id used twice
        (BEFORE + SEARCH.replace("looked_at: 5", "looked_at: 0") + SCREEN, ["10 searchlog-invalid"]),
        (BEFORE.replace("2026-11-29", "2025-01-02"), ["1 stale-search"] * 11),  # every topic, over six months
        ("searches: [\n", ["2 searchlog-invalid"]),
        ("searches: &a [*a]\n", ["1 searchlog-invalid"]),  # aliases refused by the one safe loader
    ],
)
def test_search_log_codes_at_their_lines(tmp_path: Path, log: str, expected: list[str]) -> None:
    assert found(tmp_path, log) == expected


CLAIM = """- id: c01
  section: S
  claim: A claim.
  verdict: supported
  evidence: [smith2020study]
  note: NOTE
"""


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("Smith (2020) shows it.", []),
        ("The study shows it [@smith2020study].", []),
        ("A study shows it.", ["1 uncited-evidence"]),
        ("Smith (2020) shows it; the page is not in the knowledge base.", ["1 ledger-contradiction"]),
        ("Smith (2020) shows it; the report is not yet in the library.", ["1 ledger-contradiction"]),
    ],
)
def test_ledger_agrees_with_the_library(tmp_path: Path, note: str, expected: list[str]) -> None:
    assert found(tmp_path, BEFORE, CLAIM.replace("NOTE", note)) == expected


def test_prisma_counts_equal_the_data() -> None:
    """Recount the knowledge base's own log with PyYAML and plain arithmetic, apart from refkb's reading."""
    path = ROOT / "docs" / "searches.yml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    log = searchlog.load(path, "docs/searches.yml")
    assert log.issues == ()
    flow = searchlog.flow(log, 500)
    since = [s for s in raw["searches"] if s["route"] != "before-log"]
    before_ids = {s["id"] for s in raw["searches"] if s["route"] == "before-log"}
    previous = {k for s in raw["searches"] if s["id"] in before_ids for k in s["yielded"]}
    yielded = [k for s in sorted(since, key=lambda s: (str(s["date"]), s["id"])) for k in s.get("yielded") or []]
    new = list(dict.fromkeys(k for k in yielded if k not in previous))
    left_out = [x for x in raw.get("screening") or [] if x["search"] not in before_ids]
    assert flow.previous == len(previous)
    assert flow.identified == sum(s["looked_at"] for s in since)
    assert flow.new == len(new)
    assert flow.duplicates == len(yielded) - len(new)
    assert sum(flow.excluded.values()) == len(left_out)
    assert flow.assessed == len(left_out) + len(new)
    html = str(prisma.flow_html(flow))
    for box in prisma.boxes(flow):  # the SVG and the table both carry every count
        assert f">n = {box.count}</tspan>" in html
        assert f'<td class="refkb-num">{box.count}</td>' in html


def test_last_searched_links_the_searches() -> None:
    s = searchlog.Search("s004", dt.date(2026, 12, 5), "web-search", "P", "Q", 3, (), {"topics": ("x",)}, 1)
    log = searchlog.Log("l", 6, (s,))
    when, aimed = log.last_searched("topics", "x")
    html = str(prisma.last_searched(when, aimed, 6, "../methodology/"))
    assert "2026-12-05" in html
    assert 'href="../methodology/#s004"' in html
    assert log.last_searched("topics", "y") == (None, ())
