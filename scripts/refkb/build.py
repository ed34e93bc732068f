"""The MkDocs side of refkb: the only module that imports MkDocs.

One build reads references.bib once (while validating it), renders every work in every style once (or takes it
from the cache), and then:
- turns each annotation page `docs/references/<key>.md` into the reference page `references/<key>/` (header,
  annotation, cite block, downloads, "cited on", verification line, `citation_*` meta tags);
- writes `references/<key>/<key>.{bib,ris,json}`, `downloads/references.{bib,ris,json}`, the library page and a
  page per topic when docs/ has none;
- replaces pandoc citations in every page with linked in-text citations and appends a reference list.
Values from references.bib never pass through Markdown: the Markdown holds opaque tokens, replaced by escaped HTML
once Markdown is done.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import hashlib
import json
import logging
import multiprocessing
import os
import re
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

import jinja2
from markupsafe import Markup, escape
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from . import (
    annotation,
    appraisal,
    children,
    citations,
    csl,
    evidence,
    exports,
    htmlpolicy,
    kb,
    method,
    pagecache,
    pages,
    reader,
    searchlog,
    styles,
    validate,
)
from . import project as project_mod
from .cache import JsonCache, digest
from .engine import ClusterCite
from .model import BibFile, Issue, Level

log = logging.getLogger("mkdocs.plugins.refkb")

LIBRARY = "references/index.md"
DASHBOARD = "dashboard.md"
DASHBOARD_MD = """# Coverage dashboard

Where the evidence in this knowledge base is thick and where it is thin. The counts are of sources in the library
tagged with each topic or cited on its page, not of studies in the world; an empty or thin cell is a gap in what
this knowledge base holds, and a prompt to look for sources.

## Evidence-gap map

REFKB_EVIDENCE_MAP

## Evidence-gap matrix

Sources per topic and kind of source. Empty cells show a dash; thin cells (two sources or fewer) are marked with an
exclamation mark in the chart and "(thin)" in the table.

REFKB_MATRIX

## Sources per year

REFKB_YEARS

## Topics over time

REFKB_OVER_TIME
REFKB_DASHBOARD
"""
CSS = "assets/refkb/refkb.css"
JS = "assets/refkb/refkb.js"
DATA_PAGES = {
    "claims.md": (
        "Claims ledger",
        "claims",
        "Every factual claim of the overview article that started this project, "
        "paraphrased, with a verdict and the evidence. Filter by verdict or section, or search the text.",
    ),
    "glossary.md": ("Glossary", "terms", "Terms used across the knowledge base, each defined with a source."),
    "timeline.md": ("Timeline", "events", "Dated events in law, policy, research and technology, each with a source."),
}
_H1 = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.M)


def project_of(config: MkDocsConfig, options: Mapping[str, Any] | None = None) -> project_mod.Project:
    """The project's settings: `extra.refkb`, overridden by the plugin's own options (`plugins: - refkb: {...}`)."""
    root = Path(config.config_file_path).parent if config.config_file_path else Path.cwd()
    return project_mod.from_config(root, dict(config), options=options)


@dataclass
class _Tokens:
    """Opaque placeholders in Markdown, replaced by HTML after Markdown has run. A token added `late` becomes an
    HTML comment in the page content and its HTML goes in only after the theme has rendered the page, so the
    search index does not hold the same citation five times over (and does not parse it on every build)."""

    values: dict[str, Markup] = field(default_factory=dict)
    late: set[str] = field(default_factory=set)

    def add(self, html: Markup, late: bool = False) -> str:
        token = f"REFKBTOKEN{len(self.values):06d}X"
        self.values[token] = html
        if late:
            self.late.add(token)
        return token

    def fill(self, html: str) -> str:
        if "REFKBTOKEN" not in html:
            return html

        def value(m: re.Match[str]) -> str:
            token = m.group(1)
            if token in self.late:
                return f"<!--{token}-->"
            return str(self.values.get(token, token))

        html = re.sub(r"<p>(REFKBTOKEN\d{6}X)</p>", value, html)
        return re.sub(r"(?<!<!--)(REFKBTOKEN\d{6}X)", value, html)

    def fill_late(self, output: str) -> str:
        if not self.late:
            return output
        return re.sub(r"<!--(REFKBTOKEN\d{6}X)-->", lambda m: str(self.values.get(m.group(1), "")), output)


@dataclass
class Memo:
    """What one `mkdocs serve` keeps between rebuilds (the plugin holds it): enough to redo only what a save
    changed."""

    inputs: str = ""  # digest of the files validation read, and their validation
    validated: tuple[BibFile, list[annotation.Annotation], kb.Data] | None = None
    renderer: styles.Renderer | None = None  # the CSL engine, with the formatted library and clusters
    scan: dict[str, tuple[str, list[citations.Citation], str]] = field(default_factory=dict)  # src -> text scan
    shown: dict[str, tuple[object, ...]] = field(default_factory=dict)  # key -> what its reference page shows
    index: dict[str, tuple[tuple[object, ...], str, dict[str, object]]] = field(default_factory=dict)  # index.json
    citers: dict[str, set[str]] = field(default_factory=dict)  # key -> src_uris of the pages that cite it
    search: list[dict[str, Any]] | None = None  # the search index of the previous build
    bib: tuple[str, BibFile, list[Issue]] | None = None  # the bibliography's files' digest, it, its own issues
    notes: dict[str, tuple[int, int, annotation.Annotation]] = field(default_factory=dict)  # path -> mtime, size
    rows: dict[str, tuple[tuple[object, ...], Markup]] = field(default_factory=dict)  # key -> the library's row
    pages: validate.PageMemo = field(default_factory=dict)  # the page checks' findings
    entries: JsonCache | None = None  # each entry's CSL item and downloads (.cache/refkb/entries.json)
    site: str = ""  # the site folder the last build wrote
    downloads: dict[str, str] = field(default_factory=dict)  # what it wrote of each work's downloads
    picker: list[dict[str, str]] | None = None  # the style index whose picker files it holds
    page_citer: reader.PageCiter | None = None  # the last build's, for on_shutdown


def _bib_digest(proj: project_mod.Project) -> str:
    stats = []
    for path in (*proj.macro_files, proj.bibliography):
        with contextlib.suppress(OSError):
            st = path.stat()
            stats.append((str(path), st.st_mtime_ns, st.st_size))
    return digest(stats, proj)


def _notes(proj: project_mod.Project, memo: Memo) -> list[annotation.Annotation]:
    """The annotation pages, each read again only when its file changed since the last rebuild."""
    out = []
    seen: dict[str, tuple[int, int, annotation.Annotation]] = {}
    if proj.annotations.is_dir():
        for path in sorted(proj.annotations.glob("*.md")):
            if path.name == "index.md":
                continue
            try:
                st = path.stat()
            except OSError:
                continue
            old = memo.notes.get(str(path))
            note = old[2] if old is not None and old[:2] == (st.st_mtime_ns, st.st_size) else annotation.read(path)
            seen[str(path)] = (st.st_mtime_ns, st.st_size, note)
            out.append(note)
    memo.notes = seen
    return out


def _input_digest(proj: project_mod.Project, config: MkDocsConfig) -> str:
    """Size and modification time of everything validation reads (the bibliography, docs/, the data files)."""
    stats: list[tuple[str, int, int]] = []
    paths = [*proj.macro_files, proj.bibliography]
    if config.config_file_path:
        paths.append(Path(config.config_file_path))
    paths.extend(sorted(p for p in proj.docs.rglob("*") if p.is_file()))
    for path in paths:
        try:
            st = path.stat()
        except OSError:
            continue
        stats.append((str(path), st.st_mtime_ns, st.st_size))
    return digest(stats)


@dataclass
class BuildState:
    project: project_mod.Project
    bib: BibFile
    refs: dict[str, pages.Ref] = field(default_factory=dict)
    cited_on: dict[str, list[pages.CitingPage]] = field(default_factory=lambda: defaultdict(list))
    notes: dict[str, annotation.Annotation] = field(default_factory=dict)
    data: kb.Data = field(default_factory=kb.Data)
    searchlog: searchlog.Log | None = None  # read once per build, when a page first needs it
    appraisals: dict[str, appraisal.Appraisal] | None = None  # likewise
    site_url: str = ""  # MkDocs' site_url (absolute addresses in the dataset's JSON-LD)
    tokens: dict[str, _Tokens] = field(default_factory=dict)
    downloads: dict[str, str] = field(default_factory=dict)
    writer: ProcessPoolExecutor | None = None
    written: Future[int] | None = None
    cache_hits: int = 0
    cache_misses: int = 0
    renderer: styles.Renderer | None = None
    memo: Memo | None = None

    def clusters(self, style_id: str, cites: Sequence[ClusterCite]) -> str:
        """A citation cluster formatted by the style's engine (pages.ClusterFn)."""
        if self.renderer is None:
            raise PluginError("refkb: citations formatted before the library (on_files did not run)")
        return self.renderer.cluster(style_id, cites)

    # Reader features (issue 14): CITATION.cff, every file's last-updated date (one git call), the build's day.
    meta: reader.KbMeta = field(default_factory=lambda: reader.KbMeta("", "", dt.date(1970, 1, 1), ()))
    dates: dict[str, dt.date] = field(default_factory=dict)
    today: dt.date = field(default_factory=dt.date.today)
    jobs: list[Future[int]] = field(default_factory=list)
    picker_styles: int = 0
    page_citer: reader.PageCiter | None = None
    # Finished reference pages kept between builds (refkb.pagecache; `mkdocs build` only: serve has dirty builds).
    pages: pagecache.PageCache | None = None
    site_digest: str = ""
    shown: dict[str, tuple[object, ...]] = field(default_factory=dict)
    page_digests: dict[str, str] = field(default_factory=dict)  # src_uri -> the page's digest
    cached: dict[str, tuple[str, pagecache.SearchEntries]] = field(default_factory=dict)  # src_uri -> from the cache
    page_urls: dict[str, str] = field(default_factory=dict)  # digest -> url of a page built in this run
    page_order: list[str] = field(default_factory=list)  # every page's url, in the order MkDocs builds them


