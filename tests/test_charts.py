"""refkb.charts: one bar chart for the dashboard and the coverage pages, each with its layout."""

from __future__ import annotations

import re

import pytest

from refkb import charts


@pytest.mark.parametrize(
    ("layout", "bars", "height", "widths"),
    [
        (charts.DASHBOARD, [("2019", 2), ("2020", 4)], 42, ["165", "330"]),
        (charts.COVERAGE, [("Asia", 2), ("Europe", 4)], 48, ["170", "340"]),
        (charts.COVERAGE, [("Asia", 0), ("Europe", 3)], 48, ["0", "340"]),
        (charts.DASHBOARD, [], 4, []),
    ],
)
def test_bars_scale_to_the_largest_value(
    layout: charts.Layout, bars: list[tuple[str, int]], height: int, widths: list[str]
) -> None:
    svg = charts.bar_chart("T <x>", [charts.Bar(label, n) for label, n in bars], "c", layout)
    assert f'viewBox="0 0 {layout.width} {height}"' in svg
    assert re.findall(r'<rect [^>]*width="(\d+)"', svg) == widths
    assert '<title id="c-t">T &lt;x&gt;</title>' in svg
