"""Each page kind's renderer: its Markdown with refkb's parts added as tokens (no MkDocs here).

A renderer takes the build, the page (`View`), its Markdown and its tokens, and returns the Markdown. The table in
`refkb.site.kinds` says which renderer a page gets; `page_markdown` runs the whole pipeline: the kind's renderer,
the markers any page may hold (refkb.method, refkb.evidencemap, refkb.vocabulary), the kind's late renderer,
citations, and the page's own cite block.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from .. import (
    appraisal,
    citations,
    coded,
    coding,
    csl,
    dashboard,
    evidencemap,
    facets,
    fragment,
    inherit,
    intext,
    kbcite,
    kbpages,
    library,
    method,
    platformpages,
    reader,
    refpage,
    regionpages,
    selection,
    vocabulary,
)
from ..errors import RefkbError
from ..refs import Ref, kinds_present
from .tokens import Tokens

if TYPE_CHECKING:
    from .context import Build
    from .kinds import PageKind

H1 = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.M)
VOCABULARY_MARKER = "REFKB_CODING_SCHEME"
MAP_MARKER = "REFKB_EVIDENCE_MAP"
REACH_MARKER = "REFKB_REACH"
PDF = "downloads/knowledge-base.pdf"


@dataclass(frozen=True)
class View:
    """A page as a renderer sees it."""

    src: str  # its source path under docs/ ("topics/x.md")
    url: str  # its address from the site root ("topics/x/")
    name: str  # its file name without suffix (the title when it has no heading)
    key: str | None = None  # the work's key, on a reference page


@dataclass(frozen=True)
class DataPage:
    title: str
    attr: str  # the kbdata.Data field holding its records
    intro: str


class UnknownCitation(RefkbError):
    """A page cites a key the bibliography does not hold (validation reports it first, as `unresolved-citation`;
    this is the build's own refusal, with the same code, for a page validation did not see)."""

    code = "unresolved-citation"

    def summary(self) -> str:
        return f"error {self.code} {super().summary()}"


Renderer = Callable[["Build", View, str, Tokens], str]
# Which works a page of a kind lists besides those its Markdown cites (serve's plan: a page that lists none of the
# works an edit changed, before or after it, is the same page). Given the build and the page's source path, a test
# of a work; a kind without one may show any work.
Lists = Callable[["Build", str], Callable[[Ref], bool]]
RowMaker = Callable[[Ref, str], Markup]
RowCache = Callable[["Build", str, RowMaker], Markup]

DASHBOARD_MD = """# Coverage dashboard

Where the evidence in this knowledge base is thick and where it is thin. The counts are of sources in the library
tagged with each topic or cited on its page, not of studies in the world; an empty or thin cell is a gap in what
this knowledge base holds, and a prompt to look for sources.

## Evidence-gap map

REFKB_EVIDENCE_MAP

## Evidence-gap matrix

Sources per topic and kind of source. Empty cells show a dash; thin cells (two sources or fewer) are marked with an
exclamation mark in the chart and "(thin)" in the table.

REFKB_MATRIX

## Sources per year

REFKB_YEARS

## Topics over time

REFKB_OVER_TIME
REFKB_DASHBOARD
"""
VERIFICATION_MD = """# Verification dates

For maintainers: every source by the date its record was last verified, oldest first. Records verified longer ago
than the configured age carry a note on their page, and `refkb validate` lists them as `stale-verification`
warnings: re-check the record on the issuing body's page, then update `verified_on` (and `verified_at`).

REFKB_VERIFICATION
"""
REGIONS_MD = """# Sources by region

Where the sources in this knowledge base look: UN M49 regions and ISO 3166 countries, as coded in each entry's
`regions` field.

REFKB_REGIONS
"""


def title_of(markdown: str, name: str) -> str:
    """A page's title as its Markdown gives it, as text: front matter's title, else its first H1 with its entities
    read (a generated page's H1 holds an escaped vocabulary label), else its file name."""
    meta = re.match(r"\A---\s*\n(.*?)\n---", markdown, re.S)
    if meta:
        m = re.search(r"^title:\s*['\"]?(.+?)['\"]?\s*$", meta.group(1), re.M)
        if m:
            return m.group(1)
    m = H1.search(markdown)
    if m:
        return html.unescape(m.group(1))
    return name.replace("-", " ").capitalize() if name != "index" else "Home"


def page_markdown(b: Build, kind: PageKind, view: View, markdown: str, tokens: Tokens) -> str:
    """The page's Markdown as refkb makes it, from its kind's table entry."""
    if kind.render is not None:
        markdown = kind.render(b, view, markdown, tokens)
    markdown = method_markers(b, view, markdown, tokens)
    markdown = evidence_markers(b, view, markdown, tokens)
    if kind.render_after_markers is not None:
        markdown = kind.render_after_markers(b, view, markdown, tokens)
    text = cite(b, view, markdown, tokens)
    if view.src == "cite.md":
        return text + kb_cite_block(b, view, tokens)
    if kind.cite_block:
        return text + page_cite_block(b, view, markdown, tokens)
    return text


# ---------------------------------------------------------------------------------------------------------------
# Reference pages


def reference_page(b: Build, view: View, markdown: str, tokens: Tokens) -> str:
    """A work's page: header, annotation, appraisal, cite block, other styles, downloads, where it is cited."""
    assert view.key is not None
    key, current = view.key, view.url
    ref = b.refs[key]
    note = b.notes.get(key)
    warning = str(note.meta.get("content_note", "")).strip() if note else ""
    verified_on = note.verified_on if note else None
    head = refpage.byline(ref) + refpage.content_note(warning)
    head += reader.freshness_note(verified_on, b.today, b.project.stale_after_months)

    def details() -> Markup:
        made = refpage.reference_header(ref, {t.slug: t for t in b.project.topics}, current)
        scheme = b.project.coding
        if scheme is not None:
            made += facets.coding_block(ref, scheme, current)  # the coding as links to the library's facets
        return made

    def block() -> Markup:
        return refpage.cite_block(ref, {s: r.standalone for s, r in ref.rendered.items()})

    # The parts put in after the theme are made when the page is finished (Tokens.add_later), not held from the
    # page's conversion to its writing: they are most of a reference page's HTML (the cite block in every style,
    # the other styles' picker, the downloads), and the cite block may wait on styles still being formatted (a
    # cold build, refkb.later).
    parts = [tokens.add(head), tokens.add_later(details), markdown]
    found = b.appraisals().get(key)
    if found is not None:
        href = fragment.relative_url("methodology/", current) + "#appraisal"
        parts += ["## Appraisal", tokens.add_later(functools.partial(appraisal.html, found, href))]
    parts += ["## Cite this source", tokens.add_later(block)]
    if b.picker_styles:
        styles = b.picker_styles

        def picker() -> Markup:
            return selection.picker(ref.slug, current, styles, csl.engine_item(ref.csl_item))

        parts += ["## Other citation styles", tokens.add_later(picker)]
    trail = note.trail if note else ()
    parts += [
        "## Downloads",
        tokens.add_later(lambda: refpage.downloads(ref)),
        "## Cited on",
        tokens.add_later(lambda: refpage.cited_on(b.cited_on.get(key, []), current)),
        "## In the claims ledger",
        tokens.add_later(lambda: kbpages.claims_for(key, b.data.claims, current)),
        tokens.add_later(lambda: refpage.verification(trail, verified_on)),
    ]
    return "\n\n".join(parts)


# ---------------------------------------------------------------------------------------------------------------
# Pages made from the whole library


def data_page(data_pages: Mapping[str, DataPage]) -> Renderer:
    """The claims ledger, glossary and timeline: their records as a table, then the works they cite."""
    tables: dict[str, Callable[..., Markup]] = {
        "claims": kbpages.claims_table,
        "terms": kbpages.glossary,
        "events": kbpages.timeline,
    }

    def render(b: Build, view: View, markdown: str, tokens: Tokens) -> str:
        if "REFKB_DATA" not in markdown:
            return markdown
        attr = data_pages[view.src].attr
        records: Any = getattr(b.data, attr)
        style = b.project.style
        html = tables[attr](records, b.refs, style, view.url, b.clusters)
        refs = [b.refs[k] for k in dict.fromkeys(k for r in records for k in r.keys) if k in b.refs]
        return (
            markdown.replace("REFKB_DATA", tokens.add(html))
            + "\n\n## References\n\n"
            + tokens.add(intext.reference_list(refs, style, view.url), late=True)
        )

    return render


def data_lists(data_pages: Mapping[str, DataPage]) -> Lists:
    """The works a data page's records cite: their keys, and the citations in any of their text (a claim's note)."""

    def lists(b: Build, src: str) -> Callable[[Ref], bool]:
        cited: set[str] = set()
        for record in getattr(b.data, data_pages[src].attr):
            cited.update(record.keys)
            for value in vars(record).values():
                if isinstance(value, str) and "@" in value:
                    cited.update(k for c in citations.find(value) for k in c.keys)
        return lambda r: r.key in cited

    return lists


def library_page(b: Build, view: View, markdown: str, tokens: Tokens) -> str:
    """The library: every work, with filters; the table is kept out of the search index (late)."""
    refs = list(b.refs.values())
    current = view.url
    downloads = Markup(
        '<p class="refkb-downloads">The whole library: <a href="{0}references.bib" download>biblatex</a> · '
        '<a href="{0}references.bibtex.bib" download>BibTeX (classic)</a> · '
        '<a href="{0}references.ris" download>RIS</a> · <a href="{0}references.json" download>CSL-JSON</a></p>'
    ).format(fragment.relative_url("downloads/", current))
    intro = Markup(
        "<p>{} sources. Filter by topic, kind of source, type, years or text{}; the address keeps the "
        "filters, so a filtered view can be shared.</p>"
    ).format(
        len(refs),
        Markup(", and by the evidence coding (platform, region, form, population, design, data source)")
        if b.project.coding
        else "",
    )
    browser = library.library_browser(refs, b.project.topics, current) + library_facets(b)
    rows = library_rows(b, current)
    return markdown.replace(
        "REFKB_LIBRARY",
        tokens.add(intro + downloads) + "\n\n" + tokens.add(browser + rows, late=True),
    )


def library_facets(b: Build) -> Markup:
    scheme = b.project.coding
    if scheme is None:
        return Markup("")
    return facets.library_facets(b.evidence_sources(), scheme, b.shown_confidence())


def library_rows(b: Build, current: str) -> Markup:
    """The library table (serve keeps rows between rebuilds: `rows`)."""
    scheme = b.project.coding
    confidence = b.shown_confidence()
    attrs = facets.row_attrs(scheme, confidence) if scheme is not None else None
    note = facets.row_evidence(scheme, confidence or {}) if scheme is not None else None
    if b.row_cache is None:
        return library.library_rows(b.refs.values(), current, attrs, note)
    return b.row_cache(b, current, lambda r, cur: library.library_row(r, cur, attrs, note))


def dashboard_page(b: Build, view: View, markdown: str, tokens: Tokens) -> str:
    if "REFKB_DASHBOARD" not in markdown:
        return markdown
    refs = list(b.refs.values())
    topics = b.project.topics
    markdown = markdown.replace("REFKB_MATRIX", tokens.add(dashboard.gap_matrix(refs, topics)))
    markdown = markdown.replace("REFKB_YEARS", tokens.add(dashboard.per_year(refs)))
    markdown = markdown.replace("REFKB_OVER_TIME", tokens.add(dashboard.topics_over_time(refs, topics)))
    return markdown.replace("REFKB_DASHBOARD", "")


def topic_page(b: Build, view: View, markdown: str, tokens: Tokens) -> str:
    """A topic's page: what it cites, then the other works tagged with the topic."""
    slug = view.src[len("topics/") : -3]
    on_page = {k for c in citations.find(markdown) for k in c.keys}
    further = [r for r in b.refs.values() if slug in r.topics and r.key not in on_page]
    if not further:
        return markdown
    heading = "Further sources on this topic" if on_page else "Sources on this topic"
    html = intext.reference_list(further, b.project.style, view.url, "refkb-topic-sources")
    return markdown + f"\n\n## {heading}\n\n" + tokens.add(html, late=True)


def topic_lists(b: Build, src: str) -> Callable[[Ref], bool]:
    """The works `topic_page` lists: those tagged with the topic (or discussed on its page)."""
    slug = src[len("topics/") : -3]
    return lambda r: slug in r.topics


def verification_page(b: Build, view: View, markdown: str, tokens: Tokens) -> str:
    if "REFKB_VERIFICATION" not in markdown:
        return markdown
    rows = [
        reader.Verified(r.key, r.title, r.url, b.notes[r.key].verified_on if r.key in b.notes else None)
        for r in b.refs.values()
    ]
    table = reader.verification_table(rows, b.today, b.project.stale_after_months, view.url)
    return markdown.replace("REFKB_VERIFICATION", tokens.add(table, late=True))


# ---------------------------------------------------------------------------------------------------------------
# The evidence pages (refkb.regionpages, refkb.platformpages): regions, platforms


def regions_page(b: Build, view: View, markdown: str, tokens: Tokens) -> str:
    scheme = b.project.coding
    if scheme is None or "REFKB_REGIONS" not in markdown:
        return markdown
    html = regionpages.regions_page(b.evidence_sources(), scheme, view.url, tokens.add)
    return markdown.replace("REFKB_REGIONS", html)


def platforms_index_page(b: Build, view: View, markdown: str, tokens: Tokens) -> str:
    scheme = b.project.coding
    if scheme is None or "REFKB_PLATFORMS" not in markdown:
        return markdown
    html = platformpages.platforms_index(b.evidence_sources(), scheme, view.url)
    return markdown.replace("REFKB_PLATFORMS", tokens.add(html))


def platform_page(b: Build, view: View, markdown: str, tokens: Tokens) -> str:
    """A platform category's page: its text, then the sources coded with it."""
    scheme = b.project.coding
    category = view.src[len("platforms/") : -3]
    if scheme is None or category not in scheme.category_by_slug:
        return markdown
    srcs = b.evidence_sources()
    generated = platformpages.platform_page(
        srcs, scheme, category, b.project.topics, view.url, tokens.add, tokens.add_late
    )
    heading = "## The sources in the library" if H1.sub("", markdown, 1).strip() else ""
    return markdown.rstrip() + "\n\n" + (heading + "\n\n" if heading else "") + generated + "\n"


def platform_lists(b: Build, src: str) -> Callable[[Ref], bool]:
    """The works `platform_page` lists and counts: those coded with the category or one of its platforms."""
    scheme = b.project.coding
    category = src[len("platforms/") : -3]
    if scheme is None or category not in scheme.category_by_slug:
        return lambda r: False
    return lambda r: category in scheme.expand("platforms", coding.coding_of(r.entry).get("platforms", ()))


# ---------------------------------------------------------------------------------------------------------------
# Markers any page may hold


def evidence_markers(b: Build, view: View, markdown: str, tokens: Tokens) -> str:
    """The evidence map and the vocabulary tables, wherever their markers are."""
    scheme = b.project.coding
    if scheme is None:
        return markdown.replace(MAP_MARKER, "").replace(VOCABULARY_MARKER, "")
    if MAP_MARKER in markdown:
        srcs = b.evidence_sources()
        kinds = kinds_present((s.ref for s in srcs), b.project.sourcekinds)
        ax = coded.axes(srcs, scheme, b.project.topics, kinds)
        markdown = markdown.replace(MAP_MARKER, evidencemap.map_markdown(srcs, scheme, ax, view.url, tokens.add))
    if VOCABULARY_MARKER in markdown:
        markdown = markdown.replace(VOCABULARY_MARKER, tokens.add(vocabulary.vocabulary_tables(scheme)))
    return markdown


def method_markers(b: Build, view: View, markdown: str, tokens: Tokens) -> str:
    """The reach figures, the PRISMA flow, the search log, the screening table, the data package, and the "last
    searched" line of topic and platform pages."""
    scheme = b.project.coding
    if REACH_MARKER in markdown:  # the home page's figures need no search log
        works = inherit.works(b.bib.entries)  # as refkb stats counts them: no @xdata entry
        html = method.reach_html(works, scheme, b.shown_confidence()) if scheme is not None else Markup("")
        markdown = markdown.replace(REACH_MARKER, tokens.add(html))
    log = b.search_log()
    if log is None:
        for marker in method.MARKERS:
            markdown = markdown.replace(marker, "")
        return markdown
    src, current = view.src, view.url
    searched_for = None
    if src.startswith("topics/"):
        searched_for = ("topics", src[len("topics/") : -3])
    elif src.startswith("platforms/") and src != "platforms/index.md":
        searched_for = ("platform_categories", src[len("platforms/") : -3])
    where = method.PageAddresses(
        library=fragment.relative_url(b.project.folder + "/", current),
        methodology=fragment.relative_url("methodology/", current),
        downloads=fragment.relative_url("downloads/", current),
    )
    return method.fill(markdown, log, len(b.refs), where, b.site_url, searched_for, tokens.add, tokens.add_late)


# ---------------------------------------------------------------------------------------------------------------
# Citations and cite blocks


def cite(b: Build, view: View, markdown: str, tokens: Tokens) -> str:
    """Pandoc citations as linked in-text citations, and (except on reference pages) a reference list."""
    found = citations.find(markdown)
    if not found:
        return markdown
    parts: _Parts | None = None
    out: list[str] = []
    cited: list[str] = []
    last = 0
    for c in found:
        missing = [k for k in c.keys if k not in b.refs]
        if missing:
            line = markdown.count("\n", 0, c.start) + 1
            raise UnknownCitation(
                f"[@{missing[0]}] names no entry in {b.project.relative(b.project.bibliography)}",
                path=f"docs/{view.src}",
                line=line,
                hint="correct the key or add the reference",
            )
        parts = parts or _Parts(b, view.url)
        out.append(markdown[last : c.start])
        out.append(tokens.add(parts.intext(c)))
        last = c.end
        cited.extend(k for k in c.keys if k not in cited)
    out.append(markdown[last:])
    text = "".join(out)
    assert parts is not None  # `found` is not empty
    if view.key is None:
        text += "\n\n## References\n\n" + tokens.add(parts.reference_list(cited))
    parts.done()
    return text


class _Parts:
    """A page's citations and reference list. Under `mkdocs serve` (`Build.shown_memo`), each as the last rebuild
    made it on this page while what it shows is the same: a rebuild composes the pages of the whole library again
    to compare them, and they cite hundreds of works each. What a part shows: the clusters the engine formats for
    a citation (the renderer keeps them) and each cited work's address and text (the link and its tooltip); for
    the reference list, each work's entry and place in the style's order. The memo keeps a page's parts of its
    last composition only."""

    def __init__(self, b: Build, current: str) -> None:
        self._b = b
        self._current = current
        self._style = b.project.style
        memo = b.shown_memo
        self._old = memo.get(current, {}) if memo is not None else None
        self._new: dict[object, tuple[object, Markup]] = {}

    def _kept(self, key: object, made_from: object, make: Callable[[], Markup]) -> Markup:
        assert self._old is not None
        kept = self._old.get(key)
        made = kept[1] if kept is not None and kept[0] == made_from else make()
        self._new[key] = (made_from, made)
        return made

    def intext(self, c: citations.Citation) -> Markup:
        b, style, current = self._b, self._style, self._current
        if self._old is None:
            return intext.intext(c, b.refs, style, current, b.clusters)
        asked = tuple(b.clusters(style, cluster) for cluster in intext.cluster_requests(c))
        works = tuple((r.url, r.rendered[style].text) for r in (b.refs[k] for k in c.keys))
        key = (c.cites, c.narrative)
        return self._kept(key, (asked, works), lambda: intext.intext(c, b.refs, style, current, b.clusters))

    def reference_list(self, cited: list[str]) -> Markup:
        style, current = self._style, self._current
        refs = [self._b.refs[k] for k in cited]
        if self._old is None:
            return intext.reference_list(refs, style, current)
        shown = tuple((r.slug, r.url, r.rendered[style].html, r.rendered[style].order) for r in refs)
        return self._kept(tuple(cited), shown, lambda: intext.reference_list(refs, style, current))

    def done(self) -> None:
        if self._b.shown_memo is not None:
            self._b.shown_memo[self._current] = self._new


def page_cite_block(b: Build, view: View, markdown: str, tokens: Tokens) -> str:
    """ "Cite this page": the page as a work of the knowledge base."""
    updated = b.page_updated(view.src)
    title = title_of(markdown, view.name)
    item = kbcite.page_item(b.meta, b.site_name, title, view.url, b.site_url, updated)
    rendered = kbcite.formatted(b.citer(), item)
    block = kbcite.cite_block(item, rendered, "refkb-page", updated, b.meta.version, "./" if not b.site_url else "")
    return "\n\n## Cite this page\n\n" + tokens.add(block, late=True)


def kb_cite_block(b: Build, view: View, tokens: Tokens) -> str:
    """The cite page's block: the knowledge base as a whole (and the print edition, when this build has one)."""
    updated = b.kb_updated()
    item = kbcite.kb_item(b.meta, b.site_name, b.site_url, updated)
    here = fragment.relative_url("", view.url) if not b.site_url else ""
    rendered = kbcite.formatted(b.citer(), item)
    block = kbcite.cite_block(item, rendered, "refkb-kb", updated, b.meta.version, here)
    pdf = Markup("")
    if b.print_edition:  # `make pdf` builds with REFKB_PRINT_EDITION=1: a plain build has no PDF to link to
        pdf = Markup(
            '<p class="refkb-print-edition">The print edition: <a href="{}">the whole knowledge base as one '
            "PDF</a> (table of contents, every topic, the ledger, glossary and timeline, and every source "
            "with its annotation).</p>"
        ).format(fragment.relative_url(PDF, view.url))
    return "\n\n## Cite the knowledge base\n\n" + tokens.add(block + pdf)