def on_config(config: MkDocsConfig, options: Mapping[str, Any] | None = None, memo: Memo | None = None) -> BuildState:
    """Validate the knowledge base and return this build's state (the plugin keeps it); stops on any error. With a
    `memo` (mkdocs serve), a rebuild in which none of the files validation reads changed reuses its result."""
    proj = project_of(config, options)
    if proj.style not in styles.STYLES:
        raise PluginError(f"refkb: extra.refkb.style must be one of {', '.join(styles.STYLES)}, not {proj.style!r}")
    if not proj.bibliography.is_file():
        raise PluginError(f"refkb: {proj.relative(proj.bibliography)} not found")
    inputs = _input_digest(proj, config) if memo is not None else ""
    if memo is not None and memo.validated is not None and memo.inputs == inputs:
        bib, notes, data = memo.validated
        issues: list[Issue] = []
    elif memo is None:
        notes = annotation.scan(proj.annotations)
        bib, macro_issues = validate.read_bibliography(proj)
        data = kb.load(proj, {e.key for e in bib.entries})
        bib_issues = validate.validate_bibliography(proj, bib, validate.project_settings(proj), macro_issues)
        bib, issues = validate.validate_project(proj, notes=notes, data=data, bib=bib, bib_issues=bib_issues)
    else:  # mkdocs serve: what did not change since the last rebuild is not read or checked again
        notes = _notes(proj, memo)
        bib_inputs = _bib_digest(proj)
        if memo.bib is not None and memo.bib[0] == bib_inputs:
            _, bib, bib_issues = memo.bib
        else:
            bib, macro_issues = validate.read_bibliography(proj)
            bib_issues = validate.validate_bibliography(proj, bib, validate.project_settings(proj), macro_issues)
            memo.bib = (bib_inputs, bib, bib_issues)
        data = kb.load(proj, {e.key for e in bib.entries})
        bib, issues = validate.validate_project(
            proj, notes=notes, data=data, bib=bib, bib_issues=bib_issues, page_memo=memo.pages
        )
        if not any(i.level is Level.ERROR for i in issues):
            memo.inputs, memo.validated = inputs, (bib, notes, data)
    for issue in issues:
        if issue.level is Level.WARNING:
            log.info("refkb: %s", issue.render())
    errors = [i for i in issues if i.level is Level.ERROR]
    if errors:
        shown = "\n".join(i.render() for i in errors[:50])
        more = f"\n… and {len(errors) - 50} more" if len(errors) > 50 else ""
        raise PluginError(f"refkb found {len(errors)} error(s) in the references:\n{shown}{more}")
    st = BuildState(proj, bib, notes={n.key: n for n in notes}, data=data, memo=memo)
    st.site_url = str(config.site_url or "")
    if CSS not in config.extra_css:
        config.extra_css.append(CSS)
    if JS not in config.extra_javascript:
        config.extra_javascript.append(JS)
    _reader_config(st, config)
    _evidence_config(st, config)
    return st


_PREPARE_CODE = digest(
    (Path(csl.__file__).read_bytes() + Path(exports.__file__).read_bytes()).decode("utf-8", "replace")
)


def _prepared_ok(hit: object) -> TypeGuard[dict[str, Any]]:
    return (
        isinstance(hit, dict)
        and isinstance(hit.get("item"), dict)
        and all(isinstance(hit.get(k), str) for k in ("ris", "json", "bib", "bibtex"))
    )


def _prepare(st: BuildState) -> list[csl.CslItem]:
    """CSL items and per-work downloads, from the cache when the entry is unchanged (TeX decoding is costly)."""
    path = st.project.root / ".cache" / "refkb" / "entries.json"
    memo = st.memo
    # In serve the cache stays in memory between rebuilds, and is written after the pages (on_post_build).
    cache = memo.entries.carry() if memo is not None and memo.entries is not None else JsonCache(path)
    if memo is not None:
        memo.entries = cache
    items = []
    for e in st.bib.entries:
        key = digest(e.raw, sorted(st.bib.macros.items()) if "#" in e.raw or "=" in e.raw else [], _PREPARE_CODE)
        hit = cache.get(key)
        if not _prepared_ok(hit):  # missing, or a record of the wrong shape (a damaged cache): made again
            item = csl.item(e)
            hit = {
                "item": item,
                "ris": exports.ris([item]),
                "json": exports.csl_json([item]),
                "bib": exports.bibtex([e]),
                "bibtex": exports.bibtex_classic([e]),
            }
            cache.put(key, hit)
        items.append(hit["item"])
        st.downloads[f"{st.project.folder}/{e.key}/{e.key}.bib"] = hit["bib"]
        st.downloads[f"{st.project.folder}/{e.key}/{e.key}.bibtex.bib"] = hit["bibtex"]
        st.downloads[f"{st.project.folder}/{e.key}/{e.key}.ris"] = hit["ris"]
        st.downloads[f"{st.project.folder}/{e.key}/{e.key}.json"] = hit["json"]
    if memo is None:
        cache.save()
    return items


