"""The regions page: sources per UN M49 region, sub-region and country, as a chart and a table linked to the
library filtered to each place."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from markupsafe import Markup

from . import coding
from .charts import COVERAGE, Bar, bar_chart
from .coded import Source
from .coding import Scheme
from .facets import facet_values
from .fragment import fmt, relative_url


def regions_page(srcs: Sequence[Source], scheme: Scheme, current: str, add: Callable[[Markup], str]) -> str:
    """The generated part of /regions/: how many sources are coded with a region, a chart per region and per
    country, and the table of regions and countries (each row linked to the library filtered to it)."""
    counts: Counter[str] = Counter()
    direct: Counter[str] = Counter()
    for s in srcs:
        values = s.coding.get("regions", ())
        counts.update(scheme.expand("regions", values))
        direct.update(values)
    coded = sum(bool(s.coding.get("regions")) for s in srcs)
    intro = fmt(
        "<p>{} of {} sources are coded with a region. A source counts once in every region it covers: a country "
        "counts in its UN M49 sub-region and region, so rows do not add up. Global sources are those coded "
        "<code>global</code>. Each row links to the library filtered to it.</p>",
        coded,
        len(srcs),
    )
    tops = [v for v in scheme.all_values("regions") if not v.group]
    chart = bar_chart("Sources per region", [Bar(v.label, counts[v.slug]) for v in tops], "regions", COVERAGE)
    rows = _region_rows(srcs, scheme, direct, relative_url("references/", current))
    rows.extend(
        fmt(
            '<tr class="refkb-cell--gap"><th scope="row">{}</th><td>Region</td><td>0 (gap)</td><td>0</td></tr>',
            v.label,
        )
        for v in tops
        if not counts[v.slug]
    )
    table = fmt(
        '<div class="refkb-scroll" tabindex="0" role="region" aria-label="Regions table">'
        '<table class="refkb-data refkb-regions"><caption>Sources per region and country '
        "(all: coded with it or with a place inside it; named: coded with it)</caption><thead><tr>"
        '<th scope="col">Region or country</th><th scope="col">Level</th><th scope="col">Sources (all)</th>'
        '<th scope="col">Sources (named)</th></tr></thead><tbody>{}</tbody></table></div>',
        Markup("").join(rows),
    )
    countries = sorted(((c, n) for c, n in direct.items() if coding.country(c)), key=lambda x: (-x[1], x[0]))
    bars = [Bar(scheme.label("regions", c), n) for c, n in countries[:25]]
    country_chart = bar_chart("Sources per country (named)", bars, "countries", COVERAGE) if countries else Markup("")
    return "\n\n".join(
        [
            add(intro + Markup('<div class="refkb-figure">') + chart + country_chart + Markup("</div>")),
            "## Regions and countries",
            add(table),
            add(
                Markup("<p>The chart is drawn when the site is built; no map tiles or outside services are loaded.</p>")
            ),
        ]
    )


def _region_level(slug: str, depth: int) -> str:
    if slug == "global":
        return "Worldwide"
    if coding.country(slug):
        return "Country or area"
    return "Region" if depth == 0 else "Sub-region"


def _region_rows(srcs: Sequence[Source], scheme: Scheme, direct: Counter[str], library: str) -> list[Markup]:
    """A row per region and country in use, as a tree: sources coded with it or a place inside it, and with it."""
    return [
        fmt(
            '<tr class="refkb-region-depth{}"><th scope="row"><a href="{}?regions={}">{}</a></th>'
            "<td>{}</td><td>{}</td><td>{}</td></tr>",
            min(v.depth, 3),
            library,
            v.slug,
            v.label,
            _region_level(v.slug, v.depth),
            v.count,
            direct[v.slug],
        )
        for v in facet_values(srcs, scheme, "regions")
    ]
