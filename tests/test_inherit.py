"""crossref and xdata inheritance (refkb.inherit) as biber resolves it with biblatex's default rules: what each
child takes from its parent, what it never takes, what xdata gives, and the links that cannot be resolved."""

from __future__ import annotations

import pytest

from refkb import bibfile, csl, exports, inherit, profiles, styles
from refkb.checks import suite
from refkb.checks.settings import Settings
from refkb.model import Entry

INHERIT_CODES = {"crossref-missing", "crossref-cycle", "xdata-missing", "xdata-wrong-type", "xdata-cycle"}


def records(text: str) -> dict[str, Entry]:
    return {e.key: e for e in inherit.resolve(bibfile.parse_text(text, "t.bib").entries).entries}


def fields(e: Entry) -> dict[str, str]:
    return {f.name: f.value for f in e.fields}


BOOK = """@book{parent,
  author = {Doe, Jane},
  title = {The book},
  subtitle = {Its subtitle},
  titleaddon = {Addon},
  shorttitle = {Book},
  date = {2019},
  publisher = {Press},
  shorthand = {TB},
  ids = {parentalias},
  entrysubtype = {x},
  sortkey = {s},
  label = {L},
  options = {skipbib},
  xref = {other},
  keywords = {data-measurement},
}
"""


def child(kind: str, more: str = "", parent: str = BOOK) -> str:
    return parent + f"@{kind}{{child,\n  title = {{The chapter}},\n  crossref = {{parent}},\n{more}}}\n"


# (bib text, the child's fields that must be there, fields it must not have)
RESOLVED: list[tuple[str, dict[str, str], set[str]]] = [
    # book -> inbook: title, subtitle, titleaddon as book*, author also as bookauthor; short titles never
    (
        child("inbook"),
        {
            "title": "The chapter",
            "booktitle": "The book",
            "booksubtitle": "Its subtitle",
            "booktitleaddon": "Addon",
            "author": "Doe, Jane",
            "bookauthor": "Doe, Jane",
            "date": "2019",
            "publisher": "Press",
            "keywords": "data-measurement",
        },
        {"shorttitle", "subtitle", "titleaddon", "crossref", "xdata"},
    ),
    # never inherited, whatever the types
    (child("inbook"), {}, {"shorthand", "ids", "entrysubtype", "sortkey", "label", "options", "xref"}),
    # the child's own fields win
    (
        child("inbook", "  author = {Roe, Ann},\n  publisher = {Own},\n"),
        {"author": "Roe, Ann", "publisher": "Own"},
        set(),
    ),
    # a child with a date of its own keeps it whole: no year or month from the parent
    (
        child("inbook", "  year = {2001},\n", BOOK.replace("date = {2019}", "date = {2019-05}")),
        {"year": "2001"},
        {"date"},
    ),
    # biblatex renames title to booktitle only from @book into @inbook, @bookinbook, @suppbook: an @incollection
    # takes the book's other fields, not its title
    (child("incollection"), {"date": "2019", "title": "The chapter"}, {"booktitle", "bookauthor"}),
    (child("incollection", parent=BOOK.replace("@book", "@collection")), {"booktitle": "The book"}, {"bookauthor"}),
    (child("inproceedings", parent=BOOK.replace("@book", "@proceedings")), {"booktitle": "The book"}, set()),
    (child("conference", parent=BOOK.replace("@book", "@proceedings")), {"booktitle": "The book"}, set()),
    (child("article", parent=BOOK.replace("@book", "@periodical")), {"journaltitle": "The book"}, {"booktitle"}),
    (child("book", parent=BOOK.replace("@book", "@mvbook")), {"maintitle": "The book", "author": "Doe, Jane"}, set()),
    (
        child("inproceedings", parent=BOOK.replace("@book", "@mvproceedings")),
        {"maintitle": "The book", "mainsubtitle": "Its subtitle"},
        {"booktitle"},
    ),
    # a type pair without a rule copies every field but those never inherited (the child's title stays)
    (child("misc"), {"title": "The chapter", "author": "Doe, Jane", "subtitle": "Its subtitle"}, {"booktitle"}),
    # cascading: the parent inherits from its own parent first
    (
        "@mvbook{top,\n  title = {The set},\n  location = {Paris},\n}\n"
        + child("inbook", parent=BOOK.replace("keywords", "crossref = {top},\n  keywords")),
        {"booktitle": "The book", "maintitle": "The set", "location": "Paris"},
        set(),
    ),
    # xdata: every field as it is (no renaming), cascading, and over the entry's own field (biber's set_datafield)
    (
        "@xdata{pub,\n  publisher = {Macmillan},\n  xdata = {place},\n}\n@xdata{place,\n  location = {London},\n"
        "  title = {X},\n}\n@book{child,\n  title = {Own},\n  publisher = {Own press},\n  xdata = {pub},\n}\n",
        {"publisher": "Macmillan", "location": "London", "title": "X"},
        {"xdata"},
    ),
    # a parent's xdata reaches its crossref children
    (
        "@xdata{pub,\n  publisher = {Macmillan},\n}\n"
        + child("inbook", parent=BOOK.replace("  publisher = {Press},\n", "  xdata = {pub},\n")),
        {"publisher": "Macmillan"},
        {"xdata"},
    ),
    # a crossref through an ids alias
    (child("inbook").replace("crossref = {parent}", "crossref = {parentalias}"), {"booktitle": "The book"}, set()),
]


