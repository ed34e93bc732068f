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
