"""The table of page kinds: every kind of page refkb makes or fills, in one place.

For each kind: which pages it is (by source path), the Markdown refkb generates when docs/ has no such page, how it
renders (before and after the page markers are filled), the files git dates it by, whether it ends with a cite block
for itself, which part of the print edition it belongs to, and which inputs it shows. Everything that treats pages
by kind reads this table: `on_files` (generated pages), page rendering, the page cache, the print edition
(`refkb.site.printed`) and serve's rebuild plan (`refkb.site.serve`). Adding a page kind is one entry here plus its
renderer in `refkb.site.render`.

This module does not import MkDocs: pages are named by their source path (`topics/x.md`) and address.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from markupsafe import escape

from .. import method
from . import render
from .render import Lists, Renderer


class Input(enum.Enum):
    """What a page may show besides its own Markdown and the works it cites."""

    WORKS = "works"  # the bibliography: entries, formatted citations, "cited on" lists
    NOTES = "notes"  # annotation pages' front matter: verification dates, appraisals (confidence)
    CODING = "coding"  # the evidence-coding vocabularies (their labels and order)
    LEDGER = "ledger"  # the claims ledger, glossary and timeline data files
    SEARCHES = "searches"  # the search log and screening records


ALL_INPUTS = frozenset(Input)


@dataclass(frozen=True)
class Layout:
    """What the table needs to know of a build to place its pages (plain data, no MkDocs)."""

    folder: str  # where reference pages live ("references")
    slugs: Mapping[str, str]  # a reference page's slug -> its work's key
    topics: Mapping[str, str]  # topic slug -> title (mkdocs.yml's order)
    categories: Mapping[str, str]  # platform category slug -> label ({} without a coding scheme)
    data: frozenset[str]  # the data pages with records ("claims.md", ...)
    bibliography: str  # relative to the project root
    docs: str  # relative to the project root ("docs")
    annotations: str  # relative to the project root ("docs/references")


Sources = Callable[[Layout, str], tuple[str, ...]]
Generate = Callable[[Layout], dict[str, str]]


@dataclass(frozen=True)
class PageKind:
    name: str
    matches: Callable[[Layout, str], bool]
    shows: frozenset[Input]
    sources: Sources
    render: Renderer | None = None  # before the markers are filled (refkb.method, refkb.evidencemap, refkb.vocabulary)
    render_after_markers: Renderer | None = None  # pages whose generated part depends on what the markers left
    generate: Generate | None = None  # src -> Markdown, for the pages docs/ does not have
    cite_block: bool = False  # ends with "Cite this page"
    part: str = ""  # its part of the print edition ("" = not printed)
    lists: Lists | None = None  # which works it lists besides those it cites (None: any work it may show)


def _docs(layout: Layout, src: str) -> tuple[str, ...]:
    return (f"{layout.docs}/{src}",)


def _with_bibliography(layout: Layout, src: str) -> tuple[str, ...]:
    return (layout.bibliography, f"{layout.docs}/{src}")


def _with_data(layout: Layout, src: str) -> tuple[str, ...]:
    return (f"{layout.docs}/{src}", f"{layout.docs}/{src[:-3]}.yml")


def _annotation(layout: Layout, src: str) -> tuple[str, ...]:
    return (f"{layout.annotations}/{src.rsplit('/', 1)[1]}",)


def ref_key(layout: Layout, src: str) -> str | None:
    """The key of the work whose reference page `src` is, or None."""
    prefix = layout.folder + "/"
    if src.startswith(prefix) and src.endswith(".md") and "/" not in src[len(prefix) :]:
        return layout.slugs.get(src[len(prefix) : -3])
    return None


DASHBOARD = "dashboard.md"
VERIFICATION = "verification.md"
REGIONS = "regions.md"
PLATFORMS_INDEX = "platforms/index.md"
CITE_PAGE = "cite.md"
HOME = "index.md"
METHODOLOGY = "methodology.md"
DATA_PAGES: Mapping[str, render.DataPage] = {
    "claims.md": render.DataPage(
        "Claims ledger",
        "claims",
        "Every factual claim of the overview article that started this project, "
        "paraphrased, with a verdict and the evidence. Filter by verdict or section, or search the text.",
    ),
    "glossary.md": render.DataPage(
        "Glossary", "terms", "Terms used across the knowledge base, each defined with a source."
    ),
    "timeline.md": render.DataPage(
        "Timeline", "events", "Dated events in law, policy, research and technology, each with a source."
    ),
}


def library_src(layout: Layout) -> str:
    return f"{layout.folder}/index.md"


def _reference_pages(layout: Layout) -> dict[str, str]:
    """A reference page for every work, also those without an annotation page (refkb fills it in)."""
    return {f"{layout.folder}/{slug}.md": "" for slug in layout.slugs}


def _topic_pages(layout: Layout) -> dict[str, str]:
    return {f"topics/{slug}.md": f"# {escape(title)}\n" for slug, title in layout.topics.items()}


def _platform_pages(layout: Layout) -> dict[str, str]:
    if not layout.categories:
        return {}
    out = {PLATFORMS_INDEX: "# Platforms\n\nREFKB_PLATFORMS\n"}
    out.update({f"platforms/{slug}.md": f"# {escape(label)}\n" for slug, label in layout.categories.items()})
    return out


def _data_pages(layout: Layout) -> dict[str, str]:
    return {src: f"# {p.title}\n\n{p.intro}\n\nREFKB_DATA\n" for src, p in DATA_PAGES.items() if src in layout.data}


def _one(src: str, markdown: str, when: Callable[[Layout], bool] = lambda _: True) -> Generate:
    return lambda layout: {src: markdown} if when(layout) else {}


def _is(src: str) -> Callable[[Layout, str], bool]:
    return lambda _, s: s == src


def _topic(layout: Layout, src: str) -> bool:
    return src.startswith("topics/")  # a topic's page, or another page about topics (it is cited the same way)


def _platform(layout: Layout, src: str) -> bool:
    return src.startswith("platforms/")


_EVIDENCE = frozenset({Input.WORKS, Input.NOTES, Input.CODING})

KINDS: tuple[PageKind, ...] = (  # in the order of the pages refkb generates (MkDocs builds them in this order)
    PageKind(
        "reference",
        lambda layout, src: ref_key(layout, src) is not None,
        frozenset({Input.CODING}),  # and its own work's data: serve compares that work by work
        _annotation,
        render=render.reference_page,
        generate=_reference_pages,
        part="References",
    ),
    PageKind(
        "library",
        lambda layout, src: src == library_src(layout),
        _EVIDENCE,
        _with_bibliography,
        render=render.library_page,
        generate=lambda layout: {library_src(layout): "# Library\n\nREFKB_LIBRARY\n"},
    ),
    PageKind(
        "dashboard",
        _is(DASHBOARD),
        _EVIDENCE,
        _with_bibliography,
        render=render.dashboard_page,
        generate=_one(DASHBOARD, render.DASHBOARD_MD),
    ),
    PageKind(
        "data",
        lambda _, src: src in DATA_PAGES,
        frozenset({Input.WORKS, Input.LEDGER}),
        _with_data,
        render=render.data_page(DATA_PAGES),
        generate=_data_pages,
        cite_block=True,
        part="Evidence",
        lists=render.data_lists(DATA_PAGES),
    ),
    PageKind(
        "topic",
        _topic,
        frozenset({Input.WORKS, Input.SEARCHES}),
        _docs,
        render=render.topic_page,
        generate=_topic_pages,
        cite_block=True,
        part="Topics",
        lists=render.topic_lists,
    ),
    PageKind(
        "verification",
        _is(VERIFICATION),
        frozenset({Input.WORKS, Input.NOTES}),
        _with_bibliography,
        render_after_markers=render.verification_page,
        generate=_one(VERIFICATION, render.VERIFICATION_MD),
    ),
    PageKind(
        "regions",
        lambda layout, src: src == REGIONS and bool(layout.categories),
        _EVIDENCE,
        _docs,
        render_after_markers=render.regions_page,
        generate=lambda layout: {REGIONS: render.REGIONS_MD} if layout.categories else {},
    ),
    PageKind(
        "platforms",
        lambda layout, src: src == PLATFORMS_INDEX and bool(layout.categories),
        _EVIDENCE,
        _docs,
        render_after_markers=render.platforms_index_page,
        generate=_platform_pages,
        cite_block=True,
        part="Platforms",
    ),
    PageKind(
        "platform",
        _platform,
        _EVIDENCE | {Input.SEARCHES},
        _docs,
        render_after_markers=render.platform_page,
        cite_block=True,
        part="Platforms",
        lists=render.platform_lists,
    ),
    PageKind("cite", _is(CITE_PAGE), frozenset({Input.WORKS}), _docs),
    PageKind("home", _is(HOME), frozenset(), _docs, cite_block=True, part="Home"),
    PageKind("methodology", _is(METHODOLOGY), frozenset(), _docs, cite_block=True, part="Methodology"),
    PageKind("page", lambda _, src: True, frozenset(), _docs),  # any other page: its Markdown and citations
)
BY_NAME = {k.name: k for k in KINDS}
PRINT_PARTS = ("Home", "Topics", "Platforms", "Evidence", "Methodology", "References")  # the print edition's order
MARKERS = (render.REACH_MARKER, *method.MARKERS, render.MAP_MARKER, render.VOCABULARY_MARKER)  # what fills them


def kind_of(layout: Layout, src: str) -> PageKind:
    """The kind of the page made from `src` (the last kind, "page", takes any other)."""
    return next(k for k in KINDS if k.matches(layout, src))


def shows(layout: Layout, src: str, markdown: str) -> frozenset[Input]:
    """What the page shows: its kind's inputs, and every input when its Markdown holds a marker refkb fills."""
    if any(m in markdown for m in MARKERS):
        return ALL_INPUTS
    return kind_of(layout, src).shows


def lists(layout: Layout, src: str, markdown: str) -> Lists | None:
    """Which works the page lists besides those it cites (None: it may show any work, as a page holding a marker
    does)."""
    if any(m in markdown for m in MARKERS):
        return None
    return kind_of(layout, src).lists


def generated(layout: Layout) -> dict[str, str]:
    """Every page refkb makes when docs/ has none: source path -> Markdown, in the table's order."""
    out: dict[str, str] = {}
    for kind in KINDS:
        if kind.generate is not None:
            out.update(kind.generate(layout))
    return out


def sources(layout: Layout, src: str) -> tuple[str, ...]:
    """The files a page is made from, as git names them (relative to the project root)."""
    return kind_of(layout, src).sources(layout, src)


def print_part(layout: Layout, url: str) -> str:
    """The print edition's part for the built page at `url` ("" when it is not printed)."""
    for src in (f"{url}index.md", f"{url[:-1]}.md" if url else HOME):
        kind = kind_of(layout, src)
        if kind.name != "page":
            return kind.part
    return ""
