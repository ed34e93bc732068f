"""What a build keeps, by the kind of run: `OneBuild` (mkdocs build: nothing kept, caches written at the end) and,
in `refkb.site.serve`, `Serving` (mkdocs serve: the parsed inputs, engines and scans kept between rebuilds, and the
rebuild plan). The build asks its session; it never branches on which one it has."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from markupsafe import Markup
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page

from .. import annotation, appraisal, children, citations, htmlpolicy, inherit, kbcite, kbdata, library, reader, styles
from ..cache import JsonCache
from ..checks import docs_pages, suite
from ..checks.annotations import NoteMemo
from ..engine import EngineError
from ..model import BibFile, Issue
from ..project import Project
from ..refs import Ref
from .context import Build
from .render import RowMaker, title_of
from .tokens import Tokens

T = TypeVar("T")


@dataclass(frozen=True)
class Validated:
    """The inputs as validation read them, and what it found."""

    bib: BibFile
    notes: list[annotation.Annotation]
    data: kbdata.Data
    issues: list[Issue]


@dataclass(frozen=True)
class Scan:
    """What a page's Markdown cites, and its title (for "cited on" lists)."""

    found: list[citations.Citation]
    title: str


def validate_all(
    proj: Project,
    page_memo: docs_pages.PageMemo | None = None,
    notes: list[annotation.Annotation] | None = None,
    read: tuple[BibFile, list[Issue]] | None = None,
    load_data: Callable[[Project, set[str]], kbdata.Data] = kbdata.load,
    note_memo: NoteMemo | None = None,
) -> Validated:
    """Read and check everything refkb reads (the bibliography, the annotations, the data files, docs/); `notes`
    and `read` (the bibliography and its own issues) when the caller kept them, `load_data` when it keeps the
    data files."""
    if notes is None:
        notes = annotation.scan(proj.annotations)
    if read is None:
        bib, macro_issues = suite.read_bibliography(proj)
        read = (bib, suite.validate_bibliography(proj, bib, suite.project_settings(proj), macro_issues))
    data = load_data(proj, {e.key for e in inherit.works(read[0].entries)})  # data files cite works
    bib, issues = suite.validate_project(
        proj, notes=notes, data=data, bib=read[0], bib_issues=read[1], page_memo=page_memo, note_memo=note_memo
    )
    return Validated(bib, notes, data, issues)


def scan_page(text: str, name: str) -> Scan:
    found = citations.find(text)
    return Scan(found, title_of(text, name) if found else "")


@dataclass(frozen=True)
class Composed:
    """A page's Markdown as refkb made it, with its tokens' HTML: with the pages' shared parts (the `common`
    digest), all the built page is made from."""

    markdown: str
    tokens: Tokens

    def same(self, other: Composed) -> bool:
        t, o = self.tokens, other.tokens
        return self.markdown == other.markdown and t.values == o.values and t.late == o.late


