"""The biblatex data model: entry types, their aliases and the fields each requires ("a|b" means either)."""

from __future__ import annotations

ALIASES = {
    "conference": "inproceedings",
    "electronic": "online",
    "www": "online",
    "mastersthesis": "thesis",
    "phdthesis": "thesis",
    "techreport": "report",
    "journal": "journaltitle",
    "address": "location",
    "school": "institution",
}
_AUTHOR = "author|editor"
REQUIRED: dict[str, tuple[str, ...]] = {
    "article": ("author", "title", "journaltitle|journal", "date|year"),
    "book": ("author|editor", "title", "date|year"),
    "mvbook": ("author|editor", "title", "date|year"),
    "inbook": ("author", "title", "booktitle", "date|year"),
    "bookinbook": ("author", "title", "booktitle", "date|year"),
    "suppbook": ("author", "title", "booktitle", "date|year"),
    "booklet": (_AUTHOR, "title", "date|year"),
    "collection": ("editor", "title", "date|year"),
    "mvcollection": ("editor", "title", "date|year"),
    "incollection": ("author", "title", "booktitle", "date|year"),
    "suppcollection": ("author", "title", "booktitle", "date|year"),
    "dataset": (_AUTHOR, "title", "date|year"),
    "manual": (_AUTHOR, "title", "date|year"),
    "misc": (_AUTHOR, "title", "date|year"),
    # An undated web page is common and honest ("n.d."); urldate is required instead (missing-urldate).
    "online": (_AUTHOR, "title", "url|doi|eprint"),
    "patent": ("author", "title", "number", "date|year"),
    "periodical": ("editor", "title", "date|year"),
    "suppperiodical": ("author", "title", "journaltitle|journal", "date|year"),
    "proceedings": ("title", "date|year"),
    "mvproceedings": ("title", "date|year"),
    "inproceedings": ("author", "title", "booktitle", "date|year"),
    "reference": ("editor", "title", "date|year"),
    "mvreference": ("editor", "title", "date|year"),
    "inreference": ("author", "title", "booktitle", "date|year"),
    "report": ("author", "title", "type", "institution|school", "date|year"),
    "techreport": ("author", "title", "institution|school", "date|year"),
    "software": (_AUTHOR, "title", "date|year"),
    "thesis": ("author", "title", "type", "institution|school", "date|year"),
    "mastersthesis": ("author", "title", "institution|school", "date|year"),
    "phdthesis": ("author", "title", "institution|school", "date|year"),
    "unpublished": ("author", "title", "date|year"),
    "set": ("entryset",),
    "xdata": (),
    # Types biblatex defines but its standard styles do not support: title and date at least.
    **dict.fromkeys(
        (
            "artwork",
            "audio",
            "bibnote",
            "commentary",
            "image",
            "jurisdiction",
            "legislation",
            "legal",
            "letter",
            "movie",
            "music",
            "performance",
            "review",
            "standard",
            "video",
        ),
        ("title", "date|year"),
    ),
    **{f"custom{c}": () for c in "abcdef"},
}
for _alias, _target in (("conference", "inproceedings"), ("electronic", "online"), ("www", "online")):
    REQUIRED[_alias] = REQUIRED[_target]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# The fields of biblatex's data model (biblatex manual 2.2.2 data fields, 2.2.3 special fields, 2.2.5 aliases), for
# `field-not-carried`: a field listed here that refkb's citations do not carry (refkb.csl.CARRIED) is dropped from
# every citation, and validate says so. Fields of refkb's own (platforms, regions, sourcekind, …) are not biblatex's
# and are never warned about.
BIBLATEX_FIELDS = _words(
    """abstract addendum afterword annotation annotator author authortype bookauthor bookpagination booksubtitle
    booktitle booktitleaddon chapter commentator date doi edition editor editora editorb editorc editortype
    editoratype editorbtype editorctype eid entrysubtype eprint eprintclass eprinttype eventdate eventtitle
    eventtitleaddon file foreword holder howpublished indextitle institution introduction isan isbn ismn isrn issn
    issue issuesubtitle issuetitle issuetitleaddon iswc journalsubtitle journaltitle journaltitleaddon label language
    library location mainsubtitle maintitle maintitleaddon month nameaddon note number organization origdate
    origlanguage origlocation origpublisher origtitle pages pagetotal pagination part publisher pubstate reprinttitle
    series shortauthor shorteditor shorthand shorthandintro shortjournal shortseries shorttitle subtitle title
    titleaddon translator type url urldate venue version volume volumes year
    crossref entryset execute gender langid langidopts ids indexsorttitle keywords options presort related
    relatedoptions relatedtype relatedstring sortkey sortname sortshorthand sorttitle sortyear xdata xref
    address annote archiveprefix journal key pdf primaryclass school"""
)
# Fields that print nothing in biblatex's own styles or that refkb reads for something else: never warned about.
# Sorting, indexing, options and links between entries (crossref and xdata are resolved before the citations are
# made, refkb.inherit), local files, annotations (refkb has its own pages), and `shortauthor`, which refkb reads for
# the key convention (refkb.keys) — CSL has no short form of a name to carry it to.
NOT_PRINTED = _words(
    """annotation annote crossref entryset execute file gender ids indexsorttitle indextitle key label langidopts
    library options pdf presort related relatedoptions relatedstring relatedtype shortauthor sortkey sortname
    sortshorthand sorttitle sortyear xdata xref"""
)
