"""The meta tags of a reference page that reference managers read (Highwire Press `citation_*` and Zotero's own
RDF tags), so that Zotero's connector saves the work, not the web page; for a work with no URL, an unAPI record too
(`unapi_record`), so that Zotero stores no URL of the site as the work's."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup

from . import csl
from .exports import RIS_TYPES
from .fragment import fmt
from .model import Entry
from .refs import Ref

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


@dataclass(frozen=True)
class MetaTag:
    """One `<meta name="…" content="…">` (left out when its content is empty)."""

    name: str
    content: str


_HIGHWIRE_TYPED = ("journalArticle", "report", "conferencePaper", "bookSection", "thesis")
_GENRE_FIELD = {"report": "reportType", "thesis": "thesisType", "webpage": "websiteType"}


def _zotero_fields(item: csl.CslItem, ztype: str) -> list[MetaTag]:
    """Fields Highwire has no tag for, as `z.<field>` tags: Embedded Metadata hands them to its RDF reader, which
    copies every property in Zotero's namespace into the item's field of that name (RDF.js, "OTHER FIELDS")."""
    out = []
    if item.get("publisher-place") or item.get("event-place"):
        out.append(MetaTag("z.place", item.get("publisher-place") or item["event-place"]))
    if item.get("genre") and ztype in _GENRE_FIELD:
        out.append(MetaTag(f"z.{_GENRE_FIELD[ztype]}", item["genre"]))
    if item.get("collection-title") and ztype == "report":
        out.append(MetaTag("z.seriesTitle", item["collection-title"]))
    if item.get("collection-number"):
        out.append(MetaTag("z.seriesNumber", str(item["collection-number"])))
    if item.get("version") and ztype == "dataset":
        out.append(MetaTag("z.versionNumber", str(item["version"])))
    for var, field in (("edition", "edition"), ("number-of-pages", "numPages")):
        if item.get(var):
            out.append(MetaTag(f"z.{field}", str(item[var])))
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
    the site's description tag from reference pages, which Zotero would otherwise take as the abstract. A work
    with no URL also gets the unAPI link of `unapi_record`, whose translator wins over Embedded Metadata.
    """
    item = ref.item
    ztype = ZOTERO_TYPES.get(item.get("type", "document"), "document")
    tags = [MetaTag("citation_title", ref.title)]
    if ztype not in _HIGHWIRE_TYPED:
        tags.append(MetaTag("z.itemType", ztype))
    for step in _STEPS:
        tags.extend(step(item, ztype))
    meta = [fmt('<meta name="{}" content="{}">', t.name, t.content) for t in tags if t.content]
    link = unapi_link(ref)
    return Markup("\n").join([*meta, link] if link else meta)


UNAPI_SUFFIX = ".unapi.xml"  # the work's unAPI record beside its page: <slug>.unapi.xml

# How Zotero's import reads the type back, written from its translators (translation-server 2.0.5): RIS.js's
# importTypeMap for the RIS types refkb writes (refkb.exports.RIS_TYPES; GEN, JFULL and EndNote's UNPB become journal
# articles, PAMP a manuscript), and BibTeX.js's bibtex2zoteroTypeMap for the biblatex types a work whose RIS type
# is read wrong can have.
_RIS_READ_AS = {
    "JOUR": "journalArticle",
    "NEWS": "newspaperArticle",
    "MGZN": "magazineArticle",
    "BOOK": "book",
    "CHAP": "bookSection",
    "CPAPER": "conferencePaper",
    "RPRT": "report",
    "THES": "thesis",
    "ELEC": "webpage",
    "STAT": "statute",
    "CASE": "case",
    "DATA": "dataset",
    "COMP": "computerProgram",
    "PAT": "patent",
    "ENCYC": "encyclopediaArticle",
}
_BIBTEX_READ_AS = {"misc": "document", "unpublished": "manuscript"}


@dataclass(frozen=True)
class Unapi:
    """The work's unAPI record: the download it holds (`ris` or `bib`) under its unAPI format name."""

    download: str  # the suffix of the work's download: "ris" or "bib"
    format: str  # unAPI's format name, which unAPI.js maps to Zotero's translator: "ris" or "bibtex"


