"""The method made visible: the PRISMA 2020 flow diagram (inline SVG with an accessible table beside it), the search
log and the screening records as tables, and a topic's "last searched" line — all from `refkb.searchlog`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from . import searchlog

_W, _BOX_H, _GAP = 300, 58, 26


@dataclass(frozen=True)
class Box:
    stage: str
    label: str
    count: int
    column: int  # 0: the main flow, 1: what was set aside at that stage


def boxes(f: searchlog.Flow) -> list[Box]:
    return [
        Box("Previous", "Sources included before the search log began", f.previous, 0),
        Box("Previous", "Candidates left out before the log (recorded)", f.previous_excluded, 1),
        Box("Identification", f"Results looked at in {f.searches} recorded searches", f.identified, 0),
        Box("Identification", "Already in the library (duplicates)", f.duplicates, 1),
        Box("Screening", "Results screened on title and summary", f.identified - f.duplicates, 0),
        Box("Screening", "Set aside on title and summary", f.screened_out, 1),
        Box("Eligibility", "Records assessed in full on their stored pages", f.assessed, 0),
        Box("Eligibility", "Left out, with reasons (listed below)", sum(f.excluded.values()), 1),
        Box("Included", "New sources included from the searches", f.new, 0),
        Box("Included", "Sources in the knowledge base", f.total, 1),
    ]


def _wrap(text: str, width: int = 44) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line] if line else lines


def svg(f: searchlog.Flow) -> Markup:
    """The flow as boxes in two columns, one row per stage, arrows down the main column and across to the side."""
    rows: list[str] = []
    for b in boxes(f):
        if b.stage not in rows:
            rows.append(b.stage)
    parts = []
    for b in boxes(f):
        x = 110 + b.column * (_W + 40)
        y = 10 + rows.index(b.stage) * (_BOX_H + _GAP)
        text = [*_wrap(b.label)[:2], f"n = {b.count}"]
        tspans = Markup("").join(
            Markup('<tspan x="{}" dy="{}">{}</tspan>').format(x + 8, "1.2em" if i else "1.1em", t)
            for i, t in enumerate(text[:3])
        )
        parts.append(
            Markup('<rect x="{}" y="{}" width="{}" height="{}" rx="4"/><text x="{}" y="{}">{}</text>').format(
                x, y, _W, _BOX_H, x + 8, y + 4, tspans
            )
        )
        if b.column == 1:
            parts.append(
                Markup('<line x1="{}" y1="{}" x2="{}" y2="{}" marker-end="url(#refkb-arrow)"/>').format(
                    110 + _W, y + _BOX_H // 2, x - 2, y + _BOX_H // 2
                )
            )
        elif rows.index(b.stage) > 0:
            parts.append(
                Markup('<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" marker-end="url(#refkb-arrow)"/>').format(
                    x + _W // 2, y - _GAP, y - 2
                )
            )
    labels = Markup("").join(
        Markup('<text class="refkb-prisma-stage" x="8" y="{}">{}</text>').format(
            10 + i * (_BOX_H + _GAP) + _BOX_H // 2 + 4, stage
        )
        for i, stage in enumerate(rows)
    )
    height = 10 + len(rows) * (_BOX_H + _GAP)
    return Markup(
        '<svg class="refkb-prisma" viewBox="0 0 {w} {h}" role="img" aria-labelledby="refkb-prisma-title">'
        '<title id="refkb-prisma-title">PRISMA 2020 flow diagram of the searches (the table below gives the same '
        'counts)</title><defs><marker id="refkb-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" '
        'markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>{labels}{parts}</svg>'
    ).format(w=110 + 2 * _W + 50, h=height, labels=labels, parts=Markup("").join(parts))


def table(f: searchlog.Flow) -> Markup:
    rows = Markup("").join(
        Markup('<tr><th scope="row">{}</th><td>{}</td><td class="refkb-num">{}</td></tr>').format(
            b.stage, b.label, b.count
        )
        for b in boxes(f)
    )
    reasons = Markup("").join(
        Markup('<tr><th scope="row">Left out</th><td>{}</td><td class="refkb-num">{}</td></tr>').format(
            searchlog.REASONS[r], n
        )
        for r, n in f.excluded.items()
    )
    return Markup(
        '<table class="refkb-prisma-table"><caption>PRISMA 2020 flow, as numbers</caption><thead><tr>'
        '<th scope="col">Stage</th><th scope="col">What</th><th scope="col">Count</th></tr></thead>'
        "<tbody>{}{}</tbody></table>"
    ).format(rows, reasons)


def flow_html(f: searchlog.Flow) -> Markup:
    return Markup('<figure class="refkb-prisma-figure">{}<figcaption>{}</figcaption></figure>{}').format(
        svg(f), "How sources reached the knowledge base (PRISMA 2020).", table(f)
    )


def log_table(log: searchlog.Log, library_href: str) -> Markup:
    """Every search, newest first, each row an anchor (#s001) that topic pages link to."""
    rows = []
    for s in sorted(log.searches, key=lambda s: (s.date, s.id), reverse=True):
        aims = "; ".join(f"{d.replace('_', ' ')}: {', '.join(v)}" for d, v in s.aims.items() if v)
        found = Markup(", ").join(
            Markup('<a href="{}{}/">{}</a>').format(library_href, k, k) for k in s.yielded[:12]
        ) + (Markup(" and {} more").format(len(s.yielded) - 12) if len(s.yielded) > 12 else Markup(""))
        rows.append(
            Markup(
                '<tr id="{0}"><td><a href="#{0}">{0}</a></td><td>{1}</td><td>{2}</td><td>{3}</td><td>{4}</td>'
                '<td class="refkb-num">{5}</td><td>{6}</td><td>{7}</td></tr>'
            ).format(s.id, s.date.isoformat(), s.route, s.place, s.query, s.looked_at, aims or "—", found or "—")
        )
    return Markup(
        '<div class="refkb-scroll"><table class="refkb-search-log"><thead><tr><th scope="col">Search</th>'
        '<th scope="col">Date</th><th scope="col">Route</th><th scope="col">Where</th><th scope="col">Query</th>'
        '<th scope="col">Looked at</th><th scope="col">Aimed at</th><th scope="col">Sources it yielded</th>'
        "</tr></thead><tbody>{}</tbody></table></div>"
    ).format(Markup("").join(rows))


def screening_table(log: searchlog.Log) -> Markup:
    rows = Markup("").join(
        Markup('<tr><td>{}</td><td><a href="#{}">{}</a></td><td>{}</td><td>{}</td></tr>').format(
            x.candidate, x.search, x.search, searchlog.REASONS[x.reason], x.note
        )
        for x in log.screening
    )
    return Markup(
        '<div class="refkb-scroll"><table class="refkb-screening"><thead><tr><th scope="col">Candidate</th>'
        '<th scope="col">Search</th><th scope="col">Reason</th><th scope="col">Note</th></tr></thead>'
        "<tbody>{}</tbody></table></div>"
    ).format(rows)


def last_searched(when: dt.date | None, aimed: Sequence[searchlog.Search], cadence: int, method_href: str) -> Markup:
    """The line a topic or platform page opens its evidence with: when it was last searched, and which searches."""
    if when is None:
        return Markup("")
    links = Markup(", ").join(Markup('<a href="{}#{}">{}</a>').format(method_href, s.id, s.id) for s in aimed)
    how = (
        Markup("searches {}").format(links)
        if aimed
        else Markup('the searches before the <a href="{}#search-log">search log</a> began').format(method_href)
    )
    return Markup(
        '<p class="refkb-last-searched">Evidence last searched for: {} ({}; searched again every {} months).</p>'
    ).format(when.isoformat(), how, cadence)
