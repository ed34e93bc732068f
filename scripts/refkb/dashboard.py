"""The coverage dashboard's figures: the evidence-gap matrix (topic × kind of source), sources per year and topics
over time, each an SVG with its data table beside it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from markupsafe import Markup, escape

from .charts import DASHBOARD, Bar, bar_chart
from .project import Topic
from .refs import KIND_LABELS, Ref, kinds_present


def gap_matrix(refs: Sequence[Ref], topics: Sequence[Topic], thin: int = 2) -> Markup:
    """Sources per topic × kind of source: an SVG heat map that marks empty and thin cells, and its table."""
    kinds = kinds_present(refs)
    found = Counter((slug, r.entry.value("sourcekind").strip()) for r in refs for slug in set(r.topics))
    counts = {(t.slug, k): found[(t.slug, k)] for t in topics for k in kinds}
    cell, left, top = 44, 250, 80
    width, height = left + cell * len(kinds) + 10, top + cell * len(topics) + 10
    peak = max(counts.values(), default=1) or 1
    parts = []
    for j, k in enumerate(kinds):
        x = left + j * cell + cell / 2
        parts.append(
            f'<text x="{x}" y="{top - 10}" text-anchor="start" transform="rotate(-40 {x} {top - 10})" '
            f'class="refkb-svg-label">{escape(KIND_LABELS.get(k, k).split(" ")[0])}</text>'
        )
    for i, t in enumerate(topics):
        y = top + i * cell
        parts.append(
            f'<text x="{left - 8}" y="{y + cell / 2 + 4}" text-anchor="end" class="refkb-svg-label">'
            f"{escape(t.title.split(':')[0])}</text>"
        )
        for j, k in enumerate(kinds):
            n = counts[(t.slug, k)]
            state = "empty" if n == 0 else "thin" if n <= thin else "ok"
            opacity = 0.15 + 0.85 * n / peak if n else 0
            parts.append(
                f'<rect x="{left + j * cell}" y="{y}" width="{cell - 2}" height="{cell - 2}" '
                f'class="refkb-cell refkb-cell--{state}" fill-opacity="{opacity:.2f}"/>'
                f'<text x="{left + j * cell + cell / 2 - 1}" y="{y + cell / 2 + 4}" text-anchor="middle" '
                f'class="refkb-svg-value">{n if n else "–"}{"!" if state == "thin" else ""}</text>'
            )
    svg = (
        f'<svg class="refkb-chart refkb-matrix" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="matrix-t" xmlns="http://www.w3.org/2000/svg"><title id="matrix-t">Evidence-gap matrix: '
        f"sources per topic and kind of source</title>{''.join(parts)}</svg>"
    )
    head = "".join(f'<th scope="col">{escape(KIND_LABELS.get(k, k))}</th>' for k in kinds)

    def cell_html(n: int) -> str:
        state = "empty" if n == 0 else "thin" if n <= thin else "ok"
        note = " (empty)" if state == "empty" else " (thin)" if state == "thin" else ""
        return f'<td class="refkb-cell--{state}">{n}{note}</td>'

    body = "".join(
        f'<tr><th scope="row">{escape(t.title)}</th>' + "".join(cell_html(counts[(t.slug, k)]) for k in kinds) + "</tr>"
        for t in topics
    )
    # Focusable, so a keyboard can scroll it when it overflows (axe: scrollable-region-focusable).
    table = (
        f'<div class="refkb-scroll" tabindex="0" role="region" aria-label="Evidence-gap matrix table">'
        f'<table class="refkb-matrix-table"><caption>Sources per topic and kind of '
        f"source (empty: none; thin: "
        f'{thin} or fewer)</caption><thead><tr><th scope="col">Topic</th>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )
    return Markup(f'<div class="refkb-figure">{svg}{table}</div>')


def per_year(refs: Sequence[Ref]) -> Markup:
    years = sorted({int(r.year) for r in refs if r.year.isdigit()})
    if not years:
        return Markup("<p>No dated sources.</p>")
    span = list(range(years[0], years[-1] + 1))
    per = Counter(r.year for r in refs)
    counts = [per[str(y)] for y in span]
    undated = sum(not r.year.isdigit() for r in refs)
    bars = [Bar(str(y), n) for y, n in zip(span, counts, strict=True)]
    svg = bar_chart("Sources per year of publication", bars, "years", DASHBOARD)
    rows = "".join(f'<tr><th scope="row">{y}</th><td>{n}</td></tr>' for y, n in zip(span, counts, strict=True))
    extra = f'<tr><th scope="row">No date</th><td>{undated}</td></tr>' if undated else ""
    return Markup(
        f'<div class="refkb-figure">{svg}<table class="refkb-data"><caption>Sources per year</caption><thead><tr>'
        f'<th scope="col">Year</th><th scope="col">Sources</th></tr></thead><tbody>{rows}{extra}</tbody></table></div>'
    )


def topics_over_time(refs: Sequence[Ref], topics: Sequence[Topic]) -> Markup:
    """Sources per topic in five-year periods (a table, and a bar chart of each period's totals)."""
    dated = [(int(r.year), set(r.topics)) for r in refs if r.year.isdigit()]
    if not dated:
        return Markup("")
    start = min(y for y, _ in dated) // 5 * 5
    periods = list(range(start, max(y for y, _ in dated) + 1, 5))
    labels = [f"{p}–{p + 4}" for p in periods]
    counts = {(t.slug, p): 0 for t in topics for p in periods}
    totals = dict.fromkeys(periods, 0)
    for year, slugs in dated:
        period = start + (year - start) // 5 * 5
        totals[period] += 1
        for slug in slugs:
            if (slug, period) in counts:
                counts[(slug, period)] += 1
    head = "".join(f'<th scope="col">{lab}</th>' for lab in labels)
    body = "".join(
        f'<tr><th scope="row">{escape(t.title)}</th>'
        + "".join(f"<td>{counts[(t.slug, p)]}</td>" for p in periods)
        + "</tr>"
        for t in topics
    )
    bars = [Bar(label, totals[p]) for label, p in zip(labels, periods, strict=True)]
    svg = bar_chart("Sources per five-year period", bars, "periods", DASHBOARD)
    # A matrix wider than a phone: it scrolls sideways on its own, so it takes the keyboard's focus (tabindex) to be
    # scrolled without a mouse (axe: scrollable-region-focusable); its caption names it.
    return Markup(
        f'<div class="refkb-figure">{svg}<table class="refkb-data" tabindex="0"><caption>Sources per topic and period'
        "</caption>"
        f'<thead><tr><th scope="col">Topic</th>{head}</tr></thead><tbody>{body}</tbody></table></div>'
    )
