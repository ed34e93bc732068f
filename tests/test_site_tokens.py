"""Tokens (refkb.site.tokens): refkb's HTML goes into a page after Markdown has run, in place of opaque tokens."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from markupsafe import Markup

from refkb.site.tokens import Tokens

UNKNOWN = "REFKBTOKEN000042X"  # a token the page never added


@pytest.mark.parametrize(
    ("added", "content", "filled", "finished"),
    [
        pytest.param(
            [("<div>A</div>", False)],
            "<p>{0}</p>",
            "<div>A</div>",  # alone in its paragraph: it replaces the <p>
            "<div>A</div>",
            id="alone-in-a-paragraph",
        ),
        pytest.param(
            [("<span>A</span>", False)],
            "<p>see {0} here</p>",
            "<p>see <span>A</span> here</p>",
            "<p>see <span>A</span> here</p>",
            id="inline",
        ),
        pytest.param(
            [("<b>A</b>", False), ("<b>B</b>", False)],
            "<p>{0}{1}</p>",
            "<p><b>A</b><b>B</b></p>",
            "<p><b>A</b><b>B</b></p>",
            id="two-in-one-paragraph",
        ),
        pytest.param(
            [("<div>L</div>", True)],
            "<p>{0}</p>",
            "<!--{0}-->",  # late: a comment until the theme has rendered the page
            "<div>L</div>",
            id="late-alone",
        ),
        pytest.param(
            [("<i>L</i>", True)],
            "<p>a {0} b</p>",
            "<p>a <!--{0}--> b</p>",
            "<p>a <i>L</i> b</p>",
            id="late-inline",
        ),
        pytest.param(
            [("<b>N</b>", False), ("<i>L</i>", True)],
            "<p>{0}</p><p>{1}</p>",
            "<b>N</b><!--{1}-->",
            "<b>N</b><i>L</i>",
            id="now-and-late",
        ),
        pytest.param(
            [("<em>R&amp;D</em>", False)],
            "<p>{0}</p>",
            "<em>R&amp;D</em>",  # HTML values go in as they are: never escaped twice
            "<em>R&amp;D</em>",
            id="html-not-escaped-twice",
        ),
        pytest.param(
            [("<em>R&amp;D</em>", True)],
            "<p>{0}</p>",
            "<!--{0}-->",
            "<em>R&amp;D</em>",
            id="late-html-not-escaped-twice",
        ),
        pytest.param(
            [("<b>A</b>", False)],
            "<p>no token here &amp; there</p>",
            "<p>no token here &amp; there</p>",
            "<p>no token here &amp; there</p>",
            id="no-token",
        ),
        pytest.param(
            [("<b>A</b>", False)],
            f"<p>a {UNKNOWN} b</p>",
            f"<p>a {UNKNOWN} b</p>",  # an unknown token is left as it is
            f"<p>a {UNKNOWN} b</p>",
            id="unknown-inline",
        ),
        pytest.param(
            [],
            f"<p>x</p><!--{UNKNOWN}-->",
            f"<p>x</p><!--{UNKNOWN}-->",
            f"<p>x</p><!--{UNKNOWN}-->",
            id="unknown-comment-no-late-tokens",
        ),
        pytest.param(
            [("<b>A</b>", False)],
            f"<p>{UNKNOWN}</p>",
            f"<p>{UNKNOWN}</p>",
            f"<p>{UNKNOWN}</p>",
            id="unknown-alone-in-a-paragraph",
        ),
    ],
)
@pytest.mark.parametrize("drop", [False, True], ids=["kept", "filled-dropped"])
def test_fill_and_fill_late(
    added: list[tuple[str, bool]], content: str, filled: str, finished: str, drop: bool
) -> None:
    """The same finished page whether or not the HTML `fill` put in is forgotten before `fill_late` (a build
    forgets it at on_page_content)."""
    tokens = Tokens()
    made = [tokens.add(Markup(html), late=late) for html, late in added]
    after = tokens.fill(content.format(*made))
    assert after == filled.format(*made)
    if drop:
        tokens.drop_filled()
        assert set(tokens.values) == {t for t, (_, late) in zip(made, added, strict=True) if late}
    assert tokens.fill_late(after) == finished.format(*made)


@pytest.mark.parametrize(
    ("late", "then", "expected"),
    [
        ([False], True, "REFKBTOKEN000001X"),
        ([True, False], False, "REFKBTOKEN000002X"),
        ([False, False, True], True, "REFKBTOKEN000003X"),
    ],
)
def test_a_token_added_after_the_filled_are_dropped_is_new(late: list[bool], then: bool, expected: str) -> None:
    tokens = Tokens()
    for is_late in late:
        tokens.add(Markup("<b>x</b>"), late=is_late)
    tokens.drop_filled()
    assert tokens.add(Markup("<i>y</i>"), late=then) == expected


@pytest.mark.parametrize(
    ("added", "made"),
    [
        ([], ""),
        ([("<b>A</b>", False)], "<b>A</b>"),
        ([("<b>A</b>", False), ("<i>L</i>", True), ("<u>C</u>", False)], "<b>A</b><i>L</i><u>C</u>"),
        ([("A &amp; B", True)], "A &amp; B"),
    ],
)
def test_made_is_all_the_html_in_order(added: list[tuple[str, bool]], made: str) -> None:
    tokens = Tokens()
    for html, late in added:
        tokens.add(Markup(html), late=late)
    assert tokens.made() == made


@pytest.mark.parametrize(
    ("late", "token", "is_late"),
    [
        ([False], "REFKBTOKEN000000X", False),
        ([True], "REFKBTOKEN000000X", True),
        ([False, True], "REFKBTOKEN000001X", True),
        ([True, False, False], "REFKBTOKEN000002X", False),
    ],
)
def test_add_numbers_the_tokens(late: list[bool], token: str, is_late: bool) -> None:
    tokens = Tokens()
    last = ""
    for n, flag in enumerate(late):
        last = tokens.add_late(Markup(str(n))) if flag else tokens.add(Markup(str(n)))
    assert last == token
    assert (token in tokens.late) is is_late


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Markup("<i>{}</i>").format("R&D <x>"), "<i>R&amp;D &lt;x&gt;</i>"),  # escaped once, when it was made
        (Markup("<a href='{}'>x</a>").format("?a=1&b=2"), "<a href='?a=1&amp;b=2'>x</a>"),
    ],
)
def test_values_made_with_markup_are_escaped_once(value: Markup, shown: str) -> None:
    tokens = Tokens()
    now = tokens.add(value)
    later = tokens.add(value, late=True)
    page = tokens.fill(f"<p>{now}</p><p>{later}</p>")
    assert tokens.fill_late(page) == shown + shown


def test_a_late_tokens_comment_survives_a_second_fill() -> None:
    tokens = Tokens()
    token = tokens.add_late(Markup("<b>L</b>"))
    once = tokens.fill(f"<p>{token}</p>")
    assert tokens.fill(once) == once
    assert tokens.fill_late(tokens.fill(once)) == "<b>L</b>"


@pytest.mark.parametrize(
    ("added", "content", "filled", "finished", "made"),
    [
        pytest.param(
            ["later"],
            "<p>{0}</p>",
            "<!--{0}-->",  # like a late token: a comment until the theme has rendered the page
            "<u>0</u>",
            "<u>0</u>",
            id="later-alone",
        ),
        pytest.param(
            ["now", "later", "late"],
            "<p>{0}</p><p>a {1} b</p><p>{2}</p>",
            "<u>0</u><p>a <!--{1}--> b</p><!--{2}-->",
            "<u>0</u><p>a <u>1</u> b</p><u>2</u>",
            "<u>0</u><u>1</u><u>2</u>",  # in the order added, though the later one is made last
            id="with-others-in-order",
        ),
        pytest.param(
            ["later", "now"],
            "<p>{1}</p>",
            "<u>1</u>",  # not in the page: still made when the page is finished, never shown
            "<u>1</u>",
            "<u>0</u><u>1</u>",
            id="later-not-in-the-page",
        ),
    ],
)
def test_later_tokens_are_made_when_the_page_is_finished(
    added: list[str], content: str, filled: str, finished: str, made: str
) -> None:
    tokens = Tokens()
    calls: list[int] = []

    def maker(n: int) -> Callable[[], Markup]:
        def make() -> Markup:
            calls.append(n)
            return Markup(f"<u>{n}</u>")

        return make

    names = [
        tokens.add_later(maker(n)) if kind == "later" else tokens.add(Markup(f"<u>{n}</u>"), late=kind == "late")
        for n, kind in enumerate(added)
    ]
    assert len(set(names)) == len(names)  # numbered across both kinds
    after = tokens.fill(content.format(*names))
    assert after == filled.format(*names)
    assert calls == []  # nothing made before the page is finished
    assert tokens.fill_late(after) == finished.format(*names)
    assert tokens.made() == made
    assert calls == [n for n, kind in enumerate(added) if kind == "later"]  # each made once
