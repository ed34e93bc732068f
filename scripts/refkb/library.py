"""The library: its table of works (one row per work, with the data attributes its filters read), the filters
above it, and the JSON index the browser filters on."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from markupsafe import Markup, escape

from .fragment import fmt, relative_url
from .project import Topic
from .refs import KIND_LABELS, TYPE_LABELS, Ref, kinds_present, type_label, type_of


def index_record(ref: Ref, summary: str) -> dict[str, object]:
    """One line of the library's JSON index (what the browser filters on)."""
    return {
        "key": ref.key,
        "url": ref.url,
        "authors": ref.authors_text,
        "year": ref.year,
        "title": ref.title,
        "type": type_of(ref.entry),
        "kind": ref.entry.value("sourcekind").strip(),
        "topics": ref.topics,
        "summary": summary,
    }


def library_browser(refs: Sequence[Ref], topics: Sequence[Topic], current: str) -> Markup:
    """Filters (topic, kind, type, years, text, sort) over the library table; hidden until the script runs, so the
    full list shows without JavaScript."""
    types = sorted({type_of(r.entry) for r in refs})
    kinds = kinds_present(refs)
    years = [int(r.year) for r in refs if r.year.isdigit()]
    lo, hi = (min(years), max(years)) if years else (1990, 2030)

    def options(pairs: Iterable[tuple[str, str]]) -> str:
        return '<option value="">All</option>' + "".join(
            f'<option value="{escape(v)}">{escape(label)}</option>' for v, label in pairs
        )

    return Markup(
        f'<form class="refkb-filters refkb-browser" data-refkb-browser hidden role="search" '
        f'aria-label="Filter the library" data-index="{escape(relative_url("references/index.json", current))}" '
        f'data-records="{escape(relative_url("references/records.json", current))}">'
        f'<label>Topic <select name="topic">{options((t.slug, t.title) for t in topics)}</select></label>'
        f'<label>Kind of source <select name="kind">{options((k, KIND_LABELS.get(k, k)) for k in kinds)}</select>'
        "</label>"
        f'<label>Type <select name="type">{options((t, TYPE_LABELS.get(t, t)) for t in types)}</select></label>'
        f'<label>From <input name="from" type="number" min="{lo}" max="{hi}" placeholder="{lo}" inputmode="numeric">'
        "</label>"
        f'<label>To <input name="to" type="number" min="{lo}" max="{hi}" placeholder="{hi}" inputmode="numeric">'
        "</label>"
        '<label>Text <input name="text" type="search" placeholder="Author, title, summary"></label>'
        '<label>Sort <select name="sort"><option value="author">Author</option><option value="year-desc">Newest'
        '</option><option value="year">Oldest</option><option value="title">Title</option></select></label>'
        '<output class="refkb-count" aria-live="polite"></output></form>'
    )


def library_rows(
    refs: Iterable[Ref],
    current: str,
    attrs: Callable[[Ref], Markup] | None = None,
    note: Callable[[Ref], Markup] | None = None,
) -> Markup:
    """The library table; `attrs` adds data attributes to each row (the evidence coding's facets), `note` a line
    under each title."""
    return library_table(library_row(r, current, attrs, note) for r in sorted(refs, key=Ref.sort_key))


def library_row(
    r: Ref,
    current: str,
    attrs: Callable[[Ref], Markup] | None = None,
    note: Callable[[Ref], Markup] | None = None,
) -> Markup:
    """One work's row in the library table; `note` adds a line under the title (design and confidence)."""
    kind = r.entry.value("sourcekind").strip()
    return fmt(
        '<tr data-key="{}" data-year="{}" data-type="{}" data-kind="{}" data-topics="{}"{}><td>{}</td><td>{}</td>'
        '<td><a href="{}">{}</a>{}</td><td>{}</td><td>{}</td></tr>',
        r.key,
        r.year,
        type_of(r.entry),
        kind,
        " ".join(r.topics),
        attrs(r) if attrs else "",
        r.authors_text or "—",
        r.year or "n.d.",
        relative_url(r.url, current),
        r.title,
        note(r) if note else "",
        type_label(r.entry),
        KIND_LABELS.get(kind, kind),
    )


def library_table(rows: Iterable[Markup]) -> Markup:
    """The library table around its rows (in the order given)."""
    return Markup(
        '<div class="refkb-scroll"><table class="refkb-library" data-refkb-library><thead><tr>'
        '<th scope="col">Author</th><th scope="col">Year'
        '</th><th scope="col">Title</th><th scope="col">Type</th><th scope="col">Kind of source</th></tr></thead>'
        "<tbody>" + "".join(rows) + "</tbody></table></div>"
    )
