"""Citing the knowledge base's own pages: the CSL item of a page (or of the whole knowledge base), its citation in
the site's four styles, its BibTeX and RIS, and the "Cite this page" block that shows them with copy buttons.

- **Author**: the knowledge base, as CITATION.cff names its authors; without any, its title (else the site's
  name). Never the engine's name: refkb builds the site, the knowledge base's editors write it.
- **Same name, said once**: where the author is the site itself (same words as the site's name), APA 7 (9.8) and
  Cite Them Right name it once, as the author, MLA 9 (5.6) once, as the website; Chicago names both.
- **Retrieval date**: a page changes, so its citation carries the date it was read where the style wants one
  (APA 7 9.16 "Retrieved Month D, YYYY, from URL", which the CSL style prints only for an undated work; Cite Them
  Right "(Accessed: …)"), as BibTeX's `urldate` and RIS's `Y2`. The page shows its last-updated date there
  (deterministic output); the copy buttons put in the reader's own date (refkb.js, as on reference pages).
- **Keys**: `<project><year><page>`, e.g. `smhtrkb2026topics-recruitment`: the knowledge base's initials (the
  key convention's rule for an organisation, refkb.keys), the year of the page's last update and the page's path;
  the whole knowledge base is `<project><year>`. No host name: the key is the same wherever the site is served.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping

from markupsafe import Markup, escape

from . import csl, exports, keys, refpage, styles
from .csl import CslItem
from .reader import KbMeta, PageCiter

URL_PLACEHOLDER = "https://refkb.invalid/stable-url"  # stands for the page's URL while the engine formats it
# Where the author is the site itself, what each style leaves out to name it once (Chicago keeps both, as its own
# examples of an organisation's website do: the author, then the website's name before the date).
SAME_NAME_DROPS = {"apa": "container-title", "harvard": "container-title", "mla": "author"}
_ACCESS_NOTE = Markup(
    '<p class="refkb-access-note">Copied, a citation gives today’s date as the date you retrieved the page.</p>'
)


def page_url(site_url: str, url: str) -> str:
    """The stable address of the page at site path `url` ('topics/x/'): absolute when site_url is known."""
    if site_url:
        return site_url.rstrip("/") + "/" + url
    return "/" + url


def authors(meta: KbMeta, site_name: str) -> tuple[str, ...]:
    """Who a page of the knowledge base is by: CITATION.cff's authors, else its title, else the site's name."""
    if meta.authors:
        return meta.authors
    name = meta.title or site_name
    return (name,) if name else ()


def project_slug(name: str) -> str:
    """A key's prefix for the knowledge base: the initials of its name's significant words ('Social Media and
    Human Trafficking: A Research Knowledge Base': smhtrkb), as the key convention shortens an organisation."""
    words = re.findall(r"[a-z0-9]+", keys.ascii_fold(name))
    return "".join(w[0] for w in words if w not in keys.STOPWORDS) or "kb"


def page_slug(path: str) -> str:
    """The page's part of a key: its site path with hyphens ('topics/x/': topics-x; the home page: home)."""
    return re.sub(r"[^a-z0-9]+", "-", keys.ascii_fold(path)).strip("-") or "home"


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", keys.ascii_fold(text))


def page_item(meta: KbMeta, site_name: str, title: str, path: str, site_url: str, updated: dt.date) -> CslItem:
    """A CSL item for the page at site path `path`: a web page of the site, by the knowledge base, retrieved on
    `updated` (the reader's own date replaces it when a citation is copied)."""
    by = authors(meta, site_name)
    date = [[updated.year, updated.month, updated.day]]
    item: CslItem = {
        "id": f"{project_slug(by[0] if by else site_name)}{updated.year}{page_slug(path)}",
        "type": "webpage",
        "title": title,
        "container-title": site_name,
        "issued": {"date-parts": date},
        "accessed": {"date-parts": date},
        "URL": page_url(site_url, path),
    }
    if by:
        item["author"] = [{"literal": a} for a in by]
    if meta.version:
        item["version"] = meta.version
    return item


def kb_item(meta: KbMeta, site_name: str, site_url: str, updated: dt.date) -> CslItem:
    """A CSL item for the knowledge base as a whole (CITATION.cff's type: a dataset, with its version)."""
    item = page_item(meta, site_name, meta.title or site_name, "", site_url, updated)
    item["id"] = item["id"].removesuffix("home")
    item["type"] = "dataset"
    item.pop("container-title", None)
    return item


def _is_the_site(item: CslItem) -> bool:
    """Whether the item's one author is the site itself (the same words as the site's name or, for the whole
    knowledge base, its title)."""
    names = item.get("author", [])
    site = item.get("container-title") or item.get("title", "")
    return len(names) == 1 and _words(str(names[0].get("literal", ""))) == _words(str(site))


def for_engine(item: CslItem) -> dict[str, CslItem]:
    """The item as each style's engine formats it: the URL replaced by a placeholder (cite_block puts the URL
    back, marked so that a root-relative path can be widened in the browser), the site's name said once, and an
    id that changes with the content (citeproc-js keeps an item by its id: a changed title under `mkdocs serve`
    must not come back as the old one)."""
    out: dict[str, CslItem] = {}
    same = _is_the_site(item)
    for style_id in styles.ORDER:
        styled: CslItem = {**item, "URL": URL_PLACEHOLDER}
        if same and style_id in SAME_NAME_DROPS:
            styled.pop(SAME_NAME_DROPS[style_id], None)
        text = json.dumps(styled, ensure_ascii=False, sort_keys=True)
        styled["id"] = f"{item['id']}-{hashlib.sha256(text.encode()).hexdigest()[:12]}"
        out[style_id] = styled
    return out


def with_retrieval(style_id: str, html: str, item: CslItem) -> str:
    """A formatted page citation with the retrieval date its style wants: APA's CSL style prints "Retrieved …"
    only for an undated work, APA 7 (9.16) wants it for any page that changes."""
    if style_id != "apa" or "Retrieved" in html or URL_PLACEHOLDER not in html:
        return html
    accessed = refpage.access_date_text(style_id, item)
    return html.replace(URL_PLACEHOLDER, f"{accessed}, from {URL_PLACEHOLDER}", 1) if accessed else html


def formatted(citer: PageCiter, item: CslItem) -> dict[str, str]:
    """{style: the page's citation as HTML}, the URL still the placeholder."""
    rendered = citer.render_each(for_engine(item))
    return {s: with_retrieval(s, html, item) for s, html in rendered.items()}


_TEX_SPECIAL = re.compile(r"([&%$#_{}])")


def _tex(value: str) -> str:
    return _TEX_SPECIAL.sub(r"\\\1", value).replace("~", r"\textasciitilde{}").replace("^", r"\textasciicircum{}")


def _iso(item: CslItem, var: str) -> str:
    parts = (item.get(var, {}).get("date-parts") or [[]])[0]
    return "-".join(f"{p:02d}" if i else str(p) for i, p in enumerate(parts))


def page_bibtex(item: CslItem) -> str:
    """The page's BibTeX (biblatex @online; @dataset for the whole knowledge base)."""
    fields = [
        ("author", " and ".join("{" + _tex(a["literal"]) + "}" for a in item.get("author", []))),
        ("title", "{" + _tex(str(item["title"])) + "}"),
        ("organization" if item["type"] == "webpage" else "publisher", _tex(str(item.get("container-title", "")))),
        ("date", _iso(item, "issued")),
        ("urldate", _iso(item, "accessed")),
        ("version", _tex(str(item.get("version", "")))),
        ("url", str(item["URL"])),
    ]
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields if v)
    kind = "online" if item["type"] == "webpage" else "dataset"
    return f"@{kind}{{{item['id']},\n{body},\n}}"


