"""Downloads: biblatex, classic BibTeX, RIS (written by rispy) and CSL-JSON, for one entry or the whole library.

Files, per work and for the library: `<key>.bib` / `references.bib` are biblatex, as references.bib holds the entry
(canonical form), except that a `@dataset` is written `@misc` with `entrysubtype = {dataset}`: Zotero's BibTeX import
(zotero/translators BibTeX.js, `bibtex2zoteroTypeMap`) knows no `@dataset` and skips the entry whole, and Zotero's own
biblatex export writes a data set as `@misc` too; `<key>.bibtex.bib` / `references.bibtex.bib` are classic BibTeX for
BibTeX-only tools (`year`/`month`, `journal`, `address`, `@techreport` with `institution`, `@misc` with `howpublished`
for web pages and laws, the access date in `note`, no biblatex-only field); `.ris` is RIS as Zotero's RIS translator
and EndNote read it (the tag for each field chosen per type from Zotero's RIS.js, see `ris_record`; no `1.` numbering
line, no keywords); `.json` is CSL-JSON as plain text (no `<span class="nocase">`: brace protection dropped) with each
work's `citation-key`.
The `.bib` name stays biblatex so that links to it keep working. An entry that inherits through crossref or xdata
is written as its record (refkb.inherit): what it inherits written out, crossref and xdata left out, so that each
file imports whole — Zotero's BibTeX import does not resolve crossref (zotero/translators BibTeX.js: its test of an
@inproceedings with a crossref imports the paper without the proceedings' title and date).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import rispy

from . import bibfile, csl
from .model import Entry

RIS_TYPES = {
    "article-journal": "JOUR",
    "article-newspaper": "NEWS",
    "article-magazine": "MGZN",
    "book": "BOOK",
    "chapter": "CHAP",
    "paper-conference": "CPAPER",
    "report": "RPRT",
    "thesis": "THES",
    "webpage": "ELEC",
    "legislation": "STAT",
    "legal_case": "CASE",
    "dataset": "DATA",
    "software": "COMP",
    "pamphlet": "PAMP",
    "patent": "PAT",
    "manuscript": "UNPB",
    "entry-encyclopedia": "ENCYC",
    "document": "GEN",
    "periodical": "JFULL",
}


def bibtex(entries: Sequence[Entry]) -> str:
    """Entries in refkb's canonical BibTeX form, each of a type Zotero's BibTeX import reads (`biblatex_text`)."""
    return "\n\n".join(biblatex_text(e) for e in entries) + "\n"


# biblatex types Zotero's BibTeX import skips whole (BibTeX.js has no item type for them), written as `@misc` with the
# type kept in `entrysubtype`, which biblatex does not print. Zotero then imports the work as a document.
AS_MISC = frozenset({"dataset"})


def biblatex_text(entry: Entry) -> str:
    """One entry in canonical form; a type in AS_MISC written as `@misc` with `entrysubtype` naming it."""
    if entry.type not in AS_MISC:
        return bibfile.entry_text(entry)
    lines = [(bibfile.field_order(f.name), f"  {f.name} = {bibfile.canonical_value(f.parts)},\n") for f in entry.fields]
    if entry.get("entrysubtype") is None:
        lines.append((bibfile.field_order("entrysubtype"), f"  entrysubtype = {{{entry.type}}},\n"))
    body = "".join(line for _, line in sorted(lines, key=lambda ol: ol[0]))
    return f"@misc{{{entry.key},\n{body}}}"


# biblatex type -> classic BibTeX type (BibTeX's standard styles know only these).
CLASSIC_TYPES = {
    "article": "article",
    "book": "book",
    "mvbook": "book",
    "inbook": "incollection",
    "bookinbook": "incollection",
    "incollection": "incollection",
    "inproceedings": "inproceedings",
    "conference": "inproceedings",
    "proceedings": "proceedings",
    "collection": "book",
    "report": "techreport",
    "techreport": "techreport",
    "phdthesis": "phdthesis",
    "mastersthesis": "mastersthesis",
    "manual": "manual",
    "booklet": "booklet",
    "unpublished": "unpublished",
}
# Fields classic BibTeX's styles (plain, abbrv, natbib's plainnat/apalike) read, written as they are; `url`, `doi`,
# `isbn`, `issn` and `keywords` are read by natbib's and most later styles and ignored by plain.
_CLASSIC_FIELDS = (
    "author",
    "editor",
    "title",
    "booktitle",
    "journal",
    "year",
    "month",
    "volume",
    "number",
    "series",
    "edition",
    "chapter",
    "pages",
    "publisher",
    "address",
    "institution",
    "school",
    "organization",
    "type",
    "howpublished",
    "note",
    "isbn",
    "issn",
    "doi",
    "url",
    "keywords",
    "abstract",
)


@dataclass(frozen=True)
class ClassicEntry:
    """An entry as classic BibTeX: its type and its fields, in `_CLASSIC_FIELDS` order."""

    type: str
    fields: Mapping[str, str]


def _classic_type(entry: Entry) -> str:
    if entry.type == "thesis":
        return "mastersthesis" if "master" in entry.value("type").lower() else "phdthesis"
    return CLASSIC_TYPES.get(entry.type, "misc")


def classic_entry(entry: Entry) -> ClassicEntry:
    """The entry as BibTeX's standard styles read it: biblatex's fields renamed, the date as year and month, the
    issuing body where the type expects it, the access date in the note."""
    kind = _classic_type(entry)
    f = _classic_common(entry)
    _classic_body(entry, kind, f)
    notes = [entry.value("note")] if entry.value("note") else []
    if kind == "misc":
        _classic_misc(entry, f)
    if entry.value("urldate"):
        notes.append(f"Accessed {entry.value('urldate')}")
    if notes:
        f["note"] = ". ".join(n.rstrip(".") for n in notes)
    if csl.doi_of(entry):
        f["doi"] = csl.doi_of(entry)
    if csl.link_of(entry):
        f["url"] = csl.link_of(entry)
    if entry.value("keywords"):
        f["keywords"] = entry.value("keywords")
    return ClassicEntry(kind, {k: f[k] for k in _CLASSIC_FIELDS if f.get(k)})


def _classic_common(entry: Entry) -> dict[str, str]:
    """The fields every type keeps: names, titles, date, place, pages and number."""
    e = entry.value
    f = {name: e(name) for name in _KEPT if e(name)}
    f["title"] = f"{e('title')}: {e('subtitle')}" if e("subtitle") else e("title")
    container = e("journaltitle") or e("journal")
    if container:
        f["journal"] = container
    if e("booktitle") or e("maintitle"):
        f["booktitle"] = e("booktitle") or e("maintitle")
    parts = csl.issued(entry)
    if parts:
        f["year"] = str(parts[0][0])
        if len(parts[0]) > 1:
            f["month"] = list(bibfile.MONTHS)[parts[0][1] - 1]
    if e("location") or e("address"):
        f["address"] = e("location") or e("address")
    if e("pages") or e("eid"):
        f["pages"] = e("pages") or e("eid")  # an article number stands where the pages would
    if e("number") or e("issue"):
        f["number"] = e("number") or e("issue")
    return f


_KEPT = ("author", "editor", "publisher", "series", "edition", "volume", "isbn", "issn", "abstract")


def _classic_body(entry: Entry, kind: str, f: dict[str, str]) -> None:
    """The issuing body: a report's institution, a thesis's school, a meeting's or manual's organization."""
    e = entry.value
    if kind in ("techreport", "phdthesis", "mastersthesis"):
        org = e("institution") or e("school") or e("publisher") or e("organization")
        if org:
            f["institution" if kind == "techreport" else "school"] = org
        f.pop("publisher", None)
        if e("type") and kind == "techreport":
            f["type"] = e("type")
    elif e("organization") and kind in ("inproceedings", "proceedings", "manual"):
        f["organization"] = e("organization")


def _classic_misc(entry: Entry, f: dict[str, str]) -> None:
    """A web page, law, data set: plain's @misc prints howpublished and note; the site or issuing body goes first."""
    e = entry.value
    label = [x for x in (e("organization"), e("institution")) if x and x not in f.get("publisher", "")]
    if entry.type == "legislation" and e("number"):
        label.append(f"{e('type') or 'No.'} {e('number')}".strip())
        f.pop("number")
    url = csl.link_of(entry)
    f["howpublished"] = ". ".join([*label, *([f"\\url{{{url}}}"] if url else [])])
    if not f["howpublished"]:
        del f["howpublished"]


