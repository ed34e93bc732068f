"""refkb.dashboard: the coverage figures count each work once per topic and kind of source, and per year."""

from __future__ import annotations

import re

import pytest

from refkb import bibfile, dashboard, refs
from refkb.project import Topic

TOPICS = [Topic("recruitment", "Recruitment: online", "s"), Topic("detection", "Detection", "s")]


def _ref(key: str, kind: str, keywords: str, year: str) -> refs.Ref:
    text = f"@misc{{{key},\n  title = {{T}},\n  date = {{{year}}},\n  keywords = {{{keywords}}},\n"
    text += f"  sourcekind = {{ {kind} }},\n}}\n" if kind else "}\n"
    return refs.Ref(bibfile.parse_text(text, "t.bib").entries[0], {"id": key, "type": "document"}, {})


WORKS = [
    _ref("a", "ngo", "recruitment, recruitment", "2019"),  # a topic named twice counts once
    _ref("b", "ngo", "recruitment, detection", "2021"),
    _ref("c", "academic", "detection", "2021"),
    _ref("d", "", "detection", "2021"),  # no kind: in no column
    _ref("e", "academic", "other", "n.d."),  # a topic the site does not have
]


def _cells(html: str) -> list[str]:
    return re.findall(r'<td class="refkb-cell--[a-z]+">([^<]*)</td>', html)


@pytest.mark.parametrize(
    ("works", "heads", "cells"),
    [
        (WORKS, ["Non-governmental", "Academic"], ["2 (thin)", "0 (empty)", "1 (thin)", "1 (thin)"]),
        (WORKS[:2], ["Non-governmental"], ["2 (thin)", "1 (thin)"]),
        ([], [], []),
    ],
)
def test_gap_matrix_counts(works: list[refs.Ref], heads: list[str], cells: list[str]) -> None:
    html = dashboard.gap_matrix(works, TOPICS)
    table = html[html.index("<table") :]
    found = re.findall(r'<th scope="col">([^<]*)</th>', table)[1:]
    assert [h.split(" ")[0] for h in found] == heads
    assert _cells(table) == cells


def test_per_year_counts_and_undated() -> None:
    html = dashboard.per_year(WORKS)
    rows = re.findall(r'<tr><th scope="row">([^<]*)</th><td>(\d+)</td></tr>', html)
    assert rows == [("2019", "1"), ("2020", "0"), ("2021", "3"), ("No date", "1")]
