"""refkb.fragment: links between the site's pages, and Material's content tabs."""

from __future__ import annotations

import pytest
from markupsafe import Markup

from refkb import fragment


@pytest.mark.parametrize(
    ("target", "current", "url"),
    [
        ("topics/a/", "references/x/", "../../topics/a/"),
        ("references/", "", "references/"),
        ("downloads/coding.csv", "dashboard/", "../downloads/coding.csv"),
        ("", "references/x/", "../.."),
    ],
)
def test_relative_url(target: str, current: str, url: str) -> None:
    assert fragment.relative_url(target, current) == url


@pytest.mark.parametrize(
    ("template", "args", "html"),
    [
        ("<p>{}</p>", ("<b>",), "<p>&lt;b&gt;</p>"),
        ("<p>{}</p>", (Markup("<b>"),), "<p><b></p>"),
    ],
)
def test_fmt_escapes_all_but_markup(template: str, args: tuple[object, ...], html: str) -> None:
    assert fragment.fmt(template, *args) == html


def test_tab_set_opens_the_first_tab_and_escapes_labels() -> None:
    html = fragment.tab_set([fragment.Tab("A & B", Markup("<p>1</p>")), fragment.Tab("C", Markup("<p>2</p>"))], "p")
    assert html.count('type="radio"') == 2
    assert '<input checked id="__tabbed_p_1"' in html
    assert '<label for="__tabbed_p_1">A &amp; B</label>' in html
    assert 'data-tabs="1:2"' in html