def page_ris(item: CslItem) -> str:
    """The page's RIS, written by the downloads' own writer (refkb.exports.ris): ELEC (a web page) or DATA (the
    whole knowledge base). The author is an organisation, so its name stands whole, with no comma (a comma would
    split it into family and given names); ET carries the version (RIS has no version tag; reference managers read
    the edition), Y2 the access date. Every value is put on one line first: the writer copies a newline as is."""
    one_line: CslItem = csl.map_strings(item, lambda value: " ".join(value.split()))
    return exports.ris([one_line])


def _wrap_url(text: str, needle: str, url: str, href: str) -> str:
    """`text` with `needle` (the URL, or its placeholder) replaced by the stable URL, marked for the page's script
    to widen a root-relative path to the full address."""
    shown = str(escape(url))
    if url.startswith("/") and href:
        shown = f'<span class="refkb-page-url" data-href="{escape(href)}">{shown}</span>'
    return text.replace(needle, shown)


def _copy_box(prefix: str, css: str, body: Markup, label: str, accessed: tuple[str, str, str] | None) -> Markup:
    """A citation (or record) with its copy button; `accessed` (the shown date, its label, its form) tells
    refkb.js which text to replace with the reader's date when it copies."""
    data = Markup("")
    if accessed:
        data = Markup(' data-accessed="{}" data-accessed-label="{}" data-accessed-form="{}"').format(*accessed)
    tag = (
        Markup('<p class="refkb-formatted" id="{0}-cite-{1}" data-style="{1}"{2}>{3}</p>')
        if css in styles.STYLES
        else Markup('<pre class="refkb-{1}"><code id="{0}-cite-{1}"{2}>{3}</code></pre>')
    )
    kind = "citation" if css in styles.STYLES else "record"
    return Markup(
        '<div class="refkb-citation-box">{0}<button type="button" class="md-clipboard md-icon refkb-copy" '
        'title="Copy to clipboard" aria-label="Copy the {1} {2}" data-refkb-copy="#{3}-cite-{4}"></button>{5}</div>'
    ).format(tag.format(prefix, css, data, body), label, kind, prefix, css, _ACCESS_NOTE if accessed else "")