def on_files(st: BuildState, files: Files, config: MkDocsConfig, dirty: bool = False) -> Files:
    items = _prepare(st)
    memo = st.memo
    renderer = memo.renderer if memo is not None and memo.renderer is not None else None
    if renderer is None:
        renderer = styles.Renderer(st.project.root / ".cache" / "refkb", keep_engines=memo is not None)
        if memo is not None:
            memo.renderer = renderer
    rendered = renderer.render(items, clusters={st.project.style: _cluster_requests(st, files)})
    st.renderer = renderer
    st.cache_hits, st.cache_misses = renderer.stats.hits, renderer.stats.misses
    st.refs = {
        e.key: pages.Ref(e, it, rendered[e.key], folder=st.project.folder)
        for e, it in zip(st.bib.entries, items, strict=True)
    }

    def add(src: str, content: str | bytes) -> None:
        if files.get_file_from_path(src) is None:
            files.append(File.generated(config, src, content=content))

    add(LIBRARY, "# Library\n\nREFKB_LIBRARY\n")
    add(DASHBOARD, DASHBOARD_MD)
    add(CSS, (Path(__file__).parent / "assets" / "refkb.css").read_bytes())
    add(JS, (Path(__file__).parent / "assets" / "refkb.js").read_bytes())
    for src, (title, attr, intro) in DATA_PAGES.items():
        if getattr(st.data, attr):
            add(src, f"# {title}\n\n{intro}\n\nREFKB_DATA\n")
    for topic in st.project.topics:
        add(f"topics/{topic.slug}.md", f"# {escape(topic.title)}\n")  # mkdocs.yml text, not HTML
    entries = list(st.bib.entries)
    # The whole library's files, joined from each work's own (cheap: nothing to keep between serve rebuilds).
    per = [f"{st.project.folder}/{e.key}/{e.key}" for e in entries]
    whole = {
        "downloads/references.bib": exports.joined_bibtex([st.downloads[f"{p}.bib"] for p in per]),
        "downloads/references.bibtex.bib": exports.joined_bibtex([st.downloads[f"{p}.bibtex.bib"] for p in per]),
        "downloads/references.ris": exports.joined_ris([st.downloads[f"{p}.ris"] for p in per]),
        "downloads/references.json": exports.joined_csl_json([st.downloads[f"{p}.json"] for p in per]),
    }
    for src, text in whole.items():
        add(src, text)
    # Each work's three downloads (thousands of small files) are written by a second process while MkDocs renders
    # the pages (the site folder was cleaned before on_files); on_post_build waits for it. A thread would wait for
    # the GIL between every two files while the pages are rendered.
    # In a dirty serve rebuild the site folder keeps the last build's files: only downloads that changed are written,
    # here (a handful: no second process).
    site = Path(config.site_dir)
    if memo is not None and dirty and memo.site == str(site) and site.is_dir():
        _write_downloads(site, {k: v for k, v in st.downloads.items() if memo.downloads.get(k) != v})
    else:
        st.writer = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("fork"),
            initializer=children.die_with_parent,
            initargs=(os.getpid(),),
        )
        st.written = st.writer.submit(_write_downloads, site, dict(st.downloads))
    if memo is not None:
        memo.downloads = dict(st.downloads)

    # Who cites what: read every page's Markdown once, before any page is rendered (in serve, only pages that
    # changed since the last rebuild).
    citers: dict[str, set[str]] = defaultdict(set)
    for f in files.documentation_pages():
        text = f.content_string
        scanned = memo.scan.get(f.src_uri) if memo is not None else None
        text_digest = digest(text) if memo is not None else ""
        if scanned is not None and scanned[0] == text_digest:
            found, title = scanned[1], scanned[2]
        else:
            found = citations.find(text)
            title = _title_of(text, f) if found else ""
            if memo is not None:
                memo.scan[f.src_uri] = (text_digest, found, title)
        if not found:
            continue
        for c in found:
            for key in c.keys:
                citers[key].add(f.src_uri)
        topic_slug = f.src_uri[len("topics/") : -3] if f.src_uri.startswith("topics/") else ""
        seen: set[str] = set()
        for c in found:
            for key in c.keys:
                if key in st.refs and key not in seen:
                    seen.add(key)
                    st.cited_on[key].append(pages.CitingPage(f.url, title))
                    if topic_slug:
                        ref = st.refs[key]
                        st.refs[key] = dataclasses.replace(ref, discussed_in=(*ref.discussed_in, topic_slug))
    for src, (title, attr, _) in DATA_PAGES.items():
        for key in dict.fromkeys(k for record in getattr(st.data, attr) for k in record.keys):
            if key in st.refs:
                st.cited_on[key].append(pages.CitingPage(src[:-3] + "/", title))
    for key in st.cited_on:
        st.cited_on[key].sort(key=lambda p: p.url)
    shown = _shown(st) if memo is not None else {}
    # The library's JSON index, with each work's topics (tagged, or discussed on the topic's page); in serve, a
    # work's record is made again only when what its page shows changed.
    index = []
    for r in st.refs.values():
        summary = _summary(st.notes.get(r.key))
        kept = memo.index.get(r.key) if memo is not None else None
        if kept is not None and kept[0] == shown[r.key] and kept[1] == summary:
            record = kept[2]
        else:
            record = pages.index_record(r, summary)
            if memo is not None:
                memo.index[r.key] = (shown[r.key], summary, record)
        index.append(record)
    add("references/index.json", json.dumps(index, ensure_ascii=False, separators=(",", ":")))
    _reader_files(st, files, config)
    _evidence_files(st, files, config)
    if memo is not None:
        _plan_rebuild(st, memo, files, citers, shown, dirty)
    elif os.environ.get("REFKB_PAGE_CACHE", "1") != "0":
        st.shown = _shown(st)
        st.site_digest = _site_digest(st, files, config)
        st.pages = pagecache.PageCache(st.project.root / ".cache" / "refkb" / "pages")
        st.page_order = [f.url for f in files.documentation_pages()]
    return files


CACHED_TEMPLATE = "refkb-cached-page.html"  # a page from the page cache: its finished HTML as it is


@functools.cache
def _code_digest() -> str:
    """refkb's own code and assets, and the versions of what renders a page."""
    import importlib.metadata as md

    import mkdocs

    here = Path(__file__).parent
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


def _site_digest(st: BuildState, files: Files, config: MkDocsConfig) -> str:
    """What every reference page's finished HTML depends on besides its own inputs: the configuration, every other
    page (the navigation's titles come from them), the theme's overrides, the knowledge base's version, the code."""
    config_text = ""
    if config.config_file_path:
        with contextlib.suppress(OSError):
            config_text = Path(config.config_file_path).read_text(encoding="utf-8")
    prefix = f"{st.project.folder}/"
    pages_ = [
        f.src_uri if f.src_uri.startswith(prefix) else (f.src_uri, digest(f.content_string))
        for f in files.documentation_pages()
    ]
    theme = []
    for folder in config.theme.dirs:
        if "site-packages" in Path(folder).parts:
            continue  # the installed theme: its version is in the code digest
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file():
                theme.append((str(path), hashlib.sha256(path.read_bytes()).hexdigest()))
    return digest(
        _code_digest(),
        config_text,
        _resolved_config(config),
        st.project,
        pages_,
        theme,
        st.meta.version,
        str(st.meta.released),
        st.picker_styles,
    )


def _resolved_config(config: MkDocsConfig) -> str:
    """The configuration as MkDocs resolved it (values from !ENV or INHERIT included), for the page cache's digest."""
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


def _page_digest(st: BuildState, page: Page, key: str, markdown: str, tokens: _Tokens, meta: str) -> str:
    """A reference page's digest: the site's, the page's Markdown with the HTML refkb made for it, and the data of
    its work and of every work it cites (previews)."""
    made = "".join(str(v) for v in tokens.values.values())
    cited = [st.shown[k] for k in reader.cited_keys(made) if k in st.shown and k != key]
    return digest(
        st.site_digest,
        page.url,
        page.file.src_uri,
        meta,
        markdown,
        [(t, str(v)) for t, v in tokens.values.items()],
        sorted(tokens.late),
        st.shown.get(key),
        cited,
        _page_updated(st, page).isoformat(),
        st.meta.version,
    )


