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

import dataclasses
import json
import logging
import multiprocessing
import os
import re
from collections import defaultdict
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nh3
from markupsafe import Markup, escape
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from . import annotation, bibfile, citations, csl, exports, kb, pages, styles, validate
from . import project as project_mod
from .cache import JsonCache, digest
from .model import BibFile, Level

log = logging.getLogger("mkdocs.plugins.refkb")

LIBRARY = "references/index.md"
DASHBOARD = "dashboard.md"
DASHBOARD_MD = """# Coverage dashboard

Where the evidence in this knowledge base is thick and where it is thin. The counts are of sources in the library
tagged with each topic or cited on its page, not of studies in the world; an empty or thin cell is a gap in what
this knowledge base holds, and a prompt to look for sources.

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


def project_of(config: MkDocsConfig) -> project_mod.Project:
    root = Path(config.config_file_path).parent if config.config_file_path else Path.cwd()
    return project_mod.from_config(root, dict(config))


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
class BuildState:
    project: project_mod.Project
    bib: BibFile
    refs: dict[str, pages.Ref] = field(default_factory=dict)
    cited_on: dict[str, list[pages.CitingPage]] = field(default_factory=lambda: defaultdict(list))
    notes: dict[str, annotation.Annotation] = field(default_factory=dict)
    data: kb.Data = field(default_factory=kb.Data)
    tokens: dict[str, _Tokens] = field(default_factory=dict)
    downloads: dict[str, str] = field(default_factory=dict)
    writer: ProcessPoolExecutor | None = None
    written: Future[int] | None = None
    cache_hits: int = 0
    cache_misses: int = 0


_state: BuildState | None = None


def state() -> BuildState:
    if _state is None:
        raise PluginError("refkb: the build state is missing (on_config did not run)")
    return _state


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    global _state
    proj = project_of(config)
    if proj.style not in styles.STYLES:
        raise PluginError(f"refkb: extra.refkb.style must be one of {', '.join(styles.STYLES)}, not {proj.style!r}")
    if not proj.bibliography.is_file():
        raise PluginError(f"refkb: {proj.relative(proj.bibliography)} not found")
    notes = annotation.scan(proj.annotations)
    bib = bibfile.read(proj.bibliography, proj.relative(proj.bibliography))
    data = kb.load(proj, {e.key for e in bib.entries})
    bib, issues = validate.validate_project(proj, notes=notes, data=data, bib=bib)
    for issue in issues:
        if issue.level is Level.WARNING:
            log.info("refkb: %s", issue.render())
    errors = [i for i in issues if i.level is Level.ERROR]
    if errors:
        shown = "\n".join(i.render() for i in errors[:50])
        more = f"\n… and {len(errors) - 50} more" if len(errors) > 50 else ""
        raise PluginError(f"refkb found {len(errors)} error(s) in the references:\n{shown}{more}")
    _state = BuildState(proj, bib, notes={n.key: n for n in notes}, data=data)
    if CSS not in config.extra_css:
        config.extra_css.append(CSS)
    if JS not in config.extra_javascript:
        config.extra_javascript.append(JS)
    return config


_PREPARE_CODE = digest(
    (Path(csl.__file__).read_bytes() + Path(exports.__file__).read_bytes()).decode("utf-8", "replace")
)


def _prepare(st: BuildState) -> list[csl.CslItem]:
    """CSL items and per-work downloads, from the cache when the entry is unchanged (TeX decoding is costly)."""
    cache = JsonCache(st.project.root / ".cache" / "refkb" / "entries.json")
    items = []
    for e in st.bib.entries:
        key = digest(e.raw, sorted(st.bib.macros.items()) if "#" in e.raw or "=" in e.raw else [], _PREPARE_CODE)
        hit = cache.get(key)
        if hit is None:
            item = csl.item(e)
            hit = {"item": item, "ris": exports.ris([item]), "json": exports.csl_json([item])}
            cache.put(key, hit)
        items.append(hit["item"])
        st.downloads[f"references/{e.key}/{e.key}.bib"] = exports.bibtex([e])
        st.downloads[f"references/{e.key}/{e.key}.ris"] = hit["ris"]
        st.downloads[f"references/{e.key}/{e.key}.json"] = hit["json"]
    cache.save()
    return items


def on_files(files: Files, config: MkDocsConfig) -> Files:
    st = state()
    items = _prepare(st)
    renderer = styles.Renderer(st.project.root / ".cache" / "refkb")
    rendered = renderer.render(items)
    st.cache_hits, st.cache_misses = renderer.stats.hits, renderer.stats.misses
    st.refs = {e.key: pages.Ref(e, it, rendered[e.key]) for e, it in zip(st.bib.entries, items, strict=True)}

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
        add(f"topics/{topic.slug}.md", f"# {topic.title}\n")
    entries = list(st.bib.entries)
    add("downloads/references.bib", exports.bibtex(entries))
    add("downloads/references.ris", exports.ris(items))
    add("downloads/references.json", exports.csl_json(items))
    # Each work's three downloads (thousands of small files) are written by a second process while MkDocs renders
    # the pages (the site folder was cleaned before on_files); on_post_build waits for it. A thread would wait for
    # the GIL between every two files while the pages are rendered.
    st.writer = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))
    st.written = st.writer.submit(_write_downloads, Path(config.site_dir), dict(st.downloads))

    # Who cites what: read every page's Markdown once, before any page is rendered.
    for f in files.documentation_pages():
        text = f.content_string
        found = citations.find(text)
        if not found:
            continue
        title = _title_of(text, f)
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
    # The library's JSON index, with each work's topics (tagged, or discussed on the topic's page).
    index = [pages.index_record(r, _summary(st.notes.get(r.key))) for r in st.refs.values()]
    add("references/index.json", json.dumps(index, ensure_ascii=False, separators=(",", ":")))
    return files


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


def _ref_key(page: Page) -> str | None:
    src = page.file.src_uri
    st = state()
    if src.startswith("references/") and src.endswith(".md") and src.count("/") == 1:
        key = src[len("references/") : -3]
        return key if key in st.refs else None
    return None


def safe_title(text: str) -> str:
    """A title for MkDocs' page.title, which themes print unescaped (and Jinja's striptags unescapes): plain text
    with angle brackets replaced and the rest escaped."""
    return str(escape(text.replace("<", "‹").replace(">", "›")))


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    st = state()
    tokens = st.tokens.setdefault(page.file.src_uri, _Tokens())
    current = page.url
    key = _ref_key(page)
    if key is not None:
        ref = st.refs[key]
        note = st.notes.get(key)
        page.meta["title"] = safe_title(ref.title)
        details = pages.reference_header(ref, {t.slug: t for t in st.project.topics}, current)
        warning = str(note.meta.get("content_note", "")).strip() if note else ""
        markdown = "\n\n".join([
            tokens.add(pages.byline(ref) + pages.content_note(warning)),
            tokens.add(details, late=True),
            markdown,
            "## Cite this source",
            tokens.add(pages.cite_block(ref), late=True),
            "## Downloads",
            tokens.add(pages.downloads(ref), late=True),
            "## Cited on",
            tokens.add(pages.cited_on(st.cited_on.get(key, []), current), late=True),
            "## In the claims ledger",
            tokens.add(pages.claims_for(key, st.data.claims, current), late=True),
            tokens.add(pages.verification(note.verified_at if note else (), note.verified_on if note else None),
                       late=True),
        ])  # fmt: skip
    elif page.file.src_uri in DATA_PAGES and "REFKB_DATA" in markdown:
        style = st.project.style
        render: dict[str, Callable[[Any, Mapping[str, pages.Ref], str, str], Markup]] = {
            "claims.md": pages.claims_table, "glossary.md": pages.glossary, "timeline.md": pages.timeline,
        }  # fmt: skip
        records = getattr(st.data, DATA_PAGES[page.file.src_uri][1])
        html = render[page.file.src_uri](records, st.refs, style, current)
        refs = [st.refs[k] for k in dict.fromkeys(k for r in records for k in r.keys) if k in st.refs]
        markdown = (
            markdown.replace("REFKB_DATA", tokens.add(html))
            + "\n\n## References\n\n"
            + tokens.add(pages.reference_list(refs, style, current), late=True)
        )
    elif page.file.src_uri == LIBRARY:
        refs = list(st.refs.values())
        downloads = Markup(
            '<p class="refkb-downloads">The whole library: <a href="{0}references.bib" download>BibTeX</a> · '
            '<a href="{0}references.ris" download>RIS</a> · <a href="{0}references.json" download>CSL-JSON</a></p>'
        ).format(pages.relative_url("downloads/", current))
        intro = Markup("<p>{} sources. Filter by topic, kind of source, type, years or text; the address keeps the "
                       "filters, so a filtered view can be shared.</p>").format(len(refs))  # fmt: skip
        browser = pages.library_browser(refs, st.project.topics, current)
        # The table repeats what the reference pages say: kept out of the search index (late).
        markdown = markdown.replace(
            "REFKB_LIBRARY",
            tokens.add(intro + downloads) + "\n\n" + tokens.add(browser + pages.library_rows(refs, current), late=True),
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
    return _cite(markdown, page, tokens)


def _cite(markdown: str, page: Page, tokens: _Tokens) -> str:
    st = state()
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
        out.append(tokens.add(pages.intext(c, st.refs, st.project.style, page.url)))
        last = c.end
        cited.extend(k for k in c.keys if k not in cited)
    out.append(markdown[last:])
    text = "".join(out)
    if _ref_key(page) is None:
        refs = [st.refs[k] for k in cited]
        text += "\n\n## References\n\n" + tokens.add(pages.reference_list(refs, st.project.style, page.url))
    return text


_ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details", "div", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small",
    "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
_ALLOWED_ATTRS = {"*": {"id", "class", "title", "lang"}, "a": {"href"}, "td": {"colspan", "rowspan", "align"},
                  "th": {"colspan", "rowspan", "align", "scope"}, "ol": {"start"}}  # fmt: skip


def sanitize(html: str) -> str:
    """Annotation HTML with anything executable removed (scripts, event handlers, javascript: links, styles)."""
    return str(
        nh3.clean(
            html,
            tags=_ALLOWED_TAGS,
            attributes=_ALLOWED_ATTRS,
            url_schemes={"http", "https", "mailto"},
            link_rel=None,
            strip_comments=True,
        )
    )


def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    st = state()
    if _ref_key(page) is not None:
        html = sanitize(html)
    tokens = st.tokens.get(page.file.src_uri)
    return tokens.fill(html) if tokens else html


HELP_LINE = (
    '<p class="refkb-helpline">If someone is in immediate danger, call your local emergency number. '
    '<a href="{}">Help lines and resources</a></p>'
)


def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    tokens = state().tokens.pop(page.file.src_uri, None)
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
    key = _ref_key(page)
    if key is None:
        return output
    meta = pages.head_meta(state().refs[key], config.site_name)
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
    return server


def on_post_build(config: MkDocsConfig) -> None:
    st = state()
    if st.written is not None:
        try:
            st.written.result()
        except OSError as exc:
            raise PluginError(f"refkb: cannot write the downloads: {exc}") from exc
        finally:
            if st.writer is not None:
                st.writer.shutdown()
    log.info("refkb: %d references; works formatted in four styles: %d from cache, %d new", len(st.refs), st.cache_hits,
             st.cache_misses)  # fmt: skip
