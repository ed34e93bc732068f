"""The table of page kinds (refkb.site.kinds) on a layout written by hand: no MkDocs, no project on disk."""

from __future__ import annotations

import dataclasses

import pytest

from refkb.site import kinds
from refkb.site.kinds import Input

LAYOUT = kinds.Layout(
    folder="references",
    slugs={"smith2020a": "smith2020a", "antoetal24": "AntoEtal24"},
    topics={"x": "Topic X", "y": "<b>x</b>"},
    categories={"messaging": "Messaging", "markets": "<i>Markets</i> & co"},
    data=frozenset({"claims.md", "timeline.md"}),
    bibliography="references.bib",
    docs="docs",
    annotations="docs/references",
)
BARE = dataclasses.replace(LAYOUT, categories={}, data=frozenset())  # no coding scheme, no data records
EVIDENCE = frozenset({Input.WORKS, Input.NOTES, Input.CODING})


@pytest.mark.parametrize(
    ("src", "kind"),
    [
        ("references/smith2020a.md", "reference"),
        ("references/antoetal24.md", "reference"),  # by its slug ...
        ("references/AntoEtal24.md", "page"),  # ... not by its work's key
        ("references/index.md", "library"),
        ("references/unknown.md", "page"),  # no work has this slug
        ("references/sub/smith2020a.md", "page"),  # only directly in the folder
        ("dashboard.md", "dashboard"),
        ("claims.md", "data"),
        ("glossary.md", "data"),  # a data page docs/ holds, even without records
        ("topics/x.md", "topic"),
        ("topics/index.md", "topic"),  # another page about topics is cited the same way
        ("platforms/index.md", "platforms"),
        ("platforms/messaging.md", "platform"),
        ("regions.md", "regions"),
        ("verification.md", "verification"),
        ("cite.md", "cite"),
        ("index.md", "home"),
        ("methodology.md", "methodology"),
        ("help.md", "page"),
        ("about/index.md", "page"),
    ],
)
def test_kind_of(src: str, kind: str) -> None:
    assert kinds.kind_of(LAYOUT, src).name == kind


@pytest.mark.parametrize(
    ("src", "kind"),
    [
        ("regions.md", "page"),  # the regions page is only made with a coding scheme
        ("references/smith2020a.md", "reference"),
        ("claims.md", "data"),
        ("topics/x.md", "topic"),
    ],
)
def test_kind_of_without_a_coding_scheme(src: str, kind: str) -> None:
    assert kinds.kind_of(BARE, src).name == kind


@pytest.mark.parametrize(
    ("src", "key"),
    [
        ("references/smith2020a.md", "smith2020a"),
        ("references/antoetal24.md", "AntoEtal24"),
        ("references/AntoEtal24.md", None),
        ("references/unknown.md", None),
        ("references/index.md", None),
        ("references/sub/smith2020a.md", None),
        ("references/smith2020a.txt", None),
        ("references/smith2020a", None),
        ("smith2020a.md", None),
        ("notes/smith2020a.md", None),
        ("topics/smith2020a.md", None),
    ],
)
def test_ref_key(src: str, key: str | None) -> None:
    assert kinds.ref_key(LAYOUT, src) == key


@pytest.mark.parametrize(
    ("src", "markdown", "inputs"),
    [
        ("help.md", "# Help\n\nPlain text.\n", frozenset()),
        ("help.md", "# Help\n\nREFKB_PRISMA\n", kinds.ALL_INPUTS),
        ("index.md", "# Home\n", frozenset()),
        ("index.md", "# Home\n\nREFKB_REACH\n", kinds.ALL_INPUTS),
        ("methodology.md", "REFKB_SEARCH_LOG\n\nREFKB_SCREENING\n", kinds.ALL_INPUTS),
        ("references/smith2020a.md", "## Summary\n", frozenset({Input.CODING})),
        ("references/index.md", "# Library\n\nREFKB_LIBRARY\n", EVIDENCE),
        ("dashboard.md", "# Coverage\n", EVIDENCE),
        ("claims.md", "# Claims\n\nREFKB_DATA\n", frozenset({Input.WORKS, Input.LEDGER})),
        ("topics/x.md", "# X\n", frozenset({Input.WORKS, Input.SEARCHES})),
        ("topics/x.md", "# X\n\nREFKB_EVIDENCE_MAP\n", kinds.ALL_INPUTS),
        ("verification.md", "# Verification\n", frozenset({Input.WORKS, Input.NOTES})),
        ("regions.md", "# Regions\n", EVIDENCE),
        ("platforms/index.md", "# Platforms\n", EVIDENCE),
        ("platforms/messaging.md", "# Messaging\n", EVIDENCE | {Input.SEARCHES}),
        ("cite.md", "# Cite\n", frozenset({Input.WORKS})),
    ],
)
def test_shows(src: str, markdown: str, inputs: frozenset[Input]) -> None:
    assert kinds.shows(LAYOUT, src, markdown) == inputs


