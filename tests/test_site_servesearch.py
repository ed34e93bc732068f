"""refkb.site.servesearch: a rebuilt page's search entries are the kept ones exactly when Material's search parser
would read the same in it (a citation link's title and the evidence map's data it does not read), and the parser
runs again for anything it reads. The end-to-end check (served search index = a clean build's, through a series of
edits on the real knowledge base) is tests/test_site_serve.py."""

from __future__ import annotations

import importlib
from types import SimpleNamespace
from typing import Any, cast

import pytest
from mkdocs.structure.pages import Page

from refkb.site import servesearch

Entries = list[dict[str, Any]]
SearchIndex: Any = importlib.import_module("material.plugins.search.plugin").SearchIndex  # untyped


def _cite(title: str) -> str:
    return f'<a class="refkb-cite" href="../../references/a2020b/" data-key="a2020b" title="{title}">A, 2020</a>'


def _map(data: str) -> str:
    return f'<div><script type="application/json" class="refkb-map-data">{data}</script></div>'


def _html(title: str = "A. (2020). Old title.", data: str = '{"t":"Old"}', text: str = "Some text") -> str:
    return (
        f'<h1 id="topic">Topic</h1><p>{text} ({_cite(title)}).</p>{_map(data)}'
        f'<h2 id="references">References</h2><ul><li>A. (2020). <i>Old</i>.</li></ul>'
    )


def _page(content: str, src: str = "topics/x.md") -> Page:
    page = SimpleNamespace(
        url="topics/x/", content=content, toc=[], title="Topic", meta={}, file=SimpleNamespace(src_uri=src)
    )
    return cast(Page, page)


def _entries(content: str) -> Entries:
    index = SearchIndex()
    index.add_entry_from_context(_page(content))
    return cast(Entries, index.entries)


class _Config:
    def __init__(self, index: Any) -> None:
        self.plugins = {"search": SimpleNamespace(search_index=index)}


def _indexed(memo: servesearch.SearchMemo, content: str) -> Entries:
    index = SearchIndex()
    memo.attach(cast(Any, _Config(index)))
    index.add_entry_from_context(_page(content))
    return cast(Entries, index.entries)


@pytest.mark.parametrize(
    ("new", "same"),
    [
        (_html(title="A. (2020). A new title [Report]."), True),
        (_html(data='{"t":"New title","more":[1,2]}'), True),
        (_html(title="A. (2020). New.", data="[]"), True),
        (_html(text="Other text"), False),
        (_html().replace("<i>Old</i>", "<i>New</i>"), False),
        (_html().replace('id="references"', 'id="works"'), False),
    ],
)
def test_kept_exactly_when_the_parser_reads_the_same(new: str, same: bool) -> None:
    old = _html()
    assert (servesearch.made_from(_page(old)) == servesearch.made_from(_page(new))) is same
    if same:  # what the digest leaves out, the parser does not read
        assert _entries(old) == _entries(new)
    memo = servesearch.SearchMemo()
    _indexed(memo, old)
    assert _indexed(memo, new) == _entries(new)
    assert memo.reused == (1 if same else 0)


def test_a_script_ends_where_the_parser_ends_it() -> None:
    a = _html(data="x</SCRIPT >y")
    b = _html(data="x</SCRIPT >z")
    assert _entries(a) != _entries(b)  # the text after the script's end is read
    assert servesearch.made_from(_page(a)) != servesearch.made_from(_page(b))


def test_kept_entries_are_copies() -> None:
    memo = servesearch.SearchMemo()
    first = _indexed(memo, _html())
    first[0]["title"] = "changed"
    assert _indexed(memo, _html())[0]["title"] == "Topic"


def _sections(n: int, word: str = "old") -> str:
    cite = _cite(f"A. (2020). {word}.")
    return "".join(
        f'<h2 id="s{i}">Section {i}</h2><p>Text {i} with <i>{word if i == n // 2 else "x"}</i> &amp; more '
        f"({cite}).</p>"
        f'<div><h3 id="n{i}">Nested {i}</h3><p>In it.</p></div><ul><li>{i}</li></ul>'
        for i in range(n)
    )


EDITS = [
    ("a word in the middle", lambda t: t.replace("<i>old</i>", "<i>new words</i>")),
    ("a heading removed", lambda t: t.replace('<h2 id="s10">Section 10</h2>', "")),
    ("a heading added", lambda t: t.replace("<p>Text 12", '<h2 id="extra">Extra</h2><p>Text 12')),
    ("an element left open", lambda t: t.replace("<p>Text 9", "<div><p>Text 9")),
    ("an element closed early", lambda t: t.replace('<div><h3 id="n9">', '</div><div><h3 id="n9">')),
    ("excluded from search", lambda t: t.replace("<p>Text 11", "<div data-search-exclude><p>Text 11")),
    ("an unclosed comment", lambda t: t.replace("<p>Text 14", "<!-- <p>Text 14")),
    ("a script", lambda t: t.replace("<p>Text 8", "<script>var a = '<h2 id=\"x\">';</script><p>Text 8")),
    ("an ampersand before a heading", lambda t: t.replace('<h2 id="s13">', '&amp<h2 id="s13">')),
    ("the first heading", lambda t: t.replace("Section 0<", "Section zero<")),
    ("the end", lambda t: t + "<p>Appended</p>"),
    ("the start", lambda t: "<p>Preface</p>" + t),
]


@pytest.mark.parametrize(("name", "edit"), EDITS, ids=[e[0] for e in EDITS])
def test_a_large_page_is_parsed_again_where_it_changed(name: str, edit: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(servesearch, "LARGE", 0)
    old = _sections(24)
    memo = servesearch.SearchMemo()
    assert _indexed(memo, old) == _entries(old)
    parsed = memo.pages["topics/x.md"].parsed
    assert parsed is not None
    assert len(parsed.marks) == 23  # every h2 but the first (the nested h3s are no marks)
    new = edit(old)
    assert _indexed(memo, new) == _entries(new), name
    again = edit(new) if name in ("the end", "the start") else new.replace("Text 3 ", "Text three ")
    assert _indexed(memo, again) == _entries(again), name  # from marks the last partial parse left


def test_only_the_changed_part_is_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(servesearch, "LARGE", 0)
    memo = servesearch.SearchMemo()
    old = _sections(40)
    _indexed(memo, old)
    fed: list[int] = []
    marking = servesearch._MARKING
    original = marking.feed

    def feed(self: Any, text: str) -> None:
        fed.append(len(text))
        original(self, text)

    monkeypatch.setattr(marking, "feed", feed)
    new = old.replace("<i>old</i>", "<i>new</i>").replace("(2020). old.", "(2020). new.")  # and every link's title
    assert _indexed(memo, new) == _entries(new)
    assert len(fed) == 1
    assert fed[0] < len(new) / 20