def unapi(item: csl.CslItem, entry: Entry) -> Unapi | None:
    """The record the work's page offers Zotero through unAPI, if any: only for a work with no URL (one with a URL
    is captured by Embedded Metadata, which stores that URL); its RIS when Zotero's RIS import reads it as the type
    the page declares, else its biblatex record when BibTeX.js does (a @misc document); none when neither does, or
    when the work holds `]]>`, which would end the record's CDATA section early (`unapi_record`)."""
    if item.get("URL") or "]]>" in repr(item) or "]]>" in entry.raw:
        return None
    ztype = ZOTERO_TYPES.get(item.get("type", "document"), "document")
    if _RIS_READ_AS.get(RIS_TYPES.get(item.get("type", ""), "GEN")) == ztype:
        return Unapi("ris", "ris")
    if _BIBTEX_READ_AS.get(entry.type) == ztype:
        return Unapi("bib", "bibtex")
    return None


def unapi_record(record: Unapi, text: str) -> str:
    """The work's unAPI record: one file that is both the unAPI format list and the work's RIS (or biblatex).

    Why (read from Zotero's translators, checked by tests/test_zotero.py against the translation-server): Embedded
    Metadata (priority 320) always stores a URL: `citation_public_url` when the page gives one, else, in
    addLowQualityMetadata, `link[rel=canonical]` or the page's own address — for a work with no URL, the reference
    page, which is not the work. The unAPI translator (priority 300, so it runs first when it finds a record)
    imports the record with Zotero's RIS (or BibTeX) translator and stores only what the record says; the RIS
    download holds every field Zotero's RIS import reads (tests/test_zotero.py: no accepted difference for RIS).
    unAPI.js reads the page's `<link rel="unapi-server" href>` and `<abbr class="unapi-id" title>`, fetches the
    server's address for the format list (getDefaultFormat: the `<format>` elements of the document element), then
    the same address with `?id=…&format=…` for the record. A static site answers both with the same file, whatever
    the query: so the file is the format list, with the record inside a CDATA section. The XML parser sees one
    `<format>`; RIS.js drops every line outside a TY … ER record, BibTeX.js everything outside an @entry. When the
    file is missing or unreadable, unAPI finds no item and Zotero falls back to Embedded Metadata."""
    body = text if text.endswith("\n") else text + "\n"
    # A "]]>" in the record (a title from an untrusted .bib) would end the CDATA section, and what follows would be
    # markup of an XML document a browser opens on the site's origin: the standard split keeps it text.
    body = body.replace("]]>", "]]]]><![CDATA[>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<formats><format name="{record.format}" type="text/plain"/><![CDATA[\n'
        f"{body}]]></formats>\n"
    )


def unapi_link(ref: Ref) -> Markup:
    """The head's link to the work's unAPI record (empty when it has none)."""
    if unapi(ref.item, ref.entry) is None:
        return Markup("")
    return fmt('<link rel="unapi-server" type="application/xml" title="unAPI" href="{}">', ref.slug + UNAPI_SUFFIX)


def unapi_id(ref: Ref) -> Markup:
    """The page's unAPI identifier (unAPI.js reads it anywhere in the document; a hidden empty element)."""
    if unapi(ref.item, ref.entry) is None:
        return Markup("")
    return fmt('<abbr class="unapi-id" title="{}" hidden></abbr>', ref.key)


def _people(item: csl.CslItem, ztype: str) -> list[MetaTag]:
    """Authors and editors; an organisation written `Name,`, which Zotero files as a single last name."""
    tags = []
    for role, tag in (("author", "citation_author"), ("editor", "citation_editor")):
        for name in item.get(role, []):
            if "literal" in name:
                tags.append(MetaTag(tag, f"{name['literal']},"))
                continue
            family = " ".join(y for y in (name.get("non-dropping-particle", ""), name.get("family", "")) if y)
            tags.append(MetaTag(tag, ", ".join(x for x in (family, name.get("given", "")) if x)))
    return tags


def _date_and_doi(item: csl.CslItem, ztype: str) -> list[MetaTag]:
    tags = []
    parts = item.get("issued", {}).get("date-parts")
    if parts:
        date = "/".join(f"{p:02d}" if i else str(p) for i, p in enumerate(parts[0]))
        tags.append(MetaTag("citation_publication_date", date))
    if item.get("DOI"):
        tags.append(MetaTag("citation_doi", item["DOI"]))
    return tags


