"""The site's one bar chart: horizontal bars as static SVG, drawn when the site is built (a data table stands beside
each chart, so the numbers are readable without the picture)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

BAR, GAP = 16, 6  # a bar's height and the space below it


@dataclass(frozen=True)
class Bar:
    label: str
    value: int


@dataclass(frozen=True)
class Layout:
    """Where a chart's bars start (the room for their labels), its width, and whether the picture ends right under
    the last bar (`tight`) or keeps the space below it."""

    left: int
    width: int
    tight: bool


DASHBOARD = Layout(left=190, width=560, tight=True)  # the coverage dashboard's charts
COVERAGE = Layout(left=220, width=600, tight=False)  # the platform and region pages' charts, with longer labels


def bar_chart(title: str, bars: Sequence[Bar], ident: str, layout: Layout) -> Markup:
    """A horizontal bar chart titled `title`; `ident` names its title element (unique on the page)."""
    left, width = layout.left, layout.width
    peak = max((b.value for b in bars), default=1) or 1
    parts = []
    for i, b in enumerate(bars):
        y = i * (BAR + GAP)
        w = round((width - left - 40) * b.value / peak)
        parts.append(
            f'<text x="{left - 8}" y="{y + 12}" text-anchor="end" class="refkb-svg-label">{escape(b.label)}</text>'
            f'<rect x="{left}" y="{y}" width="{max(w, 1 if b.value else 0)}" height="{BAR}" class="refkb-svg-bar"/>'
            f'<text x="{left + w + 6}" y="{y + 12}" class="refkb-svg-value">{b.value}</text>'
        )
    height = len(bars) * (BAR + GAP) - (GAP if layout.tight and bars else 0)
    return Markup(
        f'<svg class="refkb-chart" viewBox="0 0 {width} {height + 4}" role="img" aria-labelledby="{escape(ident)}-t" '
        f'xmlns="http://www.w3.org/2000/svg"><title id="{escape(ident)}-t">{escape(title)}</title>{"".join(parts)}'
        "</svg>"
    )
