"""A work as the site's pages show it (`Ref`: the entry, its CSL item and its citations in every style), and the
labels readers know it by: its kind of work, its kind of source, its authors and its date as text."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from . import bibfile, csl, keys, stylerecords
from .model import Entry, Person

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
KIND_ORDER = ("ngo", "intergovernmental", "government", "academic", "industry", "law", "journalism")
MONTHS = tuple(bibfile.MONTHS.values())


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
    rendered: Mapping[str, stylerecords.Rendered]
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
    def slug(self) -> str:
        """The name of the work's page and files: its key made a safe slug (a safe key is its own slug)."""
        return keys.slug(self.key)

    @property
    def url(self) -> str:
        return f"{self.folder}/{self.slug}/"

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


def kinds_present(works: Iterable[Ref], order: Sequence[str] = KIND_ORDER) -> list[str]:
    """The kinds of source (`sourcekind`) the works have, in `order`: one pass over the works."""
    present = {r.entry.value("sourcekind").strip() for r in works}
    return [k for k in order if k in present]
