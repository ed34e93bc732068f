"""The library's facets (a group of checkboxes per coding dimension, and one for the appraised confidence), the
data attributes of each library row they filter on, and each reference page's coding as links to the library
filtered to each value."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup

from . import coding
from .coded import CONFIDENCE_VALUES, Source
from .coding import DIMENSIONS, Scheme
from .fragment import fmt, relative_url
from .refs import Ref

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


@dataclass(frozen=True)
class FacetValue:
    """A value of a dimension used in the library: its slug, label, depth in the tree and number of sources."""

    slug: str
    label: str
    depth: int
    count: int


def facet_values(srcs: Sequence[Source], scheme: Scheme, dim: str) -> list[FacetValue]:
    """The values used in the library, in the vocabulary's order (platform categories before their platforms;
    regions as a tree, countries under their narrowest region)."""
    counts: Counter[str] = Counter()
    for s in srcs:
        counts.update(scheme.expand(dim, s.coding.get(dim, ())))
    if dim == "platforms":
        return _platform_values(scheme, counts)
    if dim == "regions":
        return _region_values(scheme, counts)
    return [FacetValue(v.slug, v.label, 0, counts[v.slug]) for v in scheme.all_values(dim) if counts[v.slug]]


def _platform_values(scheme: Scheme, counts: Counter[str]) -> list[FacetValue]:
    out = []
    for cat in scheme.categories:
        if counts[cat.slug]:
            out.append(FacetValue(cat.slug, cat.label, 0, counts[cat.slug]))
            out.extend(
                FacetValue(v.slug, v.label, 1, counts[v.slug])
                for v in scheme.all_values("platforms")
                if v.group == cat.slug and counts[v.slug]
            )
    if counts["general"]:
        out.append(FacetValue("general", scheme.label("platforms", "general"), 0, counts["general"]))
    return out


def _region_values(scheme: Scheme, counts: Counter[str]) -> list[FacetValue]:
    dim = "regions"
    countries = sorted((c for c in counts if coding.country(c) is not None), key=lambda c: scheme.label(dim, c))
    out: list[FacetValue] = []

    def walk(parent: str, depth: int) -> None:
        for v in scheme.all_values(dim):
            if v.group == parent and counts[v.slug]:
                out.append(FacetValue(v.slug, v.label, depth, counts[v.slug]))
                walk(v.slug, depth + 1)
                out.extend(
                    FacetValue(c, scheme.label(dim, c), depth + 1, counts[c])
                    for c in countries
                    if (scheme.region_parents(c) or ("",))[0] == v.slug
                )

    walk("", 0)
    out.extend(FacetValue(c, scheme.label(dim, c), 0, counts[c]) for c in countries if not scheme.region_parents(c))
    return out


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
                min(v.depth, 3),
                d,
                v.slug,
                v.label,
                v.count,
            )
            for v in values
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
