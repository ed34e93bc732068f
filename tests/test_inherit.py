"""crossref and xdata inheritance (refkb.inherit) as biber resolves it with biblatex's default rules: what each
child takes from its parent, what it never takes, what xdata gives, and the links that cannot be resolved."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ANNOTATION, DATA, GOOD, TODAY, write_project
from refkb import bibfile, cli, csl, exports, inherit, profiles, project, styles
from refkb.checks import suite
from refkb.checks.settings import Settings
from refkb.model import Entry

INHERIT_CODES = {"crossref-missing", "crossref-cycle", "xdata-missing", "xdata-wrong-type", "xdata-cycle"}
WORK_CODES = {"xdata-cited"}  # an @xdata entry is no work (tested here, listed in test_checks' every-code test)


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


# ---------------------------------------------------------------------------------------------------------------
# An @xdata entry is no work: no page, row, download, count or work's check, and not citable; its fields still
# reach the entries that name it.

# GOOD's journal given by an @xdata entry whose key follows no convention and that has no topic or sourcekind
XDATA_BIB = GOOD.replace("  journaltitle = {Journal of Studies},\n", "  xdata = {jstudies},\n") + (
    "\n@xdata{jstudies,\n  journaltitle = {Journal of Studies},\n}\n"
)

IS_WORK = [
    ("@xdata{x,\n  publisher = {P},\n}\n", False),
    ("@XData{x,\n  publisher = {P},\n}\n", False),
    ("@book{x,\n  title = {T},\n}\n", True),
    ("@article{x,\n  title = {T},\n}\n", True),
    ("@set{x,\n  entryset = {a,b},\n}\n", True),
    ("@misc{x,\n  xdata = {y},\n}\n", True),
]


@pytest.mark.parametrize(("text", "work"), IS_WORK)
def test_only_an_xdata_entry_is_no_work(text: str, work: bool) -> None:
    (e,) = bibfile.parse_text(text, "t.bib").entries
    assert inherit.is_work(e) is work
    assert inherit.works([e]) == ((e,) if work else ())


def test_the_works_are_the_records_without_the_xdata_entries() -> None:
    resolution = inherit.resolve(bibfile.parse_text(XDATA_BIB, "t.bib").entries)
    assert [e.key for e in resolution.entries] == ["smith2020study", "jstudies"]
    (work,) = resolution.works
    assert (work.key, work.value("journaltitle"), "xdata" in work) == ("smith2020study", "Journal of Studies", False)


def test_an_xdata_entry_gets_none_of_a_works_checks(tmp_path: Path) -> None:
    """Under the knowledge-base profile: no annotation, topic, sourcekind, required field or key convention."""
    write_project(tmp_path, XDATA_BIB, {"smith2020study": ANNOTATION}, {"topics/a.md": "Text [@smith2020study].\n"})
    _, found = suite.validate_project(project.load(tmp_path), TODAY)
    assert [i.render() for i in found] == []


# (code, annotation pages, docs pages, (path, line, col) where it is reported, at the key jstudies)
NOT_CITABLE: list[tuple[str, dict[str, str], dict[str, str], tuple[str, int, int]]] = [
    (
        "xdata-cited",
        {"smith2020study": ANNOTATION},
        {"topics/a.md": "# A\n\nText [@smith2020study; @jstudies, p. 2].\n"},
        ("docs/topics/a.md", 3, 6),
    ),
    (  # an annotation page cites like any other
        "xdata-cited",
        {"smith2020study": ANNOTATION + "See [@jstudies].\n"},
        {},
        ("docs/references/smith2020study.md", 20, 5),
    ),
    (  # an annotation page of an @xdata entry: there is no reference page to show it on
        "orphan-annotation",
        {"smith2020study": ANNOTATION, "jstudies": ANNOTATION},
        {},
        ("docs/references/jstudies.md", 1, 1),
    ),
    (  # a data file cites works only, and says so of an @xdata key (not "names no entry")
        "xdata-cited",
        {"smith2020study": ANNOTATION},
        {"glossary.yml": "- term: Grooming\n  definition: Building trust to exploit it.\n  cite: [jstudies]\n"},
        ("docs/glossary.yml", 1, 1),
    ),
]


@pytest.mark.parametrize(("code", "notes", "pages", "where"), NOT_CITABLE, ids=[c[0] for c in NOT_CITABLE])
def test_an_xdata_entry_cannot_be_cited(
    tmp_path: Path, code: str, notes: dict[str, str], pages: dict[str, str], where: tuple[str, int, int]
) -> None:
    write_project(tmp_path, XDATA_BIB, notes, pages)
    _, found = suite.validate_project(project.load(tmp_path), TODAY)
    assert [(i.code, i.key, (i.path, i.line, i.col)) for i in found] == [(code, "jstudies", where)], [
        i.render() for i in found
    ]
    (problem,) = found
    assert problem.fix
    if code == "xdata-cited":
        assert "cannot be cited" in problem.message
        assert problem.fix.startswith("cite a work that names it (xdata = {jstudies})")


def test_stats_count_works_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_project(tmp_path, XDATA_BIB, {"smith2020study": ANNOTATION})
    monkeypatch.chdir(tmp_path)
    assert cli.main(["stats", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert (stats["sources"], stats["annotations"], stats["kinds"]) == (1, "1/1", {"academic": 1})


def test_an_xdata_entry_gets_no_page_and_its_fields_reach_the_work(tmp_path: Path) -> None:
    """The tiny site with Rivera's publisher and place in an @xdata entry: built with --strict, no file of the
    site names the @xdata entry, and Rivera's page and downloads carry what it gives."""
    site = tmp_path / "tiny"
    shutil.copytree(DATA / "sites" / "tiny", site, ignore=shutil.ignore_patterns(".cache", "site"))
    bib = (site / "works.bib").read_text(encoding="utf-8")
    moved = "  publisher = {Field Press},\n  location = {Leeds},\n"
    assert moved in bib
    bib = bib.replace(moved, "  xdata = {fieldpress},\n") + "\n@xdata{fieldpress,\n" + moved + "}\n"
    (site / "works.bib").write_text(bib, encoding="utf-8")
    out = tmp_path / "out"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(out)]
    done = subprocess.run(command, cwd=site, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert sorted(p.name for p in (out / "notes").iterdir() if p.is_dir()) == ["rivera2019soil", "wateraid2021water"]
    assert [
        str(p.relative_to(out)) for p in sorted(out.rglob("*")) if p.is_file() and b"fieldpress" in p.read_bytes()
    ] == []
    assert "Field Press" in (out / "notes" / "rivera2019soil" / "index.html").read_text(encoding="utf-8")
    downloads = (out / "downloads" / "references.bib").read_text(encoding="utf-8")
    rivera = downloads[downloads.index("@book{rivera2019soil,") :].split("\n}\n")[0]
    assert ("publisher = {Field Press}" in rivera, "location = {Leeds}" in rivera, "xdata" in rivera) == (
        True,
        True,
        False,
    )
