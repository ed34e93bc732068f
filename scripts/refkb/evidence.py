"""The evidence map's pages, as pure functions from the coded library to HTML (or Markdown holding HTML tokens):
the library's facets, the coding on each reference page, the evidence-gap map with its build-time views, the
platform pages, the regions page, the methodology's vocabulary tables and the CSV/JSON export of the coding.

Every value from references.bib is escaped here; the map's data travels as JSON inside a
`<script type="application/json">`, with `<`, `>` and `&` written as \\u escapes.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from . import coding
from .coding import DIMENSIONS, Scheme
from .pages import KIND_LABELS, Ref, fmt, relative_url
from .project import Topic

THIN = 2  # a cell with this many sources or fewer is thin
PRIMARY_NOTE = (
    "Primary empirical studies are sources whose design is one of: {}. They collect or analyse data themselves; "
    "reviews, legal analysis, law texts, policy, advocacy and journalism are secondary or non-empirical."
)


@dataclass(frozen=True)
class Source:
    """One coded source, as the map, the facets and the exports see it."""

    ref: Ref
    coding: Mapping[str, tuple[str, ...]]  # dimension → values as written
    primary: bool
    confidence: str = ""  # high, moderate or low from its appraisal ("" when not appraised)

    @property
    def key(self) -> str:
        return self.ref.key


def sources(refs: Iterable[Ref], scheme: Scheme, confidence: Mapping[str, str] | None = None) -> list[Source]:
    out = []
    for r in sorted(refs, key=Ref.sort_key):
        c = coding.coding_of(r.entry)
        out.append(Source(r, c, scheme.is_primary(c), (confidence or {}).get(r.key, "")))
    return out


CONFIDENCE_VALUES = (("high", "High"), ("moderate", "Moderate"), ("low", "Low"), ("unappraised", "Not appraised"))
PERIODS = (
    ("before-2010", "Before 2010", 0, 2009),
    ("2010-2014", "2010–2014", 2010, 2014),
    ("2015-2019", "2015–2019", 2015, 2019),
    ("2020-2022", "2020–2022", 2020, 2022),
    ("2023-later", "2023 and later", 2023, 9999),
)


def period(year: str) -> str:
    if not year[:4].isdigit():
        return "undated"
    y = int(year[:4])
    return next(slug for slug, _, lo, hi in PERIODS if lo <= y <= hi)


# ---------------------------------------------------------------------------------------------------------------
# Axes of the map: each a list of (slug, label) and a function from a source to its slugs on the axis.


@dataclass(frozen=True)
class Axis:
    name: str
    label: str
    values: tuple[tuple[str, str], ...]
    of: Callable[[Source], tuple[str, ...]]


def axes(srcs: Sequence[Source], scheme: Scheme, topics: Sequence[Topic], kinds: Sequence[str]) -> dict[str, Axis]:
    def dim(name: str) -> Callable[[Source], tuple[str, ...]]:
        return lambda s: s.coding.get(name, ())

    def vocab(name: str) -> tuple[tuple[str, str], ...]:
        return tuple((v.slug, v.label) for v in scheme.all_values(name))

    def categories(s: Source) -> tuple[str, ...]:
        out = [scheme.category_of(p) or ("general" if p == "general" else "") for p in s.coding.get("platforms", ())]
        return tuple(dict.fromkeys(x for x in out if x))

    def regions(s: Source) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t for r in s.coding.get("regions", ()) if (t := scheme.top_region(r))))

    used_platforms = {p for s in srcs for p in s.coding.get("platforms", ())}
    platform_values = tuple(
        (v.slug, v.label) for v in scheme.all_values("platforms") if v.slug in used_platforms and v.slug != "general"
    ) + tuple((c.slug, f"{c.label} (kind only)") for c in scheme.categories if c.slug in used_platforms)
    top = tuple((v.slug, v.label) for v in scheme.all_values("regions") if not v.group)
    out = [
        Axis("topic", "Topic", tuple((t.slug, t.title) for t in topics), lambda s: tuple(s.ref.topics)),
        Axis("design", "Design", vocab("design"), dim("design")),
        Axis(
            "category",
            "Platform category",
            (*tuple((c.slug, c.label) for c in scheme.categories), ("general", "No platform named")),
            categories,
        ),
        Axis(
            "platform",
            "Platform",
            platform_values,
            lambda s: tuple(p for p in s.coding.get("platforms", ()) if p != "general"),
        ),
        Axis("region", "Region", top, regions),
        Axis("form", "Form", vocab("forms"), dim("forms")),
        Axis("population", "Population", vocab("populations"), dim("populations")),
        Axis("datasource", "Data source", vocab("datasource"), dim("datasource")),
        Axis(
            "kind",
            "Kind of source",
            tuple((k, KIND_LABELS.get(k, k)) for k in kinds),
            lambda s: (s.ref.entry.value("sourcekind").strip(),),
        ),
        Axis(
            "years",
            "Years",
            (*((p[0], p[1]) for p in PERIODS), ("undated", "Undated")),
            lambda s: (period(s.ref.year),),
        ),
    ]
    if any(s.confidence for s in srcs):
        out.append(Axis("confidence", "Confidence", CONFIDENCE_VALUES, lambda s: (s.confidence or "unappraised",)))
    return {a.name: a for a in out}


DEFAULT_VIEWS = (("topic", "design"), ("topic", "category"), ("topic", "region"), ("platform", "form"))


@dataclass(frozen=True)
class Cell:
    keys: tuple[str, ...]
    primary: int

    @property
    def n(self) -> int:
        return len(self.keys)

    @property
    def share(self) -> float:
        return self.primary / self.n if self.keys else 0.0


def cells(srcs: Sequence[Source], rows: Axis, cols: Axis) -> dict[tuple[str, str], Cell]:
    found: dict[tuple[str, str], list[Source]] = defaultdict(list)
    for s in srcs:
        rs, cs = set(rows.of(s)), set(cols.of(s))
        for r in rs:
            for c in cs:
                found[(r, c)].append(s)
    return {
        (r, c): Cell(tuple(s.key for s in found.get((r, c), [])), sum(s.primary for s in found.get((r, c), [])))
        for r, _ in rows.values
        for c, _ in cols.values
    }


def share_class(cell: Cell) -> str:
    """The colour band of a cell: share of primary empirical studies in fifths (0-4), or 'gap'."""
    if not cell.n:
        return "gap"
    return str(min(4, int(cell.share * 5)))


def state_of(cell: Cell, thin: int = THIN) -> str:
    return "gap" if cell.n == 0 else "thin" if cell.n <= thin else "ok"


# ---------------------------------------------------------------------------------------------------------------
# The map: a build-time SVG and data table per view, and the interactive explorer's data


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
    """The map section of the dashboard: legend, explorer and every default view (Markdown headings, HTML tokens
    made by `add`)."""
    parts = [add(legend(scheme) + explorer(srcs, ax, current))]
    for rows, cols in DEFAULT_VIEWS:
        r, c = ax[rows], ax[cols]
        if not r.values or not c.values:
            continue
        parts.append(f"### {escape(r.label)} × {escape(c.label.lower())}")  # labels are data, not markup
        parts.append(
            add(
                Markup('<div class="refkb-figure">')
                + view_svg(srcs, r, c, current)
                + view_table(srcs, r, c, current)
                + Markup("</div>")
            )
        )
    downloads = fmt(
        '<p class="refkb-downloads">The whole coding, one row per source and one column per dimension: '
        '<a href="{0}coding.csv" download>CSV</a> · <a href="{0}coding.json" download>JSON</a> (for EPPI-Mapper, '
        "EviAtlas, R or a spreadsheet).</p>",
        relative_url("downloads/", current),
    )
    parts.append(add(downloads))
    return "\n\n".join(parts)


# ---------------------------------------------------------------------------------------------------------------
# The library's facets and each reference page's coding

FACET_PARAM = {d: d for d in DIMENSIONS}


def row_attrs(scheme: Scheme, confidence: Mapping[str, str] | None = None) -> Callable[[Ref], Markup]:
    """The data attributes of a library row that the facets filter on (values expanded: a platform's category,
    a country's M49 regions), and its appraisal's confidence when the sources are appraised."""

    def attrs(ref: Ref) -> Markup:
        c = coding.coding_of(ref.entry)
        out = Markup("").join(
            fmt(' data-{}="{}"', d, " ".join(scheme.expand(d, c[d]))) for d in DIMENSIONS if d in scheme.by_name
        )
        if confidence:
            out += fmt(' data-confidence="{}"', confidence.get(ref.key, "unappraised"))
        return out

    return attrs


def row_evidence(scheme: Scheme, confidence: Mapping[str, str] | None = None) -> Callable[[Ref], Markup]:
    """What a library row says of its source's weight, under the title: its design(s) and its confidence."""
    labels = {v.slug: v.label for v in scheme.all_values("design")} if "design" in scheme.by_name else {}

    def note(ref: Ref) -> Markup:
        designs = ", ".join(labels.get(d, d) for d in coding.coding_of(ref.entry).get("design", ()))
        level = (confidence or {}).get(ref.key, "")
        parts = [p for p in (designs, f"{level} confidence" if level else "") if p]
        return fmt('<span class="refkb-row-evidence">{}</span>', " · ".join(parts)) if parts else Markup("")

    return note


def confidence_facet(confidence: Mapping[str, str]) -> Markup:
    """The library's filter by appraised confidence (the same checkboxes as the coding's facets)."""
    counts = Counter(confidence.values())
    items = Markup("").join(
        fmt(
            '<li class="refkb-facet-depth0"><label><input type="checkbox" name="confidence" value="{}"> {} '
            '<span class="refkb-facet-count">{}</span></label></li>',
            slug,
            label,
            counts[slug],
        )
        for slug, label in CONFIDENCE_VALUES
        if counts[slug]
    )
    return fmt(
        '<details class="refkb-facet" data-dim="confidence"><summary>Confidence <span class="refkb-facet-chosen">'
        "</span></summary><fieldset><legend>Confidence (appraisal)</legend><ul>{}</ul></fieldset></details>",
        items,
    )


def facet_values(srcs: Sequence[Source], scheme: Scheme, dim: str) -> list[tuple[str, str, int, int]]:
    """(slug, label, depth, count) of the values used in the library, in the vocabulary's order (platform
    categories before their platforms; regions as a tree, countries under their narrowest region)."""
    counts: Counter[str] = Counter()
    for s in srcs:
        counts.update(scheme.expand(dim, s.coding.get(dim, ())))
    out: list[tuple[str, str, int, int]] = []
    if dim == "platforms":
        for cat in scheme.categories:
            if counts[cat.slug]:
                out.append((cat.slug, cat.label, 0, counts[cat.slug]))
                out.extend(
                    (v.slug, v.label, 1, counts[v.slug])
                    for v in scheme.all_values(dim)
                    if v.group == cat.slug and counts[v.slug]
                )
        if counts["general"]:
            out.append(("general", scheme.label(dim, "general"), 0, counts["general"]))
        return out
    if dim == "regions":
        countries = sorted((c for c in counts if coding.country(c) is not None), key=lambda c: scheme.label(dim, c))

        def walk(parent: str, depth: int) -> None:
            for v in scheme.all_values(dim):
                if v.group == parent and counts[v.slug]:
                    out.append((v.slug, v.label, depth, counts[v.slug]))
                    walk(v.slug, depth + 1)
                    out.extend(
                        (c, scheme.label(dim, c), depth + 1, counts[c])
                        for c in countries
                        if (scheme.region_parents(c) or ("",))[0] == v.slug
                    )

        walk("", 0)
        out.extend((c, scheme.label(dim, c), 0, counts[c]) for c in countries if not scheme.region_parents(c))
        return out
    return [(v.slug, v.label, 0, counts[v.slug]) for v in scheme.all_values(dim) if counts[v.slug]]


def library_facets(srcs: Sequence[Source], scheme: Scheme, confidence: Mapping[str, str] | None = None) -> Markup:
    """A group of checkboxes per dimension with each value's count; the script (evidence.js) keeps the counts live
    and the choice in the URL. Hidden until the script runs, so the full list shows without JavaScript."""
    groups = []
    for d in (x.name for x in scheme.dimensions):
        values = facet_values(srcs, scheme, d)
        if not values:
            continue
        items = Markup("").join(
            fmt(
                '<li class="refkb-facet-depth{}"><label><input type="checkbox" name="{}" value="{}"> {} '
                '<span class="refkb-facet-count">{}</span></label></li>',
                min(depth, 3),
                d,
                slug,
                label,
                n,
            )
            for slug, label, depth, n in values
        )
        groups.append(
            fmt(
                '<details class="refkb-facet" data-dim="{0}"><summary>{1} <span class="refkb-facet-chosen"></span>'
                "</summary><fieldset><legend>{1}</legend><ul>{2}</ul></fieldset></details>",
                d,
                coding.LABELS[d],
                items,
            )
        )
    if confidence:
        groups.append(confidence_facet(confidence))
    return fmt(
        '<div class="refkb-facets" data-refkb-facets hidden role="group" aria-label="Filter by evidence coding">'
        '<p class="refkb-facets-help">Several values of one dimension: any of them; several dimensions: all of '
        'them. <button type="button" class="refkb-facets-clear">Clear the coding filters</button></p>{}</div>',
        Markup("").join(groups),
    )


def coding_block(ref: Ref, scheme: Scheme, current: str) -> Markup:
    """A reference page's coding as links to the library filtered to each value."""
    c = coding.coding_of(ref.entry)
    library = relative_url("references/", current)
    rows = []
    for d in (x.name for x in scheme.dimensions):
        if not c.get(d):
            continue
        links = Markup(" ").join(
            fmt('<a class="refkb-tag refkb-facet-link" href="{}?{}={}">{}</a>', library, d, v, scheme.label(d, v))
            for v in c[d]
        )
        rows.append(fmt("<dt>{}</dt><dd>{}</dd>", coding.LABELS[d], links))
    if not rows:
        return Markup("")
    return fmt('<dl class="refkb-meta refkb-coding" aria-label="Evidence coding">{}</dl>', Markup("").join(rows))


# ---------------------------------------------------------------------------------------------------------------
# Exports

EXPORT_COLUMNS = (
    "key",
    "title",
    "authors",
    "year",
    "type",
    "sourcekind",
    "topics",
    "platforms",
    "platform_categories",
    "regions",
    "m49_regions",
    "forms",
    "populations",
    "design",
    "datasource",
    "primary_empirical",
    "page",
)


def export_rows(srcs: Sequence[Source], scheme: Scheme, site_url: str = "") -> list[dict[str, object]]:
    out = []
    for s in srcs:
        c = s.coding
        cats = [x for x in dict.fromkeys(scheme.category_of(p) for p in c.get("platforms", ())) if x]
        regs = [x for x in dict.fromkeys(scheme.top_region(r) for r in c.get("regions", ())) if x]
        out.append(
            {
                "key": s.key,
                "title": s.ref.title,
                "authors": s.ref.authors_text,
                "year": s.ref.year,
                "type": s.ref.entry.type,
                "sourcekind": s.ref.entry.value("sourcekind").strip(),
                "topics": list(s.ref.topics),
                "platforms": list(c.get("platforms", ())),
                "platform_categories": cats,
                "regions": list(c.get("regions", ())),
                "m49_regions": regs,
                "forms": list(c.get("forms", ())),
                "populations": list(c.get("populations", ())),
                "design": list(c.get("design", ())),
                "datasource": list(c.get("datasource", ())),
                "primary_empirical": s.primary,
                "page": site_url.rstrip("/") + "/" + s.ref.url if site_url else s.ref.url,
            }
        )
    return out


def coding_csv(srcs: Sequence[Source], scheme: Scheme, site_url: str = "") -> str:
    """One row per source, one column per dimension; several values in a cell separated by '; '."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=EXPORT_COLUMNS, lineterminator="\r\n")
    w.writeheader()
    for row in export_rows(srcs, scheme, site_url):
        w.writerow(
            {
                k: "; ".join(v) if isinstance(v, list) else ("yes" if v is True else "no" if v is False else v)
                for k, v in row.items()
            }
        )
    return buf.getvalue()


def coding_json(srcs: Sequence[Source], scheme: Scheme, site_url: str = "") -> str:
    return json.dumps(export_rows(srcs, scheme, site_url), ensure_ascii=False, indent=1) + "\n"


# ---------------------------------------------------------------------------------------------------------------
# Platform pages


def _source_item(s: Source, scheme: Scheme, current: str, extra: str = "") -> Markup:
    return fmt(
        '<li><span class="refkb-year">{}</span> {} — <a href="{}">{}</a>{}</li>',
        s.ref.year or "n.d.",
        s.ref.authors_text or "No author",
        relative_url(s.ref.url, current),
        s.ref.title,
        fmt(' <span class="refkb-platform-names">({})</span>', extra) if extra else "",
    )


def on_category(srcs: Sequence[Source], scheme: Scheme, category: str) -> list[Source]:
    return [s for s in srcs if category in scheme.expand("platforms", s.coding.get("platforms", ()))]


def platform_page(
    srcs: Sequence[Source],
    scheme: Scheme,
    category: str,
    topics: Sequence[Topic],
    current: str,
    add: Callable[[Markup], str],
) -> str:
    """The generated part of /platforms/<category>/: counts, sources by topic (newest first) and by year."""
    cat = scheme.category_by_slug[category]
    mine = on_category(srcs, scheme, category)
    library = relative_url("references/", current)
    intro = fmt(
        '<p class="refkb-platform-intro">{}. The library holds {} source{} coded with this category or one of its '
        'platforms, {} of them primary empirical studies. <a href="{}?platforms={}">Open them in the library</a> '
        "to combine with other filters.</p>",
        cat.definition.rstrip("."),
        len(mine),
        "" if len(mine) == 1 else "s",
        sum(s.primary for s in mine),
        library,
        category,
    )
    if not mine:
        return add(intro + Markup("<p>No source in the library is coded with this category yet: a gap.</p>"))
    names = [v for v in scheme.all_values("platforms") if v.group == category]
    counts = Counter(p for s in mine for p in s.coding.get("platforms", ()) if scheme.category_of(p) == category)
    rows = Markup("").join(
        fmt(
            '<tr><th scope="row"><a href="{}?platforms={}">{}</a></th><td>{}</td></tr>',
            library,
            v.slug,
            v.label,
            counts[v.slug],
        )
        for v in names
    ) + (
        fmt('<tr><th scope="row">{} (kind only)</th><td>{}</td></tr>', cat.label, counts[category])
        if counts[category]
        else Markup("")
    )
    table = fmt(
        '<table class="refkb-data"><caption>Sources per platform</caption><thead><tr><th scope="col">'
        'Platform</th><th scope="col">Sources</th></tr></thead><tbody>{}</tbody></table>',
        rows,
    )
    out = [add(intro + table), "## Sources by topic"]

    def named(s: Source) -> str:
        return ", ".join(
            scheme.label("platforms", p)
            for p in s.coding.get("platforms", ())
            if scheme.category_of(p) == category and p != category
        )

    def newest(s: Source) -> tuple[int, str]:
        return (-int(s.ref.year) if s.ref.year.isdigit() else 0, s.ref.title.casefold())

    for t in topics:
        on_topic = sorted((s for s in mine if t.slug in s.ref.topics), key=newest)
        if on_topic:
            out.append(f"### {escape(t.title)} ({len(on_topic)})")  # data, not markup
            out.append(
                add(
                    fmt(
                        '<ul class="refkb-platform-sources">{}</ul>',
                        Markup("").join(_source_item(s, scheme, current, named(s)) for s in on_topic),
                    )
                )
            )
    out.append("## Sources by year")
    years = Counter(s.ref.year or "n.d." for s in mine)
    order = sorted(years, key=lambda y: (not y.isdigit(), y))
    out.append(
        add(
            bar_chart(f"Sources on {cat.label.lower()} per year", [(y, years[y]) for y in order], f"years-{category}")
            + year_table(mine, order)
        )
    )
    return "\n\n".join(out)


def year_table(srcs: Sequence[Source], order: Sequence[str]) -> Markup:
    by_year: dict[str, list[Source]] = defaultdict(list)
    for s in srcs:
        by_year[s.ref.year or "n.d."].append(s)
    rows = Markup("").join(fmt('<tr><th scope="row">{}</th><td>{}</td></tr>', y, len(by_year[y])) for y in order)
    return fmt(
        '<table class="refkb-data"><caption>Sources per year</caption><thead><tr><th scope="col">Year</th>'
        '<th scope="col">Sources</th></tr></thead><tbody>{}</tbody></table>',
        rows,
    )


def platforms_index(srcs: Sequence[Source], scheme: Scheme, current: str) -> Markup:
    rows = Markup("").join(
        fmt(
            '<tr><th scope="row"><a href="{}">{}</a></th><td>{}</td><td>{}</td></tr>',
            relative_url(f"platforms/{c.slug}/", current),
            c.label,
            c.definition,
            len(on_category(srcs, scheme, c.slug)),
        )
        for c in scheme.categories
    )
    return fmt(
        '<table class="refkb-data refkb-platform-index"><caption>Platform categories and the number of '
        'sources coded with each</caption><thead><tr><th scope="col">Category</th><th scope="col">What it '
        'covers</th><th scope="col">Sources</th></tr></thead><tbody>{}</tbody></table>',
        rows,
    )


# ---------------------------------------------------------------------------------------------------------------
# Regions


def bar_chart(title: str, data: Sequence[tuple[str, int]], ident: str) -> Markup:
    """A horizontal bar chart as static SVG (a data table stands beside it)."""
    bar, gap, left, width = 16, 6, 220, 600
    peak = max((v for _, v in data), default=1) or 1
    parts = []
    for i, (label, value) in enumerate(data):
        y = i * (bar + gap)
        w = round((width - left - 40) * value / peak)
        parts.append(
            f'<text x="{left - 8}" y="{y + 12}" text-anchor="end" class="refkb-svg-label">{escape(label)}</text>'
            f'<rect x="{left}" y="{y}" width="{max(w, 1 if value else 0)}" height="{bar}" class="refkb-svg-bar"/>'
            f'<text x="{left + w + 6}" y="{y + 12}" class="refkb-svg-value">{value}</text>'
        )
    height = len(data) * (bar + gap)
    return Markup(
        f'<svg class="refkb-chart" viewBox="0 0 {width} {height + 4}" role="img" aria-labelledby="{escape(ident)}-t" '
        f'xmlns="http://www.w3.org/2000/svg"><title id="{escape(ident)}-t">{escape(title)}</title>{"".join(parts)}'
        "</svg>"
    )


def regions_page(srcs: Sequence[Source], scheme: Scheme, current: str, add: Callable[[Markup], str]) -> str:
    counts: Counter[str] = Counter()
    direct: Counter[str] = Counter()
    for s in srcs:
        values = s.coding.get("regions", ())
        counts.update(scheme.expand("regions", values))
        direct.update(values)
    coded = sum(bool(s.coding.get("regions")) for s in srcs)
    library = relative_url("references/", current)
    intro = fmt(
        "<p>{} of {} sources are coded with a region. A source counts once in every region it covers: a country "
        "counts in its UN M49 sub-region and region, so rows do not add up. Global sources are those coded "
        "<code>global</code>. Each row links to the library filtered to it.</p>",
        coded,
        len(srcs),
    )
    tops = [v for v in scheme.all_values("regions") if not v.group]
    chart = bar_chart("Sources per region", [(v.label, counts[v.slug]) for v in tops], "regions")
    rows = []
    for slug, label, depth, n in facet_values(srcs, scheme, "regions"):
        kind = (
            "Worldwide"
            if slug == "global"
            else "Country or area"
            if coding.country(slug)
            else "Region"
            if depth == 0
            else "Sub-region"
        )
        rows.append(
            fmt(
                '<tr class="refkb-region-depth{}"><th scope="row"><a href="{}?regions={}">{}</a></th>'
                "<td>{}</td><td>{}</td><td>{}</td></tr>",
                min(depth, 3),
                library,
                slug,
                label,
                kind,
                n,
                direct[slug],
            )
        )
    for v in tops:
        if not counts[v.slug]:
            rows.append(
                fmt(
                    '<tr class="refkb-cell--gap"><th scope="row">{}</th><td>Region</td><td>0 (gap)</td><td>0</td></tr>',
                    v.label,
                )
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
    country_chart = (
        bar_chart(
            "Sources per country (named)", [(scheme.label("regions", c), n) for c, n in countries[:25]], "countries"
        )
        if countries
        else Markup("")
    )
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


# ---------------------------------------------------------------------------------------------------------------
# The methodology page's vocabulary tables


def vocabulary_tables(scheme: Scheme) -> Markup:
    out = []
    for d in scheme.dimensions:
        rows = []
        if d.name == "platforms":
            for cat in scheme.categories:
                rows.append(
                    fmt(
                        '<tr class="refkb-vocab-group"><td><code>{}</code></td><td><strong>{}</strong> '
                        "(category)</td><td>{}</td></tr>",
                        cat.slug,
                        cat.label,
                        cat.definition,
                    )
                )
                rows.extend(
                    fmt("<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>", v.slug, v.label, v.definition)
                    for v in d.values
                    if v.group == cat.slug
                )
            rows.extend(
                fmt("<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>", v.slug, v.label, v.definition)
                for v in d.values
                if not v.group
            )
        else:
            for v in d.values:
                parent = f" Part of {scheme.label('regions', v.group)}." if d.name == "regions" and v.group else ""
                rows.append(
                    fmt(
                        "<tr><td><code>{}</code></td><td>{}</td><td>{}{}</td></tr>",
                        v.slug,
                        v.label,
                        v.definition,
                        parent,
                    )
                )
            if d.name == "regions":
                rows.append(
                    Markup(
                        "<tr><td><code>us</code>, <code>ph</code>, …</td><td>Countries and areas</td><td>ISO 3166-1 "
                        "alpha-2 codes in lower case; each counts in its UN M49 sub-region and region.</td></tr>"
                    )
                )
        required = " Required for every entry." if d.name in scheme.required else ""
        out.append(
            fmt(
                '<h3 id="coding-{0}">{1} (<code>{0}</code>)</h3><p>Several values comma-separated.{2}</p>'
                '<div class="refkb-scroll" tabindex="0" role="region" aria-label="Values of {1}">'
                '<table class="refkb-vocabulary"><thead><tr><th scope="col">Value</th>'
                '<th scope="col">Label</th><th scope="col">Definition</th></tr></thead>'
                "<tbody>{3}</tbody></table></div>",
                d.name,
                d.label,
                required,
                Markup("").join(rows),
            )
        )
    labels = [v.label.lower() for v in scheme.all_values("design") if v.slug in scheme.primary]
    out.append(fmt("<p>{}</p>", PRIMARY_NOTE.format(", ".join(labels) or "none")))
    return Markup("").join(out)
