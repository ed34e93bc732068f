"""The print edition: the whole knowledge base as one PDF, printed by headless chromium from a print page that
this module composes out of the built site.

`make pdf` builds the site, then runs `python -m refkb.site.printed site`, which writes
`site/downloads/knowledge-base.pdf`
(the cite page links to it). The print page holds, in order: a title page, a table of contents, the home page, the
topics (in mkdocs.yml's order), the platform pages, the claims ledger, the glossary, the timeline, the methodology
and every reference page (annotation included), each page's headings moved one level down under a part heading,
so the PDF's outline reads part → page → section. Links between pages become links inside the PDF; links to pages
the edition leaves out become plain text (or absolute links when `site_url` is known). Chromium prints the page
numbers in the footer and writes the outline from the headings (`outline=True`, `tagged=True`; Playwright ≥ 1.42).
No request leaves the machine: every request that is not a local file is blocked.
"""

from __future__ import annotations

import argparse
import html
import os
import posixpath
import re
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import project as project_mod
from .. import reader, safeyaml
from ..errors import RefkbError
from . import kinds

_ARTICLE = re.compile(r'<article class="md-content__inner md-typeset">(.*?)</article>', re.S)
_TITLE = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S)
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Part:
    title: str
    pages: tuple[str, ...]  # site paths: "", "topics/x/", ...


def parts(site: Path, proj: project_mod.Project) -> list[Part]:
    """The edition's parts and pages, in reading order: each built page in the part the table of page kinds gives
    its kind (refkb.site.kinds), the parts in `kinds.PRINT_PARTS`' order."""
    urls = sorted(
        ("" if p.parent == site else p.parent.relative_to(site).as_posix() + "/") for p in site.rglob("index.html")
    )
    folder = proj.folder + "/"
    slugs = [u[len(folder) : -1] for u in urls if u.startswith(folder) and u.count("/") == folder.count("/") + 1]
    scheme = proj.coding
    layout = kinds.Layout(
        folder=proj.folder,
        slugs={s: s for s in slugs},
        topics={t.slug: t.title for t in proj.topics},
        categories={c.slug: c.label for c in scheme.categories} if scheme is not None else {},
        data=frozenset(kinds.DATA_PAGES),
        bibliography="",
        docs="",
        annotations="",
    )
    order = {f"topics/{t.slug}/": i for i, t in enumerate(proj.topics)}
    order.update({src[:-3] + "/": i for i, src in enumerate(kinds.DATA_PAGES)})
    grouped: dict[str, list[str]] = {part: [] for part in kinds.PRINT_PARTS}
    for url in urls:
        part = kinds.print_part(layout, url)
        if part:
            grouped[part].append(url)
    return [
        Part(title, tuple(sorted(pages, key=lambda u: (order.get(u, len(order)), u))))
        for title, pages in grouped.items()
        if pages
    ]


def anchor(url: str, fragment: str = "") -> str:
    base = "p-" + (re.sub(r"[^a-z0-9]+", "-", url.lower()).strip("-") or "home")
    return f"{base}--{fragment}" if fragment else base


def _text(fragment: str) -> str:
    return " ".join(html.unescape(_TAG.sub("", fragment)).split())


def page_html(url: str, source: str, included: set[str], site_url: str) -> tuple[str, str]:
    """(title, article HTML) of one built page, its ids prefixed, its links pointed inside the edition and its
    headings one level down."""
    m = _ARTICLE.search(source)
    body = m.group(1) if m else ""
    body = re.sub(r'<div id="refkb-previews"[^>]*></div>', "", body)
    t = _TITLE.search(body)
    title = _text(t.group(1)) if t else (url or "Home")
    body = re.sub(r'\b(id|for)="([^"]*)"', lambda g: f'{g.group(1)}="{anchor(url, g.group(2))}"', body)

    def href(g: re.Match[str]) -> str:
        target = html.unescape(g.group(1))
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):
            return g.group(0)  # http(s), mailto: kept
        path, _, fragment = target.partition("#")
        if not path:  # the fragment was unescaped above: escaped again, it cannot leave the attribute
            return f'href="#{html.escape(anchor(url, fragment), quote=True)}"'
        resolved = posixpath.normpath(posixpath.join("/" + url, path)).lstrip("/")
        if resolved in (".", ""):
            resolved = ""
        page = resolved.removesuffix("index.html")
        if page and not page.endswith("/") and "." not in page.rsplit("/", 1)[-1]:
            page += "/"
        if page in included:
            return f'href="#{html.escape(anchor(page, fragment) if fragment else anchor(page), quote=True)}"'
        if site_url:
            return f'href="{html.escape(site_url.rstrip("/") + "/" + resolved, quote=True)}"'
        return 'data-href-outside="1"'

    body = re.sub(r'href="([^"]*)"', href, body)

    def src(g: re.Match[str]) -> str:
        target = g.group(1)
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):
            return g.group(0)
        return f'src="{posixpath.normpath(posixpath.join("/" + url, target)).lstrip("/")}"'

    body = re.sub(r'src="([^"]*)"', src, body)
    body = re.sub(r"<(/?)h([1-6])\b", lambda g: f"<{g.group(1)}h{min(6, int(g.group(2)) + 1)}", body)
    return title, body