def _record_tab(item: CslItem, css: str, text: str, href: str) -> tuple[Markup, tuple[str, str, str] | None]:
    """BibTeX's or RIS's code, its URL line marked for widening, and its access date for the copy button."""
    url = str(item["URL"])
    lines = [str(escape(line)) for line in text.rstrip("\n").split("\n")]
    for i, line in enumerate(lines):  # the URL's own line: BibTeX's url field, RIS's UR tag
        for head, tail in (("  url = {", "},"), ("UR  - ", "")):
            if line == f"{head}{escape(url)}{tail}":
                lines[i] = head + _wrap_url(str(escape(url)), str(escape(url)), url, href) + tail
    iso = _iso(item, "accessed")  # both records write it as an ISO date (refkb.exports for RIS)
    label = "urldate = {" if css == "bibtex" else "Y2  - "
    accessed = (label + iso, label, "iso")
    return Markup("\n".join(lines)), accessed if iso and accessed[0] in text else None


def cite_block(
    item: CslItem, rendered: Mapping[str, str], prefix: str, updated: dt.date, version: str, href: str = ""
) -> Markup:
    """Content tabs (Material's markup) with the page's citation in the four styles, its BibTeX and RIS, each with
    a copy button, and a line naming the version, the date and the stable URL. `href` is the page's address
    relative to itself ('./'), used to widen a root-relative URL in the browser."""
    url = str(item["URL"])
    tabs: list[tuple[str, Markup]] = []
    for style_id in styles.ORDER:
        label = styles.STYLES[style_id].label
        html = _wrap_url(rendered[style_id], URL_PLACEHOLDER, url, href)
        shown = refpage.access_date_text(style_id, item)
        form = refpage.ACCESS_FORMS.get(style_id)
        accessed = (shown, form.label, form.form) if shown and form and shown in html else None
        tabs.append((label, _copy_box(prefix, style_id, Markup(html), label, accessed)))
    for label, css, text in (("BibTeX", "bibtex", page_bibtex(item)), ("RIS", "ris", page_ris(item))):
        code, accessed = _record_tab(item, css, text, href)
        tabs.append((label, _copy_box(prefix, css, code, label, accessed)))
    n = len(tabs)
    inputs = "".join(
        f'<input {"checked " if i == 1 else ""}id="__tabbed_{prefix}_{i}" name="__tabbed_{prefix}" type="radio">'
        for i in range(1, n + 1)
    )
    labels = "".join(f'<label for="__tabbed_{prefix}_{i}">{escape(lab)}</label>' for i, (lab, _) in enumerate(tabs, 1))
    blocks = "".join(f'<div class="tabbed-block">{b}</div>' for _, b in tabs)
    stable = _wrap_url(str(escape(url)), str(escape(url)), url, href)
    facts = Markup(
        '<p class="refkb-cite-facts">Knowledge base version <strong>{0}</strong> · last updated '
        '<time datetime="{1}">{1}</time> · stable URL <code>{2}</code></p>'
    ).format(version or "unreleased", updated.isoformat(), Markup(stable))
    return Markup(
        f'<div class="refkb-page-cite">{facts}<div class="tabbed-set tabbed-alternate refkb-cite-block" '
        f'data-tabs="1:{n}">{inputs}<div class="tabbed-labels">{labels}</div><div class="tabbed-content">{blocks}'
        "</div></div></div>"
    )
