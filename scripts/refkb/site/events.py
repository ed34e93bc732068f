"""MkDocs' events, as refkb answers them: validate in on_config, add the generated pages and files in on_files,
plan a serve rebuild in on_nav, render each page by its kind (refkb.site.kinds), fill in refkb's HTML after
Markdown, and finish the search index and the caches after the build. The plugin (refkb.site.plugin) routes each
event here with this build's `State`."""

from __future__ import annotations

import datetime as dt
import html as html_mod
import json
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import Files, InclusionLevel
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page

from .. import reader, styles
from ..cache import digest
from ..checks import docs_pages, suite
from ..model import Level
from ..project import ConfigError, Project
from ..project import from_config as project_from_config
from . import assets, cached, hardening, kinds, liveserver, render, works
from .context import Build
from .session import OneBuild
from .tokens import Tokens

log = logging.getLogger("mkdocs.plugins.refkb")
MAX_SHOWN_ERRORS = 50
MAX_SHOWN_PER_CODE = 20  # warnings of one code in the log; a count of the rest follows (a lab's 1,950 name variants)
_ID = re.compile(r"""\sid=["']([^"'<>\s]+)["']""")


@dataclass
class State:
    """One build: its data, its session (plain or serve), its page cache, each page's tokens, the downloads."""

    build: Build
    session: OneBuild
    cache: cached.Uncached
    tokens: dict[str, Tokens] = field(default_factory=dict)
    files: works.Written = field(default_factory=works.Written)
    site_files: Files | None = None  # MkDocs' files of this build (from on_files)
    pages: works.Sources = field(default_factory=dict)  # every page's Markdown, read once (on_files)


def project_of(config: MkDocsConfig, options: Mapping[str, Any] | None = None) -> Project:
    """The project's settings: `extra.refkb`, overridden by the plugin's own options (`plugins: - refkb: {...}`)."""
    root = Path(config.config_file_path).parent if config.config_file_path else Path.cwd()
    where = Path(config.config_file_path).name if config.config_file_path else "mkdocs.yml"
    return project_from_config(root, dict(config), where, options=options)


def build_day() -> dt.date:
    """Today, or SOURCE_DATE_EPOCH's day (reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    return dt.date.today()


def on_config(config: MkDocsConfig, options: Mapping[str, Any] | None, session: OneBuild) -> State:
    """Validate the knowledge base and return this build's state; stops on any error."""
    proj = project_of(config, options)
    hardening.recover(proj.bibliography, proj.annotations)
    if proj.style not in styles.STYLES:
        raise ConfigError(f"extra.refkb.style must be one of {', '.join(styles.STYLES)}, not {proj.style!r}")
    if not proj.bibliography.is_file():
        raise ConfigError(f"{proj.relative(proj.bibliography)} not found")
    session.start_engines(proj.root / ".cache" / "refkb", proj.bibliography)  # cold: the style workers start meanwhile
    found = session.validated(proj, config)
    for line in suite.capped([i for i in found.issues if i.level is Level.WARNING], MAX_SHOWN_PER_CODE):
        log.info("refkb: %s", line)
    errors = [i for i in found.issues if i.level is Level.ERROR]
    if errors:
        shown = "\n".join(i.render() for i in errors[:MAX_SHOWN_ERRORS])
        more = f"\n… and {len(errors) - MAX_SHOWN_ERRORS} more" if len(errors) > MAX_SHOWN_ERRORS else ""
        raise PluginError(f"refkb found {len(errors)} error(s) in the references:\n{shown}{more}")
    b = Build(
        proj,
        found.bib,
        {n.key: n for n in found.notes},
        found.data,
        site_url=str(config.site_url or ""),
        site_name=str(config.site_name or ""),
        meta=reader.kb_meta(proj.root),
        dates=reader.last_updated(proj.root),  # one git call per build
        today=build_day(),
        print_edition=os.environ.get("REFKB_PRINT_EDITION") == "1",
    )
    b.page_citer = session.page_citer(proj.root / ".cache" / "refkb")
    b.row_cache = session.row_cache()
    b.shown_memo = session.shown_memo()
    b.appraisal_memo = session.appraisal_memo()
    assets.configure(config, coding=proj.coding is not None)
    use_cache = not session.serving and os.environ.get("REFKB_PAGE_CACHE", "1") != "0"
    page_cache = cached.Cached(proj.root / ".cache" / "refkb" / "pages") if use_cache else cached.Uncached()
    return State(b, session, page_cache)


