"""`mkdocs serve --dirty`: a rebuilt page's search entries taken from its last rebuild when the search plugin would
read the same in it.

Material's search plugin parses the HTML of every page a rebuild makes (Python's `html.parser`: 0.05–0.1 s for a
grown topic page of 0.3–0.4 MB, 0.2 s for the claims ledger). A title edit rebuilds every page citing the work, and
what changed on most of them is only the title attribute of its citations' links (the hover text: the work's list
entry), which the plugin's parser does not read: it reads the text, the tags, a heading's `id`, and whether an
element has `data-search-exclude` or the class `linenodiv` or `headerlink`; nor a script's content (the dashboard's
evidence map holds every work's title in 0.7 MB of JSON). A page's entries are kept with the digest of its HTML
without those parts of what refkb wrote there (`_CITE_TITLE`: the title of a citation link as `intext` writes it,
whose escaped values hold no quote or angle bracket, so the match is that whole start tag; `_MAP_DATA`: the map's
data, to the end tag the parser ends a script at), its address, table of contents and the page metadata the plugin
reads; when they are equal, the page's entries are the kept ones and the parser does not run. (What could fool the
digest is an author's page holding one of those two start tags of refkb's inside a comment, with the text after it
changed: not a page anyone writes.)

A large page that did change (a topic page whose reference list shows the new title) is parsed again only from the
last heading before the first change to the first heading after the last one (`parse`, `Mark`), with the sections
before and after it kept: a grown topic page of 0.9 MB, 0.12 -> 0.05 s. `tests/test_site_servesearch.py` compares
the entries with the plugin's own after edits of every kind.
"""

from __future__ import annotations

import copy
import hashlib
import importlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.pages import Page

_CITE_TITLE = re.compile(r'(<a class="refkb-cite" href="[^"<>]*" data-key="[^"<>]*") title="[^"<>]*">')
# the evidence map's data (`evidencemap.map_markdown`), to the end `html.parser` gives a script's content
_MAP_DATA = re.compile(r'(<script type="application/json" class="refkb-map-data">).*?((?i:</\s*script\s*>))', re.S)
Entries = list[dict[str, Any]]
LARGE = 32_000  # characters of HTML from which a page's sections are kept (the grown topic pages: 0.2-0.4 MB)
_HEADINGS = frozenset(f"h{x}" for x in range(1, 7))


@dataclass(frozen=True)
class Mark:
    """A heading with an id met with no element open and sections before it, before the end of the page was
    forced (`close`): the parser is at rest there (a tag begins, nothing waits), and no later tag goes back to the
    sections before it (a heading's section is left only for one at most as deep, and this one is at depth 1).
    The page's sections before it are final, and what follows it is read the same from a parser in that state."""

    start: int  # where its start tag begins in the page's HTML
    end: int  # where its start tag ends
    sections: int  # how many sections come before it


@dataclass(frozen=True)
class Parsed:
    """A page's HTML as the search plugin's parser divided it: its sections (their text joined: the plugin joins
    it) and the marks between them."""

    content: str
    sections: list[Any]  # material's Section objects, never handed out (the plugin sets a missing title)
    marks: list[Mark]


@dataclass(frozen=True)
class Indexed:
    """A page's search entries, with what the search plugin made them from."""

    made_from: tuple[object, ...]
    entries: Entries
    parsed: Parsed | None  # for a large page: its sections, so that a change is read again only where it is


def _toc(items: Iterable[Any]) -> tuple[object, ...]:
    return tuple((item.id, item.url, _toc(item.children)) for item in items)


def shown(page: Page) -> str:
    """The page's HTML as the search plugin's parser reads it: without the title attributes of refkb's citation
    links and the evidence map's data (the parser's sections are the same)."""
    text = _CITE_TITLE.sub(r"\1>", page.content or "")
    if "refkb-map-data" in text:
        text = _MAP_DATA.sub(r"\1\2", text)
    return text


def made_from(page: Page, text: str | None = None) -> tuple[object, ...]:
    """What the search plugin reads of a page (`text`: its `shown` HTML)."""
    meta = page.meta
    return (
        page.url,
        hashlib.sha256((shown(page) if text is None else text).encode("utf-8", "surrogatepass")).digest(),
        _toc(page.toc),
        # the values themselves, copied (the page's metadata is a live dict), compared by ==: not their repr, whose
        # order for a set can differ between equal values
        copy.deepcopy((page.title, meta.get("title"), meta.get("tags"), meta.get("search"))),
    )


def _search_module() -> Any:
    try:
        module = importlib.import_module("material.plugins.search.plugin")
    except ImportError:
        return None
    return module if all(hasattr(module, n) for n in ("Parser", "Section", "Element")) else None


_SEARCH: Any = _search_module()


def _marking_parser() -> Any:
    """Material's parser, noting where each `Mark` is (it parses as the plugin's does)."""

    class Marking(_SEARCH.Parser):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.at = 0  # where the tag being read begins in all that was fed
            self.fed = 0
            self.closing = False
            self.marks: list[Mark] = []

        def feed(self, data: str) -> None:
            self.fed += len(data)
            super().feed(data)

        def close(self) -> None:
            self.closing = True  # what waited is read to the end as it stands: no marks there
            super().close()

        def parse_starttag(self, i: int) -> int:
            self.at = self.fed - len(self.rawdata) + i  # i is in what is left to read
            return int(super().parse_starttag(i))

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if (
                not (self.closing or self.context)
                and self.data
                and tag in _HEADINGS
                and any(k == "id" for k, _ in attrs)
            ):
                end = self.at + len(self.get_starttag_text() or "")
                self.marks.append(Mark(self.at, end, len(self.data)))
            super().handle_starttag(tag, attrs)

    return Marking


