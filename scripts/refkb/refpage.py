"""The fragments of a reference page: the work's line and details, its cite block (each style, then BibTeX), its
downloads, the pages that cite it and where its record was verified. Every value from references.bib is escaped;
only validated http(s) URLs become links, and DOI links are built from a validated DOI."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from . import annotation, bibfile, csl, styles
from .fragment import Tab, fmt, link, relative_url, tab_set
from .model import Entry
from .project import Topic
from .refs import CONTAINER_LABELS, KIND_LABELS, MONTHS, Ref, date_text, type_label, type_of
from .values import url_problem


def byline(ref: Ref) -> Markup:
    """Title, authors, date and key: what search needs to find the page (the details come after it). Its class
    must not contain "byline": Zotero's Embedded Metadata takes such an element as the authors of a work that has
    none ("No author · 11 April 2018" as a person)."""
    return fmt(
        '<h1>{}</h1><p class="refkb-work-line"><span class="refkb-authors">{}</span> · <span>{}</span> · '
        '<span class="refkb-key" title="Citation key">{}</span></p>',
        ref.title,
        ref.authors_text or "No author",
        date_text(ref.item.get("issued", {}).get("date-parts")),
        ref.key,
    )


def content_note(text: str) -> Markup:
    """An annotation's `content_note` (front matter) as Material's warning admonition."""
    if not text:
        return Markup("")
    return fmt('<div class="admonition warning"><p class="admonition-title">Content note</p><p>{}</p></div>', text)


@dataclass(frozen=True)
class Detail:
    """One line of a reference page's details: its label and its value (HTML)."""

    label: str
    value: Markup


def reference_header(ref: Ref, topics: Mapping[str, Topic], current: str) -> Markup:
    """The work's details: its type, where and by whom it was published, its kind of source, links and topics."""
    rows = [Detail("Type", escape(type_label(ref.entry))), *_published(ref)]
    links = _links(ref)
    if links:
        rows.append(Detail("Links", Markup(" · ").join(links)))
    tags = [
        fmt('<a class="refkb-tag" href="{}">{}</a>', relative_url(f"topics/{t}/", current), topics[t].title)
        for t in ref.topics
        if t in topics
    ]
    if tags:
        rows.append(Detail("Topics", Markup(" ").join(tags)))
    body = Markup("").join(fmt("<dt>{}</dt><dd>{}</dd>", d.label, d.value) for d in rows)
    return fmt('<dl class="refkb-meta">{}</dl>', body)


def _published(ref: Ref) -> list[Detail]:
    """Where the work appeared (container, volume, issue, pages), its publisher, number and kind of source."""
    e, item = ref.entry, ref.item
    rows = []
    if item.get("container-title"):
        label = CONTAINER_LABELS.get(type_of(e), "Published in")
        volume = ", ".join(
            x
            for x in (
                f"vol. {item['volume']}" if item.get("volume") else "",
                f"no. {item['issue']}" if item.get("issue") else "",
                f"pp. {item['page']}" if item.get("page") else "",
            )
            if x
        )
        rows.append(Detail(label, escape(item["container-title"] + (f", {volume}" if volume else ""))))
    if item.get("publisher"):
        label = "Institution" if e.type in ("report", "techreport", "thesis") else "Publisher"
        place = f" ({item['publisher-place']})" if item.get("publisher-place") else ""
        rows.append(Detail(label, escape(item["publisher"] + place)))
    if item.get("number"):
        rows.append(Detail("Number", escape(item["number"])))
    if e.value("sourcekind"):
        kind = e.value("sourcekind").strip()
        rows.append(Detail("Kind of source", escape(KIND_LABELS.get(kind, kind))))
    return rows


def _links(ref: Ref) -> list[Markup]:
    """The work's source page, its DOI and its archived copy, as outgoing links."""
    item = ref.item
    links = []
    if item.get("URL"):
        links.append(link(item["URL"], "Source page", "refkb-link"))
    if item.get("DOI"):
        links.append(link(f"https://doi.org/{item['DOI']}", f"doi:{item['DOI']}", "refkb-link"))
    archive = csl.link_of(ref.entry, "archiveurl")
    if archive:
        links.append(link(archive, "Archived copy", "refkb-link"))
    return links


@dataclass(frozen=True)
class AccessForm:
    """How a style prints an access date: the label before it and the date's form ('mdy', 'dmy' or 'dmy-short')."""

    label: str
    form: str