def bibtex_classic(entries: Sequence[Entry]) -> str:
    """Entries as classic BibTeX (every macro expanded, so that each file stands alone)."""
    chunks = []
    for entry in entries:
        classic = classic_entry(entry)
        body = "".join(f"  {k} = {{{v}}},\n" for k, v in classic.fields.items())
        chunks.append(f"@{classic.type}{{{entry.key},\n{body}}}")
    return "\n\n".join(chunks) + "\n"


def _ris_name(name: dict[str, str]) -> str:
    if "literal" in name:
        # An organisation as it is written: Zotero's RIS import (RIS.js) splits "Last, First" at the first comma
        # and files a name without one as a single field (fieldMode 1), so "U.S. Government Accountability Office"
        # stays whole without EndNote's trailing-comma mark, which other readers keep as part of the name.
        return name["literal"]
    family = " ".join(x for x in (name.get("non-dropping-particle", ""), name.get("family", "")) if x)
    given = name.get("given", "")
    suffix = name.get("suffix", "")
    return ", ".join(x for x in (family, given, suffix) if x)


# Per CSL type, the RIS tags Zotero's RIS translator (RIS.js, `fieldMap`) reads into the right Zotero field; EndNote
# reads the same tags. container: T2 except a conference paper's proceedings (C3; T2 is the conference's name);
# series: T2 for books, reports and web pages' sites, T3 for parts of something; number: SN is a report's number,
# M1 a statute's public-law number or a book's series number; editors: A3 for a book (A2 is its series editor).
_CONTAINER = {"paper-conference": "custom3"}
_SERIES = {"book": "secondary_title", "report": "secondary_title"}
_NUMBER = {"report": "issn", "legislation": "note", "patent": "issn"}
_SERIES_NUMBER = {"book": "note", "chapter": "series_volume", "paper-conference": "series_volume"}
_EDITOR = {"book": "tertiary_authors"}
# Types whose SN is not an ISBN: their ISBN goes to a note, never to SN.
_NO_ISBN_SN = frozenset({"report", "legislation", "patent", "dataset", "webpage"})
RIS_MAPPING = {**rispy.TAG_KEY_MAPPING, "SV": "series_volume"}