@pytest.mark.parametrize("marker", kinds.MARKERS)
def test_any_marker_shows_every_input(marker: str) -> None:
    assert kinds.shows(LAYOUT, "help.md", f"# Help\n\n{marker}\n") == kinds.ALL_INPUTS


@pytest.mark.parametrize(
    ("layout", "srcs"),
    [
        (
            LAYOUT,
            [
                "references/smith2020a.md",
                "references/antoetal24.md",
                "references/index.md",
                "dashboard.md",
                "claims.md",
                "timeline.md",
                "topics/x.md",
                "topics/y.md",
                "verification.md",
                "regions.md",
                "platforms/index.md",
                "platforms/messaging.md",
                "platforms/markets.md",
            ],
        ),
        (
            BARE,
            [
                "references/smith2020a.md",
                "references/antoetal24.md",
                "references/index.md",
                "dashboard.md",
                "topics/x.md",
                "topics/y.md",
                "verification.md",
            ],
        ),
        (
            dataclasses.replace(BARE, slugs={}, topics={}),
            ["references/index.md", "dashboard.md", "verification.md"],
        ),
    ],
    ids=["with-categories-and-data", "without", "no-works-no-topics"],
)
def test_generated_pages_in_the_tables_order(layout: kinds.Layout, srcs: list[str]) -> None:
    assert list(kinds.generated(layout)) == srcs


@pytest.mark.parametrize("layout", [LAYOUT, BARE], ids=["with-categories-and-data", "without"])
def test_a_reference_page_is_generated_for_every_slug(layout: kinds.Layout) -> None:
    made = kinds.generated(layout)
    pages = {src: made[src] for src in made if kinds.ref_key(layout, src) is not None}
    assert pages == {f"references/{slug}.md": "" for slug in layout.slugs}


@pytest.mark.parametrize(
    ("src", "markdown"),
    [
        ("topics/x.md", "# Topic X\n"),
        ("topics/y.md", "# &lt;b&gt;x&lt;/b&gt;\n"),  # a topic's title is text, never HTML
        ("platforms/messaging.md", "# Messaging\n"),
        ("platforms/markets.md", "# &lt;i&gt;Markets&lt;/i&gt; &amp; co\n"),
        ("platforms/index.md", "# Platforms\n\nREFKB_PLATFORMS\n"),
        ("references/index.md", "# Library\n\nREFKB_LIBRARY\n"),
        ("references/smith2020a.md", ""),  # refkb fills the reference page in
    ],
)
def test_generated_markdown(src: str, markdown: str) -> None:
    assert kinds.generated(LAYOUT)[src] == markdown


@pytest.mark.parametrize(
    ("src", "title"),
    [("claims.md", "# Claims ledger\n"), ("timeline.md", "# Timeline\n")],
)
def test_a_data_page_is_generated_only_with_records(src: str, title: str) -> None:
    markdown = kinds.generated(LAYOUT)[src]
    assert markdown.startswith(title)
    assert markdown.endswith("REFKB_DATA\n")
    assert src not in kinds.generated(BARE)
    assert "glossary.md" not in kinds.generated(LAYOUT)  # no terms in this layout


