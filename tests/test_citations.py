"""Finding pandoc citations in Markdown, and not finding them where they cannot be."""

from __future__ import annotations

import pytest

from conftest import spans
from refkb import citations


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("See [@a].", [("a", "", "", False)]),
        ("See [@a; @b].", [("a", "", "", False), ("b", "", "", False)]),
        ("See [@a, p. 12].", [("a", "", ", p. 12", False)]),
        ("See [see @a, ch. 5; also @b, pp. 3-4].", [("a", "see", ", ch. 5", False), ("b", "also", ", pp. 3-4", False)]),
        ("Polaris says [-@a].", [("a", "", "", True)]),
        ("@a says so.", [("a", "", "", False)]),
        ("@a [p. 33] says so.", [("a", "", "p. 33", False)]),
        ("As @polaris2018onramps. shows", [("polaris2018onramps", "", "", False)]),
        ("Keys may hold punctuation: [@doe:2020.x-y].", [("doe:2020.x-y", "", "", False)]),
    ],
)
def test_citation_forms(text: str, expected: list[tuple[str, str, str, bool]]) -> None:
    found = [(c.key, c.prefix, c.suffix, c.suppress_author) for ci in citations.find(text) for c in ci.cites]
    assert found == expected


@pytest.mark.parametrize(
    "text",
    [
        "`[@a]` in code",
        "``code with ` and [@a]``",
        "```\n[@a]\n```\n",
        "~~~python\nx = '@a'\n~~~\n",
        "write to someone@example.org",
        "https://example.org/@a/page",
        "<https://example.org/@a>",
        "[link](https://example.org/@a)",
        "<!-- [@a] -->",
        "<!--\nmulti-line [@a]\n-->",
        "---\ntitle: '@a'\n---\nbody",
        "escaped \\@a",
        "[text](#anchor) and [ref][@a]",
    ],
)
def test_no_citation_where_none_can_be(text: str) -> None:
    assert citations.find(text) == []


# What Markdown shows as text holds citations; code, labels and HTML tags (whose attributes would get refkb's markup)
# do not. Indented code is decided conservatively (refkb.citations' docstring): what follows a list item, an
# admonition, a footnote or raw HTML is their continuation, so its citations are found.
WHERE = {
    # Indented code: four spaces or a tab, after a blank line (or at the start), unless a continuation.
    "indented code": ("Text.\n\n    [@a] and @b\n", []),
    "tab-indented code": ("Text.\n\n\t@a says\n", []),
    "indented code at the start": ("    [@a]\n\nText [@b].\n", ["b"]),
    "indented code across a blank line": ("Text.\n\n    x\n\n    [@a]\n", []),
    "indented code ends at a line indented less": ("Text.\n\n    [@a]\nThen [@b].\n", ["b"]),
    "indented after a heading's blank line": ("# Title\n\n    @a\n", []),
    "indented line inside a paragraph": ("Text\n    [@a] goes on.\n", ["a"]),
    "a backtick in indented code pairs with nothing": ("Text.\n\n    a ` tick\n\nAs [@a] says, `x`.\n", ["a"]),
    # Lists, admonitions, footnotes: their indented blocks are Markdown.
    "list items": ("- one [@a]\n- @b says\n1. three [@c]\n", ["a", "b", "c"]),
    "list continuation": ("- item\n\n    more [@a]\n", ["a"]),
    "nested list continuation": ("1. item\n\n    - sub [@a]\n\n        deeper @b\n", ["a", "b"]),
    "text after a list continuation": ("- item\n\n    more [@a]\n\nAfter [@b].\n\n    code [@c]\n", ["a", "b"]),
    "list with a lazy line": ("- item\nlazy\n\n    more [@a]\n", ["a"]),
    "admonition": ('!!! note "Title"\n\n    As [@a] shows.\n', ["a"]),
    "collapsible block": ("??? info\n    @a says so\n\n    And [@b].\n", ["a", "b"]),
    "content tab": ('=== "Tab"\n\n    [@a]\n', ["a"]),
    "footnote continuation": ("[^1]: Note.\n\n    Continued [@a].\n", ["a"]),
    "raw HTML's indented lines": ("<div>\n\n    [@a]\n\n</div>\n", ["a"]),
    "block quote": ("> As [@a] says.\n>\n> And @b.\n", ["a", "b"]),
    # Conservative: indented code inside a continuation or a block quote is not recognised, so nothing is lost.
    "code inside a list item (not recognised)": ("- item\n\n        [@a]\n", ["a"]),
    "code inside a block quote (not recognised)": (">     [@a]\n", ["a"]),
    # Code spans.
    "code span": ("`@a` and `[@b]`", []),
    "double-backtick code span": ("``a ` [@a]`` and [@b]", ["b"]),
    "a code span never crosses a blank line": ("A lone ` tick.\n\nAs [@a] says, `x`.", ["a"]),
    "escaped backtick": ("\\` [@a] `x`", ["a"]),
    # Footnote labels.
    "footnote reference": ("Text[^note@x].", []),
    "footnote definition": ("[^note@x]: The note cites [@b].", ["b"]),
    "citation before a footnote reference": ("As shown [@a][^1].", ["a"]),
    # HTML: tags and attributes, comments, code-like elements.
    "attribute": ('<a title="see @smith2020">link</a>', []),
    "bracketed in an attribute": ('<img alt="[@key]">', []),
    "single-quoted and unquoted attributes": ("<span title='@a' data-x=@b>@c</span>", ["c"]),
    "attributes over lines": ('<div\n  title="[@a]"\n  class="x">text [@b]</div>', ["b"]),
    "citation right after a tag": ("<br>[@a] and <span>@b</span>", ["a", "b"]),
    "in a Markdown HTML block": ('<p markdown="1">See [@a].</p>', ["a"]),
    "an unclosed quote ends at a blank line": ('<a title="oops>\n\nLater [@a].', ["a"]),
    "less-than in prose": ("If a < b then [@a] > c.", ["a"]),
    "comment inside a line": ("text <!-- @a --> [@b]", ["b"]),
    "a line that starts with a comment is not indented": ("<!-- note --> As [@a] says.\n", ["a"]),
    "a comment alone is no text: indented code follows": ("<!-- note -->\n\n    [@a]\n\n[@b]\n", ["b"]),
    "HTML code and pre": ("<code>[@a]</code> and <pre>\n@b\n</pre> then [@c]", ["c"]),
    "script": ('<script>var x = "@a";</script>', []),
    # Markdown that becomes an attribute.
    "image description": ("![Chart from [@a]](chart.png) and ![@b][ref] and ![x](img/@c.png)", []),
    "attribute list": ('## As @a shows {: title="see @b" }', ["a"]),
    "reference definition's title": ('[ref]: https://example.org "see @a"\n\n[@b]', ["b"]),
}


