"""refkb.htmlpolicy: the one policy for authors' HTML. Every vector an audit found running in chromium is named by
`problems` (what `refkb validate` reports as unsafe-html) and removed by `clean` (what the build applies); chromium,
an oracle that shares nothing with refkb, then runs none of the cleaned HTML. Slugs that become addresses are safe."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from conftest import ANNOTATION, GOOD, TODAY, write_project
from refkb import htmlpolicy, project
from refkb.checks import suite

HTMLPOLICY_CODES = {"unsafe-html", "unsafe-slug"}
# The seven forms that passed the old hand-written guard, and more of the same families.
VECTORS = [
    '<a href="java&#9;script:alert(1)">tab</a>',
    '<a href="&#106;avascript:alert(1)">reference</a>',
    '<a href="JaVaScRiPt&colon;alert(1)">named colon</a>',
    '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
    "<script>alert(1)</script>",
    '<svg><a><animate attributeName="href" values="javascript:alert(1)"/><text y="20">svg</text></a></svg>',
    '<form><button formaction="java&#10;script:alert(1)">button</button></form>',
    '<img src="x" onerror="alert(1)">',
    '<a href=" javascript:alert(1)">leading space</a>',
    '<details open ontoggle="alert(1)"><summary>s</summary></details>',
    '<a href="vbscript:msgbox(1)">vb</a>',
    '<a href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;">data</a>',
    '<object data="javascript:alert(1)"></object>',
    '<math><mtext><a href="javascript:alert(1)">math</a></mtext></math>',
    '<style>@import "javascript:alert(1)";</style>',
]
SAFE = [
    '<div class="admonition note"><p class="admonition-title">Note</p><p>Text</p></div>',
    '<a href="https://example.org/page">link</a>',
    '<a href="#section">anchor</a>',
    '<a href="../topics/x/">relative</a>',
    '<a href="mailto:help@example.org">mail</a>',
    '<input type="radio" name="tabs" checked><label for="t1">Tab</label>',
]


@pytest.mark.parametrize("html", VECTORS)
def test_every_vector_is_named_and_removed(html: str) -> None:
    assert htmlpolicy.problems(html), html
    cleaned = htmlpolicy.clean(html)
    assert not htmlpolicy.problems(cleaned), cleaned
    assert "javascript" not in cleaned.lower().replace("&", "")
    assert "alert(" not in cleaned or "<" not in cleaned


@pytest.mark.parametrize("html", SAFE)
def test_what_authors_write_passes(html: str) -> None:
    assert htmlpolicy.problems(html) == []


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        ('# T\n\nText <a href="java&#9;script:alert(1)">x</a>.\n', ["3:6 unsafe-html"]),
        ("# T\n\n<script>alert(1)</script>\n", ["3:1 unsafe-html"]),
        ("# T\n\n`<script>alert(1)</script>` in code is text.\n", []),
        ("# T\n\n```html\n<script>alert(1)</script>\n```\n", []),
        ("# T\n\nSee <https://example.org> and <help@example.org>.\n", []),
    ],
)
def test_validate_reports_raw_html_at_its_place(tmp_path: Path, page: str, expected: list[str]) -> None:
    root = write_project(tmp_path, GOOD, {"smith2020study": ANNOTATION}, {"page.md": page})
    _, issues = suite.validate_project(project.load(root), today=TODAY)
    found = [i for i in issues if i.code == "unsafe-html"]
    assert [f"{i.line}:{i.col} {i.code}" for i in found] == expected
    assert all(i.level.value == "warning" for i in found)  # the build cleans it; validate tells the author


BAD_CLAIM = (
    '- id: "c1\\" onmouseover=\\"alert(1)"\n  section: S\n  claim: C\n  verdict: unverifiable\n'
    "  evidence: []\n  note: N\n  corrected: C\n"
)


@pytest.mark.parametrize(
    ("topic", "claims", "expected"),
    [
        ("recruitment-grooming", "", []),
        ("../javascript:alert(1);/a", "", ["mkdocs.yml:TOPIC:16"]),  # at the slug, on the topic's line
        ("recruitment-grooming", BAD_CLAIM, ["docs/claims.yml:1:1"]),
    ],
)
def test_slugs_that_become_addresses_are_safe(tmp_path: Path, topic: str, claims: str, expected: list[str]) -> None:
    pages = {"claims.yml": claims} if claims else {}
    root = write_project(tmp_path, GOOD, {"smith2020study": ANNOTATION}, pages)
    config = (root / "mkdocs.yml").read_text(encoding="utf-8")
    config = config.replace("      - {slug: data-measurement,", f"      - {{slug: '{topic}',")
    (root / "mkdocs.yml").write_text(config)
    line = next(i for i, text in enumerate(config.splitlines(), 1) if topic in text)
    _, issues = suite.validate_project(project.load(root), today=TODAY)
    found = [f"{i.path}:{i.line}:{i.col}" for i in issues if i.code == "unsafe-slug"]
    assert found == [e.replace("TOPIC", str(line)) for e in expected]


def test_chromium_runs_none_of_the_cleaned_html(tmp_path: Path) -> None:
    """Every vector, cleaned, on one page in Debian's chromium: every link and button clicked, every element
    hovered; no dialog opens and no script sets the flag."""
    from test_browser import CHROMIUM, page_at, serve

    sync_api = pytest.importorskip("playwright.sync_api")
    cleaned = [htmlpolicy.clean(v.replace("alert(1)", "window.__ran=1")) for v in VECTORS]
    body = "\n".join(f"<div class='v'>{c}</div>" for c in cleaned)
    (tmp_path / "index.html").write_text(f"<!doctype html><html><body>{body}</body></html>", encoding="utf-8")
    with sync_api.sync_playwright() as p:
        browser: Any = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
        )
        try:
            with serve(tmp_path) as base, page_at(browser, base) as (page, watch):
                page.goto(base + "/index.html")
                for el in page.query_selector_all("a, button, summary, div.v *"):
                    el.hover(timeout=2000, force=True)
                    if el.evaluate("e => e.tagName") in ("A", "BUTTON", "SUMMARY"):
                        el.click(timeout=2000, force=True, no_wait_after=True)
                        if page.url != base + "/index.html":
                            page.goto(base + "/index.html")
                assert not watch.dialogs
                assert page.evaluate("() => window.__ran") is None
        finally:
            browser.close()


def _whole(html: str) -> list[tuple[int, str]]:
    finder = htmlpolicy.ScriptFinder()
    finder.feed(html)
    return finder.found


_PIECES = [  # lines of HTML a page may hold, harmless and not, and ones that leave the parser mid-way
    '<p class="x">Text &amp; more</p>\n',
    '<a href="https://example.org/">a link</a>\n',
    '<a href="javascript:alert(1)">bad</a>\n',
    '<img src="x.png" onerror="alert(1)">\n',
    "<script>var a = 1;\n<b>not a tag in a script</b>\n</script>\n",
    '<script type="application/json">{"a": "\n<i>"}</script>\n',
    "<!-- a comment\n<a onclick=x> inside it -->\n",
    '<a title="a value\n<b onclick=1> across lines" href="#">t</a>\n',
    '<div\n onclick="x">a tag across lines</div>\n',
    "<p>an ampersand at the end &amp\n",
    "<style>p { color: red }\n<a onclick=x></style>\n",
    '<iframe srcdoc="<b>x</b>"></iframe>\n',
    '<svg><animate values="javascript:alert(1)"/></svg>\n',
    "<p>plain\n",
    "<![CDATA[\n<a onclick=x>\n]]>\n",
    "<textarea>\n<a onclick=x>\n</textarea>\n",
    # on one line with what follows: table rows (a chunk may begin at a row), in and out of places where no tag is
    '<table><tbody><tr><td>a</td></tr><tr onclick="x"><td>b</td></tr>',
    "<tr>\n<td>c</td></tr></tbody></table>",
    '<p title="a <tr onclick=x> in a value">t</p>',
    '<script>var row = "<tr onclick=x>";</script>',
    "<!-- <tr onclick=x> -->",
    "<tr",
    ' onclick="x"><td>d</td></tr>',
]


def _pages() -> list[str]:
    rng = random.Random(7)
    return ["".join(rng.choice(_PIECES) for _ in range(rng.randint(1, 30))) for _ in range(400)]


def test_script_findings_in_chunks_equal_the_whole_pages() -> None:
    """Read with a memo, a page's findings (what and on which line) are those of one parser reading it whole: on a
    first reading, and again after an edit, when the unchanged chunks come from the memo."""
    rng = random.Random(11)
    for page in _pages():
        memo: dict[str, htmlpolicy.Found] = {}
        assert htmlpolicy.script_findings(page, memo) == _whole(page)
        assert htmlpolicy.script_findings(page, memo) == _whole(page)  # every chunk at rest from the memo
        lines = page.splitlines(keepends=True)
        at = rng.randrange(len(lines) + 1)
        edited = "".join([*lines[:at], rng.choice(_PIECES), *lines[at:]])
        assert htmlpolicy.script_findings(edited, memo) == _whole(edited)


def test_an_unchanged_chunk_is_not_read_again() -> None:
    memo: dict[str, htmlpolicy.Found] = {}
    page = '<p>one</p>\n<a href="javascript:x">two</a>\n<p>three</p>\n'
    assert htmlpolicy.script_findings(page, memo) == [(2, "a script URL <a href=javascript:x>")]
    assert set(memo) == {"<p>one</p>\n", '<a href="javascript:x">two</a>\n', "<p>three</p>\n"}
    memo['<a href="javascript:x">two</a>\n'] = ()  # were it read again, it would be found
    assert htmlpolicy.script_findings("<p>new</p>\n" + page, memo) == []


def test_a_long_line_of_table_rows_is_read_a_row_at_a_time() -> None:
    """The library's table is one long line of rows: a row that did not change is not read again."""
    rows = [f'<tr><td><a href="#w{i}">Work {i}</a></td></tr>' for i in range(3)]
    page = "<table><tbody>" + "".join(rows) + "</tbody></table>\n"
    memo: dict[str, htmlpolicy.Found] = {}
    assert htmlpolicy.script_findings(page, memo) == []
    assert set(memo) == {"<table><tbody>", rows[0], rows[1], rows[2] + "</tbody></table>\n"}
    memo[rows[1]] = ((1, "a finding kept for the unchanged row"),)  # were it read again, it would not be there
    edited = page.replace("Work 0", "Work zero")
    assert htmlpolicy.script_findings(edited, memo) == [(1, "a finding kept for the unchanged row")]
