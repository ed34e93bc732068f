"""refkb.site.serverender: under `mkdocs serve`, a page whose Markdown (with refkb's tokens) is the same as at its
last conversion is not converted again, and it is served with this rebuild's tokens' HTML; a page whose Markdown,
address or build context changed, or whose conversion logged something, is converted again. What the kept
conversion sets on the page is what MkDocs' own `Page.render` sets. The end-to-end check (every served file equal to
a clean build's through a series of edits, a title edit among them) is tests/test_site_serve.py."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pytest
from markupsafe import Markup
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files, get_files
from mkdocs.structure.pages import Page

from refkb.site.serverender import RenderMemo, files_context
from refkb.site.session import OneBuild
from refkb.site.tokens import Tokens

MKDOCS_YML = """site_name: Test
docs_dir: docs
markdown_extensions:
  - admonition
  - attr_list
  - md_in_html
  - toc:
      permalink: true
  - smarty
validation:
  links:
    not_found: warn
    anchors: warn
"""
TOPIC = """# A topic

Some text "quoted" ({cite}) and a [link](other.md#part).

## Findings {{#findings}}

{refs}
"""


@dataclass(frozen=True)
class Site:
    config: MkDocsConfig
    files: Files


def _site(tmp_path: Path, other: str = "other.md") -> Site:
    docs = tmp_path / "docs"
    docs.mkdir(exist_ok=True)
    for old in docs.glob("*.md"):
        old.unlink()
    (docs / "topic.md").write_text("# A topic\n", encoding="utf-8")
    (docs / other).write_text("# Other\n\n## Part {#part}\n", encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
    config = load_config(str(tmp_path / "mkdocs.yml"))
    return Site(config, get_files(config))


def _topic(title: str, word: str = "text") -> tuple[str, Tokens]:
    """The topic page's Markdown with a citation whose hover text is the work's title, and its reference list."""
    tokens = Tokens()
    cite = tokens.add(Markup('<a class="refkb-cite" href="../a/" title="{}">A, 2020</a>').format(title))
    refs = tokens.add(Markup("<ul><li>A. (2020). <i>{}</i>.</li></ul>").format(title), late=True)
    return TOPIC.replace("Some text", f"Some {word}").format(cite=cite, refs=refs), tokens


@dataclass(frozen=True)
class Converted:
    html: str  # the content with the tokens filled in
    page: Page


def _page(site: Site) -> Page:
    """topic.md's Page in this build (MkDocs makes a new one each build)."""
    file = site.files.get_file_from_path("topic.md")
    assert file is not None
    return Page(None, file, site.config)


def _convert(site: Site, markdown: str, tokens: Tokens, memo: RenderMemo | None) -> Converted:
    """One build's conversion of topic.md."""
    page = _page(site)
    page.markdown, page.meta = markdown, {}
    if memo is not None:
        memo.begin(files_context("common", site.files), ["topic.md", "other.md"])
        memo.wrap(page)
    page.render(site.config, site.files)
    assert page.content is not None
    return Converted(tokens.fill(page.content), page)


def _set(page: Page) -> tuple[object, ...]:
    """What `Page.render` sets on a page (the link targets by path: MkDocs' File objects are made each build)."""
    links = page.links_to_anchors
    return (
        page.content,
        str(page.toc),
        [(i.id, i.url, i.title, i.level) for i in page.toc],
        page.title,
        page.present_anchor_ids,
        {f.src_uri: v for f, v in links.items()} if links is not None else None,
    )


CASES = [
    # (what changed since the last rebuild, the topic's title and word now, converted again)
    ("nothing", "Old title", "text", False),
    ("a citation's HTML only (a title edit)", "New title", "text", False),
    ("the Markdown", "Old title", "words", True),
    ("the Markdown and the citations", "New title", "words", True),
]


@pytest.mark.parametrize(("edit", "title", "word", "converted"), CASES, ids=[c[0] for c in CASES])
def test_converted_again_only_when_the_markdown_changed(
    edit: str, title: str, word: str, converted: bool, tmp_path: Path
) -> None:
    site = _site(tmp_path)
    memo = RenderMemo()
    _convert(site, *_topic("Old title"), memo)
    markdown, tokens = _topic(title, word)
    clean = _convert(site, markdown, tokens, None)  # as `mkdocs build` converts it
    served = _convert(site, markdown, tokens, memo)
    assert memo.reused == (0 if converted else 1)
    assert served.html == clean.html
    assert f'title="{title}"' in served.html
    assert f"Some {word}" in served.html
    assert "Old title" not in served.html or title == "Old title"
    assert _set(served.page) == _set(clean.page)
    assert served.page.toc is not clean.page.toc


def test_kept_values_are_copies_and_links_name_this_builds_files(tmp_path: Path) -> None:
    site = _site(tmp_path)
    memo = RenderMemo()
    first = _convert(site, *_topic("Old title"), memo)
    assert first.page.present_anchor_ids is not None
    first.page.present_anchor_ids.add("refkb-own")  # on_page_content adds refkb's ids to the page's set
    site = Site(site.config, get_files(site.config))  # the next build's File objects
    served = _convert(site, *_topic("New title"), memo)
    assert memo.reused == 1
    assert served.page.present_anchor_ids is not None
    assert "refkb-own" not in served.page.present_anchor_ids
    assert served.page.links_to_anchors is not None
    assert all(f is site.files.get_file_from_path(f.src_uri) for f in served.page.links_to_anchors)


def test_another_build_context_converts_again(tmp_path: Path) -> None:
    site = _site(tmp_path)
    memo = RenderMemo()
    _convert(site, *_topic("Old title"), memo)
    renamed = _site(tmp_path, other="renamed.md")  # a file gone: the link now warns
    markdown, tokens = _topic("Old title")
    clean = _convert(renamed, markdown, tokens, None)
    served = _convert(renamed, markdown, tokens, memo)
    assert memo.reused == 0
    assert served.html == clean.html


def test_a_conversion_that_logged_is_not_kept(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    site = _site(tmp_path, other="renamed.md")  # the topic's link to other.md is not found: a warning
    memo = RenderMemo()
    with caplog.at_level(logging.INFO):
        _convert(site, *_topic("Old title"), memo)
        first = [r.getMessage() for r in caplog.records]
        caplog.clear()
        _convert(site, *_topic("New title"), memo)
        again = [r.getMessage() for r in caplog.records]
    assert first
    assert again == first
    assert memo.reused == 0


def test_a_page_gone_is_forgotten(tmp_path: Path) -> None:
    site = _site(tmp_path)
    memo = RenderMemo()
    _convert(site, *_topic("Old title"), memo)
    assert set(memo.pages) == {"topic.md"}
    memo.begin("context", ["other.md"])
    assert not memo.pages


def test_mkdocs_build_converts_every_page(tmp_path: Path) -> None:
    site = _site(tmp_path)
    page = _page(site)
    OneBuild().rendering(page)
    assert "render" not in vars(page)  # the class's own Page.render
