"""refkb.evidencemap: the map's views mark gaps and thin cells, and link each cell to the library filtered to it."""

from __future__ import annotations

from codedlib import axes_fixture, scheme_fixture, sources_fixture  # noqa: F401  (fixtures: scheme, srcs, ax)
from refkb import coded, evidencemap


def test_svg_and_table_mark_gaps_and_thin_cells(ax: dict[str, coded.Axis], srcs: list[coded.Source]) -> None:
    svg = evidencemap.view_svg(srcs, ax["topic"], ax["design"], "dashboard/")
    table = evidencemap.view_table(srcs, ax["topic"], ax["design"], "dashboard/")
    assert svg.count("refkb-bubble--gap") == sum(not c.n for c in coded.cells(srcs, ax["topic"], ax["design"]).values())
    assert 'role="img"' in svg
    assert "<a " not in svg
    assert "(gap)" in table
    assert "(thin)" in table
    assert (
        '<a href="../references/?topic=recruitment-grooming&amp;design=quantitative">2 · 100% primary (thin)</a>'
        in (table)
    )