_MARKING: Any = _marking_parser() if _SEARCH is not None else None


def _compact(section: Any) -> Any:
    """A finished section with its text joined (what the plugin makes of it: "".join, then strip)."""
    kept = copy.copy(section)
    kept.text = ["".join(section.text)] if section.text else []
    kept.title = ["".join(section.title)] if section.title else []
    return kept


def _prefix(a: str, b: str) -> int:
    """How many characters a and b share from the start."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _suffix(a: str, b: str) -> int:
    """How many characters a and b share at the end."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[len(a) - mid :] == b[len(b) - mid :]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def parse(content: str, last: Parsed | None = None) -> Parsed:
    """The page's sections as the plugin's parser divides them. With the `last` parse of the page, only what lies
    between the last mark before the first change and the first mark after the last change is parsed, by a parser
    started as the plugin's stood at that mark (no element open, sections before it), and when that part leaves
    it at rest (no element open, nothing waiting) the sections after it are the last parse's."""
    if last is None or _MARKING is None:
        return _parse_all(content)
    head = _prefix(last.content, content)
    tail = _suffix(last.content, content)
    before = [m for m in last.marks if m.end <= head]
    shift = len(content) - len(last.content)
    after = [
        m for m in last.marks if m.start >= len(last.content) - tail and (not before or m.start > before[-1].start)
    ]
    start = before[-1] if before else None
    stop = after[0] if after else None
    begin = start.start if start is not None else 0
    end = stop.start + shift if stop is not None else len(content)
    if end <= begin:
        return _parse_all(content)
    parser = _MARKING()
    if start is not None:  # as the plugin's parser stood: sections before, none of them reachable
        parser.section = _SEARCH.Section(_SEARCH.Element("hx"))
        parser.data.append(parser.section)
    parser.feed(content[begin:end])
    if stop is None:
        parser.close()
    elif parser.context or parser.rawdata or parser.cdata_elem is not None:
        return _parse_all(content)
    made = parser.data[1:] if start is not None else parser.data
    if start is not None and (parser.data[0].text or parser.data[0].title):
        return _parse_all(content)
    head_n = start.sections if start is not None else 0
    if stop is not None and head_n + len(made) == 0:  # the plugin's parser had sections at that mark
        return _parse_all(content)
    sections = last.sections[:head_n] + [_compact(s) for s in made]
    marks = last.marks[: len(before) - 1] if start is not None else []
    marks += [Mark(m.start + begin, m.end + begin, m.sections - (1 if start else 0) + head_n) for m in parser.marks]
    if stop is not None:
        gained = len(sections) - stop.sections
        sections += last.sections[stop.sections :]
        marks += [
            Mark(m.start + shift, m.end + shift, m.sections + gained) for m in last.marks[last.marks.index(stop) :]
        ]
    return Parsed(content, sections, marks)


def _parse_all(content: str) -> Parsed:
    parser = _MARKING()
    parser.feed(content)
    parser.close()
    return Parsed(content, [_compact(s) for s in parser.data], parser.marks)


class SearchMemo:
    """Each page's search entries from the rebuild that last indexed it, by its source path."""

    def __init__(self) -> None:
        self.pages: dict[str, Indexed] = {}
        self.reused = 0  # pages whose entries were kept (for tests and profiles)

    def attach(self, config: MkDocsConfig) -> None:
        """Wrap this build's search index (the search plugin makes a new one in its on_config)."""
        for plugin in config.plugins.values():
            index = getattr(plugin, "search_index", None)
            add = getattr(index, "add_entry_from_context", None)
            if index is not None and callable(add) and isinstance(getattr(index, "entries", None), list):
                index.add_entry_from_context = self._indexer(index, add)

    def _indexer(self, index: Any, add: Callable[[Page], None]) -> Callable[[Page], None]:
        entries: Entries = index.entries

        def add_entry_from_context(page: Page) -> None:
            src = page.file.src_uri
            text = shown(page)
            now = made_from(page, text)
            kept = self.pages.get(src)
            if kept is not None and kept.made_from == now:
                entries.extend(dict(e) for e in kept.entries)
                self.reused += 1
                return
            start = len(entries)
            search = page.meta.get("search") or {}
            if _MARKING is None or search.get("exclude") or len(text) < LARGE:
                add(page)
                self.pages[src] = Indexed(now, [dict(e) for e in entries[start:]], None)
                return
            parsed = parse(text, kept.parsed if kept is not None else None)  # the same sections as the page's HTML
            for section in parsed.sections:  # as the plugin's add_entry_from_context does
                if not section.is_excluded():
                    index.create_entry_for_section(copy.copy(section), page.toc, page.url, page)
            self.pages[src] = Indexed(now, [dict(e) for e in entries[start:]], parsed)

        return add_entry_from_context
