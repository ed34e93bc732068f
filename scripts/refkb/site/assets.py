"""The files refkb adds beside the pages (style sheets, scripts) and what it does to every finished page (the
search dialog's name, the footer's help line, citation previews, a reference page's meta tags)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from markupsafe import escape
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

from .. import fragment, headmeta, htmlpolicy, reader, refs
from .context import Build
from .tokens import Tokens

CSS = "assets/refkb/refkb.css"
JS = "assets/refkb/refkb.js"
READER_CSS = "assets/refkb/reader.css"
READER_JS = (
    "assets/refkb/preview.js",
    "assets/refkb/citeproc-glue.js",  # before picker.js, which applies it (refkb.engine runs the same file)
    "assets/refkb/picker.js",
    "assets/refkb/selection.js",
    "assets/refkb/pageurl.js",
)
SELECTION_CSS = "assets/refkb/selection.css"  # the export of the shown works (selection.js)
EVIDENCE_CSS = "assets/refkb/evidence.css"
EVIDENCE_JS = "assets/refkb/evidence.js"  # before refkb.js: the library browser asks it for the facets
HELP_LINE = (
    '<p class="refkb-helpline">If someone is in immediate danger, call your local emergency number. '
    '<a href="{}">Help lines and resources</a></p>'
)
_HERE = Path(__file__).parent.parent / "assets"
Add = Callable[[str, "str | bytes"], None]


def configure(config: MkDocsConfig, coding: bool) -> None:
    """refkb's style sheets and scripts in the configuration (each once)."""
    for css in (CSS, READER_CSS, SELECTION_CSS, *((EVIDENCE_CSS,) if coding else ())):
        if css not in config.extra_css:
            config.extra_css.append(css)
    for js in (JS, *READER_JS):
        if js not in config.extra_javascript:
            config.extra_javascript.append(js)
    if coding and EVIDENCE_JS not in config.extra_javascript:
        at = config.extra_javascript.index(JS) if JS in config.extra_javascript else len(config.extra_javascript)
        config.extra_javascript.insert(at, EVIDENCE_JS)


class Generated(File):
    """A page or file refkb makes. MkDocs counts a file made from content modified in every dirty build (there is
    no source to compare with the built file), so every generated page would be made again on every save; the serve
    plan (`refkb.site.serve`) sets `unchanged` on a page a clean build would make as it was made last time."""

    unchanged = False

    def is_modified(self) -> bool:
        return not self.unchanged and super().is_modified()


def adder(files: Files, config: MkDocsConfig) -> Add:
    """Add a generated file, unless docs/ has one of that name (the author's wins)."""

    def add(src: str, content: str | bytes) -> None:
        if files.get_file_from_path(src) is None:
            files.append(Generated.generated(config, src, content=content))

    return add


def add_assets(add: Add, b: Build) -> None:
    add(CSS, (_HERE / "refkb.css").read_bytes())
    add(JS, (_HERE / "refkb.js").read_bytes())
    add(READER_CSS, reader.asset("reader.css"))
    add(SELECTION_CSS, reader.asset("selection.css"))
    for js in READER_JS:
        add(js, reader.asset(js.rsplit("/", 1)[1]))
    if b.project.coding is not None:
        add(EVIDENCE_CSS, (_HERE / "evidence.css").read_bytes())
        add(EVIDENCE_JS, (_HERE / "evidence.js").read_bytes())


def clean(html: str) -> str:
    """What authors wrote, by the one HTML policy (refkb.htmlpolicy)."""
    return htmlpolicy.clean(html)


def post_page(b: Build, output: str, url: str, key: str | None, tokens: Tokens | None, config: MkDocsConfig) -> str:
    """The finished page: late tokens filled, the search dialog named, the help line, previews, meta tags."""
    if tokens is not None:
        output = tokens.fill_late(output)
    # The theme's search dialog has no accessible name (axe: aria-dialog-name).
    output = output.replace(
        'class="md-search" data-md-component="search" role="dialog"',
        'class="md-search" data-md-component="search" role="dialog" aria-label="Search"',
        1,
    )
    if (Path(config.docs_dir) / "help.md").is_file():
        line = HELP_LINE.format(escape(fragment.relative_url("help/", url)))
        output = output.replace('<div class="md-copyright">', '<div class="md-copyright">' + line, 1)
    output = previews(b, output, url)
    if key is None:
        return output
    meta = headmeta.head_meta(b.refs[key], config.site_name)
    # The site's description would be taken by Zotero as the work's abstract (see headmeta.head_meta).
    output = re.sub(r'<meta name="description"[^>]*>\n?', "", output, count=1)
    output = output.replace("</head>", f"{meta}\n</head>", 1)
    unapi = headmeta.unapi_id(b.refs[key])  # in the article: it travels with the content under instant navigation
    return output.replace("</article>", f"{unapi}</article>", 1) if unapi else output


def previews(b: Build, output: str, url: str) -> str:
    """The page's citation previews: one record per cited work, as JSON in the page's article (so it travels with
    the content under instant navigation)."""
    keys = [k for k in reader.cited_keys(output) if k in b.refs]
    if not keys or "</article>" not in output:
        return output
    titles = {t.slug: t.title for t in b.project.topics}
    records = {
        k: reader.preview_record(b.refs[k], b.project.style, url, titles, refs.type_label(b.refs[k].entry))
        for k in keys
    }
    script = reader.json_data("refkb-previews", records)
    return output.replace("</article>", f"{script}</article>", 1)


def post_template(output: str, template_name: str, config: MkDocsConfig) -> str:
    """The 404 page is a template, not a page: it gets the footer's help line too (an absolute link: it is served
    at any address)."""
    if template_name != "404.html" or not (Path(config.docs_dir) / "help.md").is_file():
        return output
    root = urlsplit(str(config.site_url or "")).path or "/"
    line = HELP_LINE.format(escape(root.rstrip("/") + "/help/"))
    return output.replace('<div class="md-copyright">', '<div class="md-copyright">' + line, 1)