@pytest.mark.parametrize(("text", "expected"), WHERE.values(), ids=WHERE.keys())
def test_where_citations_are_found(text: str, expected: list[str]) -> None:
    assert [k for c in citations.find(text) for k in c.keys] == expected
    assert [k for k, _, _ in citations.keys(text)] == expected  # what validation checks is what the build replaces


def test_lines_and_columns_are_reported() -> None:
    text = "# Title\n\nFirst line.\nSecond [@a] and @b.\n"
    found = citations.find(text)
    assert [(c.keys, c.line, c.col, c.narrative) for c in found] == [(("a",), 4, 8, False), (("b",), 4, 17, True)]


def test_masking_keeps_offsets() -> None:
    text = "`x` [@a] <!-- y -->\n"
    masked = citations.mask(text)
    assert len(masked) == len(text)
    assert masked.index("[@a]") == text.index("[@a]")


# The masker's three layers, each a part of the next: code (prose_of: the HTML policy's checks read the tags left),
# markup (the do-no-harm check: the words a reader sees), citations (mask). Each case: what each layer leaves.
LAYERS = {
    "code span": ("`555` x", ("      x",) * 3),
    "code span across a blank line is none": ("` a\n\nb `", ("` a\n\nb `", "` a\n\nb `", "` a\n\nb `")),
    "comment": ("<!-- 5 --> x", ("           x",) * 3),
    "indented code": ("x\n\n    555\n", ("x\n\n       \n",) * 3),
    "tag and attribute": ('<b title="5">x</b>', ('<b title="5">x</b>', "             x    ", "             x    ")),
    "raw-text element": ("<code>5</code> x", ("<code>5</code> x", "               x", "               x")),
    "attribute list": ("x\n{: #a }", ("x\n{: #a }", "x\n       ", "x\n       ")),
    "URL and e-mail address": ("a@b.org https://c", ("a@b.org https://c", "a@b.org https://c", " " * 17)),
}


@pytest.mark.parametrize(("text", "expected"), LAYERS.values(), ids=LAYERS.keys())
def test_the_masks_layers(text: str, expected: tuple[str, str, str]) -> None:
    assert (citations.mask_code(text), citations.mask_markup(text), citations.mask(text)) == expected


# The masker's searches tried only where a match can start find what the patterns' own finditer finds.
MASKER_TEXTS = [
    "see http://a.b/@x and WWW.example.org, javaſcript:x, mailto:a@b.co; a@b.com.x@c.org é@f.gh",
    "[@a] -@b x-@c [-@d] [see @e, p. 1] @f[p. 2] ][@g] a@@b.cd",
    "line one: no url\nwww.x.org@y\nplain\n",
    "",
]


@pytest.mark.parametrize("text", MASKER_TEXTS)
def test_masker_searches_find_what_the_patterns_find(text: str) -> None:
    assert spans(citations._url_matches(text)) == spans(citations._URL.finditer(text))
    assert spans(citations._email_matches(text)) == spans(citations._EMAIL.finditer(text))
    assert spans(citations._narrative(text)) == spans(citations._NARRATIVE.finditer(text))


# Front matter as _FRONT_MATTER reads it: none, empty, closed by '---' or '...' (with spaces, at the end), a closing
# line inside a line, a second closing line.
FRONT_TEXTS = [
    "",
    "---",
    "---\n---\n",
    "---\n\n---",
    "---\n\n...\nbody",
    "--- \t\na: 1\n... \t\nb\n---\nc",
    "---\na: ---\n ---\n---x\n---\n",
    "----\na\n---\n",
    " ---\na\n---\n",
    "---\na\n....\n...",
]


@pytest.mark.parametrize("text", FRONT_TEXTS)
def test_after_front_matter_is_where_the_pattern_ends(text: str) -> None:
    m = citations._FRONT_MATTER.match(text)
    assert citations.after_front_matter(text) == (text[m.end() :] if m else text)