class OneBuild:
    """`mkdocs build`: every input read and every page made once; the caches written when the build ends."""

    serving = False

    def __init__(self) -> None:
        self._renderer: styles.Renderer | None = None
        self._citer: reader.PageCiter | None = None
        self._entries: JsonCache | None = None
        self._workers: ProcessPoolExecutor | None = None
        self._built = threading.Event()  # set when the build ends

    def start_engines(self, cache_dir: Path, bibliography: Path) -> None:
        """Before validation: when the styles will be formatted in worker processes (several cores, a library large
        enough, `styles.parallel_library`) and no formatted library is kept in `cache_dir` (a first or cold build),
        the style workers start now (`styles.start_workers`), so that each has started and imported refkb by the
        time the works are read. A build with the cache starts none: it may format nothing."""
        if self.serving or self._workers is not None or (cache_dir / "citations.json").exists():
            return
        if (os.cpu_count() or 1) > 1 and styles.parallel_library(bibliography):
            self._workers = styles.start_workers()

    def warm_page_citer(self, b: Build) -> threading.Event | None:
        """While the style workers format the library (a cold build that started them, `start_engines`): the page
        citer's engine started on a thread, formatting the cite page's citation of the whole knowledge base
        (refkb.site.render.kb_cite_block asks for the same item), so that the pages' own citations, asked while
        MkDocs renders the pages, find citeproc-js loaded. A failure is left for the page that asks. The thread
        that starts the page engine's process stays until the build ends (`finished`): on Linux a worker process
        ends with the thread that started it (refkb.children)."""
        if self._workers is None or b.page_citer is None:
            return None
        citer, item = b.citer(), kbcite.kb_item(b.meta, b.site_name, b.site_url, b.kb_updated())
        ready = threading.Event()

        def warm() -> None:
            with contextlib.suppress(EngineError, OSError):
                kbcite.formatted(citer, item)
            ready.set()
            self._built.wait()

        thread = threading.Thread(target=warm, name="refkb-page-citer", daemon=True)
        thread.start()
        return ready

    def validated(self, proj: Project, config: MkDocsConfig) -> Validated:
        return validate_all(proj)

    def entries(self, path: Path) -> JsonCache:
        """Each entry's CSL item and downloads, by the entry's text (.cache/refkb/entries.json)."""
        self._entries = JsonCache(path)
        return self._entries

    def renderer(self, cache_dir: Path) -> styles.Renderer:
        self._renderer = styles.Renderer(cache_dir, started=self._workers)
        self._workers = None
        return self._renderer

    def works_formatted(self, renderer: styles.Renderer) -> None:
        """The library is formatted (`works.format_works`); the rest of the build goes on."""

    def page_citer(self, cache_dir: Path) -> Callable[[], reader.PageCiter]:
        def citer() -> reader.PageCiter:
            if self._citer is None:
                self._citer = reader.PageCiter(cache_dir)
            return self._citer

        return citer

    def page_text(self, f: File) -> str:
        """The page's Markdown (MkDocs' `File.content_string` reads the file on every call)."""
        return f.content_string

    def scan(self, src: str, text: str, name: str) -> Scan:
        return scan_page(text, name)

    def same_refs(self, refs: dict[str, Ref]) -> None:
        """Each work's `Ref` replaced by an equal one an earlier build made, with what it worked out lazily (nothing
        here: there is no earlier build)."""

    def kept(self, name: str, made_from: object, make: Callable[[], T]) -> T:
        """What `make` makes from `made_from` (compared by equality): made every time here; a session that keeps
        things between rebuilds returns the last one while `made_from` is equal."""
        return make()

    def index_record(self, ref: Ref, summary: str, shown: tuple[object, ...]) -> dict[str, object]:
        return library.index_record(ref, summary)

    def row_cache(self) -> Callable[[Build, str, RowMaker], Markup] | None:
        return None

    def shown_memo(self) -> dict[str, dict[object, tuple[object, Markup]]] | None:
        """Where the pages' citations are kept between rebuilds (nowhere here: each is made once)."""
        return None

    def appraisal_memo(self) -> dict[str, appraisal.ReadFrom] | None:
        """Where the appraisals are kept between rebuilds (nowhere here: each is read once)."""
        return None

    def style_index(self, cache_dir: Path) -> list[dict[str, str]]:
        """The style picker's index of every style the package ships (refkb.reader.style_index)."""
        return reader.style_index(cache_dir)

    def composed_page(self, src: str) -> Composed | None:
        """The page's Markdown and tokens as the rebuild plan made them (never here: there is no plan)."""
        return None

    def page_made(self, src: str, markdown: str, tokens: Tokens) -> None:
        """The page's Markdown as refkb made it (kept by a session that compares pages between rebuilds)."""

    def rendering(self, page: Page) -> None:
        """Before MkDocs converts the page's Markdown: a session that keeps conversions between rebuilds takes the
        last one while the Markdown is the same (never here: each page is converted)."""

    def evidence_files(
        self, b: Build, shown: Mapping[str, tuple[object, ...]], make: Callable[[], dict[str, str]]
    ) -> dict[str, str]:
        """The coding's and the method's download files, name -> content (made once a build here)."""
        return make()

    def downloads_written(self, site: Path, downloads: Mapping[str, str], dirty: bool) -> bool:
        """Whether the session wrote the works' downloads itself (else the build writes them all)."""
        return False

    def picker_written(self, site: Path, index: list[dict[str, str]]) -> bool:
        """Whether the site folder already holds the style picker's files for this style index."""
        return False

    def wants_shown(self) -> bool:
        """Whether the session compares what each reference page shows between builds."""
        return False

    def plan(
        self, b: Build, files: Files, nav: Navigation, config: MkDocsConfig, shown: Any, pages: Mapping[str, Any]
    ) -> None:
        """Before the pages are read: which pages a dirty rebuild must make again (nothing to plan here)."""

    def script_memo(self, src: str) -> dict[str, htmlpolicy.Found] | None:
        """A page's script findings kept between rebuilds (mkdocs serve only)."""
        return None

    def keep_titles(self, files: Files) -> None:
        """After the pages are read: titles for the pages a dirty rebuild did not read (none here)."""

    def merge_search(self, site_dir: Path, dirty: bool, files: Files) -> None:
        """After the build: the search index of the pages not rebuilt (none here)."""

    def prune(self, site_dir: Path, files: Files, downloads: Mapping[str, str]) -> None:
        """After the build: the files of an earlier build that this one does not make (none: the folder was
        cleaned)."""

    def finished(self) -> None:
        """The build is done: the caches written."""
        for cache in (self._renderer, self._citer, self._entries):
            if cache is not None:
                with contextlib.suppress(OSError):
                    cache.save()
        self._built.set()

    def shutdown(self) -> None:
        """The build ends: every pool this process started ends and is waited for before the interpreter's exit hooks
        (refkb.children), the style workers started and never used (a build stopped before it formatted) too."""
        self._workers = None
        self._built.set()
        children.end_all()


def write_downloads(site: Path, downloads: Mapping[str, str]) -> int:
    """Each work's download files, written into the site folder."""
    made: set[str] = set()
    root = str(site)
    for src, text in downloads.items():
        folder, _, name = src.rpartition("/")
        if folder not in made:
            os.makedirs(os.path.join(root, folder), exist_ok=True)
            made.add(folder)
        with open(os.path.join(root, folder, name), "wb") as fh:
            fh.write(text.encode("utf-8"))
    return len(downloads)
