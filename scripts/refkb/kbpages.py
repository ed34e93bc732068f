"""The knowledge base's own data pages: the claims ledger (and, on a reference page, the claims that cite the
work), the glossary and the timeline, each citation formatted by the style's engine."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

from . import citations, csl, kbdata
from .fragment import fmt, relative_url
from .intext import ClusterFn, cite_keys, cited_text
from .refs import Ref, date_text

VERDICT_CLASS = {
    "supported": "ok",
    "partly supported": "partly",
    "unsupported": "unsupported",
    "contradicted": "contradicted",
    "unverifiable": "unverifiable",
}


def claims_table(
    claims: Sequence[kbdata.Claim], refs: Mapping[str, Ref], style_id: str, current: str, clusters: ClusterFn
) -> Markup:
    sections = sorted({c.section for c in claims}, key=lambda s: [c.section for c in claims].index(s))
    options_v = "".join(f'<option value="{escape(v)}">{escape(v.capitalize())}</option>' for v in kbdata.VERDICTS)
    options_s = "".join(f'<option value="{escape(s)}">{escape(s)}</option>' for s in sections)
    controls = (
        '<div class="refkb-filters" data-refkb-filter="claims" hidden>'
        '<label>Verdict <select data-filter="verdict"><option value="">All</option>' + options_v + "</select></label>"
        '<label>Section <select data-filter="section"><option value="">All</option>' + options_s + "</select></label>"
        '<label>Text <input type="search" data-filter="text" placeholder="Filter claims"></label>'
        '<output class="refkb-count" aria-live="polite"></output></div>'
    )
    rows = []
    for c in claims:
        rows.append(
            fmt(
                '<tr id="{0}" data-verdict="{1}" data-section="{2}"><td><a href="#{0}">{0}</a></td>'
                '<td>{2}</td><td>{3}<details class="refkb-evidence"><summary>Evidence</summary>'
                '<div>{5} {6}</div></details></td><td><span class="refkb-verdict refkb-verdict--{4}">{1}</span></td>'
                '<td data-label="Corrected statement"{8}>{7}</td></tr>',
                c.id,
                c.verdict,
                c.section,
                c.claim,
                VERDICT_CLASS.get(c.verdict, "unknown"),
                cited_text(c.note, refs, style_id, current, clusters),
                cite_keys(_uncited(c.evidence, c.note), refs, style_id, current, clusters),
                c.corrected or "—",
                Markup("") if c.corrected else Markup(' class="refkb-none"'),
            )
        )
    return Markup(
        controls + '<div class="refkb-scroll"><table class="refkb-claims refkb-filterable" data-refkb-table="claims">'
        "<thead><tr><th>#</th>"
        "<th>Section</th><th>Claim (paraphrased) and its evidence</th><th>Verdict</th><th>Corrected statement</th>"
        "</tr></thead><tbody>" + "".join(rows) + "</tbody></table></div>"
    )


def _uncited(keys: Sequence[str], text: str) -> list[str]:
    """The keys that `text` does not already cite inline."""
    inline = {k for c in citations.find(text) for k in c.keys}
    return [k for k in keys if k not in inline]


# The last ledger asked about and its claims by the works they cite (`_citing`).
_CITING: list[tuple[Sequence[kbdata.Claim], dict[str, list[kbdata.Claim]]]] = []


def _citing(claims: Sequence[kbdata.Claim]) -> dict[str, list[kbdata.Claim]]:
    """Each work's claims, in the ledger's order, indexed once per ledger: every reference page asks for its own
    work's, and looking through the whole ledger for each made a build quadratic (a grown knowledge base of 5,000
    works and claims: 25 million comparisons)."""
    if not _CITING or _CITING[0][0] is not claims:
        index: dict[str, list[kbdata.Claim]] = {}
        for c in claims:
            for key in dict.fromkeys(c.evidence):
                index.setdefault(key, []).append(c)
        _CITING[:] = [(claims, index)]
    return _CITING[0][1]


def claims_for(key: str, claims: Sequence[kbdata.Claim], current: str) -> Markup:
    mine = _citing(claims).get(key, [])
    if not mine:
        return Markup('<p class="refkb-claims-for">The claims ledger does not cite this source.</p>')
    items = "".join(
        fmt(
            '<li><a href="{}#{}">{}</a> <span class="refkb-verdict refkb-verdict--{}">{}</span> {}</li>',
            relative_url("claims/", current),
            c.id,
            c.id,
            VERDICT_CLASS.get(c.verdict, "unknown"),
            c.verdict,
            c.claim,
        )
        for c in mine
    )
    return Markup(f'<ul class="refkb-claims-for">{items}</ul>')


def glossary(
    terms: Sequence[kbdata.Term], refs: Mapping[str, Ref], style_id: str, current: str, clusters: ClusterFn
) -> Markup:
    items = "".join(
        fmt(
            '<dt id="{}">{}</dt><dd>{} {}</dd>',
            t.anchor,
            t.term,
            t.definition,
            cite_keys(t.cite, refs, style_id, current, clusters),
        )
        for t in terms
    )
    return Markup(f'<dl class="refkb-glossary">{items}</dl>')


def timeline(
    events: Sequence[kbdata.Event], refs: Mapping[str, Ref], style_id: str, current: str, clusters: ClusterFn
) -> Markup:
    items = "".join(
        fmt(
            '<li><time datetime="{}">{}</time> <span>{} {}</span></li>',
            e.date,
            date_text(csl.date_parts(e.date)),
            e.event,
            cite_keys(e.cite, refs, style_id, current, clusters),
        )
        for e in events
    )
    return Markup(f'<ol class="refkb-timeline">{items}</ol>')
