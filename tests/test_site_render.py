"""A page's title as its Markdown gives it (refkb.site.render.title_of): what "Cite this page" names it."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, cast

import pytest

from refkb.site import render


@pytest.mark.parametrize(
    ("markdown", "name", "title"),
    [
        ("---\ntitle: Front matter\n---\n# The heading\n", "page", "Front matter"),
        ('---\ntitle: "Quoted title"\n---\n# The heading\n', "page", "Quoted title"),
        ("---\ntitle: 'Single quoted'\n---\n", "page", "Single quoted"),
        ("---\ntitle: It's here\n---\n", "page", "It's here"),
        ("---\ndescription: No title here\n---\n# The heading\n", "page", "The heading"),
        ("---\nsubtitle: Not the title\n---\n# The heading\n", "page", "The heading"),
        ("# First heading\n\n# Second heading\n", "page", "First heading"),
        ("Some text first.\n\n# Later heading\n", "page", "Later heading"),
        ("# Closing hashes ##\n", "page", "Closing hashes"),
        ("#   Spaced out   #\n", "page", "Spaced out"),
        ("## Only a second-level heading\n", "about", "About"),
        ("#NoSpace is not a heading\n", "about", "About"),
        ("Plain text.\n", "data-sources", "Data sources"),
        ("", "how-to-cite-us", "How to cite us"),
        ("", "index", "Home"),
        ("Plain text.\n", "index", "Home"),
        ("# Welcome\n", "index", "Welcome"),
        ("title: not front matter\n\n# The heading\n", "page", "The heading"),
        ("# Cats &amp; dogs\n", "page", "Cats & dogs"),  # entities read: the cite block escapes once
        ("# &lt;b&gt;Label&lt;/b&gt;\n", "page", "<b>Label</b>"),  # a generated page's escaped vocabulary label
    ],
)
def test_title_of(markdown: str, name: str, title: str) -> None:
    assert render.title_of(markdown, name) == title


def test_a_citation_of_no_entry_is_refused_with_validations_code() -> None:
    from types import SimpleNamespace

    from refkb.site.tokens import Tokens

    project = SimpleNamespace(bibliography=Path("references.bib"), relative=lambda path: str(path))
    b = cast(Any, SimpleNamespace(refs={}, project=project))
    view = render.View("topics/x.md", "topics/x/", "x", None)
    with pytest.raises(render.UnknownCitation) as caught:
        render.cite(b, view, "# X\n\nAs [@nosuch2020] says.\n", Tokens())
    assert str(caught.value) == (
        "docs/topics/x.md:3: error unresolved-citation [@nosuch2020] names no entry in references.bib"
        " — correct the key or add the reference"
    )


def _work(key: str, keywords: str = "", platforms: str = "", discussed_in: tuple[str, ...] = ()) -> Any:
    from codedlib import refs_of

    fields = f"  keywords = {{{keywords}}},\n" if keywords else ""
    fields += f"  platforms = {{{platforms}}},\n" if platforms else ""
    (ref,) = refs_of(f"@article{{{key},\n  title = {{T}},\n{fields}  year = {{2020}}\n}}\n")
    return dataclasses.replace(ref, discussed_in=discussed_in)


LISTED = [  # page, work, listed: the works the renderer of the page's kind lists besides those the page cites
    ("topics/x.md", _work("a", keywords="x, y"), True),
    ("topics/x.md", _work("b", keywords="y"), False),
    ("topics/x.md", _work("c", discussed_in=("x",)), True),  # discussed on the topic's page
    ("topics/index.md", _work("d", keywords="x"), False),
    ("platforms/messaging.md", _work("e", platforms="messaging"), True),  # the category itself
    ("platforms/messaging.md", _work("f", platforms="whatsapp"), True),  # one of its platforms
    ("platforms/messaging.md", _work("g", platforms="facebook"), False),
    ("platforms/nosuch.md", _work("h", platforms="whatsapp"), False),  # not a category: the page lists nothing
    ("claims.md", _work("smith2020"), True),  # a claim's evidence
    ("claims.md", _work("jones2021"), True),  # cited in a claim's note
    ("claims.md", _work("brown2022"), False),
    ("glossary.md", _work("smith2020"), False),  # no term cites it
]


@pytest.mark.parametrize(("src", "work", "listed"), LISTED, ids=[f"{s}-{w.key}" for s, w, _ in LISTED])
def test_which_works_a_page_lists(src: str, work: Any, listed: bool) -> None:
    """What serve's plan asks of a page of the whole library: does it list this work (`kinds.lists`)?"""
    from types import SimpleNamespace

    from codedlib import scheme
    from refkb.kbdata import Claim, Data
    from refkb.site import kinds

    claim = Claim("c1", "S", "A claim.", "supported", ("smith2020",), "As [@jones2021] shows.", "", 3)
    b = cast(Any, SimpleNamespace(project=SimpleNamespace(coding=scheme()), data=Data(claims=(claim,))))
    layout = kinds.Layout("references", {}, {"x": "X"}, {"messaging": "Messaging"}, frozenset(), "r.bib", "docs", "a")
    lists = kinds.lists(layout, src, "# Page\n")
    assert lists is not None
    assert lists(b, src)(work) is listed
