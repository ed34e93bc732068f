"""The page cache in a build: finished reference pages kept between `mkdocs build`s (refkb.pagecache), and the
digests that decide when a kept page may be used. `Cached` is a build that uses the cache; `Uncached` (serve, or
REFKB_PAGE_CACHE=0) does nothing."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from .. import citations, pagecache, reader
from ..cache import digest
from .context import Build

if TYPE_CHECKING:
    from .works import Sources

log = logging.getLogger("mkdocs.plugins.refkb")
TEMPLATE = "refkb-cached-page.html"  # a page from the page cache: its finished HTML as it is


@functools.cache
def code_digest() -> str:
    """refkb's own code and assets, and the versions of what renders a page."""
    import importlib.metadata as md

    import mkdocs

    here = Path(__file__).parent.parent
    blobs = [
        (str(p.relative_to(here)), p.read_bytes())
        for p in sorted(here.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    ]
    versions = []
    for dist in ("mkdocs", "properdocs", "mkdocs-material", "markdown", "pymdown-extensions", "jinja2", "nh3"):
        with contextlib.suppress(md.PackageNotFoundError):
            versions.append((dist, md.version(dist)))
    return digest([(name, hashlib.sha256(b).hexdigest()) for name, b in blobs], versions, mkdocs.__file__)


def resolved_config(config: MkDocsConfig) -> str:
    """The configuration as MkDocs resolved it (values from !ENV or INHERIT included)."""
    out: dict[str, str] = {}
    for name, value in dict(config).items():
        if name == "site_dir":
            continue  # where the site is written is not what a page says
        if name == "plugins":
            value = {n: dict(p.config) for n, p in config.plugins.items()}
        elif name == "theme":
            value = dict(config.theme.items())
        elif isinstance(value, Mapping):
            value = dict(value)
        out[name] = digest(value)
    return digest(out)


def common_digest(b: Build, files: Files, config: MkDocsConfig) -> str:
    """What every reference page shows besides its own inputs: the configuration, the theme's overrides, the
    knowledge base's version, the style picker, the code."""
    config_text = ""
    if config.config_file_path:
        with contextlib.suppress(OSError):
            config_text = Path(config.config_file_path).read_text(encoding="utf-8")
    theme = []
    for folder in config.theme.dirs:
        if "site-packages" in Path(folder).parts:
            continue  # the installed theme: its version is in the code digest
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file():
                theme.append((str(path), hashlib.sha256(path.read_bytes()).hexdigest()))
    return digest(
        code_digest(),
        config_text,
        resolved_config(config),
        b.project,
        theme,
        b.meta.version,
        str(b.meta.released),
        b.picker_styles,
    )


def write_search_index(path: Path, index: dict[str, Any]) -> None:
    """The search index written back atomically, in the search plugin's own format."""
    tmp = path.with_name(f".{path.name}.refkb-tmp")
    tmp.write_text(json.dumps(index, separators=(",", ":"), default=str), encoding="utf-8")
    os.replace(tmp, path)


class Uncached:
    """A build without the page cache: every page is made."""

    def wants_shown(self) -> bool:
        """Whether its digests need what each reference page shows of its work."""
        return False

    def prepare(
        self, b: Build, files: Files, config: MkDocsConfig, shown: dict[str, tuple[object, ...]], pages: Sources
    ) -> None:
        pass

    def lookup(self, b: Build, page: Page, key: str, markdown: str, meta: str) -> bool:
        return False

    def cached_html(self, page: Page) -> str | None:
        return None

    def store(self, page: Page, output: str) -> None:
        pass

    def finish(self, config: MkDocsConfig) -> None:
        pass


class Cached(Uncached):
    """A build with the page cache: a reference page whose digest is kept is written from the cache."""

    def __init__(self, folder: Path) -> None:
        self.pages = pagecache.PageCache(folder)
        self.site = ""
        self.shown: dict[str, tuple[object, ...]] = {}
        self.digests: dict[str, str] = {}  # src -> the page's digest
        self.later: dict[str, tuple[object, ...]] = {}  # src -> what its digest is taken of, when it is stored
        self.hits: dict[str, tuple[str, pagecache.SearchEntries]] = {}  # src -> from the cache
        self.urls: dict[str, str] = {}  # digest -> url of a page built in this run
        self.order: list[str] = []  # every page's url, in the order MkDocs builds them

    def wants_shown(self) -> bool:
        return True

    def prepare(
        self, b: Build, files: Files, config: MkDocsConfig, shown: dict[str, tuple[object, ...]], pages: Sources
    ) -> None:
        """The site's digest: the common one, and every other page (the navigation's titles come from them)."""
        prefix = f"{b.project.folder}/"
        others = [
            f.src_uri if f.src_uri.startswith(prefix) else (f.src_uri, digest(pages[f.src_uri].text))
            for f in files.documentation_pages()
        ]
        self.shown = shown
        self.site = digest(common_digest(b, files, config), others)
        self.order = [f.url for f in files.documentation_pages()]

    def lookup(self, b: Build, page: Page, key: str, markdown: str, meta: str) -> bool:
        """Whether the reference page is kept (then the theme prints it as it is and search skips it), before its
        Markdown is made: the digest is of what the page is made from — the annotation as written (`markdown`) and
        its front matter (`meta`), what the page shows of its work and of the works its annotation cites
        (works.shown_by_work: the entry, its formatting in every style, where it is cited and discussed, the claims
        citing it, the settings, the verification date), the freshness note as of today, the page's date, and the
        site digest (the configuration, the theme, the code, every other page). An annotation holding a REFKB_
        marker shows the whole knowledge base: its page is not kept."""
        if "REFKB_" in markdown:
            return False
        note = b.notes.get(key)
        cited = sorted({k for c in citations.find(markdown) for k in c.keys if k != key})
        src = page.file.src_uri
        made_from = (
            self.site,
            page.url,
            src,
            meta,
            markdown,
            self.shown.get(key),
            [(k, self.shown.get(k)) for k in cited],
            str(reader.freshness_note(note.verified_on if note else None, b.today, b.project.stale_after_months)),
            b.page_updated(src).isoformat(),
            b.meta.version,
        )
        if b.renderer is not None and b.renderer.pending:
            # Styles are still being formatted (refkb.later). With no page kept (a cold build) the page is made,
            # and its digest taken when it is stored, once they are all here; with pages kept, they are waited for.
            if self.pages.empty():
                self.later[src] = made_from
                return False
            b.renderer.settle()
        d = self.digests[src] = digest(*made_from)
        hit = self.pages.get(d)
        if hit is None:
            return False
        self.hits[page.file.src_uri] = hit
        page.meta["template"] = TEMPLATE
        page.meta["search"] = {"exclude": True}
        return True

    def cached_html(self, page: Page) -> str | None:
        hit = self.hits.get(page.file.src_uri)
        return hit[0] if hit is not None else None

    def store(self, page: Page, output: str) -> None:
        made_from = self.later.pop(page.file.src_uri, None)
        if made_from is not None:
            self.digests[page.file.src_uri] = digest(*made_from)
        d = self.digests.get(page.file.src_uri)
        if d is not None:
            self.pages.put(d, output)
            self.urls[d] = page.url

    def finish(self, config: MkDocsConfig) -> None:
        """The search index gets the kept entries of the pages from the cache; the pages built in this run give
        theirs to the cache, which is then written."""
        path = Path(config.site_dir) / "search" / "search_index.json"
        if path.is_file():
            index = json.loads(path.read_text(encoding="utf-8"))
            docs: list[dict[str, Any]] = index.get("docs", [])
            by_page: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for d in docs:
                by_page[str(d.get("location", "")).split("#", 1)[0]].append(d)
            for digest_, url in self.urls.items():
                self.pages.put_search(digest_, by_page.get(url, []))
            if self.hits:
                for _, entries in self.hits.values():
                    docs.extend(entries)
                # In the order the search plugin writes them, page by page in build order: a warm build's index is
                # the same file as a cold build's.
                order = {url: i for i, url in enumerate(self.order)}
                index["docs"] = sorted(docs, key=lambda d: order.get(str(d.get("location", "")).split("#", 1)[0], -1))
                write_search_index(path, index)
        with contextlib.suppress(OSError):
            self.pages.save()
        for problem in self.pages.problems:
            log.info("refkb: the page cache could not keep %s; the next build makes that page again", problem)
        if self.hits:
            n = len(self.hits)
            log.info("refkb: %d reference page%s from the page cache", n, "" if n == 1 else "s")
