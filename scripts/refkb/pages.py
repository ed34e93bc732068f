"""Pure functions from model values to HTML fragments. Every value from references.bib is escaped here; only
validated http(s) URLs become links, and DOI links are built from a validated DOI. Nothing here passes a field
through Markdown or Jinja."""

from __future__ import annotations

import datetime as dt
import functools
import posixpath
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from . import annotation, bibfile, citations, csl, kb, styles
from .citations import Citation, Cite
from .engine import CITE_END, CITE_SEP, CITE_START, ClusterCite
from .model import Entry, Person
from .project import Topic
from .values import url_problem

TYPE_LABELS = {
    "article": "Journal article",
    "inproceedings": "Conference paper",
    "report": "Report",
    "techreport": "Report",
    "online": "Web page",
    "book": "Book",
    "incollection": "Book chapter",
    "inbook": "Book chapter",
    "legislation": "Law or resolution",
    "misc": "Document",
    "thesis": "Thesis",
    "phdthesis": "Doctoral thesis",
    "dataset": "Dataset",
    "unpublished": "Unpublished work",
    "article-newspaper": "Newspaper article",
    "article-magazine": "Magazine article",
}
CONTAINER_LABELS = {"article": "Journal", "article-newspaper": "Newspaper", "article-magazine": "Magazine"}


def type_of(e: Entry) -> str:
    """The kind of work as readers know it: an @article with entrysubtype newspaper or magazine is a newspaper or
    magazine article (biblatex's data model), not a journal article."""
    sub = e.value("entrysubtype").strip().lower()
    if e.type == "article" and sub in ("newspaper", "magazine"):
        return f"article-{sub}"
    return e.type


def type_label(e: Entry) -> str:
    t = type_of(e)
    return TYPE_LABELS.get(t, t.capitalize())


KIND_LABELS = {
    "ngo": "Non-governmental organisation",
    "intergovernmental": "Intergovernmental body",
    "government": "Government",
    "academic": "Academic research",
    "industry": "Industry",
    "law": "Law or treaty",
    "journalism": "Journalism",
}
EXTERNAL = 'rel="noopener noreferrer" target="_blank"'
MONTHS = tuple(bibfile.MONTHS.values())


def fmt(template: str, *args: object) -> Markup:
    """`template` with each argument escaped (a Markup argument is kept as it is). Faster than Markup.format."""
    return Markup(template.format(*[escape(a) for a in args]))


@functools.lru_cache(maxsize=65536)
def relative_url(target: str, current: str) -> str:
    """Link from the page at site URL `current` (e.g. 'references/x/') to `target` (e.g. 'topics/a/')."""
    base = current if current.endswith("/") or not current else posixpath.dirname(current) + "/"
    rel = posixpath.relpath("/" + target, "/" + base)
    if target.endswith("/") and not rel.endswith("/"):
        rel += "/"
    return rel


def link(url: str, text: str | Markup, css: str = "") -> Markup:
    """An outgoing link; `url` must already be a validated http(s) URL."""
    klass = f' class="{escape(css)}"' if css else ""
    return Markup(f'<a href="{escape(url)}"{klass} {EXTERNAL}>{escape(text)}</a>')


def people_text(people: Sequence[Person]) -> str:
    names = [
        p.family if p.corporate else " ".join(x for x in (p.given, p.prefix, p.family, p.suffix) if x) for p in people
    ]
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + ", and " + names[-1]


def date_text(parts: list[list[int]] | None) -> str:
    if not parts:
        return "No date"
    out = []
    for p in parts:
        if len(p) == 3:
            out.append(f"{p[2]} {MONTHS[p[1] - 1]} {p[0]}")
        elif len(p) == 2:
            out.append(f"{MONTHS[p[1] - 1]} {p[0]}")
        else:
            out.append(str(p[0]))
    return "–".join(out)


@dataclass(frozen=True)
class Ref:
    """Everything a page needs to show one work: the entry, its CSL item and its citations in every style."""

    entry: Entry
    csl_item: csl.CslItem
    rendered: Mapping[str, styles.Rendered]
    discussed_in: tuple[str, ...] = ()  # topics whose synthesis page cites this work
    folder: str = "references"  # where reference pages live (the annotations folder under docs/)

    @functools.cached_property
    def item(self) -> csl.CslItem:
        """The CSL item as shown on pages (quotation marks resolved)."""
        return csl.public(self.csl_item)

    @property
    def key(self) -> str:
        return self.entry.key

    @property
    def url(self) -> str:
        return f"{self.folder}/{self.key}/"

    @functools.cached_property
    def title(self) -> str:
        return str(self.item.get("title", self.key))

    @functools.cached_property
    def year(self) -> str:
        return csl.year_of(self.entry)

    @functools.cached_property
    def authors_text(self) -> str:
        return people_text(csl.people(self.entry.value("author") or self.entry.value("editor")))

    @functools.cached_property
    def topics(self) -> list[str]:
        """The work's topics: its `keywords`, and the topics whose page cites it."""
        tagged = [t.strip() for t in self.entry.value("keywords").split(",") if t.strip()]
        return tagged + [t for t in self.discussed_in if t not in tagged]

    def sort_key(self) -> tuple[int, str]:
        """The order of the site's default reference list (APA's, as its engine sorts it)."""
        return (self.rendered["apa"].order if "apa" in self.rendered else 0, self.key)


