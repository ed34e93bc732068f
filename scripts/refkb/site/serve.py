"""`mkdocs serve --dirty`: what a rebuild keeps from the last one, and which pages it makes again.

MkDocs rebuilds, in a dirty build, only the pages whose source files changed (and the pages plugins generate).
Which other pages must be made again follows from the table of page kinds (`refkb.site.kinds`): a page is rebuilt
when an input its kind shows changed (a page holding a marker shows every input), when a work it cites (or, on a
reference page, its own work) would be shown differently, and every page is rebuilt when what all pages share
changed (the configuration, the theme, refkb itself, the navigation's titles). The pages not rebuilt are not read
by MkDocs, so their titles (the navigation of the rebuilt pages prints them) are given back from the last build.
`tests/test_site_serve.py` drives `mkdocs serve --dirty` through a series of edits on the real knowledge base and
compares every served file with a clean build.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar, cast

from markupsafe import Markup
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.utils.meta import get_data

from .. import annotation, appraisal, htmlpolicy, inherit, kbdata, library, reader, styles
from ..cache import JsonCache, digest
from ..checks import docs_pages, incremental, suite
from ..checks.annotations import NoteMemo
from ..filedigests import FileDigests
from ..model import BibFile, Issue, Level
from ..project import Project
from ..refs import Ref
from . import assets, cached, kinds
from .context import Build
from .liveserver import IdleCollector
from .render import RowMaker, View, page_markdown, title_of
from .serverender import RenderMemo, files_context
from .servesearch import SearchMemo
from .session import Composed, OneBuild, Scan, Validated, scan_page, validate_all, write_downloads
from .themelisting import ThemeListing
from .tokens import Tokens
from .works import PageSource

log = logging.getLogger("mkdocs.plugins.refkb")
Shown = dict[str, tuple[object, ...]]
T = TypeVar("T")


def input_values(b: Build, shown: Shown) -> dict[kinds.Input, object]:
    """One value per input a page kind may show (refkb.site.kinds.Input), compared with the last rebuild's by
    equality: the values themselves, not digests of them (what is unchanged is the very object the last rebuild
    held — notes, data and settings are kept by content between rebuilds and never changed in place — so the
    comparison is one identity test each; a digest of a thousand notes' front matter cost 50 ms a rebuild)."""
    searches = ""
    if b.project.searches is not None:
        try:
            searches = b.project.searches.read_bytes().decode("utf-8", "replace")
        except OSError:
            searches = "missing"
    return {
        kinds.Input.WORKS: shown,
        # what other pages show of the annotations is their front matter (verification dates, appraisals): the text
        # is shown on its own work's page only (an edited page is rebuilt), so an edit of the text rebuilds that page
        kinds.Input.NOTES: [(k, n.meta) for k, n in sorted(b.notes.items())],
        kinds.Input.CODING: b.project.coding,
        kinds.Input.LEDGER: b.data,
        kinds.Input.SEARCHES: searches,
    }


def _nav_titles(b: Build, files: Files, nav: Navigation, pages: Mapping[str, PageSource]) -> str:
    """The navigation as the pages give it: each page in it and the source of its title (front matter or H1, or
    the work's title on a reference page). Equal sources give equal titles."""
    layout = b.where()
    out = []
    for page in nav.pages:
        src = page.file.src_uri
        key = kinds.ref_key(layout, src)
        out.append((src, b.refs[key].title if key is not None else title_of(pages[src].text, page.file.name)))
    return digest(out, [f.src_uri for f in files.documentation_pages()])


def _shown_same(old: Ref, new: Ref) -> bool:
    """The same work as pages show it: its entry but for where it stands in the file (offsets), its CSL item, its
    formatting in every style, the topics discussing it and its folder."""
    a, b = old.entry, new.entry
    same_entry = a is b or (
        a.raw == b.raw
        and a.type == b.type
        and a.key == b.key
        and a.comments == b.comments
        and [(f.name, f.value) for f in a.fields] == [(f.name, f.value) for f in b.fields]
    )
    return (
        same_entry
        and old.csl_item == new.csl_item
        and old.rendered == new.rendered
        and old.discussed_in == new.discussed_in
        and old.folder == new.folder
    )


@dataclass(frozen=True)
class Kept(Generic[T]):
    """Something made in an earlier rebuild, with a digest of what it was made from."""

    made_from: object  # compared by equality (strings, tuples of them): the memo lives in one process
    value: T


@dataclass(frozen=True)
class _Inputs:
    build: Build
    shown: Shown
    values: dict[kinds.Input, object]


@dataclass(frozen=True)
class ReadBibliography:
    bib: BibFile
    issues: list[Issue]  # its own checks' findings


@dataclass
class Memo:
    """What the server keeps between rebuilds."""

    inputs: str = ""  # the content of every file validation reads
    validated: Validated | None = None
    bib: Kept[ReadBibliography] | None = None  # made from the bibliography files' content
    bib_memo: incremental.BibliographyMemo = field(default_factory=incremental.BibliographyMemo)  # per chunk, entry
    notes: dict[str, Kept[annotation.Annotation]] = field(default_factory=dict)  # path -> the note, by content
    pages: docs_pages.PageMemo = field(default_factory=docs_pages.PageMemo)  # the page checks' findings, files read
    note_checks: NoteMemo = field(default_factory=NoteMemo)  # each annotation page's own findings
    renderer: styles.Renderer | None = None
    citer: reader.PageCiter | None = None
    entries: JsonCache | None = None
    scans: dict[str, Kept[Scan]] = field(default_factory=dict)  # src -> the page's scan, by its text
    page_texts: dict[str, Kept[str]] = field(default_factory=dict)  # src -> its Markdown, by its file's digest
    index: dict[str, Kept[dict[str, object]]] = field(default_factory=dict)  # key -> its index.json record
    rows: dict[str, Kept[Markup]] = field(default_factory=dict)  # key -> its row in the library
    site: str = ""  # the site folder the last build wrote
    downloads: dict[str, str] = field(default_factory=dict)
    picker: list[dict[str, str]] | None = None
    shown: Shown = field(default_factory=dict)
    inputs_shown: dict[kinds.Input, object] = field(default_factory=dict)  # what each input was (input_values)
    common: str = ""  # what every page shows (configuration, theme, code, navigation titles)
    titles: dict[str, str] = field(default_factory=dict)  # src -> the page's title in the last build
    outputs: frozenset[str] = frozenset()  # every file the last build wrote (relative to the site folder)
    texts: dict[str, str] = field(default_factory=dict)  # src -> the page's source in the last build
    search: list[dict[str, Any]] | None = None
    evidence: Kept[dict[str, str]] | None = None  # the coding's and the method's download files
    data: Kept[kbdata.Data] | None = None  # the data files, read and checked
    styles: list[dict[str, str]] | None = None  # the style picker's index
    kept: dict[str, Kept[object]] = field(default_factory=dict)  # name -> what `Serving.kept` made
    refs: dict[str, Ref] = field(default_factory=dict)  # the works as the last rebuild showed them
    shown_parts: dict[str, dict[object, tuple[object, Markup]]] = field(default_factory=dict)  # url -> its citations
    appraisals: dict[str, appraisal.ReadFrom] = field(default_factory=dict)  # key -> its appraisal, by front matter
    composed: dict[str, Composed] = field(default_factory=dict)  # src -> the page as refkb made it last
    planned: dict[str, Ref] = field(default_factory=dict)  # the works as the last plan saw them (with `shown`)
    scripts: dict[str, dict[str, htmlpolicy.Found]] = field(default_factory=dict)  # src -> its HTML's findings


def _files_digest(files: FileDigests, paths: list[Path]) -> str:
    """What the files hold (each file read again only when its status changed: `refkb.filedigests`)."""
    return digest([(str(p), files.digest(p)) for p in paths])


class Serving(OneBuild):
    """`mkdocs serve`: the inputs, engines and scans kept between rebuilds; a dirty rebuild makes again exactly the
    pages whose content would differ from a clean build's."""

    serving = True

    def __init__(self) -> None:
        super().__init__()
        self.memo = Memo()
        self._last_inputs: _Inputs | None = None
        self._ready: dict[str, Composed] = {}  # src -> the page as the plan made it, for this rebuild
        self.collector = IdleCollector()
        self.search = SearchMemo()  # each page's search entries, taken again when the plugin would read the same
        self.renders = RenderMemo()  # each page's conversion, taken again while its Markdown is the same
        self.themes = ThemeListing()  # the theme's files, listed again only when a project's theme folder changed

    # -- inputs, read again only when their files changed ---------------------------------------------------

    def validated(self, proj: Project, config: MkDocsConfig) -> Validated:
        self.collector.rebuilding()  # the first step of a rebuild (on_config)
        self.themes.attach(config)
        memo = self.memo
        files = memo.pages.files
        files.new_round()
        paths = [*proj.macro_files, proj.bibliography]
        if config.config_file_path:
            paths.append(Path(config.config_file_path))
        inputs = _files_digest(files, paths + files.files(proj.docs))
        if memo.validated is not None and memo.inputs == inputs:
            return Validated(memo.validated.bib, memo.validated.notes, memo.validated.data, [])
        notes = self._notes(proj)
        bib_inputs = _files_digest(files, [*proj.macro_files, proj.bibliography]) + digest(proj)
        if memo.bib is not None and memo.bib.made_from == bib_inputs:
            bib, bib_issues = memo.bib.value.bib, memo.bib.value.issues
        else:
            bib, macro_issues = suite.read_bibliography(proj, memo.bib_memo)  # what changed is read and checked
            settings = suite.project_settings(proj)
            bib_issues = suite.validate_bibliography(proj, bib, settings, macro_issues, memo.bib_memo)
            memo.bib = Kept(bib_inputs, ReadBibliography(bib, bib_issues))
        found = validate_all(proj, memo.pages, notes, (bib, bib_issues), self._data, memo.note_checks)
        if not any(i.level is Level.ERROR for i in found.issues):
            memo.inputs, memo.validated = inputs, found
        return found

    def _data(self, proj: Project, keys: set[str]) -> kbdata.Data:
        """The data files (claims, glossary, timeline), read and checked again only when one of them, the works'
        keys, the bibliography's @xdata keys (a data file may not cite one: its message names it) or the day
        changed: what the check reads of the bibliography, so that an edit of a work's title or coding does not
        parse the ledger again."""
        made_from = (
            [self.memo.pages.files.digest(proj.docs / name) for name in kbdata.FILES],
            frozenset(keys),
            frozenset(e.key for e in self.memo.bib.value.bib.entries if not inherit.is_work(e))
            if self.memo.bib is not None
            else None,
            dt.date.today(),
        )
        kept = self.memo.data
        if kept is None or kept.made_from != made_from:
            kept = self.memo.data = Kept(made_from, kbdata.load(proj, keys))
        return kept.value

    def _notes(self, proj: Project) -> list[annotation.Annotation]:
        """The annotation pages, each read again only when its file changed since the last rebuild."""
        out = []
        seen: dict[str, Kept[annotation.Annotation]] = {}
        if proj.annotations.is_dir():
            for path in sorted(proj.annotations.glob("*.md")):
                if path.name == "index.md":
                    continue
                content = self.memo.pages.files.digest(path)
                if not content:
                    continue
                old = self.memo.notes.get(str(path))
                note = old.value if old is not None and old.made_from == content else annotation.read(path)
                seen[str(path)] = Kept(content, note)
                out.append(note)
        self.memo.notes = seen
        return out

    def entries(self, path: Path) -> JsonCache:
        memo = self.memo
        memo.entries = memo.entries.carry() if memo.entries is not None else JsonCache(path)
        return memo.entries

    def renderer(self, cache_dir: Path) -> styles.Renderer:
        if self.memo.renderer is None:
            self.memo.renderer = styles.Renderer(cache_dir, keep_engines=True)
        return self.memo.renderer

    def works_formatted(self, renderer: styles.Renderer) -> None:
        """The style engines are loaded in the background from now on, while the first build goes on with the pages
        (V8 runs outside the interpreter's lock, on the other core), so that the first save that changes the library
        finds them loaded (`styles.Renderer.warm_up`). A first build that took every style from the disk cache
        loaded none: at 1,000 works loading the four takes about 30 s, the time the rest of a first build takes."""
        renderer.warm_up()

    def page_citer(self, cache_dir: Path) -> Callable[[], reader.PageCiter]:
        def citer() -> reader.PageCiter:
            if self.memo.citer is None:
                self.memo.citer = reader.PageCiter(cache_dir)
            return self.memo.citer

        return citer

    def same_refs(self, refs: dict[str, Ref]) -> None:
        """A work whose `Ref` equals the last rebuild's keeps the last one, with what it worked out lazily (the
        public CSL item, names, sort keys): after an edit of one entry, the pages and files of the whole library
        ask those of every work again. Equal as pages show them (`_shown_same`): an edit above an entry moves it in
        the file, and no page shows where an entry stands."""
        last = self.memo.refs
        for key, ref in refs.items():
            old = last.get(key)
            if old is not None and old is not ref and _shown_same(old, ref):
                refs[key] = old
        self.memo.refs = dict(refs)

    def kept(self, name: str, made_from: object, make: Callable[[], T]) -> T:
        """Kept while what it was made from is equal. Unchanged inputs are the very objects the last rebuild held
        (the bibliography is read again only when its files change, each entry's CSL item comes from a cache kept
        in memory), so the comparison is mostly identity tests."""
        kept = self.memo.kept.get(name)
        if kept is None or kept.made_from != made_from:
            kept = self.memo.kept[name] = Kept(made_from, make())
        return cast(T, kept.value)

    def page_text(self, f: File) -> str:
        """The page's Markdown, read again only when its file's status changed (`refkb.filedigests`; a page
        generated in memory is taken as it is)."""
        if f.generated_by is not None or f.abs_src_path is None:
            return f.content_string
        content = self.memo.pages.files.digest(Path(f.abs_src_path))
        kept = self.memo.page_texts.get(f.src_uri)
        if content and kept is not None and kept.made_from == content:
            return kept.value
        text = f.content_string
        if content:
            self.memo.page_texts[f.src_uri] = Kept(content, text)
        return text

    def scan(self, src: str, text: str, name: str) -> Scan:
        kept = self.memo.scans.get(src)
        if kept is not None and kept.made_from == text:
            return kept.value
        found = scan_page(text, name)
        self.memo.scans[src] = Kept(text, found)
        return found

    def index_record(self, ref: Ref, summary: str, shown: tuple[object, ...]) -> dict[str, object]:
        made_from = (shown, summary)
        kept = self.memo.index.get(ref.key)
        if kept is not None and kept.made_from == made_from:
            return kept.value
        record = library.index_record(ref, summary)
        self.memo.index[ref.key] = Kept(made_from, record)
        return record

    def style_index(self, cache_dir: Path) -> list[dict[str, str]]:
        """Read once while the server runs (the styles are the installed package's)."""
        if self.memo.styles is None:
            self.memo.styles = reader.style_index(cache_dir)
        return self.memo.styles

    def evidence_files(
        self, b: Build, shown: Mapping[str, tuple[object, ...]], make: Callable[[], dict[str, str]]
    ) -> dict[str, str]:
        """Made again only when an input a page may show changed (the works, the annotations' front matter, the
        coding, the ledger, the search log) or the site's address."""
        made_from = (self._inputs(b, shown if isinstance(shown, dict) else dict(shown)), b.site_url)
        kept = self.memo.evidence
        if kept is None or kept.made_from != made_from:
            kept = self.memo.evidence = Kept(made_from, make())
        return kept.value

    def _inputs(self, b: Build, shown: Shown) -> dict[kinds.Input, object]:
        """This rebuild's `input_values`, made once (the evidence files and the plan ask)."""
        last = self._last_inputs
        if last is None or last.build is not b or last.shown is not shown:
            last = self._last_inputs = _Inputs(b, shown, input_values(b, shown))
        return last.values

    def shown_memo(self) -> dict[str, dict[object, tuple[object, Markup]]]:
        return self.memo.shown_parts

    def appraisal_memo(self) -> dict[str, appraisal.ReadFrom]:
        return self.memo.appraisals

    def row_cache(self) -> Callable[[Build, str, RowMaker], Markup] | None:
        return self._rows

    def _rows(self, b: Build, current: str, make: RowMaker) -> Markup:
        """The library table; a row made again only when its work's entry, topics or confidence changed."""
        settings = digest(b.project, sorted(b.bib.macros.items()))
        confidence = b.shown_confidence() or {}
        kept: dict[str, Kept[Markup]] = {}
        for r in b.refs.values():
            made_from = (r.entry.raw, r.discussed_in, r.folder, current, settings, confidence.get(r.key, ""))
            old = self.memo.rows.get(r.key)
            kept[r.key] = old if old is not None and old.made_from == made_from else Kept(made_from, make(r, current))
        self.memo.rows = kept
        return library.library_table(kept[r.key].value for r in sorted(b.refs.values(), key=Ref.sort_key))

    def downloads_written(self, site: Path, downloads: Mapping[str, str], dirty: bool) -> bool:
        memo = self.memo
        done = dirty and memo.site == str(site) and site.is_dir()
        if done:  # the site folder keeps the last build's files: only the downloads that changed
            write_downloads(site, {k: v for k, v in downloads.items() if memo.downloads.get(k) != v})
        memo.downloads = dict(downloads)
        return done

    def picker_written(self, site: Path, index: list[dict[str, str]]) -> bool:
        memo = self.memo
        if memo.site == str(site) and memo.picker == index and site.is_dir():
            return True
        memo.site, memo.picker = str(site), index
        return False

    def wants_shown(self) -> bool:
        return True

    # -- the rebuild plan -------------------------------------------------------------------------------------

    def plan(
        self, b: Build, files: Files, nav: Navigation, config: MkDocsConfig, shown: Any, pages: Mapping[str, Any]
    ) -> None:
        """Mark for rebuilding (their built files made older than their sources) the pages a clean build would
        make differently: all of them when what every page shows changed; else each page whose kind shows a
        changed input, whose work changed (a reference page) or that cites a changed work."""
        memo = self.memo
        assert isinstance(shown, dict)
        self._ready.clear()
        _own_search_merge(config)
        self.search.attach(config)
        values = self._inputs(b, shown)
        common = digest(
            cached.common_digest(b, files, config),
            _nav_titles(b, files, nav, pages),
            sorted(b.dates.items()),  # every page's "last updated" line
            b.today,  # freshness notes
            b.print_edition,
        )
        texts = {f.src_uri: pages[f.src_uri].text for f in files.documentation_pages() if f.src_uri in pages}
        self.renders.begin(files_context(common, files), texts)
        if memo.common:
            changed = {i for i, v in values.items() if memo.inputs_shown.get(i) != v}
            works = {k for k in shown if memo.shown.get(k) != shown[k]} | (set(memo.shown) - set(shown))
            for f in files.documentation_pages():
                if f.src_uri not in texts:
                    continue
                edited = memo.texts.get(f.src_uri) != texts[f.src_uri]  # MkDocs goes by mtime; an edit may keep it
                stale = edited or memo.common != common
                if not stale and self._stale(b, f, pages[f.src_uri], changed, works):
                    stale = self._made_differently(b, f, pages[f.src_uri], works)
                if f.abs_src_path is None:  # a page refkb makes: MkDocs would make it again on every save
                    if isinstance(f, assets.Generated) and not stale and os.path.isfile(f.abs_dest_path):
                        f.unchanged = True
                elif stale:
                    _mark(f)
        memo.inputs_shown, memo.common, memo.shown, memo.texts = values, common, shown, texts
        memo.planned = dict(b.refs)

    def _made_differently(self, b: Build, f: File, page: PageSource, works: set[str]) -> bool:
        """Whether a page that shows a changed input (or cites a changed work) comes out differently: a page of
        the whole library (a topic's evidence, a platform, the home page's figures) shows a changed work only when
        the work is among those it lists. It is made now and compared with what it was; made again, it is what
        the build takes (`composed_page`). A work's own page changed with its work."""
        layout = b.where()
        src = f.src_uri
        key = kinds.ref_key(layout, src)
        if key in works or src not in self.memo.composed:
            return True
        markdown, _ = get_data(page.text)
        tokens = Tokens()
        view = View(src, "" if f.url in (".", "./") else f.url, f.name, key)
        now = Composed(page_markdown(b, kinds.kind_of(layout, src), view, markdown, tokens), tokens)
        tokens.settle()  # a reference page's late parts made now, to compare (the memo's are settled: `page_made`)
        if now.same(self.memo.composed[src]):
            return False
        self._ready[src] = now
        return True

    def rendering(self, page: Page) -> None:
        self.renders.wrap(page)

    def composed_page(self, src: str) -> Composed | None:
        """The page as the plan made it (when it made it), for the build to take instead of making it again."""
        return self._ready.pop(src, None)

    def page_made(self, src: str, markdown: str, tokens: Tokens) -> None:
        tokens.settle()  # the tokens made when a page is finished (a reference page's late parts) made now
        self.memo.composed[src] = Composed(markdown, Tokens(dict(tokens.values), set(tokens.late), added=tokens.added))

    def _stale(self, b: Build, f: File, page: PageSource, changed: set[kinds.Input], works: set[str]) -> bool:
        layout = b.where()
        src = f.src_uri
        key = kinds.ref_key(layout, src)
        if key is not None and key in works:
            return True
        if {k for c in page.scan.found for k in c.keys} & works:
            return True
        if not changed:
            return False
        shown = kinds.shows(layout, src, page.text) & changed
        if shown != {kinds.Input.WORKS}:
            return bool(shown)
        return self._lists_changed(b, src, page.text, works)

    def _lists_changed(self, b: Build, src: str, text: str, works: set[str]) -> bool:
        """Whether a page lists one of the changed works (as it was or as it is): only the works changed, and a
        page whose kind says which works it lists (a topic's, a platform's, a data page) and that lists none of
        them is the same page; a work added or removed changes every page of the whole library."""
        lists = kinds.lists(b.where(), src, text)
        if lists is None:
            return True
        listed = lists(b, src)
        for key in works:
            old, new = self.memo.planned.get(key), b.refs.get(key)
            if old is None or new is None or listed(old) or listed(new):
                return True
        return False

    def script_memo(self, src: str) -> dict[str, htmlpolicy.Found]:
        """A page's script findings by chunk of its HTML, from its last rebuild (`hardening.refuse_script`)."""
        return self.memo.scripts.setdefault(src, {})

    def keep_titles(self, files: Files) -> None:
        """Pages a dirty rebuild did not read have no title: the last build's (their sources did not change, and
        no title in the navigation did, or every page would have been rebuilt)."""
        titles = self.memo.titles
        for f in files.documentation_pages():
            page = f.page
            if page is None:
                continue
            if page.markdown is None and f.src_uri in titles:
                page.title = titles[f.src_uri]
            elif page.title is not None:
                titles[f.src_uri] = page.title

    def merge_search(self, site_dir: Path, dirty: bool, files: Files) -> None:
        """The search plugin indexes only the pages a dirty build rebuilt: the previous entries of the other pages
        are kept (not those of pages that are gone)."""
        path = site_dir / "search" / "search_index.json"
        if not path.is_file():
            return
        index = json.loads(path.read_text(encoding="utf-8"))
        docs = index.get("docs", [])
        if dirty and self.memo.search is not None:
            pages_now = {"" if f.url == "./" else f.url for f in files.documentation_pages()}  # the home page: ""
            rebuilt = {_page_of(d) for d in docs}
            kept = [d for d in self.memo.search if _page_of(d) not in rebuilt and _page_of(d) in pages_now]
            index["docs"] = docs = sorted(kept + docs, key=lambda d: str(d.get("location", "")))
            cached.write_search_index(path, index)
        self.memo.search = docs

    def prune(self, site_dir: Path, files: Files, downloads: Mapping[str, str]) -> None:
        """A dirty build never deletes: the files the last build wrote and this one did not (a removed or renamed
        work's page and downloads, a deleted page) are deleted, with the folders they leave empty."""
        now = frozenset(f.dest_uri for f in files) | frozenset(downloads)
        for rel in sorted(self.memo.outputs - now):
            target = site_dir / rel
            if target.is_file():
                target.unlink()
                folder = target.parent
                while folder != site_dir and folder.is_dir() and not any(folder.iterdir()):
                    folder.rmdir()
                    folder = folder.parent
        self.memo.outputs = now

    def finished(self) -> None:
        """Caches stay in memory between rebuilds: written when the server stops."""
        self.collector.rebuilt()

    def shutdown(self) -> None:
        """The server stops (Ctrl-C or SIGTERM): the caches kept in memory are written."""
        memo = self.memo
        self.collector.stop()
        if memo.renderer is not None:
            memo.renderer.join_warm_up()
        for cache in (memo.renderer, memo.citer, memo.entries):
            if cache is not None:
                cache.save()
        log.info("refkb: caches written")
        super().shutdown()


def _own_search_merge(config: MkDocsConfig) -> None:
    """Material's search plugin merges a dirty build's index with the last one as if one page had been rebuilt (it
    drops the previous entries of the first page only, so every other rebuilt page would be indexed twice): its
    previous index is dropped before it writes, and `merge_search` merges by every rebuilt page instead."""
    for plugin in config.plugins.values():
        if hasattr(plugin, "search_index_prev"):
            plugin.search_index_prev = None


def _page_of(entry: dict[str, Any]) -> str:
    return str(entry.get("location", "")).split("#", 1)[0]


def _mark(f: File) -> None:
    """Make MkDocs rebuild the page: its built file older than its source."""
    if os.path.isfile(f.abs_dest_path):
        os.utime(f.abs_dest_path, (0, 0))