def on_files(st: State, files: Files, config: MkDocsConfig, dirty: bool = False) -> Files:
    """The works formatted, and every page and file refkb makes added (unless docs/ has its own)."""
    b = st.build
    st.site_files = files
    st.pages = works.read_pages(st.session, files)
    works.format_works(b, st.session, st.pages, st.files)
    layout = b.place()
    add = assets.adder(files, config)
    for src, markdown in kinds.generated(layout).items():
        add(src, markdown)
    for f in files.documentation_pages():  # reference pages stay out of the navigation (every page prints all of it)
        if kinds.ref_key(layout, f.src_uri) is not None and f.inclusion is not InclusionLevel.EXCLUDED:
            f.inclusion = InclusionLevel.NOT_IN_NAV
    assets.add_assets(add, b)
    works.add_downloads(add, b, st.files)
    works.write_downloads(st.files, st.session, Path(config.site_dir), dirty)
    st.pages = works.read_pages(st.session, files, st.pages)  # and the pages refkb generated
    works.who_cites(b, files, st.pages)
    st.session.same_refs(b.refs)
    shown = works.shown_by_work(b) if st.session.wants_shown() or st.cache.wants_shown() else {}
    st.files.shown = shown
    records = works.index(b, st.session, shown)
    add("references/index.json", json.dumps(records, ensure_ascii=False, separators=(",", ":")))
    works.add_evidence_files(add, b, st.session, shown)
    works.install_picker(b, st.session, st.files, Path(config.site_dir))
    works.no_more_writes(st.files)
    st.cache.prepare(b, files, config, shown, st.pages)
    return files


def on_nav(st: State, nav: Navigation, config: MkDocsConfig, files: Files) -> Navigation:
    """Before MkDocs reads the pages: in a dirty serve rebuild, mark the pages it must make again."""
    st.session.plan(st.build, files, nav, config, st.files.shown, st.pages)
    return nav