# ---------------------------------------------------------------------------------------------------------------
# Reference pages


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


def reference_header(ref: Ref, topics: Mapping[str, Topic], current: str) -> Markup:
    e, item = ref.entry, ref.item
    rows: list[tuple[str, Markup]] = []
    rows.append(("Type", escape(type_label(e))))
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
        rows.append((label, escape(item["container-title"] + (f", {volume}" if volume else ""))))
    if item.get("publisher"):
        label = "Institution" if e.type in ("report", "techreport", "thesis") else "Publisher"
        place = f" ({item['publisher-place']})" if item.get("publisher-place") else ""
        rows.append((label, escape(item["publisher"] + place)))
    if item.get("number"):
        rows.append(("Number", escape(item["number"])))
    if e.value("sourcekind"):
        kind = e.value("sourcekind").strip()
        rows.append(("Kind of source", escape(KIND_LABELS.get(kind, kind))))
    links = []
    if item.get("URL"):
        links.append(link(item["URL"], "Source page", "refkb-link"))
    if item.get("DOI"):
        links.append(link(f"https://doi.org/{item['DOI']}", f"doi:{item['DOI']}", "refkb-link"))
    archive = csl.link_of(e, "archiveurl")
    if archive:
        links.append(link(archive, "Archived copy", "refkb-link"))
    if links:
        rows.append(("Links", Markup(" · ").join(links)))
    tags = [
        fmt('<a class="refkb-tag" href="{}">{}</a>', relative_url(f"topics/{t}/", current), topics[t].title)
        for t in ref.topics
        if t in topics
    ]
    if tags:
        rows.append(("Topics", Markup(" ").join(tags)))
    body = Markup("").join(fmt("<dt>{}</dt><dd>{}</dd>", k, v) for k, v in rows)
    return fmt('<dl class="refkb-meta">{}</dl>', body)


