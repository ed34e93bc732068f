"""Finished reference pages kept between builds: a page whose inputs (its Markdown and the HTML refkb made for it,
the work's data, the site's configuration, navigation, theme and code) have the same digest as in an earlier build
is written from this cache, so that neither Markdown, the theme nor the search plugin runs for it again.

One file per page (`<dir>/<digest>.html`) and one JSON file with each page's search-index entries and the SHA-256
of its HTML; a build keeps only the pages it used. A kept page is used only when its file still has that digest and
its entries have the search index's shape: anything else is a miss (the page is built again and rewritten), never
shipped. Nothing here knows MkDocs: the site layer (refkb.site.cached) decides what
goes in a digest.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .cache import load_json, store

SearchEntries = list[dict[str, Any]]


def _sha(html: str) -> str:
    return hashlib.sha256(html.encode("utf-8")).hexdigest()


def _entries_ok(entries: object) -> bool:
    return isinstance(entries, list) and all(
        isinstance(e, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in e.items()) for e in entries
    )


@dataclass(frozen=True, slots=True)
class _Made:
    """A page built in this run, as the cache holds it until `save`: its file was written when it was put (the
    page itself is not held: a cold build would hold every reference page's HTML until the end), the SHA-256 of
    its HTML, or why the file could not be written; and its search entries, once known."""

    sha256: str
    problem: str | None = None
    entries: SearchEntries | None = None


class PageCache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._search: dict[str, Any] | None = None
        self._new: dict[str, _Made] = {}
        self.used: set[str] = set()
        self.problems: list[str] = []  # what the last save could not write

    def _entries(self) -> dict[str, Any]:
        if self._search is None:
            data = load_json(self.folder / "search.json")
            self._search = data if isinstance(data, dict) else {}
        return self._search

    def empty(self) -> bool:
        """Whether no page is kept (a first or cold build, or the cache removed)."""
        return not self._entries()

    def get(self, digest: str) -> tuple[str, SearchEntries] | None:
        """The finished page and its search entries, if both are kept whole (see the module's note)."""
        record = self._entries().get(digest)
        if not isinstance(record, dict) or not isinstance(record.get("sha256"), str):
            return None
        entries = record.get("entries")
        if not _entries_ok(entries):
            return None
        try:
            html = (self.folder / f"{digest}.html").read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        if _sha(html) != record["sha256"]:  # truncated, edited or replaced since it was written
            return None
        self.used.add(digest)
        assert isinstance(entries, list)
        return html, entries

    def put(self, digest: str, html: str) -> None:
        """A page built in this run, written now (its search entries come later, from the search index:
        `put_search`; a page that gets none is removed by `save`)."""
        self._new[digest] = _Made(_sha(html), store(self.folder / f"{digest}.html", html))
        self.used.add(digest)

    def put_search(self, digest: str, entries: SearchEntries) -> None:
        made = self._new[digest]
        self._new[digest] = _Made(made.sha256, made.problem, entries)

    def save(self) -> None:
        """Keep this run's new pages (each written, atomically, when it was put) and drop the pages it did not
        use."""
        search = {d: e for d, e in self._entries().items() if d in self.used}
        problems: list[str] = []
        for digest, made in self._new.items():
            if made.entries is None:
                continue  # no search entries known: not kept (its file is removed below)
            if made.problem is None:
                search[digest] = {"sha256": made.sha256, "entries": made.entries}
            else:
                problems.append(made.problem)
        problem = store(self.folder / "search.json", json.dumps(search, ensure_ascii=False))  # entries keep their order
        self.problems = [*problems, *([problem] if problem else [])]
        self._search, self._new = search, {}
        for path in self.folder.glob("*.html"):
            if path.stem not in search:
                with contextlib.suppress(OSError):
                    path.unlink()