def on_page_markdown(st: State, markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    b = st.build
    layout = b.where()
    src = page.file.src_uri
    key = kinds.ref_key(layout, src)
    hardening.untrusted_meta(page, key is not None)
    st.session.rendering(page)  # under mkdocs serve: the last conversion taken while the Markdown is the same
    meta = digest(page.meta)
    deep = docs_pages.nesting_problem(markdown)  # before Markdown sees it: its recursion has no bound of its own
    if deep is not None:
        where = f"docs/{src}: a line nested {deep[1]} levels deep (line {deep[0]} of its Markdown)"
        raise PluginError(f"{where} — flatten it to at most {docs_pages.MAX_NESTING} levels")
    if key is not None:
        page.meta["title"] = hardening.safe_title(b.refs[key].title)
        if st.cache.lookup(b, page, key, markdown, meta):
            return ""  # finished before: the theme prints the kept HTML as it is (refkb.site.cached)
    ready = st.session.composed_page(src)  # made by a serve rebuild's plan, to compare with the last build's
    if ready is not None:
        st.tokens[src] = ready.tokens
        st.session.page_made(src, ready.markdown, ready.tokens)
        return ready.markdown
    tokens = st.tokens.setdefault(src, Tokens())
    view = render.View(src, page.url, page.file.name, key)
    out = render.page_markdown(b, kinds.kind_of(layout, src), view, markdown, tokens)
    st.session.page_made(src, out, tokens)
    return out


def on_page_content(st: State, html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    kept = st.cache.cached_html(page)
    if kept is not None:
        return kept
    reference = kinds.ref_key(st.build.where(), page.file.src_uri) is not None
    html = assets.clean(html)  # what authors wrote, by the one policy; refkb's own HTML is filled in after
    tokens = st.tokens.get(page.file.src_uri)
    if tokens is not None:
        html = tokens.fill(html)
        tokens.drop_filled()
    if page.present_anchor_ids is not None:  # refkb's own ids (claims, glossary terms, ...) as link targets
        page.present_anchor_ids.update(_ID.findall(html))
    html += str(reader.updated_line(st.build.page_updated(page.file.src_uri), st.build.meta.version, not reference))
    hardening.refuse_script(html, page, reference, st.session.script_memo(page.file.src_uri))
    if "title" not in page.meta and page.title:  # the first H1 as MkDocs gives it (entities as written), printed raw
        page.meta["title"] = hardening.safe_title(html_mod.unescape(str(page.title)))
    return html


def on_env(st: State, env: jinja2.Environment, files: Files) -> jinja2.Environment:
    """Titles for the pages a dirty rebuild did not read; theme templates compiled once (Jinja's bytecode cache in
    .cache/refkb/jinja, keyed by each template's name and source checksum)."""
    st.session.keep_titles(files)
    folder = st.build.project.root / ".cache" / "refkb" / "jinja"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        env.bytecode_cache = jinja2.FileSystemBytecodeCache(str(folder))
    except OSError:
        pass
    if env.loader is not None:  # the template of a page from the page cache
        env.loader = jinja2.ChoiceLoader([env.loader, jinja2.DictLoader({cached.TEMPLATE: "{{ page.content }}"})])
    return env


def on_post_page(st: State, output: str, page: Page, config: MkDocsConfig) -> str:
    if st.cache.cached_html(page) is not None:
        st.tokens.pop(page.file.src_uri, None)
        return output
    tokens = st.tokens.pop(page.file.src_uri, None)
    key = kinds.ref_key(st.build.where(), page.file.src_uri)
    output = assets.post_page(st.build, output, page.url, key, tokens, config)
    st.cache.store(page, output)
    return output


def on_post_template(output_content: str, template_name: str, config: MkDocsConfig) -> str:
    return assets.post_template(output_content, template_name, config)


def on_post_build(st: State, config: MkDocsConfig, dirty: bool = False) -> None:
    site = Path(config.site_dir)
    if st.site_files is not None:
        st.session.prune(site, st.site_files, st.files.downloads)
        st.session.merge_search(site, dirty, st.site_files)
    st.cache.finish(config)
    st.session.finished()
    works.wait_for_writes(st.files)
    renderer = st.build.renderer
    log.info(
        "refkb: %d references; styles formatted over the whole library: %d from cache, %d new",
        len(st.build.refs),
        renderer.stats.hits if renderer is not None else 0,
        renderer.stats.misses if renderer is not None else 0,
    )


def on_serve(server: Any, config: MkDocsConfig) -> Any:
    """`mkdocs serve` watches docs/; the bibliography and the coding vocabularies live beside it. refkb's own
    watcher, error page and SIGTERM handling are added (refkb.site.liveserver)."""
    proj = project_of(config)
    extra: list[Path] = []
    if proj.bibliography.exists():
        server.watch(str(proj.bibliography))
        extra.append(proj.bibliography)
    scheme = proj.coding
    if scheme is not None and scheme.source and config.config_file_path:
        path = Path(config.config_file_path).parent / scheme.source
        if path.exists():
            server.watch(str(path))
            extra.append(path)
    extra.extend(Path(p) for p in config.watch)  # mkdocs.yml's own `watch:` entries, which MkDocs watches after this
    liveserver.attach(server, liveserver.watched_paths(config.config_file_path, config.docs_dir, extra))
    return server