PRINT_CSS = """
@page { size: A4; margin: 16mm 15mm 18mm; }
html { font-size: 125%; }
body { margin: 0; }
.print-title { break-after: page; padding-top: 30vh; text-align: center; }
.print-title h1 { font-size: 2rem; }
.print-toc { break-after: page; }
.print-toc ol { list-style: none; padding-left: 0; }
.print-toc ol ol { padding-left: 1.2rem; }
.print-part > h1 { break-before: page; font-size: 1.6rem; }
.print-page { break-before: page; }
.print-page .refkb-picker, .print-page .headerlink, .print-page .md-content__button, .print-page .refkb-copy,
.print-page .refkb-filters, .print-page .tabbed-set > input, .print-page .tabbed-labels { display: none !important; }
.print-page .tabbed-content .tabbed-block { display: block !important; }
.md-typeset a[href^="http"]::after { content: none !important; }
"""


def compose(site: Path, proj: project_mod.Project, site_name: str, site_url: str = "") -> str:
    """The print page's HTML (to be saved at the site's root, where its stylesheet links resolve)."""
    meta = reader.kb_meta(proj.root)
    layout = parts(site, proj)
    included = {u for p in layout for u in p.pages}
    css = [p.relative_to(site).as_posix() for p in sorted((site / "assets" / "stylesheets").glob("main*.css"))]
    css += [p.relative_to(site).as_posix() for p in sorted((site / "assets" / "refkb").glob("*.css"))]
    links = "".join(f'<link rel="stylesheet" href="{html.escape(c)}">' for c in css)
    toc: list[str] = []
    body: list[str] = []
    for part in layout:
        items: list[str] = []
        sections: list[str] = []
        for url in part.pages:
            title, article = page_html(url, (site / url / "index.html").read_text(encoding="utf-8"), included, site_url)
            items.append(f'<li><a href="#{anchor(url)}">{html.escape(title)}</a></li>')
            sections.append(f'<section class="print-page" id="{anchor(url)}">{article}</section>')
        part_id = "part-" + re.sub(r"[^a-z0-9]+", "-", part.title.lower())
        toc.append(f'<li><a href="#{part_id}">{html.escape(part.title)}</a><ol>{"".join(items)}</ol></li>')
        body.append(
            f'<div class="print-part"><h1 id="{part_id}">{html.escape(part.title)}</h1>{"".join(sections)}</div>'
        )
    title = meta.title or site_name
    version = f"Version {meta.version}" if meta.version else ""
    where = site_url or "the knowledge base's website"
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>{links}<style>{PRINT_CSS}</style></head>"
        '<body data-md-color-scheme="default"><div class="md-typeset">'
        f'<div class="print-title"><h1 id="print-title">{html.escape(title)}</h1><p>{html.escape(version)} · '
        f"{meta.released.isoformat()}</p><p>{html.escape(', '.join(meta.authors))}</p>"
        f"<p>The print edition of {html.escape(where)}. Content CC BY 4.0.</p></div>"
        f'<nav class="print-toc"><h1 id="contents">Contents</h1><ol>{"".join(toc)}</ol></nav>'
        f"{''.join(body)}</div></body></html>"
    )


FOOTER = (
    '<div style="font-size:8px;width:100%;text-align:center;color:#555;">'
    '<span class="pageNumber"></span> / <span class="totalPages"></span></div>'
)