@dataclass(frozen=True)
class _RisDraft:
    """A RIS record being written: the item, its CSL type, the record's tags so far and the notes to add last."""

    item: csl.CslItem
    kind: str
    rec: dict[str, object]
    notes: list[str]


def ris_record(item: csl.CslItem) -> dict[str, object]:
    """One CSL item as a rispy record, with the tags Zotero's and EndNote's RIS import read for its type (the
    record's tags in the order of the steps)."""
    kind = item["type"]
    draft = _RisDraft(item, kind, {"type_of_reference": RIS_TYPES.get(kind, "GEN"), "id": item["id"]}, [])
    for step in _RIS_STEPS:
        step(draft)
    if item.get("note"):
        draft.notes.insert(0, item["note"])
    if draft.notes:
        draft.rec["notes"] = draft.notes
    return draft.rec


def _ris_names(d: _RisDraft) -> None:
    item, rec = d.item, d.rec
    if item.get("author"):
        rec["authors"] = [_ris_name(n) for n in item["author"]]
    if item.get("editor"):
        rec[_EDITOR.get(d.kind, "secondary_authors")] = [_ris_name(n) for n in item["editor"]]
    if item.get("translator"):
        rec["subsidiary_authors"] = [_ris_name(n) for n in item["translator"]]


def _ris_titles(d: _RisDraft) -> None:
    item, rec = d.item, d.rec
    if item.get("title"):
        rec["title"] = item["title"]
    if item.get("container-title"):
        rec[_CONTAINER.get(d.kind, "secondary_title")] = item["container-title"]
    if item.get("event-title"):
        rec["secondary_title"] = item["event-title"]
    if item.get("collection-title"):
        rec[_SERIES.get(d.kind, "tertiary_title")] = item["collection-title"]
    if item.get("publisher") or item.get("authority"):
        rec["publisher"] = item.get("publisher") or item["authority"]  # a court decision's court (Zotero's RIS)
    place = item.get("publisher-place") or item.get("event-place")
    if place:
        rec["custom1" if d.kind == "paper-conference" else "place_published"] = place


def _ris_dates(d: _RisDraft) -> None:
    parts = d.item.get("issued", {}).get("date-parts")
    if parts:
        first = parts[0]
        d.rec["year"] = str(first[0])
        d.rec["date"] = "/".join([str(first[0]), *(f"{p:02d}" for p in first[1:])] + [""] * (3 - len(first)))
    accessed = d.item.get("accessed", {}).get("date-parts")
    if accessed:
        d.rec["access_date"] = "-".join(f"{p:02d}" if i else str(p) for i, p in enumerate(accessed[0]))


_ARTICLES = ("article-journal", "article-magazine", "article-newspaper")


def _ris_numbers(d: _RisDraft) -> None:
    """Volume, issue, the item's number (a report's SN, a statute's M1, an article number as its first page) and
    its number in a series."""
    item, rec, kind = d.item, d.rec, d.kind
    if item.get("volume"):
        rec["volume"] = item["volume"]
    if item.get("issue"):
        rec["number"] = item["issue"]
    number = item.get("number")
    if number and kind in _NUMBER:
        rec[_NUMBER[kind]] = number
    elif number and kind in _ARTICLES and not item.get("page"):
        rec["start_page"] = number  # an article number (eid) stands where the pages would (PLOS's own RIS)
    elif number:
        d.notes.append(f"Number: {number}")
    if item.get("collection-number"):
        if kind in _SERIES_NUMBER:
            rec[_SERIES_NUMBER[kind]] = item["collection-number"]
        else:
            d.notes.append(f"Number in the series: {item['collection-number']}")