def _shown(st: BuildState) -> dict[str, tuple[object, ...]]:
    """For each work, what its reference page shows besides its annotation (compared between rebuilds)."""
    claims: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for claim in st.data.claims:
        for key in claim.keys:
            claims[key].append((claim.id, claim.verdict))
    settings = digest(st.project)
    return {
        key: (
            ref.entry.raw,
            tuple(sorted(ref.rendered.items())),
            ref.discussed_in,
            tuple((p.url, p.title) for p in st.cited_on.get(key, [])),
            tuple(claims.get(key, [])),
            settings,
            str(st.notes[key].verified_on) if key in st.notes else "",
        )
        for key, ref in st.refs.items()
    }


def _cluster_requests(st: BuildState, files: Files) -> list[list[ClusterCite]]:
    """Every citation cluster the site's pages and data pages will ask for, so that a cold build formats them with
    the library in one engine call per style (a page would otherwise load the style into this process)."""
    keys = {e.key for e in st.bib.entries}
    out: list[list[ClusterCite]] = []
    for f in files.documentation_pages():
        for c in citations.find(f.content_string):
            if all(k in keys for k in c.keys):
                out.extend(pages.cluster_requests(c))
    for _, attr, _ in DATA_PAGES.values():
        for record in getattr(st.data, attr):
            known = tuple(citations.Cite(k) for k in record.keys if k in keys)
            if known:
                out.extend(pages.cluster_requests(citations.Citation(0, 0, 0, 0, known)))
            for c in citations.find(getattr(record, "note", "")):  # a claim's note cites inline
                if all(k in keys for k in c.keys):
                    out.extend(pages.cluster_requests(c))
    return list({repr(c): c for c in out}.values())


def _plan_rebuild(
    st: BuildState,
    memo: Memo,
    files: Files,
    citers: Mapping[str, set[str]],
    shown: dict[str, tuple[object, ...]],
    dirty: bool,
) -> None:
    """In a dirty rebuild, make MkDocs rebuild (besides the pages whose files changed, which it finds itself) the
    reference page of every work whose page would show something else, the pages that cite such a work, and the
    topic pages (their source lists): their built files are marked older than their sources."""
    changed = {k for k in shown if memo.shown.get(k) != shown[k]} | (set(memo.shown) - set(shown))
    forced: set[str] = set()
    if dirty and memo.shown:
        for key in changed:
            forced.add(f"{st.project.folder}/{key}.md")
            forced |= citers.get(key, set()) | memo.citers.get(key, set())
        if changed:
            forced |= {f"topics/{t.slug}.md" for t in st.project.topics}
        for src in forced:
            f = files.get_file_from_path(src)
            if f is not None and f.abs_src_path and os.path.isfile(f.abs_dest_path):
                os.utime(f.abs_dest_path, (0, 0))
    memo.shown, memo.citers = shown, {k: set(v) for k, v in citers.items()}


def _summary(note: annotation.Annotation | None) -> str:
    """The annotation's Summary as plain text (for the library's text filter)."""
    if note is None:
        return ""
    text = note.sections.get("Summary", "")
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return " ".join(re.sub(r"[*_`#>]", "", text).split())


def _title_of(text: str, f: File) -> str:
    meta = re.match(r"\A---\s*\n(.*?)\n---", text, re.S)
    if meta:
        m = re.search(r"^title:\s*['\"]?(.+?)['\"]?\s*$", meta.group(1), re.M)
        if m:
            return m.group(1)
    m = _H1.search(text)
    if m:
        return m.group(1)
    return f.name.replace("-", " ").capitalize() if f.name != "index" else "Home"


def _ref_key(st: BuildState, page: Page) -> str | None:
    src = page.file.src_uri
    folder = st.project.folder + "/"
    if src.startswith(folder) and src.endswith(".md") and src.count("/") == folder.count("/"):
        key = src[len(folder) : -3]
        return key if key in st.refs else None
    return None


def safe_title(text: str) -> str:
    """A title for MkDocs' page.title, which themes print unescaped (and Jinja's striptags unescapes): plain text
    with angle brackets replaced and the rest escaped."""
    return str(escape(text.replace("<", "‹").replace(">", "›")))


