"""`mkdocs serve --dirty`: a rebuilt page whose Markdown is the same as when it was last converted is not converted
again; what MkDocs' `Page.render` set then is set again.

refkb's HTML never passes through Markdown: a page's Markdown holds opaque tokens (`refkb.site.tokens`, numbered in
the order the page adds them, so equal Markdown holds the same tokens in the same places), whose HTML goes in after
Markdown (`Tokens.fill`, on_page_content) and after the theme (`Tokens.fill_late`). Markdown's output, the HTML with
the tokens, is therefore a function of the Markdown text, the page's file and the build's files and configuration
(relative links are resolved against every file's address). A title save rebuilds every page citing the work, and on
most of them only the tokens' HTML changed (the hover text of its citations, its entry in a reference list):
Python-Markdown converted the same 0.3-0.9 MB of Markdown of each of a dozen large pages again (0.6-1.2 s of CPU).

What `render` sets is kept for each page (`Rendered`: its content, table of contents, the title of its first
heading, the anchor ids present and the links to other pages' anchors, by the target's path since MkDocs makes its
`File` objects again each build), with what it was made from: the page's Markdown as it enters `render` (after every
plugin's on_page_markdown), its address and destination, and the rebuild's `context` (`Serving.plan`: everything
every page shows, the configuration among it, and every file's path, address and inclusion). A conversion that
logged anything (a broken link's warning) is not kept, so that each rebuild logs it as a clean build would. The
tokens' HTML is filled in afterwards from this rebuild's tokens as on any page. `mkdocs build` never keeps anything:
only the serve session wraps a page's `render`.
"""

from __future__ import annotations

import copy
import hashlib
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page


@dataclass(frozen=True)
class Made:
    """What a page's conversion is made from (compared by equality)."""

    context: str  # the rebuild's: configuration, theme, code, every file's address (`files_context`)
    url: str
    dest: str
    markdown: str


@dataclass(frozen=True)
class Rendered:
    """What `Page.render` set on a page, as it set it."""

    made_from: Made
    content: str  # the HTML with refkb's tokens not yet filled in
    toc: Any  # mkdocs.structure.toc.TableOfContents, copied each way (the build may change a page's)
    title: str | None  # the first heading's text (`Page._title_from_render`)
    anchors: frozenset[str] | None  # the page's anchor ids (the build adds refkb's own to a copy)
    links: dict[str, dict[str, str]] | None  # target's path -> anchor -> the link as written (None: not noted)


def files_context(common: str, files: Iterable[File]) -> str:
    """The rebuild's context of every conversion: what all pages show (`common`) and every file's path, address,
    destination and inclusion (a relative link is resolved, and checked, against them)."""
    rows = sorted(f"{f.src_uri}\0{f.url}\0{f.dest_uri}\0{f.inclusion.name}" for f in files)  # no NUL in a path
    return hashlib.sha256("\0\0".join([common, *rows]).encode("utf-8", "surrogatepass")).hexdigest()


class _Logged(logging.Handler):
    """The log records this thread emits while it is attached (to the root logger and to MkDocs', which does not
    pass its records on under `mkdocs serve`)."""

    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.thread = threading.get_ident()
        self.count = 0
        self.loggers = (logging.getLogger(), logging.getLogger("mkdocs"))

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.count += 1

    def __enter__(self) -> _Logged:
        for logger in self.loggers:
            logger.addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        for logger in self.loggers:
            logger.removeHandler(self)


def _kept(page: Page, made_from: Made) -> Rendered:
    links = page.links_to_anchors
    anchors = page.present_anchor_ids
    return Rendered(
        made_from,
        page.content or "",
        copy.deepcopy(page.toc),
        getattr(page, "_title_from_render", None),
        frozenset(anchors) if anchors is not None else None,
        {f.src_uri: dict(v) for f, v in links.items()} if links is not None else None,
    )


def _restore(page: Page, kept: Rendered, files: Files) -> bool:
    """Set on the page what its conversion set, as `Page.render` does; False (nothing set) when a link's target is
    no longer a file of this build."""
    links: dict[File, dict[str, str]] | None = None
    if kept.links is not None:
        links = {}
        for src, anchors in kept.links.items():
            target = files.get_file_from_path(src)
            if target is None:
                return False
            links[target] = dict(anchors)
    page.content = kept.content
    page.toc = copy.deepcopy(kept.toc)
    page._title_from_render = kept.title  # what Page.render sets, as it sets it
    page.present_anchor_ids = set(kept.anchors) if kept.anchors is not None else None
    if links is not None:
        page.links_to_anchors = links
    return True


class RenderMemo:
    """Each page's last conversion, by its source path."""

    def __init__(self) -> None:
        self.pages: dict[str, Rendered] = {}
        self.context = ""
        self.reused = 0  # conversions not run (for tests and profiles)

    def begin(self, context: str, sources: Iterable[str]) -> None:
        """A rebuild starts: its context (`files_context`); the pages no longer in the site are forgotten."""
        self.context = context
        now = set(sources)
        for src in [s for s in self.pages if s not in now]:
            del self.pages[src]

    def wrap(self, page: Page) -> None:
        """This build's page converts its Markdown only when it differs from the last conversion's (or what it
        was made from does)."""
        convert: Callable[[MkDocsConfig, Files], None] = page.render

        def render(config: MkDocsConfig, files: Files) -> None:
            src = page.file.src_uri
            if page.markdown is None:  # as Page.render says
                convert(config, files)
                return
            made_from = Made(self.context, page.file.url, page.file.dest_uri, page.markdown)
            kept = self.pages.pop(src, None)
            if kept is not None and kept.made_from == made_from and _restore(page, kept, files):
                self.pages[src] = kept
                self.reused += 1
                return
            with _Logged() as logged:
                convert(config, files)
            if not logged.count and self.context:
                self.pages[src] = _kept(page, made_from)

        page.render = render  # type: ignore[method-assign]  # this build's Page only (MkDocs makes them each build)
