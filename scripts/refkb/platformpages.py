"""The platform pages: one per platform category (counts, sources by topic and by year) and their index."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

from .charts import COVERAGE, Bar, bar_chart
from .coded import Source
from .coding import Scheme
from .fragment import fmt, relative_url
from .project import Topic


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
    add_late: Callable[[Markup], str] | None = None,
) -> str:
    """The generated part of /platforms/<category>/: counts, sources by topic (newest first) and by year.

    The lists of sources go in through `add_late` when it is given: put in after the search plugin has read the page,
    like a topic page's, they keep hundreds of titles per page out of the search index (each source has a page of its
    own there); the counts, table and chart go in through `add`."""
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
    table = _platform_table(mine, scheme, category, library)
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
                (add_late or add)(
                    fmt(
                        '<ul class="refkb-platform-sources">{}</ul>',
                        Markup("").join(_source_item(s, scheme, current, named(s)) for s in on_topic),
                    )
                )
            )
    out.append("## Sources by year")
    years = Counter(s.ref.year or "n.d." for s in mine)
    order = sorted(years, key=lambda y: (not y.isdigit(), y))
    bars = [Bar(y, years[y]) for y in order]
    chart = bar_chart(f"Sources on {cat.label.lower()} per year", bars, f"years-{category}", COVERAGE)
    out.append(add(chart + year_table(mine, order)))
    return "\n\n".join(out)


def _platform_table(mine: Sequence[Source], scheme: Scheme, category: str, library: str) -> Markup:
    """Sources per platform of the category (each linked to the library filtered to it), and those coded with the
    category alone."""
    cat = scheme.category_by_slug[category]
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
    return fmt(
        '<table class="refkb-data"><caption>Sources per platform</caption><thead><tr><th scope="col">'
        'Platform</th><th scope="col">Sources</th></tr></thead><tbody>{}</tbody></table>',
        rows,
    )


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
