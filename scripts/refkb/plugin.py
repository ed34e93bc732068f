"""refkb as an MkDocs plugin: `plugins: [search, refkb]` in mkdocs.yml (entry point `mkdocs.plugins: refkb`).

The plugin holds one build's state (`self.state`) and what survives between the rebuilds of `mkdocs serve`
(`self.memo`: the parsed bibliography and its validation, the annotations, the CSL engine with its formatted
library, the citation scan of every page, the previous search index). MkDocs keeps a plugin instance alive across
rebuilds when it defines `on_startup`, which this one does.

With `mkdocs serve --dirty` (what `make serve` runs) a save rebuilds only what changed: MkDocs rebuilds the pages
whose files changed and the generated ones; the plugin adds the reference pages of works whose formatted
citations, annotation or "cited on" list changed, the pages that cite them and the topic pages, and merges the
search index with the previous one — so the served site stays what a clean build would make
(`tests/test_plugin.py` checks it). MkDocs' generic warning that dirty builds may be inaccurate is therefore
dropped in that mode; everything else MkDocs logs is untouched.

The work is in `refkb.build` (the hooks, MkDocs-aware) and the MkDocs-free core; this class only routes events.
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
from mkdocs.structure.pages import Page

from . import build, styles

_DIRTY_NOTICE = "A 'dirty' build is being performed"


class RefkbConfig(base.Config):  # type: ignore[no-untyped-call]
    """The plugin's options; anything not given falls back to `extra.refkb` (and then to refkb's defaults)."""

    bibliography = c.Optional(c.Type((str, list)))  # a .bib file, or several (macro files first, entries last)
    annotations = c.Optional(c.Type(str))  # folder under docs/ with one <key>.md per entry
    style = c.Optional(c.Choice(tuple(styles.STYLES)))  # the site's citation style
    vocabularies = c.Optional(c.File(exists=True))  # a YAML file with topics, sourcekinds, coding, helplines


class _DropDirtyNotice(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(_DIRTY_NOTICE)


class RefkbPlugin(BasePlugin[RefkbConfig]):  # type: ignore[no-untyped-call]
    def __init__(self) -> None:
        self.state: build.BuildState | None = None
        self.memo = build.Memo()
        self.serving = False
        self.dirty = False

    def _st(self) -> build.BuildState:
        if self.state is None:
            raise PluginError("refkb: the build state is missing (on_config did not run)")
        return self.state

    def _options(self) -> dict[str, Any]:
        return {k: self.config[k] for k in ("bibliography", "annotations", "style", "vocabularies")}

    def on_startup(self, *, command: Literal["build", "gh-deploy", "serve"], dirty: bool) -> None:
        self.serving = command == "serve"
        self.dirty = dirty
        self.memo = build.Memo()  # a new session: nothing from an earlier one (another site, another run)
        builder_log = logging.getLogger("mkdocs.commands.build")
        if self.serving and dirty and not any(isinstance(f, _DropDirtyNotice) for f in builder_log.filters):
            builder_log.addFilter(_DropDirtyNotice())

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        self.state = build.guarded(build.on_config)(
            config=config, options=self._options(), memo=self.memo if self.serving else None
        )
        return config

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        result: Files = build.guarded(build.on_files)(st=self._st(), files=files, config=config, dirty=self.dirty)
        return result

    def on_page_markdown(self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        out: str = build.guarded(build.on_page_markdown)(
            st=self._st(), markdown=markdown, page=page, config=config, files=files
        )
        return out

    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        out: str = build.guarded(build.on_page_content)(st=self._st(), html=html, page=page, config=config, files=files)
        return out

    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str:
        out: str = build.guarded(build.on_post_page)(st=self._st(), output=output, page=page, config=config)
        return out

    def on_post_template(self, output_content: str, *, template_name: str, config: MkDocsConfig) -> str:
        out: str = build.guarded(build.on_post_template)(
            output_content=output_content, template_name=template_name, config=config
        )
        return out

    def on_env(self, env: jinja2.Environment, *, config: MkDocsConfig, files: Files) -> jinja2.Environment:
        out: jinja2.Environment = build.guarded(build.on_env)(st=self._st(), env=env)
        return out

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        build.guarded(build.on_post_build)(st=self._st(), config=config, dirty=self.dirty)

    def on_shutdown(self) -> None:
        build.guarded(build.on_shutdown)(memo=self.memo if self.serving else None)

    def on_serve(self, server: Any, *, config: MkDocsConfig, builder: Any) -> Any:
        return build.guarded(build.on_serve)(server=server, config=config, builder=builder)