@pytest.mark.parametrize(("text", "has", "lacks"), RESOLVED, ids=[str(i) for i in range(len(RESOLVED))])
def test_a_child_inherits_as_biber_resolves(text: str, has: dict[str, str], lacks: set[str]) -> None:
    got = fields(records(text)["child"])
    assert {k: got.get(k) for k in has} == has
    assert lacks & set(got) == set()


def test_an_entry_that_inherits_nothing_is_itself_and_a_record_its_canonical_text() -> None:
    bib = bibfile.parse_text(child("inbook"), "t.bib")
    resolved = inherit.resolve(bib.entries).entries
    assert resolved[0] is bib.entries[0]
    assert resolved[1].raw == bibfile.entry_text(resolved[1])
    assert "booktitle = {The book}" in resolved[1].raw
    assert (resolved[1].key, resolved[1].pos) == ("child", bib.entries[1].pos)


# (code, bib text, (line, col) of the key the field names)
PROBLEMS: list[tuple[str, str, tuple[int, int]]] = [
    ("crossref-missing", "@inbook{a,\n  title = {T},\n  crossref = {nowhere},\n}\n", (3, 15)),
    ("crossref-cycle", "@inbook{a,\n  title = {T},\n  crossref = {a},\n}\n", (3, 15)),
    ("crossref-cycle", "@book{a,\n  crossref = {b},\n}\n@book{b,\n  crossref = {a},\n}\n", (5, 15)),
    ("xdata-missing", "@book{a,\n  xdata = {there, nowhere},\n}\n@xdata{there,\n  note = {N},\n}\n", (2, 19)),
    ("xdata-wrong-type", "@book{a,\n  xdata = {b},\n}\n@book{b,\n  title = {T},\n}\n", (2, 12)),
    ("xdata-cycle", "@xdata{a,\n  xdata = {a},\n}\n", (2, 12)),
    (
        "xdata-cycle",
        "@xdata{a,\n  xdata = {b},\n}\n@xdata{b,\n  xdata = {a},\n}\n@book{c,\n  xdata = {a},\n}\n",
        (2, 12),
    ),
]


@pytest.mark.parametrize(("code", "text", "where"), PROBLEMS, ids=[f"{c[0]}-{i}" for i, c in enumerate(PROBLEMS)])
def test_a_link_that_cannot_be_resolved_is_reported_at_its_key(code: str, text: str, where: tuple[int, int]) -> None:
    issues = suite.validate_bib(bibfile.parse_text(text, "t.bib"), Settings(profile=profiles.BIBTEX))
    mine = [i for i in issues if i.code == code]
    assert where in {(i.line, i.col) for i in mine}, [i.render() for i in issues]
    assert all(i.fix for i in mine)


def test_a_mistyped_key_is_pointed_to_its_spelling() -> None:
    text = child("inbook").replace("crossref = {parent}", "crossref = {Parent}")
    issues = suite.validate_bib(bibfile.parse_text(text, "t.bib"), Settings(profile=profiles.BIBTEX))
    assert [i.fix for i in issues if i.code == "crossref-missing"] == [
        "did you mean 'parent'? keys are case-sensitive; add the parent entry, or correct the key"
    ]


def test_a_long_chain_resolves_without_recursion() -> None:
    text = "".join(f"@book{{b{i},\n  crossref = {{b{i + 1}}},\n}}\n" for i in range(3000))
    text += "@book{b3000,\n  title = {T},\n  date = {2000},\n}\n"
    got = records(text)
    assert fields(got["b0"])["date"] == "2000"


CHAPTER = """@collection{parentbook,
  editor = {Doe, Jane},
  title = {The big book of things},
  date = {2019},
  publisher = {Press},
}

@incollection{roe2019chapter,
  author = {Roe, Ann},
  title = {A chapter},
  pages = {10--20},
  crossref = {parentbook},
}
"""


def test_a_child_that_inherits_booktitle_and_date_passes_and_formats_with_them() -> None:
    bib = bibfile.parse_text(CHAPTER, "t.bib")
    issues = suite.validate_bib(bib, Settings(profile=profiles.BIBTEX))
    assert [i.render() for i in issues if i.code == "missing-field" or i.code in INHERIT_CODES] == []
    record = inherit.resolve(bib.entries).entries[1]
    item = csl.item(record)
    assert (item["container-title"], item["issued"]) == ("The big book of things", {"date-parts": [[2019]]})
    apa = styles.Renderer(None).render([item], ("apa",))["roe2019chapter"]["apa"].html
    assert "Roe, A. (2019). A chapter. In J. Doe (Ed.), <i>The big book of things</i> (pp. 10–20). Press." in apa
    written = exports.bibtex([record])
    assert "booktitle = {The big book of things}" in written
    assert "crossref" not in written