def _ris_identifiers(d: _RisDraft) -> None:
    """ISSN and ISBN (SN, or a note when SN is taken or means something else), DOI, abstract, genre, language and
    edition."""
    item, rec = d.item, d.rec
    if item.get("ISSN") and d.kind in (*_ARTICLES, "periodical"):
        rec["issn"] = item["ISSN"]
    if item.get("ISBN"):
        if d.kind in _NO_ISBN_SN or "issn" in rec:
            d.notes.append(f"ISBN: {item['ISBN']}")
        else:
            rec["issn"] = item["ISBN"]
    for var, tag in (("DOI", "doi"), ("abstract", "abstract"), ("genre", "type_of_work"), ("language", "language")):
        if item.get(var):
            rec[tag] = item[var]
    if item.get("edition") or item.get("version"):
        rec["edition"] = item.get("version") or item.get("edition")


def _ris_pages_and_links(d: _RisDraft) -> None:
    item, rec = d.item, d.rec
    if item.get("number-of-pages") and d.kind in ("book", "thesis", "report") and not item.get("page"):
        rec["start_page"] = item["number-of-pages"]
    if item.get("page"):
        start, _, end = str(item["page"]).partition("–")
        rec["start_page"] = start.strip()
        if end:
            rec["end_page"] = end.strip()
    if item.get("URL"):
        rec["urls"] = [item["URL"]]
    # No KW lines: an entry's `keywords` are the knowledge base's topic slugs ("recruitment-grooming"), codes of
    # this project rather than the work's subject terms, and a reference manager files KW lines as the reader's own
    # tags. The biblatex file keeps them, as the knowledge base's source form.


_RIS_STEPS: tuple[Callable[[_RisDraft], None], ...] = (
    _ris_names,
    _ris_titles,
    _ris_dates,
    _ris_numbers,
    _ris_identifiers,
    _ris_pages_and_links,
)


class _UnnumberedRis(rispy.RisWriter):  # type: ignore[misc]
    """rispy's writer without the `1.`, `2.` line it puts before each record (not RIS: EndNote's and Zotero's RIS
    files start at `TY  - `)."""

    def set_header(self, count: int) -> None:
        return None


def ris(items: Sequence[csl.CslItem]) -> str:
    records = [ris_record(csl.public(i)) for i in items]
    return str(rispy.dumps(records, implementation=_UnnumberedRis, mapping=RIS_MAPPING))


def csl_export(item: csl.CslItem) -> csl.CslItem:
    """An item as the CSL-JSON download holds it: plain text (typographic quotation marks, no nocase spans), name
    particles inside the name (`_whole_name`) and the entry's key as `citation-key` (CSL 1.0.2; Zotero 7 and later
    keep it as the item's citation key)."""
    out = csl.public(item)
    # A host is refkb's hint to the styles that the author is the host (biblatex authortype = host, csl._names): the
    # record keeps the author alone, as the CSL-JSON schema refkb validates against has no `host`.
    out.pop("host", None)
    for var in _NAME_VARS:
        if var in out:
            out[var] = [_whole_name(n) for n in out[var]]
    out["citation-key"] = item["id"]
    return out


_NAME_VARS = ("author", "editor", "translator", "container-author", "collection-editor")


def _whole_name(name: dict[str, str]) -> dict[str, str]:
    """A name with its particles written into family and given name ("de Santisteban"): Zotero keeps a particle in
    the last name, and its CSL-JSON import (ZU.itemFromCSLJSON) reads `family` and `given` only, dropping the particle
    fields; citeproc-js, and Zotero's own CSL-JSON export, find a lower-case particle in the family name again."""
    if "non-dropping-particle" not in name and "dropping-particle" not in name:
        return name
    out = {k: v for k, v in name.items() if k not in ("non-dropping-particle", "dropping-particle")}
    out["family"] = " ".join(x for x in (name.get("non-dropping-particle", ""), name.get("family", "")) if x)
    if name.get("dropping-particle"):
        out["given"] = " ".join(x for x in (name.get("given", ""), name["dropping-particle"]) if x)
    return out


def csl_json(items: Sequence[csl.CslItem]) -> str:
    return json.dumps([csl_export(i) for i in items], ensure_ascii=False, indent=2, sort_keys=True) + "\n"


# A whole library's file from each work's own (`bibtex([e])`, `ris([item])`, ...), as the functions above would write
# it: a build makes every work's download anyway, and joining them costs nothing (tests/test_exports.py compares).
def joined_bibtex(parts: Sequence[str]) -> str:
    return "\n".join(parts) if parts else "\n"


def joined_ris(parts: Sequence[str]) -> str:
    return "\n".join(parts)


def joined_csl_json(parts: Sequence[str]) -> str:
    if not parts:
        return csl_json([])
    return "[\n" + ",\n".join(p[2:-3] for p in parts) + "\n]\n"