# How each style prints an access date: its label and the date's form (refkb.js writes the reader's date the same
# way). APA 7 9.16 "Retrieved Month D, YYYY, from"; MLA 9 5.111 "Accessed D Mon. YYYY."; Chicago 14.12 "Accessed
# Month D, YYYY."; Cite Them Right "(Accessed: D Month YYYY)".
ACCESS_FORMS = {
    "apa": ("Retrieved ", "mdy"),
    "mla": ("Accessed ", "dmy-short"),
    "chicago": ("Accessed ", "mdy"),
    "harvard": ("(Accessed: ", "dmy"),
}
_MLA_MONTHS = ("Jan.", "Feb.", "Mar.", "Apr.", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec.")


def access_date_text(style_id: str, item: csl.CslItem) -> str:
    """The access date as the style prints it, label included ('(Accessed: 29 November 2026'); '' if none."""
    parts = (item.get("accessed", {}).get("date-parts") or [[]])[0]
    if style_id not in ACCESS_FORMS or len(parts) != 3:
        return ""
    label, form = ACCESS_FORMS[style_id]
    year, month, day = parts
    name = MONTHS[month - 1]
    date = {
        "mdy": f"{name} {day}, {year}",
        "dmy": f"{day} {name} {year}",
        "dmy-short": f"{day} {_MLA_MONTHS[month - 1]} {year}",
    }[form]
    return label + date


def cite_block(ref: Ref, standalone: Mapping[str, str] | None = None, key_prefix: str = "refkb") -> Markup:
    """Content tabs (Material's markup): one per style, then BibTeX. Each formatted citation has a copy button
    (refkb.js: the citation as HTML, italics kept, and as plain text; where the style prints an access date, the
    copied citation carries the reader's date, and the box says so). `standalone` holds the work formatted alone,
    as a one-item bibliography (no repeated-author dash, no year suffix from the library): what a student copies."""
    tabs: list[tuple[str, Markup]] = []
    for style_id in styles.ORDER:
        html = (standalone or {}).get(style_id) or ref.rendered[style_id].html
        accessed = access_date_text(style_id, ref.item)
        if accessed not in html:
            accessed = ""
        label, form = ACCESS_FORMS.get(style_id, ("", ""))
        data = (
            fmt(' data-accessed="{}" data-accessed-label="{}" data-accessed-form="{}"', accessed, label, form)
            if (accessed)
            else Markup("")
        )
        note = (
            Markup(
                '<p class="refkb-access-note">Copied, this citation gives today’s date as the access date: the day you '
                "read the work.</p>"
            )
            if accessed
            else Markup("")
        )
        tabs.append(
            (
                styles.STYLES[style_id].label,
                fmt(
                    '<div class="refkb-citation-box">'
                    '<p class="refkb-formatted" id="{0}-cite-{1}" data-style="{1}"{4}>{2}</p>'
                    '<button type="button" class="md-clipboard md-icon refkb-copy" title="Copy to clipboard" '
                    'aria-label="Copy the {3} citation" data-refkb-copy="#{0}-cite-{1}"></button>{5}</div>',
                    key_prefix,
                    style_id,
                    Markup(html),
                    styles.STYLES[style_id].label,
                    data,
                    note,
                ),
            )
        )
    bib = fmt(
        '<pre class="refkb-bibtex"><code class="language-bibtex">{}</code></pre>', "\n".join(_bibtex_lines(ref.entry))
    )
    tabs.append(("BibTeX", bib))
    n = len(tabs)
    inputs = "".join(
        f'<input {"checked " if i == 1 else ""}id="__tabbed_{key_prefix}_{i}" name="__tabbed_{key_prefix}" '
        'type="radio">'
        for i in range(1, n + 1)
    )
    labels = "".join(
        f'<label for="__tabbed_{key_prefix}_{i}">{escape(label)}</label>' for i, (label, _) in enumerate(tabs, 1)
    )
    blocks = "".join(f'<div class="tabbed-block">{b}</div>' for _, b in tabs)
    return Markup(
        f'<div class="tabbed-set tabbed-alternate refkb-cite-block" data-tabs="1:{n}">{inputs}'
        f'<div class="tabbed-labels">{labels}</div><div class="tabbed-content">{blocks}</div></div>'
    )


def _bibtex_lines(entry: Entry) -> list[str]:
    return bibfile.entry_text(entry).splitlines()


def downloads(ref: Ref) -> Markup:
    k = ref.key
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
ZOTERO_TYPES = {
    "article-journal": "journalArticle",
    "article-newspaper": "newspaperArticle",
    "article-magazine": "magazineArticle",
    "book": "book",
    "chapter": "bookSection",
    "paper-conference": "conferencePaper",
    "report": "report",
    "thesis": "thesis",
    "webpage": "webpage",
    "legislation": "statute",
    "legal_case": "case",
    "dataset": "dataset",
    "software": "computerProgram",
    "patent": "patent",
    "manuscript": "manuscript",
    "entry-encyclopedia": "encyclopediaArticle",
    "document": "document",
    "pamphlet": "document",
}


_GENRE_FIELD = {"report": "reportType", "thesis": "thesisType", "webpage": "websiteType"}


def _zotero_fields(item: csl.CslItem, ztype: str) -> list[tuple[str, str]]:
    """Fields Highwire has no tag for, as `z.<field>` tags: Embedded Metadata hands them to its RDF reader, which
    copies every property in Zotero's namespace into the item's field of that name (RDF.js, "OTHER FIELDS")."""
    out = []
    if item.get("publisher-place") or item.get("event-place"):
        out.append(("z.place", item.get("publisher-place") or item["event-place"]))
    if item.get("genre") and ztype in _GENRE_FIELD:
        out.append((f"z.{_GENRE_FIELD[ztype]}", item["genre"]))
    if item.get("collection-title") and ztype == "report":
        out.append(("z.seriesTitle", item["collection-title"]))
    if item.get("collection-number"):
        out.append(("z.seriesNumber", str(item["collection-number"])))
    if item.get("version") and ztype == "dataset":
        out.append(("z.versionNumber", str(item["version"])))
    for var, field in (("edition", "edition"), ("number-of-pages", "numPages")):
        if item.get(var):
            out.append((f"z.{field}", str(item[var])))
    return out


def head_meta(ref: Ref, site_name: str) -> Markup:
    """What Zotero's connector reads from a reference page: Highwire Press `citation_*` tags and one Zotero RDF tag.

    Why these and not the others (read from Zotero's translators, and checked by tests/test_zotero.py against the
    translation-server): on a page with no site translator, the generic translators compete by priority: unAPI (300),
    COinS (310), Embedded Metadata (320). unAPI needs a server that answers `?id=…&format=…`, which a static site
    cannot; COinS (OpenURL) knows no web page, statute, newspaper article or data set, and would win over the meta
    tags if present, so the pages carry none. No generic translator follows `<link rel="alternate"
    type="application/x-research-info-systems">` (only a few site translators do) and none reads JSON-LD. So the
    page speaks to Embedded Metadata. It sets the item type from the Highwire tag it sees: `citation_journal_title`
    -> journal article, `citation_technical_report_institution` -> report, `citation_conference_title` -> conference
    paper, `citation_inbook_title` -> book section (not `citation_book_title`: its `book_` is read as Open Graph's
    `book:` namespace and never seen), `citation_dissertation_institution` ->
    thesis; a page with only `citation_title` falls back to journal article (the old fault). For every other type
    the page gives no such tag and adds `<meta name="z.itemType">` (Zotero's own RDF namespace, which Embedded
    Metadata passes to its RDF reader), which then decides the type. A newspaper article's paper goes in
    `prism.publicationName`, since `citation_journal_title` would make it a journal article. Highwire author tags are
    split by Zotero into first and last name unless they hold a comma: an organisation is written `Name,`, which
    Zotero files as a single last name. The abstract is `citation_abstract` when the entry has one; build.py removes
    the site's description tag from reference pages, which Zotero would otherwise take as the abstract.
    """
    item = ref.item
    kind = item.get("type", "document")
    ztype = ZOTERO_TYPES.get(kind, "document")
    tags: list[tuple[str, str]] = [("citation_title", ref.title)]
    hw_typed = ztype in ("journalArticle", "report", "conferencePaper", "bookSection", "thesis")
    if not hw_typed:
        tags.append(("z.itemType", ztype))
    for role, tag in (("author", "citation_author"), ("editor", "citation_editor")):
        for name in item.get(role, []):
            tags.append(
                (
                    tag,
                    f"{name['literal']},"
                    if "literal" in name
                    else ", ".join(
                        x
                        for x in (
                            " ".join(y for y in (name.get("non-dropping-particle", ""), name.get("family", "")) if y),
                            name.get("given", ""),
                        )
                        if x
                    ),
                )
            )
    parts = item.get("issued", {}).get("date-parts")
    if parts:
        date = "/".join(f"{p:02d}" if i else str(p) for i, p in enumerate(parts[0]))
        tags.append(("citation_publication_date", date))
    if item.get("DOI"):
        tags.append(("citation_doi", item["DOI"]))
    container = item.get("container-title", "")
    if container:
        if ztype == "journalArticle":
            tags.append(("citation_journal_title", container))
        elif ztype == "conferencePaper":
            # The proceedings first: citation_inbook_title fills publicationTitle (= proceedingsTitle) and would
            # make a book section, but the last type tag wins and citation_conference_title comes after it.
            tags.append(("citation_inbook_title", container))
            tags.append(("citation_conference_title", item.get("event-title") or container))
        elif ztype == "bookSection":
            # Not citation_book_title: Embedded Metadata reads `citation_book_*` as Open Graph's `book:` namespace.
            tags.append(("citation_inbook_title", container))
        else:
            tags.append(("prism.publicationName", container))
    elif ztype == "conferencePaper" and item.get("event-title"):
        tags.append(("citation_conference_title", item["event-title"]))
    publisher = item.get("publisher", "")
    if publisher:
        if ztype == "report":
            tags.append(("citation_technical_report_institution", publisher))
        elif ztype == "thesis":
            tags.append(("citation_dissertation_institution", publisher))
        else:
            tags.append(("citation_publisher", publisher))
    elif ztype == "report":
        # Highwire marks a report by its institution; with no publisher recorded, the issuing body is the
        # corporate author (a UN resolution's General Assembly) — never this site.
        issuer = container or next((n["literal"] for n in item.get("author", []) if "literal" in n), "")
        if issuer:
            tags.append(("citation_technical_report_institution", issuer))
        else:
            tags.append(("z.itemType", ztype))
    if item.get("number") and ztype not in ("journalArticle", "newspaperArticle", "magazineArticle"):
        tags.append(("citation_technical_report_number", str(item["number"])))
    if item.get("collection-title"):
        tags.append(("citation_series_title", item["collection-title"]))
    for var, tag in (
        ("volume", "citation_volume"),
        ("issue", "citation_issue"),
        ("ISSN", "citation_issn"),
        ("abstract", "citation_abstract"),
        ("language", "citation_language"),
    ):
        if item.get(var):
            tags.append((tag, str(item[var])))
    if item.get("ISBN") and ztype in ("book", "bookSection", "conferencePaper"):
        tags.append(("citation_isbn", item["ISBN"]))
    if item.get("page"):
        first, _, last = str(item["page"]).partition("–")
        tags.append(("citation_firstpage", first))
        if last:
            tags.append(("citation_lastpage", last))
    elif item.get("number") and ztype == "journalArticle":
        tags.append(("citation_firstpage", str(item["number"])))  # an article number (eid), as publishers give it
    if item.get("URL"):
        tags.append(("citation_public_url", item["URL"]))
    if item.get("keyword"):
        tags.append(("citation_keywords", "; ".join(k.strip() for k in str(item["keyword"]).split(","))))
    tags.extend(_zotero_fields(item, ztype))
    return Markup("\n").join(fmt('<meta name="{}" content="{}">', k, v) for k, v in tags if v)


# ---------------------------------------------------------------------------------------------------------------
# In-text citations and reference lists

_LOCATOR = re.compile(
    r"^,?\s*(?P<label>pp?|pages?|ch|chap|chapters?|sec|sections?|§+|para|paras|paragraphs?|fig|figs|figures?|vol|"
    r"vols|volumes?|n|nn|notes?|l|ll|lines?|tbl|tables?)\.?\s+(?P<value>[^,;]+?)(?P<rest>,.*)?$"
    r"|^,?\s*(?P<bare>\d+(?:\s*[-–]\s*\d+)?)(?P<rest2>,.*)?$",
    re.I,
)
_LABELS = {
    "page": ("page", "p", "pp", "pages"),
    "chapter": ("ch", "chap", "chapter", "chapters"),
    "section": ("sec", "section", "sections", "§"),
    "paragraph": ("para", "paras", "paragraph", "paragraphs"),
    "figure": ("fig", "figs", "figure", "figures"),
    "volume": ("vol", "vols", "volume", "volumes"),
    "note": ("n", "nn", "note", "notes"),
    "line": ("l", "ll", "line", "lines"),
    "table": ("tbl", "table", "tables"),
}
_LABEL_OF = {alias: label for label, aliases in _LABELS.items() for alias in aliases}
# A function that formats citation clusters in a style (styles.Renderer.cluster): works wrapped in markers.
ClusterFn = Callable[[str, Sequence[ClusterCite]], str]


def locator(suffix: str) -> tuple[str, str, str]:
    """A citation's suffix as (CSL label, locator, rest): ', pp. 3-4' -> ('page', '3-4', ''); the engine writes the
    label in the style's way (APA 'pp. 3–4', Chicago '3–4')."""
    suffix = suffix.strip()
    if not suffix:
        return ("", "", "")
    m = _LOCATOR.match(suffix)
    if not m:
        return ("", "", suffix.lstrip(", "))
    if m["bare"] is not None:
        return ("page", m["bare"].strip(), (m["rest2"] or "").lstrip(", "))
    label = _LABEL_OF.get(m["label"].lower().rstrip("."), "page")
    return (label, m["value"].strip(), (m["rest"] or "").lstrip(", "))


_WRAPPED = re.compile(re.escape(CITE_START) + "(.*?)" + re.escape(CITE_SEP) + "(.*?)" + re.escape(CITE_END), re.S)
_NO_FORM = "[NO_PRINTED_FORM]"


def _linked(cluster: str, refs: Mapping[str, Ref], style_id: str, current: str) -> Markup:
    """A formatted cluster (safe HTML from the engine) with each work linked to its page."""

    def one(m: re.Match[str]) -> str:
        ref = refs.get(m.group(1))
        if ref is None:
            return m.group(2)
        return str(
            fmt(
                '<a class="refkb-cite" href="{}" data-key="{}" title="{}">{}</a>',
                relative_url(ref.url, current),
                ref.key,
                ref.rendered[style_id].text,
                Markup(m.group(2)),
            )
        )

    return Markup(_WRAPPED.sub(one, cluster.replace(_NO_FORM, "")))


def _cluster_cite(cite: Cite, **flags: bool) -> ClusterCite:
    label, loc, rest = locator(cite.suffix)
    return ClusterCite(cite.key, locator=loc, label=label, prefix=cite.prefix.strip(), suffix=rest, **flags)


def intext(citation: Citation, refs: Mapping[str, Ref], style_id: str, current: str, clusters: ClusterFn) -> Markup:
    """One citation as it reads in the text, formatted by the style's engine (order, collapsing, locators), each
    work linked to its page. A narrative citation (`@key`) is the author, then the year in the style's
    parentheses, as pandoc writes it."""
    if citation.narrative:
        parts = []
        for cite in citation.cites:
            author = clusters(style_id, [_cluster_cite(cite, author_only=True)])
            year = clusters(style_id, [_cluster_cite(cite, suppress_author=True)])
            if _NO_FORM in author or not _WRAPPED.sub(r"\2", author).strip():
                author = clusters(style_id, [_cluster_cite(cite)])
                year = ""
            if style_id == "apa":
                author = author.replace(" &#38; ", " and ")
            year = year.replace(_NO_FORM, "")
            text = _linked(author, refs, style_id, current)
            if _WRAPPED.sub(r"\2", year).strip("() "):
                text += Markup(" ") + _linked(year, refs, style_id, current)
            parts.append(text)
        return fmt('<span class="refkb-citation">{}</span>', Markup("; ").join(parts))
    cluster = [_cluster_cite(c, suppress_author=c.suppress_author) for c in citation.cites]
    return fmt('<span class="refkb-citation">{}</span>', _linked(clusters(style_id, cluster), refs, style_id, current))


def cluster_requests(citation: Citation) -> list[list[ClusterCite]]:
    """The clusters `intext` asks the engine for (a narrative citation: author, then year; with a fallback to the
    whole citation for a work with no author), so that a build can format them all with the library."""
    if citation.narrative:
        out = []
        for cite in citation.cites:
            out += [
                [_cluster_cite(cite, author_only=True)],
                [_cluster_cite(cite, suppress_author=True)],
                [_cluster_cite(cite)],
            ]
        return out
    return [[_cluster_cite(c, suppress_author=c.suppress_author) for c in citation.cites]]


def reference_list(refs: Iterable[Ref], style_id: str, current: str, css: str = "refkb-bibliography") -> Markup:
    items = sorted(refs, key=lambda r: r.rendered[style_id].order)
    return fmt(
        '<div class="{}">{}</div>',
        css,
        Markup("").join(
            fmt(
                '<p class="refkb-entry" id="ref-{}">{} <a class="refkb-more" href="{}" title="{}">{}</a></p>',
                r.key,
                Markup(r.rendered[style_id].html),
                relative_url(r.url, current),
                "About this source",
                Markup("&rarr;"),
            )
            for r in items
        ),
    )


# ---------------------------------------------------------------------------------------------------------------
# The claims ledger, the glossary and the timeline

VERDICT_CLASS = {
    "supported": "ok",
    "partly supported": "partly",
    "unsupported": "unsupported",
    "contradicted": "contradicted",
    "unverifiable": "unverifiable",
}


def cite_keys(keys: Sequence[str], refs: Mapping[str, Ref], style_id: str, current: str, clusters: ClusterFn) -> Markup:
    """A parenthetical citation of `keys` (those that exist), linked to their pages."""
    known = tuple(Cite(k) for k in keys if k in refs)
    if not known:
        return Markup("")
    return intext(Citation(0, 0, 0, 0, known), refs, style_id, current, clusters)


def cited_text(text: str, refs: Mapping[str, Ref], style_id: str, current: str, clusters: ClusterFn) -> Markup:
    """Prose from a data file with its `[@key]` citations formatted and linked (the rest escaped)."""
    out, at = Markup(""), 0
    for c in citations.find(text):
        if not all(k in refs for k in c.keys):
            continue
        out += escape(text[at : c.start]) + intext(c, refs, style_id, current, clusters)
        at = c.end
    return out + escape(text[at:])


def claims_table(
    claims: Sequence[kb.Claim], refs: Mapping[str, Ref], style_id: str, current: str, clusters: ClusterFn
) -> Markup:
    sections = sorted({c.section for c in claims}, key=lambda s: [c.section for c in claims].index(s))
    options_v = "".join(f'<option value="{escape(v)}">{escape(v.capitalize())}</option>' for v in kb.VERDICTS)
    options_s = "".join(f'<option value="{escape(s)}">{escape(s)}</option>' for s in sections)
    controls = (
        '<div class="refkb-filters" data-refkb-filter="claims" hidden>'
        '<label>Verdict <select data-filter="verdict"><option value="">All</option>' + options_v + "</select></label>"
        '<label>Section <select data-filter="section"><option value="">All</option>' + options_s + "</select></label>"
        '<label>Text <input type="search" data-filter="text" placeholder="Filter claims"></label>'
        '<output class="refkb-count" aria-live="polite"></output></div>'
    )
    rows = []
    for c in claims:
        rows.append(
            fmt(
                '<tr id="{0}" data-verdict="{1}" data-section="{2}"><td><a href="#{0}">{0}</a></td>'
                "<td>{2}</td><td>{3}</td>"
                '<td><span class="refkb-verdict refkb-verdict--{4}">{1}</span></td><td>{5} {6}</td><td>{7}</td></tr>',
                c.id,
                c.verdict,
                c.section,
                c.claim,
                VERDICT_CLASS.get(c.verdict, "unknown"),
                cited_text(c.note, refs, style_id, current, clusters),
                cite_keys(_uncited(c.evidence, c.note), refs, style_id, current, clusters),
                c.corrected or "—",
            )
        )
    return Markup(
        controls + '<div class="refkb-scroll"><table class="refkb-claims refkb-filterable" data-refkb-table="claims">'
        "<thead><tr><th>#</th>"
        "<th>Section</th><th>Claim (paraphrased)</th><th>Verdict</th><th>Evidence</th><th>Corrected statement</th>"
        "</tr></thead><tbody>" + "".join(rows) + "</tbody></table></div>"
    )


def _uncited(keys: Sequence[str], text: str) -> list[str]:
    """The keys that `text` does not already cite inline."""
    inline = {k for c in citations.find(text) for k in c.keys}
    return [k for k in keys if k not in inline]


def claims_for(key: str, claims: Sequence[kb.Claim], current: str) -> Markup:
    mine = [c for c in claims if key in c.evidence]
    if not mine:
        return Markup('<p class="refkb-claims-for">The claims ledger does not cite this source.</p>')
    items = "".join(
        fmt(
            '<li><a href="{}#{}">{}</a> <span class="refkb-verdict refkb-verdict--{}">{}</span> {}</li>',
            relative_url("claims/", current),
            c.id,
            c.id,
            VERDICT_CLASS.get(c.verdict, "unknown"),
            c.verdict,
            c.claim,
        )
        for c in mine
    )
    return Markup(f'<ul class="refkb-claims-for">{items}</ul>')


def glossary(
    terms: Sequence[kb.Term], refs: Mapping[str, Ref], style_id: str, current: str, clusters: ClusterFn
) -> Markup:
    items = "".join(
        fmt(
            '<dt id="{}">{}</dt><dd>{} {}</dd>',
            t.anchor,
            t.term,
            t.definition,
            cite_keys(t.cite, refs, style_id, current, clusters),
        )
        for t in terms
    )
    return Markup(f'<dl class="refkb-glossary">{items}</dl>')


def timeline(
    events: Sequence[kb.Event], refs: Mapping[str, Ref], style_id: str, current: str, clusters: ClusterFn
) -> Markup:
    items = "".join(
        fmt(
            '<li><time datetime="{}">{}</time> <span>{} {}</span></li>',
            e.date,
            date_text(csl.date_parts(e.date)),
            e.event,
            cite_keys(e.cite, refs, style_id, current, clusters),
        )
        for e in events
    )
    return Markup(f'<ol class="refkb-timeline">{items}</ol>')


# ---------------------------------------------------------------------------------------------------------------
# The library browser and the coverage dashboard

KIND_ORDER = ("ngo", "intergovernmental", "government", "academic", "industry", "law", "journalism")


def index_record(ref: Ref, summary: str) -> dict[str, object]:
    """One line of the library's JSON index (what the browser filters on)."""
    return {
        "key": ref.key,
        "url": ref.url,
        "authors": ref.authors_text,
        "year": ref.year,
        "title": ref.title,
        "type": type_of(ref.entry),
        "kind": ref.entry.value("sourcekind").strip(),
        "topics": ref.topics,
        "summary": summary,
    }


def library_browser(refs: Sequence[Ref], topics: Sequence[Topic], current: str) -> Markup:
    """Filters (topic, kind, type, years, text, sort) over the library table; hidden until the script runs, so the
    full list shows without JavaScript."""
    types = sorted({type_of(r.entry) for r in refs})
    kinds = [k for k in KIND_ORDER if any(r.entry.value("sourcekind").strip() == k for r in refs)]
    years = [int(r.year) for r in refs if r.year.isdigit()]
    lo, hi = (min(years), max(years)) if years else (1990, 2030)

    def options(pairs: Iterable[tuple[str, str]]) -> str:
        return '<option value="">All</option>' + "".join(
            f'<option value="{escape(v)}">{escape(label)}</option>' for v, label in pairs
        )

    return Markup(
        f'<form class="refkb-filters refkb-browser" data-refkb-browser hidden role="search" '
        f'aria-label="Filter the library" data-index="{escape(relative_url("references/index.json", current))}">'
        f'<label>Topic <select name="topic">{options((t.slug, t.title) for t in topics)}</select></label>'
        f'<label>Kind of source <select name="kind">{options((k, KIND_LABELS.get(k, k)) for k in kinds)}</select>'
        "</label>"
        f'<label>Type <select name="type">{options((t, TYPE_LABELS.get(t, t)) for t in types)}</select></label>'
        f'<label>From <input name="from" type="number" min="{lo}" max="{hi}" placeholder="{lo}" inputmode="numeric">'
        "</label>"
        f'<label>To <input name="to" type="number" min="{lo}" max="{hi}" placeholder="{hi}" inputmode="numeric">'
        "</label>"
        '<label>Text <input name="text" type="search" placeholder="Author, title, summary"></label>'
        '<label>Sort <select name="sort"><option value="author">Author</option><option value="year-desc">Newest'
        '</option><option value="year">Oldest</option><option value="title">Title</option></select></label>'
        '<output class="refkb-count" aria-live="polite"></output></form>'
    )


def library_rows(
    refs: Iterable[Ref],
    current: str,
    attrs: Callable[[Ref], Markup] | None = None,
    note: Callable[[Ref], Markup] | None = None,
) -> Markup:
    """The library table; `attrs` adds data attributes to each row (the evidence coding's facets), `note` a line
    under each title."""
    return library_table(library_row(r, current, attrs, note) for r in sorted(refs, key=Ref.sort_key))


def library_row(
    r: Ref,
    current: str,
    attrs: Callable[[Ref], Markup] | None = None,
    note: Callable[[Ref], Markup] | None = None,
) -> Markup:
    """One work's row in the library table; `note` adds a line under the title (design and confidence)."""
    kind = r.entry.value("sourcekind").strip()
    return fmt(
        '<tr data-key="{}" data-year="{}" data-type="{}" data-kind="{}" data-topics="{}"{}><td>{}</td><td>{}</td>'
        '<td><a href="{}">{}</a>{}</td><td>{}</td><td>{}</td></tr>',
        r.key,
        r.year,
        type_of(r.entry),
        kind,
        " ".join(r.topics),
        attrs(r) if attrs else "",
        r.authors_text or "—",
        r.year or "n.d.",
        relative_url(r.url, current),
        r.title,
        note(r) if note else "",
        type_label(r.entry),
        KIND_LABELS.get(kind, kind),
    )


def library_table(rows: Iterable[Markup]) -> Markup:
    """The library table around its rows (in the order given)."""
    return Markup(
        '<div class="refkb-scroll"><table class="refkb-library" data-refkb-library><thead><tr>'
        '<th scope="col">Author</th><th scope="col">Year'
        '</th><th scope="col">Title</th><th scope="col">Type</th><th scope="col">Kind of source</th></tr></thead>'
        "<tbody>" + "".join(rows) + "</tbody></table></div>"
    )


def _bar_svg(title: str, labels: Sequence[str], values: Sequence[int], desc: str) -> Markup:
    """A horizontal bar chart as static SVG (its data table stands beside it)."""
    height, bar, gap, left, width = 0, 16, 6, 190, 560
    peak = max(values) if values and max(values) > 0 else 1
    parts = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = i * (bar + gap)
        w = round((width - left - 40) * value / peak)
        parts.append(
            f'<text x="{left - 8}" y="{y + 12}" text-anchor="end" class="refkb-svg-label">{escape(label)}</text>'
            f'<rect x="{left}" y="{y}" width="{max(w, 1 if value else 0)}" height="{bar}" class="refkb-svg-bar"/>'
            f'<text x="{left + w + 6}" y="{y + 12}" class="refkb-svg-value">{value}</text>'
        )
        height = y + bar
    return Markup(
        f'<svg class="refkb-chart" viewBox="0 0 {width} {height + 4}" role="img" aria-labelledby="{escape(desc)}-t" '
        f'xmlns="http://www.w3.org/2000/svg"><title id="{escape(desc)}-t">{escape(title)}</title>{"".join(parts)}'
        "</svg>"
    )


def gap_matrix(refs: Sequence[Ref], topics: Sequence[Topic], thin: int = 2) -> Markup:
    """Sources per topic × kind of source: an SVG heat map that marks empty and thin cells, and its table."""
    kinds = [k for k in KIND_ORDER if any(r.entry.value("sourcekind").strip() == k for r in refs)]
    counts = {
        (t.slug, k): sum(t.slug in r.topics and r.entry.value("sourcekind").strip() == k for r in refs)
        for t in topics
        for k in kinds
    }
    cell, left, top = 44, 250, 80
    width, height = left + cell * len(kinds) + 10, top + cell * len(topics) + 10
    peak = max(counts.values(), default=1) or 1
    parts = []
    for j, k in enumerate(kinds):
        x = left + j * cell + cell / 2
        parts.append(
            f'<text x="{x}" y="{top - 10}" text-anchor="start" transform="rotate(-40 {x} {top - 10})" '
            f'class="refkb-svg-label">{escape(KIND_LABELS.get(k, k).split(" ")[0])}</text>'
        )
    for i, t in enumerate(topics):
        y = top + i * cell
        parts.append(
            f'<text x="{left - 8}" y="{y + cell / 2 + 4}" text-anchor="end" class="refkb-svg-label">'
            f"{escape(t.title.split(':')[0])}</text>"
        )
        for j, k in enumerate(kinds):
            n = counts[(t.slug, k)]
            state = "empty" if n == 0 else "thin" if n <= thin else "ok"
            opacity = 0.15 + 0.85 * n / peak if n else 0
            parts.append(
                f'<rect x="{left + j * cell}" y="{y}" width="{cell - 2}" height="{cell - 2}" '
                f'class="refkb-cell refkb-cell--{state}" fill-opacity="{opacity:.2f}"/>'
                f'<text x="{left + j * cell + cell / 2 - 1}" y="{y + cell / 2 + 4}" text-anchor="middle" '
                f'class="refkb-svg-value">{n if n else "–"}{"!" if state == "thin" else ""}</text>'
            )
    svg = (
        f'<svg class="refkb-chart refkb-matrix" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="matrix-t" xmlns="http://www.w3.org/2000/svg"><title id="matrix-t">Evidence-gap matrix: '
        f"sources per topic and kind of source</title>{''.join(parts)}</svg>"
    )
    head = "".join(f'<th scope="col">{escape(KIND_LABELS.get(k, k))}</th>' for k in kinds)

    def cell_html(n: int) -> str:
        state = "empty" if n == 0 else "thin" if n <= thin else "ok"
        note = " (empty)" if state == "empty" else " (thin)" if state == "thin" else ""
        return f'<td class="refkb-cell--{state}">{n}{note}</td>'

    body = "".join(
        f'<tr><th scope="row">{escape(t.title)}</th>' + "".join(cell_html(counts[(t.slug, k)]) for k in kinds) + "</tr>"
        for t in topics
    )
    # Focusable, so a keyboard can scroll it when it overflows (axe: scrollable-region-focusable).
    table = (
        f'<div class="refkb-scroll" tabindex="0" role="region" aria-label="Evidence-gap matrix table">'
        f'<table class="refkb-matrix-table"><caption>Sources per topic and kind of '
        f"source (empty: none; thin: "
        f'{thin} or fewer)</caption><thead><tr><th scope="col">Topic</th>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )
    return Markup(f'<div class="refkb-figure">{svg}{table}</div>')


def per_year(refs: Sequence[Ref]) -> Markup:
    years = sorted({int(r.year) for r in refs if r.year.isdigit()})
    if not years:
        return Markup("<p>No dated sources.</p>")
    span = list(range(years[0], years[-1] + 1))
    counts = [sum(r.year == str(y) for r in refs) for y in span]
    undated = sum(not r.year.isdigit() for r in refs)
    svg = _bar_svg("Sources per year of publication", [str(y) for y in span], counts, "years")
    rows = "".join(f'<tr><th scope="row">{y}</th><td>{n}</td></tr>' for y, n in zip(span, counts, strict=True))
    extra = f'<tr><th scope="row">No date</th><td>{undated}</td></tr>' if undated else ""
    return Markup(
        f'<div class="refkb-figure">{svg}<table class="refkb-data"><caption>Sources per year</caption><thead><tr>'
        f'<th scope="col">Year</th><th scope="col">Sources</th></tr></thead><tbody>{rows}{extra}</tbody></table></div>'
    )


def topics_over_time(refs: Sequence[Ref], topics: Sequence[Topic]) -> Markup:
    """Sources per topic in five-year periods (a table, and a bar chart of each period's totals)."""
    dated = [(int(r.year), set(r.topics)) for r in refs if r.year.isdigit()]
    if not dated:
        return Markup("")
    start = min(y for y, _ in dated) // 5 * 5
    periods = list(range(start, max(y for y, _ in dated) + 1, 5))
    labels = [f"{p}–{p + 4}" for p in periods]
    counts = {(t.slug, p): 0 for t in topics for p in periods}
    totals = dict.fromkeys(periods, 0)
    for year, slugs in dated:
        period = start + (year - start) // 5 * 5
        totals[period] += 1
        for slug in slugs:
            if (slug, period) in counts:
                counts[(slug, period)] += 1
    head = "".join(f'<th scope="col">{lab}</th>' for lab in labels)
    body = "".join(
        f'<tr><th scope="row">{escape(t.title)}</th>'
        + "".join(f"<td>{counts[(t.slug, p)]}</td>" for p in periods)
        + "</tr>"
        for t in topics
    )
    svg = _bar_svg("Sources per five-year period", labels, [totals[p] for p in periods], "periods")
    return Markup(
        f'<div class="refkb-figure">{svg}<table class="refkb-data"><caption>Sources per topic and period</caption>'
        f'<thead><tr><th scope="col">Topic</th>{head}</tr></thead><tbody>{body}</tbody></table></div>'
    )
