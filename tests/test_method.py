"""refkb.method: the method's markers filled and the "last searched" line placed, without MkDocs."""

from __future__ import annotations

import datetime as dt

from markupsafe import Markup

from refkb import method, searchlog

WHERE = method.PageAddresses(library="../references/", methodology="../methodology/", downloads="../downloads/")


def _log() -> searchlog.Log:
    s = searchlog.Search("s001", dt.date(2026, 12, 5), "web-search", "P", "Q", 2, ("k",), {"topics": ("t",)}, 1)
    return searchlog.Log("l", 6, (s,))


def test_markers_are_filled_and_the_last_search_goes_under_the_heading() -> None:
    added: list[Markup] = []

    def add(html: Markup) -> str:
        added.append(html)
        return f"TOKEN{len(added)}"

    page = "# Topic\n\nText.\n\nREFKB_PRISMA\n\nREFKB_SEARCH_LOG\n\nREFKB_SCREENING\n\nREFKB_DATASET\n"
    out = method.fill(page, _log(), 1, WHERE, "", ("topics", "t"), add, add)
    assert not any(m in out for m in method.MARKERS)
    assert out.split("Text.")[0].split() == ["#", "Topic", "TOKEN5"]  # the last-searched line, under the H1
    assert 'href="../methodology/#s001"' in str(added[-1])
    assert any('<a href="../downloads/datapackage.json" download>' in str(h) for h in added)
