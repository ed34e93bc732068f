"""platformpages: a platform category's generated part, and which of its pieces go in late (out of the search index)."""

from __future__ import annotations

import pytest
from markupsafe import Markup

import codedlib
from codedlib import scheme_fixture, sources_fixture  # noqa: F401  (fixtures: scheme, srcs)
from refkb import coded, platformpages
from refkb.coding import Scheme


class Recorder:
    """Two `add` callables that keep what each was given, and return a token naming the callable."""

    def __init__(self) -> None:
        self.early: list[str] = []
        self.late: list[str] = []

    def add(self, html: Markup) -> str:
        self.early.append(str(html))
        return f"EARLY{len(self.early)}"

    def add_late(self, html: Markup) -> str:
        self.late.append(str(html))
        return f"LATE{len(self.late)}"


def page(srcs: list[coded.Source], scheme: Scheme, category: str, late: bool) -> tuple[str, Recorder]:
    rec = Recorder()
    out = platformpages.platform_page(
        srcs,
        scheme,
        category,
        codedlib.TOPICS,
        "platforms/social-network/",
        rec.add,
        rec.add_late if late else None,
    )
    return out, rec


def test_lists_of_sources_go_in_late_and_the_counts_early(srcs: list[coded.Source], scheme: Scheme) -> None:
    out, rec = page(srcs, scheme, "social-network", late=True)
    assert rec.late, "the sources by topic are lists put in late"
    assert all(h.startswith('<ul class="refkb-platform-sources">') for h in rec.late)
    assert not any("refkb-platform-sources" in h for h in rec.early)
    early = "".join(rec.early)
    assert "refkb-platform-intro" in early  # the counts
    assert "<table" in early  # the table per platform and the chart's table
    assert "## Sources by topic" in out
    assert "## Sources by year" in out
    for n in range(1, len(rec.late) + 1):
        assert f"LATE{n}" in out


@pytest.mark.parametrize("category", ["social-network", "classifieds", "messaging"])
def test_without_add_late_everything_goes_in_through_add(
    srcs: list[coded.Source], scheme: Scheme, category: str
) -> None:
    _, rec_late = page(srcs, scheme, category, late=True)
    _, rec_early = page(srcs, scheme, category, late=False)
    assert rec_early.late == []
    assert sorted(rec_early.early) == sorted(rec_late.early + rec_late.late)


def test_a_category_no_source_has_says_so_and_lists_nothing(srcs: list[coded.Source], scheme: Scheme) -> None:
    _, rec = page(srcs, scheme, "gaming", late=True)
    assert rec.late == []
    assert "No source in the library is coded with this category yet" in "".join(rec.early)
