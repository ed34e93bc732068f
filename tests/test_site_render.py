"""A page's title as its Markdown gives it (refkb.site.render.title_of): what "Cite this page" names it."""

from __future__ import annotations

from pathlib import Path

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
    from typing import Any, cast

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