# How each style prints an access date (refkb.js writes the reader's date the same way). APA 7 9.16 "Retrieved
# Month D, YYYY, from"; MLA 9 5.111 "Accessed D Mon. YYYY."; Chicago 14.12 "Accessed Month D, YYYY."; Cite Them Right
# "(Accessed: D Month YYYY)".
ACCESS_FORMS = {
    "apa": AccessForm("Retrieved ", "mdy"),
    "mla": AccessForm("Accessed ", "dmy-short"),
    "chicago": AccessForm("Accessed ", "mdy"),
    "harvard": AccessForm("(Accessed: ", "dmy"),
}
_MLA_MONTHS = ("Jan.", "Feb.", "Mar.", "Apr.", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec.")


def access_date_text(style_id: str, item: csl.CslItem) -> str:
    """The access date as the style prints it, label included ('(Accessed: 29 November 2026'); '' if none."""
    parts = (item.get("accessed", {}).get("date-parts") or [[]])[0]
    if style_id not in ACCESS_FORMS or len(parts) != 3:
        return ""
    access = ACCESS_FORMS[style_id]
    year, month, day = parts
    name = MONTHS[month - 1]
    date = {
        "mdy": f"{name} {day}, {year}",
        "dmy": f"{day} {name} {year}",
        "dmy-short": f"{day} {_MLA_MONTHS[month - 1]} {year}",
    }[access.form]
    return access.label + date


_ACCESS_NOTE = Markup(
    '<p class="refkb-access-note">Copied, this citation gives today’s date as the access date: the day you '
    "read the work.</p>"
)


def cite_block(ref: Ref, standalone: Mapping[str, str] | None = None, key_prefix: str = "refkb") -> Markup:
    """Content tabs (Material's markup): one per style, then BibTeX. Each formatted citation has a copy button
    (refkb.js: the citation as HTML, italics kept, and as plain text; where the style prints an access date, the
    copied citation carries the reader's date, and the box says so). `standalone` holds the work formatted alone,
    as a one-item bibliography (no repeated-author dash, no year suffix from the library): what a student copies."""
    tabs = [
        _citation_tab(ref, style_id, (standalone or {}).get(style_id) or ref.rendered[style_id].html, key_prefix)
        for style_id in styles.ORDER
    ]
    bib = fmt(
        '<pre class="refkb-bibtex"><code class="language-bibtex">{}</code></pre>', "\n".join(_bibtex_lines(ref.entry))
    )
    tabs.append(Tab("BibTeX", bib))
    return tab_set(tabs, key_prefix)


def _citation_tab(ref: Ref, style_id: str, html: str, key_prefix: str) -> Tab:
    """One style's tab: the formatted citation with its copy button (and the access date the copy replaces)."""
    accessed = access_date_text(style_id, ref.item)
    if accessed not in html:
        accessed = ""
    access = ACCESS_FORMS.get(style_id, AccessForm("", ""))
    data = (
        fmt(' data-accessed="{}" data-accessed-label="{}" data-accessed-form="{}"', accessed, access.label, access.form)
        if accessed
        else Markup("")
    )
    label = styles.STYLES[style_id].label
    return Tab(
        label,
        fmt(
            '<div class="refkb-citation-box">'
            '<p class="refkb-formatted" id="{0}-cite-{1}" data-style="{1}"{4}>{2}</p>'
            '<button type="button" class="md-clipboard md-icon refkb-copy" title="Copy to clipboard" '
            'aria-label="Copy the {3} citation" data-refkb-copy="#{0}-cite-{1}"></button>{5}</div>',
            key_prefix,
            style_id,
            Markup(html),
            label,
            data,
            _ACCESS_NOTE if accessed else Markup(""),
        ),
    )


def _bibtex_lines(entry: Entry) -> list[str]:
    return bibfile.entry_text(entry).splitlines()


def downloads(ref: Ref) -> Markup:
    """The work's record as files beside its page, named by its slug."""
    k = ref.slug
    items = [
        (f"{k}.bib", "biblatex (biber, pandoc, Zotero)"),
        (f"{k}.bibtex.bib", "classic BibTeX (natbib, BibTeX-only tools)"),
        (f"{k}.ris", "RIS (EndNote, Zotero, Mendeley)"),
        (f"{k}.json", "CSL-JSON"),
    ]
    return fmt(
        '<ul class="refkb-downloads">{}</ul>',
        Markup("").join(fmt('<li><a href="{}" download>{}</a> — {}</li>', f, f, d) for f, d in items),
    )


@dataclass(frozen=True)
class CitingPage:
    url: str
    title: str


def cited_on(pages: Sequence[CitingPage], current: str) -> Markup:
    if not pages:
        return Markup('<p class="refkb-cited-on">No page of this site cites this source yet.</p>')
    return fmt(
        '<ul class="refkb-cited-on">{}</ul>',
        Markup("").join(fmt('<li><a href="{}">{}</a></li>', relative_url(p.url, current), p.title) for p in pages),
    )


def verification(trail: Sequence[annotation.Link], on: dt.date | None) -> Markup:
    """Where and when the record was verified; a copy kept on a low-trust host carries its note."""
    when = on.isoformat() if on else "an unrecorded date"
    links = Markup(", ").join(
        link(t.url, t.url) + (fmt(' <span class="refkb-trail-note">({})</span>', t.note) if t.note else Markup(""))
        for t in trail
        if not url_problem(t.url)
    )
    return fmt('<p class="refkb-verified">Record verified on {} at: {}.</p>', when, links)


# Zotero item types (for the `z.itemType` tag) per CSL type.
