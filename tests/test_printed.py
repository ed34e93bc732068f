"""refkb.site.printed's page rewriting: in-page links of the print edition keep their target inside the attribute."""

from __future__ import annotations

import pytest

from refkb.site import printed

ARTICLE = '<article class="md-content__inner md-typeset"><h1>C</h1>{}</article>'


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ('<a href="#c01">x</a>', '<a href="#p-claims--c01">x</a>'),
        # a fragment that holds a quote (a claim id written by hand) stays inside the attribute
        ('<a href="#c1&quot; onmouseover=&quot;alert(1)">x</a>', '<a href="#p-claims--c1&quot; onmouseover=&quot;'),
        ('<a href="../glossary/#term-x">x</a>', '<a href="#p-glossary--term-x">x</a>'),
    ],
)
def test_in_page_links_are_escaped(link: str, expected: str) -> None:
    _, body = printed.page_html("claims/", ARTICLE.format(link), {"claims/", "glossary/"}, "")
    assert expected in body
    assert 'onmouseover="' not in body