def render_pdf(page_file: Path, out: Path, browser: Any = None) -> None:
    """Print `page_file` to `out` with headless chromium (Debian's, never a downloaded one); `browser` is a
    Playwright browser already running (tests), else one is started."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp.pdf")
    if browser is not None:
        _print(browser, page_file, tmp)
    else:
        from playwright.sync_api import sync_playwright

        exe = os.environ.get("REFKB_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
        if exe is None:
            raise RuntimeError("chromium is not installed (apt-get install chromium)")
        with sync_playwright() as p:
            args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
            started = p.chromium.launch(executable_path=exe, headless=True, args=args)
            try:
                _print(started, page_file, tmp)
            finally:
                started.close()
    fix_outline(tmp, out, headings(page_file.read_text(encoding="utf-8")))
    tmp.unlink(missing_ok=True)


def _print(browser: Any, page_file: Path, pdf: Path) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
        page.goto(page_file.resolve().as_uri(), wait_until="load")
        page.pdf(
            path=str(pdf),
            format="A4",
            print_background=True,
            display_header_footer=True,
            header_template="<span></span>",
            footer_template=FOOTER,
            outline=True,
            tagged=True,
            margin={"top": "16mm", "bottom": "18mm", "left": "15mm", "right": "15mm"},
        )
    finally:
        context.close()


def headings(page: str) -> list[str]:
    """The print page's heading texts (what the PDF's outline entries should read)."""
    return [_text(m.group(1)) for m in re.finditer(r"<h[1-6][^>]*>(.*?)</h[1-6]>", page, re.S)]


def fix_outline(src: Path, out: Path, texts: Sequence[str]) -> None:
    """Chromium builds the outline from the laid-out heading lines and drops the space where a heading wraps
    ("sexworkers"): give each entry its heading's text back (matched with all white space removed)."""
    from pypdf import PdfWriter
    from pypdf.generic import NameObject, TextStringObject

    proper = {re.sub(r"\s+", "", t): t for t in texts}
    writer = PdfWriter(str(src), incremental=True)  # an incremental update: only the changed titles are written
    outlines = writer._root_object.get("/Outlines")
    stack = [outlines.get_object().get("/First")] if outlines is not None else []
    while stack:
        ref = stack.pop()
        if ref is None:
            continue
        node = ref.get_object()
        title = str(node.get("/Title", ""))
        fixed = proper.get(re.sub(r"\s+", "", title))
        if fixed and fixed != title:
            node[NameObject("/Title")] = TextStringObject(fixed)
        stack.extend([node.get("/Next"), node.get("/First")])
    tmp = out.with_suffix(".fixed.pdf")
    with tmp.open("wb") as fh:
        writer.write(fh)
    tmp.replace(out)


def build(site: Path, out: Path, root: Path = Path("."), config_file: str = "mkdocs.yml", browser: Any = None) -> Path:
    """Compose the print page from the built `site` and print it to `out`."""
    proj = project_mod.load(root, config_file)
    text = (root / config_file).read_text(encoding="utf-8")
    text = compose(site, proj, _top_level(text, "site_name"), _top_level(text, "site_url"))
    page_file = site / "_print-edition.html"
    page_file.write_text(text, encoding="utf-8")
    try:
        render_pdf(page_file, out, browser)
    finally:
        page_file.unlink(missing_ok=True)
    return out


def _top_level(config_text: str, name: str) -> str:
    """A top-level scalar of mkdocs.yml (site_name, site_url) without loading MkDocs."""
    m = re.search(rf"^{name}:[ \t]*(.+)$", config_text, re.M)
    if not m:
        return ""
    try:
        value = safeyaml.load(m.group(1))
    except safeyaml.YamlError:
        return ""
    return value if isinstance(value, str) else ""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m refkb.printed", description=__doc__.splitlines()[0])
    parser.add_argument("site", nargs="?", default="site", help="the built site (mkdocs build --site-dir SITE)")
    parser.add_argument("--out", help="the PDF (default: SITE/downloads/knowledge-base.pdf)")
    parser.add_argument("--root", default=".", help="the project (where mkdocs.yml is)")
    args = parser.parse_args(argv)
    site = Path(args.site)
    if not (site / "index.html").is_file():
        print(f"{site}: no built site here (run mkdocs build --strict --site-dir {site})", file=sys.stderr)
        return 2
    out = Path(args.out) if args.out else site / "downloads" / "knowledge-base.pdf"
    try:
        build(site, out, Path(args.root))
    except (RuntimeError, OSError, RefkbError) as exc:  # a RefkbError prints as its one line
        print(f"refkb.printed: {exc}", file=sys.stderr)
        return 2
    print(f"{out}: {out.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