def on_page_markdown(st: BuildState, markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    meta = digest(page.meta)
    out = _page_markdown(st, markdown, page, config, files)
    key = _ref_key(st, page)
    if key is None or st.pages is None:
        return out
    d = _page_digest(st, page, key, out, st.tokens[page.file.src_uri], meta)
    st.page_digests[page.file.src_uri] = d
    hit = st.pages.get(d)
    if hit is None:
        return out
    # Finished before: the theme prints the kept HTML as it is, and the search plugin skips the page (its kept
    # entries are added to the index in on_post_build).
    st.cached[page.file.src_uri] = hit
    page.meta["template"] = CACHED_TEMPLATE
    page.meta["search"] = {"exclude": True}
    return ""


def _appraisal_section(st: BuildState, key: str, current: str, tokens: _Tokens) -> list[str]:
    """The source's appraisal (refkb.appraisal) under its own heading, when the annotation has a readable one."""
    found = _appraisals(st).get(key)
    if found is None:
        return []
    href = pages.relative_url("methodology/", current) + "#appraisal"
    return ["## Appraisal", tokens.add(appraisal.html(found, href), late=True)]


def _page_markdown(st: BuildState, markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    deep = validate.nesting_problem(markdown)  # before Markdown sees it: its recursion has no bound of its own
    if deep is not None:
        where = f"docs/{page.file.src_uri}: a line nested {deep[1]} levels deep (line {deep[0]} of its Markdown)"
        raise PluginError(f"{where} — flatten it to at most {validate.MAX_NESTING} levels")
    tokens = st.tokens.setdefault(page.file.src_uri, _Tokens())
    current = page.url
    key = _ref_key(st, page)
    if key is not None:
        ref = st.refs[key]
        note = st.notes.get(key)
        page.meta["title"] = safe_title(ref.title)
        details = pages.reference_header(ref, {t.slug: t for t in st.project.topics}, current)
        details += _evidence_coding(st, ref, current)  # the evidence coding as links to the library's facets
        warning = str(note.meta.get("content_note", "")).strip() if note else ""
        markdown = "\n\n".join(
            [
                tokens.add(
                    pages.byline(ref)
                    + pages.content_note(warning)
                    + reader.freshness_note(note.verified_on if note else None, st.today, st.project.stale_after_months)
                ),
                tokens.add(details, late=True),
                markdown,
                *_appraisal_section(st, key, current, tokens),
                "## Cite this source",
                tokens.add(pages.cite_block(ref, _page_citer(st).render(csl.engine_item(ref.csl_item))), late=True),
                *_picker_section(st, key, current),
                "## Downloads",
                tokens.add(pages.downloads(ref), late=True),
                "## Cited on",
                tokens.add(pages.cited_on(st.cited_on.get(key, []), current), late=True),
                "## In the claims ledger",
                tokens.add(pages.claims_for(key, st.data.claims, current), late=True),
                tokens.add(
                    pages.verification(note.trail if note else (), note.verified_on if note else None), late=True
                ),
            ]
        )
    elif page.file.src_uri in DATA_PAGES and "REFKB_DATA" in markdown:
        style = st.project.style
        render: dict[str, Callable[[Any, Mapping[str, pages.Ref], str, str, pages.ClusterFn], Markup]] = {
            "claims.md": pages.claims_table,
            "glossary.md": pages.glossary,
            "timeline.md": pages.timeline,
        }
        records = getattr(st.data, DATA_PAGES[page.file.src_uri][1])
        html = render[page.file.src_uri](records, st.refs, style, current, st.clusters)
        refs = [st.refs[k] for k in dict.fromkeys(k for r in records for k in r.keys) if k in st.refs]
        markdown = (
            markdown.replace("REFKB_DATA", tokens.add(html))
            + "\n\n## References\n\n"
            + tokens.add(pages.reference_list(refs, style, current), late=True)
        )
    elif page.file.src_uri == LIBRARY:
        refs = list(st.refs.values())
        downloads = Markup(
            '<p class="refkb-downloads">The whole library: <a href="{0}references.bib" download>biblatex</a> · '
            '<a href="{0}references.bibtex.bib" download>BibTeX (classic)</a> · '
            '<a href="{0}references.ris" download>RIS</a> · <a href="{0}references.json" download>CSL-JSON</a></p>'
        ).format(pages.relative_url("downloads/", current))
        intro = Markup(
            "<p>{} sources. Filter by topic, kind of source, type, years or text{}; the address keeps the "
            "filters, so a filtered view can be shared.</p>"
        ).format(
            len(refs),
            Markup(", and by the evidence coding (platform, region, form, population, design, data source)")
            if st.project.coding
            else "",
        )
        browser = pages.library_browser(refs, st.project.topics, current) + _evidence_facets(st)
        rows = _library_rows(st, refs, current)
        # The table repeats what the reference pages say: kept out of the search index (late).
        markdown = markdown.replace(
            "REFKB_LIBRARY",
            tokens.add(intro + downloads) + "\n\n" + tokens.add(browser + rows, late=True),
        )
    elif page.file.src_uri == DASHBOARD and "REFKB_DASHBOARD" in markdown:
        refs = list(st.refs.values())
        topics = st.project.topics
        markdown = markdown.replace("REFKB_MATRIX", tokens.add(pages.gap_matrix(refs, topics)))
        markdown = markdown.replace("REFKB_YEARS", tokens.add(pages.per_year(refs)))
        markdown = markdown.replace("REFKB_OVER_TIME", tokens.add(pages.topics_over_time(refs, topics)))
        markdown = markdown.replace("REFKB_DASHBOARD", "")
    elif page.file.src_uri.startswith("topics/"):
        slug = page.file.src_uri[len("topics/") : -3]
        on_page = {k for c in citations.find(markdown) for k in c.keys}
        further = [r for r in st.refs.values() if slug in r.topics and r.key not in on_page]
        if further:
            heading = "Further sources on this topic" if on_page else "Sources on this topic"
            markdown += f"\n\n## {heading}\n\n" + tokens.add(
                pages.reference_list(further, st.project.style, current, "refkb-topic-sources"), late=True
            )
    markdown = _method_page(st, markdown, page, tokens)
    return _reader_page(st, _evidence_page(st, markdown, page, tokens), page, tokens, config)


def _cite(st: BuildState, markdown: str, page: Page, tokens: _Tokens) -> str:
    found = citations.find(markdown)
    if not found:
        return markdown
    out: list[str] = []
    cited: list[str] = []
    last = 0
    for c in found:
        missing = [k for k in c.keys if k not in st.refs]
        if missing:
            line = markdown.count("\n", 0, c.start) + 1
            raise PluginError(f"docs/{page.file.src_uri}:{line}: unknown citation key [@{missing[0]}]")
        out.append(markdown[last : c.start])
        out.append(tokens.add(pages.intext(c, st.refs, st.project.style, page.url, st.clusters)))
        last = c.end
        cited.extend(k for k in c.keys if k not in cited)
    out.append(markdown[last:])
    text = "".join(out)
    if _ref_key(st, page) is None:
        refs = [st.refs[k] for k in cited]
        text += "\n\n## References\n\n" + tokens.add(pages.reference_list(refs, st.project.style, page.url))
    return text


def on_page_content(st: BuildState, html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    if page.file.src_uri in st.cached:
        return st.cached[page.file.src_uri][0]
    html = htmlpolicy.clean(html)  # what authors wrote, by the one policy; refkb's own HTML is filled in after
    tokens = st.tokens.get(page.file.src_uri)
    html = tokens.fill(html) if tokens else html
    return html + str(reader.updated_line(_page_updated(st, page), st.meta.version, _ref_key(st, page) is None))


HELP_LINE = (
    '<p class="refkb-helpline">If someone is in immediate danger, call your local emergency number. '
    '<a href="{}">Help lines and resources</a></p>'
)


def on_post_page(st: BuildState, output: str, page: Page, config: MkDocsConfig) -> str:
    if page.file.src_uri in st.cached:
        st.tokens.pop(page.file.src_uri, None)
        return output
    output = _post_page(st, output, page, config)
    d = st.page_digests.get(page.file.src_uri)
    if st.pages is not None and d is not None:
        st.pages.put(d, output)
        st.page_urls[d] = page.url
    return output


def _post_page(st: BuildState, output: str, page: Page, config: MkDocsConfig) -> str:
    tokens = st.tokens.pop(page.file.src_uri, None)
    if tokens is not None:
        output = tokens.fill_late(output)
    # The theme's search dialog has no accessible name (axe: aria-dialog-name).
    output = output.replace(
        'class="md-search" data-md-component="search" role="dialog"',
        'class="md-search" data-md-component="search" role="dialog" aria-label="Search"',
        1,
    )
    help_page = "help/" if (Path(config.docs_dir) / "help.md").is_file() else ""
    if help_page:
        line = HELP_LINE.format(escape(pages.relative_url(help_page, page.url)))
        output = output.replace('<div class="md-copyright">', '<div class="md-copyright">' + line, 1)
    output = _previews(st, output, page)
    key = _ref_key(st, page)
    if key is None:
        return output
    meta = pages.head_meta(st.refs[key], config.site_name)
    # The site's description would be taken by Zotero as the work's abstract (see pages.head_meta).
    output = re.sub(r'<meta name="description"[^>]*>\n?', "", output, count=1)
    return output.replace("</head>", f"{meta}\n</head>", 1)


def _write_downloads(site: Path, downloads: dict[str, str]) -> int:
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


def on_serve(server: Any, config: MkDocsConfig, builder: Any) -> Any:
    """`mkdocs serve` watches docs/; references.bib lives beside it: rebuild when it changes too."""
    bib = project_of(config).bibliography
    if bib.exists():
        server.watch(str(bib))
    _evidence_watch(server, config)
    return server


def _write_search_index(path: Path, index: dict[str, Any]) -> None:
    """The search index written back atomically, in the search plugin's own format."""
    tmp = path.with_name(f".{path.name}.refkb-tmp")
    tmp.write_text(json.dumps(index, separators=(",", ":"), default=str), encoding="utf-8")
    os.replace(tmp, path)


def _merge_search_index(st: BuildState, config: MkDocsConfig, dirty: bool) -> None:
    """The search plugin indexes only the pages a dirty build rebuilt: keep the previous entries of the others."""
    memo = st.memo
    path = Path(config.site_dir) / "search" / "search_index.json"
    if memo is None or not path.is_file():
        return
    index = json.loads(path.read_text(encoding="utf-8"))
    docs = index.get("docs", [])
    if dirty and memo.search is not None:
        rebuilt = {d.get("location", "").split("#", 1)[0] for d in docs}
        kept = [d for d in memo.search if d.get("location", "").split("#", 1)[0] not in rebuilt]
        index["docs"] = docs = sorted(kept + docs, key=lambda d: str(d.get("location", "")))
        _write_search_index(path, index)
    memo.search = docs


def _cached_search(st: BuildState, config: MkDocsConfig) -> None:
    """The search index gets the kept entries of the pages from the page cache; the pages built in this run give
    theirs to the cache, which is then written."""
    assert st.pages is not None
    path = Path(config.site_dir) / "search" / "search_index.json"
    if path.is_file():
        index = json.loads(path.read_text(encoding="utf-8"))
        docs: list[dict[str, Any]] = index.get("docs", [])
        by_page: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for d in docs:
            by_page[str(d.get("location", "")).split("#", 1)[0]].append(d)
        for digest_, url in st.page_urls.items():
            st.pages.put_search(digest_, by_page.get(url, []))
        if st.cached:
            for _, entries in st.cached.values():
                docs.extend(entries)
            # In the order the search plugin writes them, page by page in build order: a warm build's index is the
            # same file as a cold build's.
            order = {url: i for i, url in enumerate(st.page_order)}
            index["docs"] = sorted(docs, key=lambda d: order.get(str(d.get("location", "")).split("#", 1)[0], -1))
            _write_search_index(path, index)
    with contextlib.suppress(OSError):
        st.pages.save()
    if st.cached:
        n = len(st.cached)
        log.info("refkb: %d reference page%s from the page cache", n, "" if n == 1 else "s")


def on_shutdown(memo: Memo | None) -> None:
    """`mkdocs serve` stops: write the caches it kept in memory."""
    if memo is None:
        return
    if memo.renderer is not None:
        memo.renderer.save()
    if memo.page_citer is not None:
        memo.page_citer.save()
    if memo.entries is not None:
        memo.entries.save()


def on_env(st: BuildState, env: jinja2.Environment) -> jinja2.Environment:
    """Theme templates compiled once, not on every build: Jinja's own bytecode cache in .cache/refkb/jinja (keyed by
    the template's name and a checksum of its source, so an edited template is compiled again)."""
    folder = st.project.root / ".cache" / "refkb" / "jinja"
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
        env.bytecode_cache = jinja2.FileSystemBytecodeCache(str(folder))
    if env.loader is not None:  # the template of a page from the page cache
        env.loader = jinja2.ChoiceLoader([env.loader, jinja2.DictLoader({CACHED_TEMPLATE: "{{ page.content }}"})])
    return env


def on_post_build(st: BuildState, config: MkDocsConfig, dirty: bool = False) -> None:
    _merge_search_index(st, config, dirty)
    if st.pages is not None:
        _cached_search(st, config)
    if st.memo is None:  # in serve, the caches stay in memory and are written when the server stops (on_shutdown)
        if st.renderer is not None:
            st.renderer.save()
        if st.page_citer is not None:
            st.page_citer.save()
    else:
        st.memo.page_citer = st.page_citer
    for job in st.jobs:  # the style picker's files (reader features)
        try:
            job.result()
        except OSError as exc:
            raise PluginError(f"refkb: cannot write the style picker's files: {exc}") from exc
    if st.written is not None:
        try:
            st.written.result()
        except OSError as exc:
            raise PluginError(f"refkb: cannot write the downloads: {exc}") from exc
        finally:
            if st.writer is not None:
                st.writer.shutdown()
    log.info(
        "refkb: %d references; styles formatted over the whole library: %d from cache, %d new",
        len(st.refs),
        st.cache_hits,
        st.cache_misses,
    )


# ---------------------------------------------------------------------------------------------------------------
# Reader features (issue 14): last-updated dates, page cite blocks, citation previews, freshness, the style
# picker and the 404 page's help line. The work is in `refkb.reader`; here only what needs MkDocs.

READER_CSS = "assets/refkb/reader.css"
READER_JS = ("assets/refkb/preview.js", "assets/refkb/picker.js", "assets/refkb/pageurl.js")
VERIFICATION = "verification.md"
VERIFICATION_MD = """# Verification dates

For maintainers: every source by the date its record was last verified, oldest first. Records verified longer ago
than the configured age carry a note on their page, and `refkb validate` lists them as `stale-verification`
warnings: re-check the record on the issuing body's page, then update `verified_on` (and `verified_at`).

REFKB_VERIFICATION
"""
# Pages that end with a cite block for themselves (the cite page cites the knowledge base as a whole).
CITABLE = frozenset({"index.md", "claims.md", "glossary.md", "timeline.md", "methodology.md"})
CITABLE_PREFIXES = ("topics/", "platforms/")
CITE_PAGE = "cite.md"
PDF = "downloads/knowledge-base.pdf"


def _build_day() -> dt.date:
    """Today, or SOURCE_DATE_EPOCH's day (reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    return dt.date.today()


def _reader_config(st: BuildState, config: MkDocsConfig) -> None:
    st.meta = reader.kb_meta(st.project.root)
    st.dates = reader.last_updated(st.project.root)  # one git call per build
    st.today = _build_day()
    if READER_CSS not in config.extra_css:
        config.extra_css.append(READER_CSS)
    for js in READER_JS:
        if js not in config.extra_javascript:
            config.extra_javascript.append(js)


def _reader_files(st: BuildState, files: Files, config: MkDocsConfig) -> None:
    def add(src: str, content: str | bytes) -> None:
        if files.get_file_from_path(src) is None:
            files.append(File.generated(config, src, content=content))

    add(READER_CSS, reader.asset("reader.css"))
    for js in READER_JS:
        add(js, reader.asset(js.rsplit("/", 1)[1]))
    add(VERIFICATION, VERIFICATION_MD)
    if reader.engine_source(st.project.root) is not None:
        index = reader.style_index(st.project.root / ".cache" / "refkb")
        st.picker_styles = len(index)
        memo, site = st.memo, str(config.site_dir)
        if memo is not None and memo.site == site and memo.picker == index and os.path.isdir(site):
            return  # a dirty serve rebuild: the site folder has them from the last build
        if memo is not None:
            memo.site, memo.picker = site, index
        if st.writer is not None:  # written by the downloads' process while MkDocs renders the pages
            st.jobs.append(st.writer.submit(reader.install_picker, Path(config.site_dir), st.project.root, index))
        else:
            reader.install_picker(Path(config.site_dir), st.project.root, index)
    else:
        log.info("refkb: node_modules/citeproc is missing (npm ci): reference pages get no style picker")


def _page_sources(st: BuildState, page: Page) -> list[str]:
    """The files a page is made from, as git names them (relative to the project root)."""
    proj = st.project
    src = page.file.src_uri
    key = _ref_key(st, page)
    if key is not None:
        return [proj.relative(proj.annotations / f"{key}.md")]
    if src in (LIBRARY, DASHBOARD, VERIFICATION):
        return [proj.relative(proj.bibliography), proj.relative(proj.docs / src)]
    if src in DATA_PAGES:
        return [proj.relative(proj.docs / src), proj.relative(proj.docs / (src[:-3] + ".yml"))]
    return [proj.relative(proj.docs / src)]


def _page_updated(st: BuildState, page: Page) -> dt.date:
    return reader.page_date(st.dates, _page_sources(st, page), st.meta.released)


def _kb_updated(st: BuildState) -> dt.date:
    docs = st.project.relative(st.project.docs) + "/"
    bib = st.project.relative(st.project.bibliography)
    known = [d for path, d in st.dates.items() if path.startswith(docs) or path == bib]
    return max(known) if known else st.meta.released


def _picker_section(st: BuildState, key: str, current: str) -> list[str]:
    """'Other citation styles' on a reference page, when the picker's files are in the site."""
    if not st.picker_styles:
        return []
    tokens = st.tokens[f"{st.project.folder}/{key}.md"]
    return ["## Other citation styles", tokens.add(reader.picker(key, current, st.picker_styles), late=True)]


def _page_citer(st: BuildState) -> reader.PageCiter:
    if st.page_citer is None and st.memo is not None and st.memo.page_citer is not None:
        st.page_citer = st.memo.page_citer  # serve: the last build's, with its engine and cache
    if st.page_citer is None:
        st.page_citer = reader.PageCiter(st.project.root / ".cache" / "refkb")
    return st.page_citer


def _reader_page(st: BuildState, markdown: str, page: Page, tokens: _Tokens, config: MkDocsConfig) -> str:
    """Citations, then the page's own cite block at its very end (after its reference list)."""
    src = page.file.src_uri
    if src == VERIFICATION and "REFKB_VERIFICATION" in markdown:
        rows = [
            reader.Verified(r.key, r.title, r.url, st.notes[r.key].verified_on if r.key in st.notes else None)
            for r in st.refs.values()
        ]
        table = reader.verification_table(rows, st.today, st.project.stale_after_months, page.url)
        markdown = markdown.replace("REFKB_VERIFICATION", tokens.add(table, late=True))
    text = _cite(st, markdown, page, tokens)
    citer = _page_citer(st)
    site_url = str(config.site_url or "")
    if src == CITE_PAGE:
        updated = _kb_updated(st)
        item = reader.kb_item(st.meta, config.site_name, reader.page_url(site_url, ""), updated)
        block = reader.cite_block(
            item,
            citer.render(reader.for_engine(item)),
            "refkb-kb",
            updated,
            st.meta.version,
            pages.relative_url("", page.url) if not site_url else "",
        )
        # The link only when this build is followed by the print edition (`make pdf` sets REFKB_PRINT_EDITION=1):
        # a plain `mkdocs build` has no PDF, and `refkb check-links` would rightly call the link broken.
        pdf = Markup(
            '<p class="refkb-print-edition">The print edition: <a href="{}">the whole knowledge base as one '
            "PDF</a> (table of contents, every topic, the ledger, glossary and timeline, and every source "
            "with its annotation).</p>"
        ).format(pages.relative_url(PDF, page.url))
        if os.environ.get("REFKB_PRINT_EDITION") != "1":
            pdf = Markup("")
        return text + "\n\n## Cite the knowledge base\n\n" + tokens.add(block + pdf)
    if src in CITABLE or src.startswith(CITABLE_PREFIXES):
        updated = _page_updated(st, page)
        title = _title_of(markdown, page.file)
        item = reader.page_item(st.meta, config.site_name, title, reader.page_url(site_url, page.url), updated)
        block = reader.cite_block(
            item,
            citer.render(reader.for_engine(item)),
            "refkb-page",
            updated,
            st.meta.version,
            "./" if not site_url else "",
        )
        return text + "\n\n## Cite this page\n\n" + tokens.add(block, late=True)
    return text


def _previews(st: BuildState, output: str, page: Page) -> str:
    """The page's citation previews: one record per cited work, as JSON in the page's article (so it travels with
    the content under instant navigation)."""
    keys = [k for k in reader.cited_keys(output) if k in st.refs]
    if not keys or "</article>" not in output:
        return output
    titles = {t.slug: t.title for t in st.project.topics}
    records = {
        k: reader.preview_record(st.refs[k], st.project.style, page.url, titles, pages.type_label(st.refs[k].entry))
        for k in keys
    }
    script = reader.json_data("refkb-previews", records)
    return output.replace("</article>", f"{script}</article>", 1)


def on_post_template(output_content: str, template_name: str, config: MkDocsConfig) -> str:
    """The 404 page is a template, not a page: give it the footer's help line too (absolute link: it is served
    at any address)."""
    if template_name != "404.html" or not (Path(config.docs_dir) / "help.md").is_file():
        return output_content
    from urllib.parse import urlsplit

    root = urlsplit(str(config.site_url or "")).path or "/"
    line = HELP_LINE.format(escape(root.rstrip("/") + "/help/"))
    return output_content.replace('<div class="md-copyright">', '<div class="md-copyright">' + line, 1)


# ---------------------------------------------------------------------------------------------------------------
# The evidence map (issue 10): the coding's facets, the gap map, platform and region pages, the vocabulary on the
# methodology page and the coding's CSV/JSON export. The work is in `refkb.evidence`; here only what needs MkDocs.

EVIDENCE_CSS = "assets/refkb/evidence.css"
EVIDENCE_JS = "assets/refkb/evidence.js"  # before refkb.js: the library browser asks it for the facets
REGIONS = "regions.md"
REGIONS_MD = """# Sources by region

Where the sources in this knowledge base look: UN M49 regions and ISO 3166 countries, as coded in each entry's
`regions` field.

REFKB_REGIONS
"""
PLATFORMS_INDEX = "platforms/index.md"
VOCABULARY_MARKER = "REFKB_CODING_SCHEME"


def _evidence_config(st: BuildState, config: MkDocsConfig) -> None:
    if st.project.coding is None:
        return
    if EVIDENCE_CSS not in config.extra_css:
        config.extra_css.append(EVIDENCE_CSS)
    if EVIDENCE_JS not in config.extra_javascript:
        at = config.extra_javascript.index(JS) if JS in config.extra_javascript else len(config.extra_javascript)
        config.extra_javascript.insert(at, EVIDENCE_JS)


def _evidence_sources(st: BuildState) -> list[evidence.Source]:
    assert st.project.coding is not None
    return evidence.sources(st.refs.values(), st.project.coding, _confidence(st))


def _appraisals(st: BuildState) -> dict[str, appraisal.Appraisal]:
    """Each appraised source's appraisal, read once per build."""
    if st.appraisals is None:
        st.appraisals = appraisal.of_notes({k: n.meta for k, n in st.notes.items()})
    return st.appraisals


def _confidence(st: BuildState) -> dict[str, str]:
    return {k: a.confidence for k, a in _appraisals(st).items()}


def _evidence_files(st: BuildState, files: Files, config: MkDocsConfig) -> None:
    scheme = st.project.coding
    if scheme is None:
        return

    def add(src: str, content: str | bytes) -> None:
        if files.get_file_from_path(src) is None:
            files.append(File.generated(config, src, content=content))

    assets = Path(__file__).parent / "assets"
    add(EVIDENCE_CSS, (assets / "evidence.css").read_bytes())
    add(EVIDENCE_JS, (assets / "evidence.js").read_bytes())
    srcs = _evidence_sources(st)
    site_url = str(config.site_url or "")
    coding_csv = evidence.coding_csv(srcs, scheme, site_url)
    add("downloads/coding.csv", coding_csv)
    add("downloads/coding.json", evidence.coding_json(srcs, scheme, site_url))
    add(REGIONS, REGIONS_MD)
    add(PLATFORMS_INDEX, "# Platforms\n\nREFKB_PLATFORMS\n")
    for cat in scheme.categories:  # a label is data: escaped, so that markup in coding.yml stays text
        add(f"platforms/{cat.slug}.md", f"# {escape(cat.label)}\n")
    log = _search_log(st)
    if log is not None:
        for name, content in method.data_package(list(st.refs), _appraisals(st), log, coding_csv, site_url).items():
            add(f"downloads/{name}", content)


def _evidence_coding(st: BuildState, ref: pages.Ref, current: str) -> Markup:
    scheme = st.project.coding
    return evidence.coding_block(ref, scheme, current) if scheme is not None else Markup("")


def _evidence_facets(st: BuildState) -> Markup:
    scheme = st.project.coding
    confidence = _confidence(st) if st.project.appraisal_required else None
    return evidence.library_facets(_evidence_sources(st), scheme, confidence) if scheme is not None else Markup("")


def _library_rows(st: BuildState, refs: Sequence[pages.Ref], current: str) -> Markup:
    """The library table; in serve, a row is made again only when its work's entry or topics changed."""
    attrs = _evidence_row_attrs(st)
    scheme = st.project.coding
    confidence = _confidence(st) if st.project.appraisal_required else {}
    note = evidence.row_evidence(scheme, confidence) if scheme is not None else None
    memo = st.memo
    if memo is None:
        return pages.library_rows(refs, current, attrs, note)
    settings = digest(st.project, sorted(st.bib.macros.items()))
    kept: dict[str, tuple[tuple[object, ...], Markup]] = {}
    for r in refs:
        sig = (r.entry.raw, r.discussed_in, r.folder, current, settings, confidence.get(r.key, ""))
        old = memo.rows.get(r.key)
        kept[r.key] = (sig, old[1] if old is not None and old[0] == sig else pages.library_row(r, current, attrs, note))
    memo.rows = kept
    return pages.library_table(kept[r.key][1] for r in sorted(refs, key=pages.Ref.sort_key))


def _evidence_row_attrs(st: BuildState) -> Callable[[pages.Ref], Markup] | None:
    scheme = st.project.coding
    confidence = _confidence(st) if st.project.appraisal_required else None
    return evidence.row_attrs(scheme, confidence) if scheme is not None else None


def _evidence_page(st: BuildState, markdown: str, page: Page, tokens: _Tokens) -> str:
    """The dashboard's map, the platform and region pages, and the vocabulary tables (a marker on any page)."""
    scheme = st.project.coding
    if scheme is None:
        return markdown.replace("REFKB_EVIDENCE_MAP", "").replace(VOCABULARY_MARKER, "")
    src, current = page.file.src_uri, page.url

    def add(html: Markup) -> str:
        return tokens.add(html)

    if "REFKB_EVIDENCE_MAP" in markdown:
        srcs = _evidence_sources(st)
        kinds = [k for k in st.project.sourcekinds if any(s.ref.entry.value("sourcekind").strip() == k for s in srcs)]
        ax = evidence.axes(srcs, scheme, st.project.topics, kinds)
        markdown = markdown.replace("REFKB_EVIDENCE_MAP", evidence.map_markdown(srcs, scheme, ax, current, add))
    if VOCABULARY_MARKER in markdown:
        markdown = markdown.replace(VOCABULARY_MARKER, add(evidence.vocabulary_tables(scheme)))
    if src == REGIONS and "REFKB_REGIONS" in markdown:
        markdown = markdown.replace("REFKB_REGIONS", evidence.regions_page(_evidence_sources(st), scheme, current, add))
    elif src == PLATFORMS_INDEX and "REFKB_PLATFORMS" in markdown:
        markdown = markdown.replace(
            "REFKB_PLATFORMS", add(evidence.platforms_index(_evidence_sources(st), scheme, current))
        )
    elif src.startswith("platforms/") and src[len("platforms/") : -3] in scheme.category_by_slug:
        category = src[len("platforms/") : -3]
        generated = evidence.platform_page(_evidence_sources(st), scheme, category, st.project.topics, current, add)
        heading = "## The sources in the library" if _H1.sub("", markdown, 1).strip() else ""
        markdown = markdown.rstrip() + "\n\n" + (heading + "\n\n" if heading else "") + generated + "\n"
    return markdown


# ---------------------------------------------------------------------------------------------------------------
# The method (refkb.method): the search log read once per build, the markers filled, "last searched" lines.


def _search_log(st: BuildState) -> searchlog.Log | None:
    proj = st.project
    if proj.searches is None:
        return None
    if st.searchlog is None:
        st.searchlog = searchlog.load(proj.searches, proj.relative(proj.searches), validate.search_vocabulary(proj))
    return st.searchlog


def _method_page(st: BuildState, markdown: str, page: Page, tokens: _Tokens) -> str:
    scheme = st.project.coding
    if "REFKB_REACH" in markdown:  # the home page's figures need no search log
        confidence = _confidence(st) if st.project.appraisal_required else None
        html = method.reach_html(st.bib.entries, scheme, confidence) if scheme is not None else Markup("")
        markdown = markdown.replace("REFKB_REACH", tokens.add(html))
    log = _search_log(st)
    if log is None:
        for marker in method.MARKERS:
            markdown = markdown.replace(marker, "")
        return markdown
    src, current = page.file.src_uri, page.url
    searched_for = None
    if src.startswith("topics/"):
        searched_for = ("topics", src[len("topics/") : -3])
    elif src.startswith("platforms/") and src != PLATFORMS_INDEX:
        searched_for = ("platform_categories", src[len("platforms/") : -3])
    where = method.PageAddresses(
        library=pages.relative_url(st.project.folder + "/", current),
        methodology=pages.relative_url("methodology/", current),
        downloads=pages.relative_url("downloads/", current),
    )
    return method.fill(
        markdown,
        log,
        len(st.refs),
        where,
        st.site_url,
        searched_for,
        tokens.add,
        lambda html: tokens.add(html, late=True),
    )


def _evidence_watch(server: Any, config: MkDocsConfig) -> None:
    """`mkdocs serve` rebuilds when the coding vocabularies change."""
    scheme = project_of(config).coding
    if scheme is not None and scheme.source:
        path = Path(config.config_file_path).parent / scheme.source if config.config_file_path else None
        if path is not None and path.exists():
            server.watch(str(path))


# ---------------------------------------------------------------------------------------------------------------
# Hardening (issue 12): front matter and headings are untrusted, and nothing unexpected becomes a traceback.
# `refkb validate` (run in on_config) refuses these inputs with file:line; the build checks again, in case a page
# reaches MkDocs some other way (a plugin, `mkdocs serve` after an edit).

_PAGE_META = frozenset({"title", "description", "hide", "search", "status"})
_NOTE_META = frozenset({"verified_at", "verified_on", "content_note", "appraisal"})
_SAFE_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.:-]*$")


def untrusted_meta(st: BuildState, page: Page) -> None:
    """Keep only the front-matter keys a page may carry; plain text values escaped (the theme prints `title` and
    `description` unescaped; `template`, `location`, `author` and the rest never reach it)."""
    allowed = _NOTE_META if _ref_key(st, page) is not None else _PAGE_META
    for name in [k for k in page.meta if k not in allowed]:
        del page.meta[name]
    for name in ("title", "description"):
        value = page.meta.get(name)
        if value is not None:
            page.meta[name] = safe_title(str(value)) if isinstance(value, str | int | float) else ""


def refuse_script(st: BuildState, html: str, page: Page) -> None:
    """No event handler or script URL in a page's HTML, and only plain ids in its table of contents (attr_list
    lets a heading set any id, which the theme prints inside an attribute)."""
    where = f"docs/{page.file.src_uri}"
    stack = list(page.toc.items) if page.toc else []
    while stack:
        item = stack.pop()
        if not _SAFE_ID.match(item.id or "x"):
            raise PluginError(f"{where}: a heading's id {item.id[:60]!r} is not a plain id — use {{: #plain-id }}")
        stack.extend(item.children)
    if _ref_key(st, page) is not None:  # the annotation went through htmlpolicy; the rest is refkb's escaped output
        return
    found = htmlpolicy.ScriptFinder()
    found.feed(html)
    if found.found:
        line, what = found.found[0]
        raise PluginError(f"{where}: the HTML (line {line} of the rendered page) holds {what} — remove it")


def guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A hook that reports anything unexpected as one line (a PluginError naming the file), never a traceback.
    The plugin calls every hook through it, with keyword arguments."""
    from . import guard, writes

    name = fn.__name__

    @functools.wraps(fn)
    def hook(**kwargs: Any) -> Any:
        try:
            if name == "on_config":
                with contextlib.suppress(OSError, project_mod.ConfigError):
                    proj = project_of(kwargs["config"], kwargs.get("options"))
                    writes.try_recover(proj.bibliography, [proj.annotations])
            if name == "on_page_markdown":
                untrusted_meta(kwargs["st"], kwargs["page"])
            result = fn(**kwargs)
            if name == "on_page_content":
                page = kwargs["page"]
                refuse_script(kwargs["st"], str(result), page)
                if "title" not in page.meta and page.title:  # the first H1, unescaped by MkDocs, printed raw
                    page.meta["title"] = safe_title(str(page.title))
            return result
        except PluginError:
            raise
        except project_mod.ConfigError as exc:
            raise PluginError(f"refkb: {exc}") from None
        except (MemoryError, RecursionError, Exception) as exc:
            raise PluginError(f"refkb: {guard.describe(exc)}") from None

    return hook
