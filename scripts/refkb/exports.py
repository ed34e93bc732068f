"""Downloads: canonical BibTeX, RIS (written by rispy) and CSL-JSON, for one entry or the whole library."""

from __future__ import annotations

import json
from collections.abc import Sequence

import rispy

from . import bibfile, csl
from .model import Entry

RIS_TYPES = {
    "article-journal": "JOUR", "book": "BOOK", "chapter": "CHAP", "paper-conference": "CPAPER", "report": "RPRT",
    "thesis": "THES", "webpage": "ELEC", "legislation": "STAT", "legal_case": "CASE", "dataset": "DATA",
    "software": "COMP", "pamphlet": "PAMP", "patent": "PAT", "manuscript": "UNPB", "entry-encyclopedia": "ENCYC",
    "document": "GEN", "periodical": "JFULL",
}  # fmt: skip


def bibtex(entries: Sequence[Entry]) -> str:
    """Entries in refkb's canonical BibTeX form."""
    return "\n\n".join(bibfile.entry_text(e) for e in entries) + "\n"


def _ris_name(name: dict[str, str]) -> str:
    if "literal" in name:
        return name["literal"]
    family = " ".join(x for x in (name.get("non-dropping-particle", ""), name.get("family", "")) if x)
    given = name.get("given", "")
    suffix = name.get("suffix", "")
    return ", ".join(x for x in (family, given, suffix) if x)


def ris_record(item: csl.CslItem) -> dict[str, object]:
    """One CSL item as a rispy record."""
    rec: dict[str, object] = {"type_of_reference": RIS_TYPES.get(item["type"], "GEN"), "id": item["id"]}
    if item.get("author"):
        rec["authors"] = [_ris_name(n) for n in item["author"]]
    if item.get("editor"):
        rec["secondary_authors"] = [_ris_name(n) for n in item["editor"]]
    if item.get("title"):
        rec["title"] = item["title"]
    if item.get("container-title"):
        rec["secondary_title"] = item["container-title"]
    if item.get("publisher"):
        rec["publisher"] = item["publisher"]
    if item.get("publisher-place"):
        rec["place_published"] = item["publisher-place"]
    parts = item.get("issued", {}).get("date-parts")
    if parts:
        first = parts[0]
        rec["year"] = str(first[0])
        rec["date"] = "/".join([str(first[0]), *(f"{p:02d}" for p in first[1:])] + [""] * (3 - len(first)))
    accessed = item.get("accessed", {}).get("date-parts")
    if accessed:
        rec["access_date"] = "-".join(f"{p:02d}" if i else str(p) for i, p in enumerate(accessed[0]))
    for var, tag in (("volume", "volume"), ("issue", "number"), ("number", "number"), ("DOI", "doi"),
                     ("ISBN", "issn"), ("ISSN", "issn"), ("abstract", "abstract"), ("edition", "edition"),
                     ("genre", "type_of_work")):  # fmt: skip
        if item.get(var) and tag not in rec:
            rec[tag] = item[var]
    if item.get("page"):
        start, _, end = str(item["page"]).partition("–")
        rec["start_page"] = start.strip()
        if end:
            rec["end_page"] = end.strip()
    if item.get("URL"):
        rec["urls"] = [item["URL"]]
    return rec


def ris(items: Sequence[csl.CslItem]) -> str:
    return str(rispy.dumps([ris_record(csl.public(i)) for i in items]))


def csl_json(items: Sequence[csl.CslItem]) -> str:
    return json.dumps([csl.exported(i) for i in items], ensure_ascii=False, indent=2, sort_keys=True) + "\n"
