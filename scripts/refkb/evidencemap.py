"""The evidence-gap map: a build-time SVG and data table per view (rows × columns of the coded library), its
legend, and the interactive explorer's data. The map's data travels as JSON inside a
`<script type="application/json">`, with `<`, `>` and `&` written as \\u escapes."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence

from markupsafe import Markup, escape

from .coded import DEFAULT_VIEWS, PRIMARY_NOTE, THIN, Axis, Cell, Source, cells, share_class, state_of
from .coding import Scheme
from .fragment import fmt, relative_url


def _library_link(rows: Axis, cols: Axis, r: str, c: str, current: str) -> str:
    """The library filtered to a cell (the facets understand every axis but region's and category's tops, which
    the region and platform facets expand)."""
    param = {
        "topic": "topic",
        "design": "design",
        "category": "platforms",
        "platform": "platforms",
        "region": "regions",
        "form": "forms",
        "population": "populations",
        "datasource": "datasource",
        "kind": "kind",
    }
    parts = []
    for axis, value in ((rows, r), (cols, c)):
        if axis.name == "category" and value == "general":
            parts.append("platforms=general")
        else:
            parts.append(f"{param[axis.name]}={value}")
    return relative_url("references/", current) + "?" + "&".join(parts)


def view_svg(srcs: Sequence[Source], rows: Axis, cols: Axis, current: str, thin: int = THIN) -> Markup:
    """Bubbles sized by the number of sources, coloured by the share of primary empirical studies; gaps drawn as
    dashed rings with a cross, thin cells with a dashed outline. An image (no links inside: the data table below
    links each cell to the library filtered to it)."""
    grid = cells(srcs, rows, cols)
    cell, left, top = 46, 230, 120
    width, height = left + cell * len(cols.values) + 70, top + cell * len(rows.values) + 10
    peak = max((c.n for c in grid.values()), default=1) or 1
    ident = f"map-{rows.name}-{cols.name}"
    parts = []
    for j, (_, label) in enumerate(cols.values):
        x = left + j * cell + cell / 2
        parts.append(
            f'<text x="{x:.0f}" y="{top - 10}" transform="rotate(-45 {x:.0f} {top - 10})" '
            f'class="refkb-svg-label">{escape(_short(label, 24))}</text>'
        )
    for i, (r, label) in enumerate(rows.values):
        y = top + i * cell + cell / 2
        parts.append(
            f'<text x="{left - 8}" y="{y + 4:.0f}" text-anchor="end" class="refkb-svg-label">'
            f"{escape(_short(label, 32))}</text>"
        )
        for j, (c, clabel) in enumerate(cols.values):
            x = left + j * cell + cell / 2
            g = grid[(r, c)]
            st = state_of(g, thin)
            title = f"{label} × {clabel}: {_count_text(g)}"
            if st == "gap":
                shape = (
                    f'<circle cx="{x:.0f}" cy="{y:.0f}" r="7" class="refkb-bubble refkb-bubble--gap"/>'
                    f'<path d="M{x - 4:.0f} {y - 4:.0f}l8 8m0 -8l-8 8" class="refkb-bubble-cross"/>'
                )
            else:
                radius = 5 + 15 * math.sqrt(g.n / peak)
                band = share_class(g)
                shape = (
                    f'<circle cx="{x:.0f}" cy="{y:.0f}" r="{radius:.1f}" class="refkb-bubble '
                    f'refkb-bubble--s{band} refkb-bubble--{st}"/><text x="{x:.0f}" y="{y + 4:.0f}" '
                    f'text-anchor="middle" class="refkb-svg-value refkb-on-s{band}">{g.n}</text>'
                )
            parts.append(
                f'<g class="refkb-map-bubble" data-row="{escape(r)}" data-col="{escape(c)}">'
                f"<title>{escape(title)}</title>{shape}</g>"
            )
    return Markup(
        f'<svg class="refkb-chart refkb-map-svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{ident}-t" xmlns="http://www.w3.org/2000/svg"><title id="{ident}-t">Evidence-gap map: '
        f"sources per {escape(rows.label.lower())} and {escape(cols.label.lower())} (the table below gives the same "
        f"numbers)</title>{''.join(parts)}</svg>"
    )


def _short(text: str, n: int) -> str:
    text = text.split(":")[0]
    return text if len(text) <= n else text[: n - 1] + "…"


def _count_text(g: Cell) -> str:
    if not g.n:
        return "no source (gap)"
    return f"{g.n} source{'s' if g.n != 1 else ''}, {g.primary} primary empirical ({round(100 * g.share)}%)"


def view_table(srcs: Sequence[Source], rows: Axis, cols: Axis, current: str, thin: int = THIN) -> Markup:
    grid = cells(srcs, rows, cols)
    head = "".join(f'<th scope="col">{escape(label)}</th>' for _, label in cols.values)
    body = []
    for r, label in rows.values:
        tds = []
        for c, _ in cols.values:
            g = grid[(r, c)]
            st = state_of(g, thin)
            note = " (gap)" if st == "gap" else " (thin)" if st == "thin" else ""
            text = f"{g.n}" + (f" · {round(100 * g.share)}% primary" if g.n else "") + note
            if g.n:
                tds.append(
                    fmt(
                        '<td class="refkb-cell--{}"><a href="{}">{}</a></td>',
                        st,
                        _library_link(rows, cols, r, c, current),
                        text,
                    )
                )
            else:
                tds.append(fmt('<td class="refkb-cell--{}">{}</td>', st, text))
        body.append(fmt('<tr><th scope="row">{}</th>{}</tr>', label, Markup("").join(tds)))
    missing = sum(not rows.of(s) or not cols.of(s) for s in srcs)
    caption = fmt(
        "Sources per {} and {}: number of sources, share of primary empirical studies; gap: none; thin: {} or fewer.{}",
        rows.label.lower(),
        cols.label.lower(),
        thin,
        f" {missing} source{'s' if missing != 1 else ''} not coded on both dimensions are left out." if missing else "",
    )
    return fmt(
        '<div class="refkb-scroll" tabindex="0" role="region" aria-label="Table of {} × {}">'
        '<table class="refkb-map-table"><caption>{}</caption><thead><tr>'
        '<th scope="col">{} \\ {}</th>{}</tr></thead><tbody>{}</tbody></table></div>',
        rows.label.lower(),
        cols.label.lower(),
        caption,
        rows.label,
        cols.label,
        Markup(head),
        Markup("").join(body),
    )


def legend(scheme: Scheme) -> Markup:
    bands = ["0–19%", "20–39%", "40–59%", "60–79%", "80–100%"]
    items = "".join(
        f'<li><svg width="18" height="18" aria-hidden="true"><circle cx="9" cy="9" r="8" class="refkb-bubble '
        f'refkb-bubble--s{i}"/></svg> {b}</li>'
        for i, b in enumerate(bands)
    )
    gap = (
        '<li><svg width="18" height="18" aria-hidden="true"><circle cx="9" cy="9" r="7" class="refkb-bubble '
        'refkb-bubble--gap"/><path d="M5 5l8 8m0 -8l-8 8" class="refkb-bubble-cross"/></svg> gap: no source</li>'
        '<li><svg width="18" height="18" aria-hidden="true"><circle cx="9" cy="9" r="7" class="refkb-bubble '
        f'refkb-bubble--s2 refkb-bubble--thin"/></svg> thin: {THIN} sources or fewer</li>'
    )
    labels = [v.label.lower() for v in scheme.all_values("design") if v.slug in scheme.primary]
    note = PRIMARY_NOTE.format(", ".join(labels) or "none")
    return Markup(
        '<div class="refkb-map-legend"><p><strong>Reading the map.</strong> Each bubble is a cell: its size is the '
        "number of sources, its colour the share of primary empirical studies among them. "
        + str(escape(note))
        + "</p><ul>"
        + items
        + gap
        + "</ul></div>"
    )


def explorer(srcs: Sequence[Source], ax: Mapping[str, Axis], current: str) -> Markup:
    """The interactive map: choose rows and columns, click a cell to list its sources. Hidden without JavaScript
    (the build-time views below it stand alone)."""
    design = dict(ax["design"].values) if "design" in ax else {}
    data = {
        "axes": {a.name: {"label": a.label, "values": [list(v) for v in a.values]} for a in ax.values()},
        "sources": [
            {
                "key": s.key,
                "title": s.ref.title,
                "authors": s.ref.authors_text,
                "year": s.ref.year,
                "url": relative_url(s.ref.url, current),
                "primary": s.primary,
                "confidence": s.confidence,
                "design": [design.get(d, d) for d in s.coding.get("design", ())],
                "axes": {a.name: list(a.of(s)) for a in ax.values()},
            }
            for s in srcs
        ],
        "thin": THIN,
        "appraised": any(s.confidence for s in srcs),
        "library": relative_url("references/", current),
    }
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    payload = payload.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    options = "".join(f'<option value="{escape(a.name)}">{escape(a.label)}</option>' for a in ax.values())
    return Markup(
        '<div class="refkb-map" data-refkb-map hidden>'
        '<form class="refkb-filters" aria-label="Choose the map\'s rows, columns and filters">'
        f'<label>Rows <select name="rows">{options}</select></label>'
        f'<label>Columns <select name="cols">{options}</select></label>'
        f'<label>Filter by <select name="faxis">{options}</select></label>'
        '<label>Value <select name="fvalue"></select></label>'
        '<button type="button" class="md-button refkb-map-add">Add filter</button></form>'
        '<ul class="refkb-map-filters" aria-label="Filters in force"></ul>'
        '<div class="refkb-scroll" tabindex="0" role="region" aria-label="Interactive map">'
        '<table class="refkb-map-grid"><caption></caption><thead></thead><tbody></tbody>'
        '</table></div><div class="refkb-map-cell" aria-live="polite" tabindex="-1"></div>'
        f'<script type="application/json" class="refkb-map-data">{payload}</script></div>'
    )


def map_markdown(
    srcs: Sequence[Source], scheme: Scheme, ax: Mapping[str, Axis], current: str, add: Callable[[Markup], str]
) -> str:
    """The map section of the dashboard: legend and explorer, then the default views as the explorer's fallback
    (HTML tokens made by `add`). One map for the reader: evidence.js hides the fallback when it shows the explorer,
    so only a browser without JavaScript (and the printed page) shows the static views."""
    parts = [add(legend(scheme) + explorer(srcs, ax, current))]
    views = Markup("")
    for rows, cols in DEFAULT_VIEWS:
        r, c = ax[rows], ax[cols]
        if not r.values or not c.values:
            continue
        views += fmt("<h3>{0} × {1}</h3>", r.label, c.label.lower())  # labels are data: escaped
        views += (
            Markup('<div class="refkb-figure">')
            + view_svg(srcs, r, c, current)
            + view_table(srcs, r, c, current)
            + Markup("</div>")
        )
    if views:
        parts.append(add(Markup('<div class="refkb-map-static" data-refkb-map-static>') + views + Markup("</div>")))
    downloads = fmt(
        '<p class="refkb-downloads">The whole coding, one row per source and one column per dimension: '
        '<a href="{0}coding.csv" download>CSV</a> · <a href="{0}coding.json" download>JSON</a> (for EPPI-Mapper, '
        "EviAtlas, R or a spreadsheet).</p>",
        relative_url("downloads/", current),
    )
    parts.append(add(downloads))
    return "\n\n".join(parts)