@pytest.mark.parametrize(
    ("src", "sources"),
    [
        ("references/smith2020a.md", ("docs/references/smith2020a.md",)),  # its annotation page
        ("references/antoetal24.md", ("docs/references/antoetal24.md",)),
        ("references/index.md", ("references.bib", "docs/references/index.md")),
        ("dashboard.md", ("references.bib", "docs/dashboard.md")),
        ("verification.md", ("references.bib", "docs/verification.md")),
        ("claims.md", ("docs/claims.md", "docs/claims.yml")),
        ("timeline.md", ("docs/timeline.md", "docs/timeline.yml")),
        ("topics/x.md", ("docs/topics/x.md",)),
        ("platforms/index.md", ("docs/platforms/index.md",)),
        ("platforms/messaging.md", ("docs/platforms/messaging.md",)),
        ("regions.md", ("docs/regions.md",)),
        ("cite.md", ("docs/cite.md",)),
        ("index.md", ("docs/index.md",)),
        ("methodology.md", ("docs/methodology.md",)),
        ("help.md", ("docs/help.md",)),
        ("references/unknown.md", ("docs/references/unknown.md",)),
    ],
)
def test_sources(src: str, sources: tuple[str, ...]) -> None:
    assert kinds.sources(LAYOUT, src) == sources


def test_a_reference_pages_source_is_in_the_annotations_folder() -> None:
    layout = dataclasses.replace(LAYOUT, annotations="docs/notes")
    assert kinds.sources(layout, "references/smith2020a.md") == ("docs/notes/smith2020a.md",)


@pytest.mark.parametrize(
    ("url", "part"),
    [
        ("", "Home"),
        ("topics/x/", "Topics"),
        ("topics/", "Topics"),
        ("references/smith2020a/", "References"),
        ("references/antoetal24/", "References"),
        ("references/unknown/", ""),
        ("references/", ""),  # the library is not printed
        ("claims/", "Evidence"),
        ("platforms/", "Platforms"),
        ("platforms/messaging/", "Platforms"),
        ("methodology/", "Methodology"),
        ("dashboard/", ""),
        ("verification/", ""),
        ("regions/", ""),
        ("cite/", ""),
        ("help/", ""),
    ],
)
def test_print_part(url: str, part: str) -> None:
    assert kinds.print_part(LAYOUT, url) == part


@pytest.mark.parametrize("kind", kinds.KINDS, ids=[k.name for k in kinds.KINDS])
def test_every_kinds_part_is_printed_in_order(kind: kinds.PageKind) -> None:
    assert kind.part == "" or kind.part in kinds.PRINT_PARTS
    assert kinds.BY_NAME[kind.name] is kind


def test_every_print_part_has_a_kind() -> None:
    assert {k.part for k in kinds.KINDS} - {""} == set(kinds.PRINT_PARTS)


def test_kind_names_are_unique() -> None:
    names = [k.name for k in kinds.KINDS]
    assert len(names) == len(set(names)) == len(kinds.BY_NAME)


@pytest.mark.parametrize("src", ["help.md", "a/b/c.md", "references/x/y.md", "", "REFKB.md"])
def test_the_last_kind_is_the_catch_all_page(src: str) -> None:
    last = kinds.KINDS[-1]
    assert last.name == "page"
    assert last.matches(LAYOUT, src)
    assert last.generate is None
    assert (last.part, last.cite_block, last.shows) == ("", False, frozenset())


@pytest.mark.parametrize(
    ("src", "markdown", "lists"),
    [
        ("topics/x.md", "# X\n", "topic_lists"),
        ("platforms/messaging.md", "# Messaging\n", "platform_lists"),
        ("claims.md", "# Claims\n\nREFKB_DATA\n", "lists"),  # render.data_lists(DATA_PAGES)
        ("topics/x.md", "# X\n\nREFKB_EVIDENCE_MAP\n", None),  # a marker: any work
        ("claims.md", "# Claims\n\nREFKB_REACH\n", None),
        ("references/index.md", "# Library\n\nREFKB_LIBRARY\n", None),  # the whole library
        ("dashboard.md", "# Coverage\n", None),
        ("verification.md", "# Verification\n", None),
        ("regions.md", "# Regions\n", None),
        ("platforms/index.md", "# Platforms\n", None),
        ("cite.md", "# Cite\n", None),
        ("help.md", "# Help\n", None),  # shows no work but those it cites (and no input: never asked)
    ],
)
def test_which_works_a_page_lists(src: str, markdown: str, lists: str | None) -> None:
    found = kinds.lists(LAYOUT, src, markdown)
    assert (found.__name__ if found is not None else None) == lists
