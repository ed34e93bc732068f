"""refkb as an MkDocs plugin: `plugins: [search, refkb]` in mkdocs.yml (entry point `mkdocs.plugins: refkb`).

The plugin holds one build's state and the session: `OneBuild` for `mkdocs build`, `Serving` for `mkdocs serve`
(what survives between rebuilds: the parsed inputs, the CSL engines with the formatted library, each page's
citation scan, the previous search index and titles). MkDocs keeps a plugin instance alive across rebuilds when it
defines `on_startup`, which this one does. Every event is routed, through `hardening.guarded`, to
`refkb.site.events`.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

import jinja2
from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page

from .. import styles
from . import events
from .hardening import guarded
from .serve import Serving
from .session import OneBuild

OPTIONS = ("bibliography", "annotations", "style", "vocabularies", "profile")
# MkDocs warns that a dirty build "will likely lead to inaccurate navigation" (a warning: fatal under strict). With
# refkb a dirty rebuild makes every page a clean build would make differently (refkb.site.serve), which
# tests/test_site_serve.py checks on the real knowledge base through a series of edits: the warning is dropped.
_DIRTY_NOTICE = "A 'dirty' build is being performed"


class _DropDirtyNotice(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(_DIRTY_NOTICE)


class RefkbConfig(base.Config):  # type: ignore[no-untyped-call]
    """The plugin's options; anything not given falls back to `extra.refkb` (and then to refkb's defaults)."""

    bibliography = c.Optional(c.Type((str, list)))  # a .bib file, or several (macro files first, entries last)
    annotations = c.Optional(c.Type(str))  # folder under docs/ with one <key>.md per entry
    style = c.Optional(c.Choice(tuple(styles.STYLES)))  # the site's citation style
    vocabularies = c.Optional(c.File(exists=True))  # a YAML file with topics, sourcekinds, coding, helplines
    profile = c.Optional(c.Type(str))  # "knowledge-base" (this site's rules) or "bibtex" (BibTeX as it is)


class RefkbPlugin(BasePlugin[RefkbConfig]):  # type: ignore[no-untyped-call]
    def __init__(self) -> None:
        self.state: events.State | None = None
        self.session: OneBuild = OneBuild()
        self.dirty = False

    def _st(self) -> events.State:
        if self.state is None:
            raise PluginError("refkb: the build state is missing (on_config did not run)")
        return self.state

    def on_startup(self, *, command: Literal["build", "gh-deploy", "serve"], dirty: bool) -> None:
        self.dirty = dirty
        self.session = Serving() if command == "serve" else OneBuild()  # a new session: nothing from an earlier one
        builder_log = logging.getLogger("mkdocs.commands.build")
        if command == "serve" and dirty and not any(isinstance(f, _DropDirtyNotice) for f in builder_log.filters):
            builder_log.addFilter(_DropDirtyNotice())

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        options = {k: self.config[k] for k in OPTIONS}
        self.state = guarded(events.on_config)(config, options, self.session)
        return config

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        result: Files = guarded(events.on_files)(self._st(), files, config, self.dirty)
        return result

    def on_nav(self, nav: Navigation, *, config: MkDocsConfig, files: Files) -> Navigation:
        result: Navigation = guarded(events.on_nav)(self._st(), nav, config, files)
        return result

    def on_page_markdown(self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        out: str = guarded(events.on_page_markdown)(self._st(), markdown, page, config, files)
        return out

    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        out: str = guarded(events.on_page_content)(self._st(), html, page, config, files)
        return out

    def on_env(self, env: jinja2.Environment, *, config: MkDocsConfig, files: Files) -> jinja2.Environment:
        out: jinja2.Environment = guarded(events.on_env)(self._st(), env, files)
        return out

    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str:
        out: str = guarded(events.on_post_page)(self._st(), output, page, config)
        return out

    def on_post_template(self, output_content: str, *, template_name: str, config: MkDocsConfig) -> str:
        out: str = guarded(events.on_post_template)(output_content, template_name, config)
        return out

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        guarded(events.on_post_build)(self._st(), config, self.dirty)

    def on_shutdown(self) -> None:
        guarded(self.session.shutdown)()

    def on_serve(self, server: Any, *, config: MkDocsConfig, builder: Any) -> Any:
        return guarded(events.on_serve)(server, config)