def _container(item: csl.CslItem, ztype: str) -> list[MetaTag]:
    """Where the work appeared, under the tag that gives Zotero its type."""
    container = item.get("container-title", "")
    if not container:
        if ztype == "conferencePaper" and item.get("event-title"):
            return [MetaTag("citation_conference_title", item["event-title"])]
        return []
    if ztype == "journalArticle":
        return [MetaTag("citation_journal_title", container)]
    if ztype == "conferencePaper":
        # The proceedings first: citation_inbook_title fills publicationTitle (= proceedingsTitle) and would
        # make a book section, but the last type tag wins and citation_conference_title comes after it.
        return [
            MetaTag("citation_inbook_title", container),
            MetaTag("citation_conference_title", item.get("event-title") or container),
        ]
    if ztype == "bookSection":
        # Not citation_book_title: Embedded Metadata reads `citation_book_*` as Open Graph's `book:` namespace.
        return [MetaTag("citation_inbook_title", container)]
    return [MetaTag("prism.publicationName", container)]


_PUBLISHER_TAG = {
    "report": "citation_technical_report_institution",
    "thesis": "citation_dissertation_institution",
}


def _publisher(item: csl.CslItem, ztype: str) -> list[MetaTag]:
    publisher = item.get("publisher", "")
    if publisher:
        return [MetaTag(_PUBLISHER_TAG.get(ztype, "citation_publisher"), publisher)]
    if ztype != "report":
        return []
    # Highwire marks a report by its institution; with no publisher recorded, the issuing body is the corporate
    # author (a UN resolution's General Assembly) — never this site.
    container = item.get("container-title", "")
    issuer = container or next((n["literal"] for n in item.get("author", []) if "literal" in n), "")
    if issuer:
        return [MetaTag("citation_technical_report_institution", issuer)]
    return [MetaTag("z.itemType", ztype)]


_ARTICLES = ("journalArticle", "newspaperArticle", "magazineArticle")
_PLAIN_TAGS = (
    ("volume", "citation_volume"),
    ("issue", "citation_issue"),
    ("ISSN", "citation_issn"),
    ("abstract", "citation_abstract"),
    ("language", "citation_language"),
)


def _numbers(item: csl.CslItem, ztype: str) -> list[MetaTag]:
    """Report number, series, volume, issue, ISSN, abstract, language and ISBN."""
    tags = []
    if item.get("number") and ztype not in _ARTICLES:
        tags.append(MetaTag("citation_technical_report_number", str(item["number"])))
    if item.get("collection-title"):
        tags.append(MetaTag("citation_series_title", item["collection-title"]))
    tags.extend(MetaTag(tag, str(item[var])) for var, tag in _PLAIN_TAGS if item.get(var))
    if item.get("ISBN") and ztype in ("book", "bookSection", "conferencePaper"):
        tags.append(MetaTag("citation_isbn", item["ISBN"]))
    return tags


def _pages(item: csl.CslItem, ztype: str) -> list[MetaTag]:
    if item.get("page"):
        first, _, last = str(item["page"]).partition("–")
        return [MetaTag("citation_firstpage", first), *([MetaTag("citation_lastpage", last)] if last else [])]
    if item.get("number") and ztype == "journalArticle":
        return [MetaTag("citation_firstpage", str(item["number"]))]  # an article number (eid), as publishers give it
    return []


def _url_and_keywords(item: csl.CslItem, ztype: str) -> list[MetaTag]:
    tags = []
    if item.get("URL"):
        tags.append(MetaTag("citation_public_url", item["URL"]))
    if item.get("keyword"):
        tags.append(MetaTag("citation_keywords", "; ".join(k.strip() for k in str(item["keyword"]).split(","))))
    return tags


# The tags after the title and type, in the order the page gives them.
_STEPS: tuple[Callable[[csl.CslItem, str], list[MetaTag]], ...] = (
    _people,
    _date_and_doi,
    _container,
    _publisher,
    _numbers,
    _pages,
    _url_and_keywords,
    _zotero_fields,
)
