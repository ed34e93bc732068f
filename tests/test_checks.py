"""Every check code, each with one bad input, as a table: the code, its level and the line of the defect."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from conftest import ANNOTATION, GOOD, TODAY, TOPICS, spans, write_project
from refkb import bibfile, project
from refkb.checks import duplicates, fields, harm, suite
from refkb.checks.codes import CODES
from refkb.checks.settings import Settings
from refkb.model import Issue, Level

SETTINGS = Settings(TODAY, frozenset(TOPICS), frozenset(project.DEFAULT_SOURCEKINDS))


def entry(*fields: str, head: str = "@article{smith2020study,", drop: tuple[str, ...] = ()) -> str:
    """GOOD with some fields replaced or added (a replacement keeps the field's line)."""
    lines = GOOD.splitlines()[1:-1]
    names = {f.split("=")[0].strip(): f for f in fields}
    out = [head]
    for line in lines:
        name = line.split("=")[0].strip()
        if name in drop:
            continue
        out.append(names.pop(name, line.strip()) if name in names else line)
    out.extend(f"  {f}" if not f.startswith(" ") else f for f in names.values())
    return "\n".join(out) + "\n}\n"


def issues_of(text: str | bytes, settings: Settings = SETTINGS) -> list[Issue]:
    if isinstance(text, str):
        text = text.encode("utf-8")
    decoded, problem = bibfile.decode(text, "t.bib")
    if problem is not None:
        return [problem]
    return suite.validate_bib(bibfile.parse_text(decoded, "t.bib"), settings)


def test_good_entry_is_clean() -> None:
    assert issues_of(GOOD) == []


SECOND = """
@article{jones2021other,
  author = {Jones, Ann},
  title = {Something Else Entirely},
  journaltitle = {Journal of Studies},
  date = {2021},
  keywords = {data-measurement},
  sourcekind = {academic},
}
"""

CASES: list[tuple[str, str | bytes, int]] = [
    # syntax and encoding
    ("encoding-not-utf8", b"@misc{a2020b,\n  title = {caf\xe9},\n}\n", 2),
    ("syntax-error", entry("date = 2020a,"), 5),
    ("syntax-error", "@article smith2020study\n", 1),
    ("unclosed-brace", entry("title = {A Study of Things,") + SECOND, 3),
    ("unclosed-quote", entry('title = "A Study of Things,') + SECOND, 3),
    ("unclosed-entry", GOOD[:-3] + "\n", 7),
    ("unbalanced-braces", entry('title = "A Study } of Things",'), 3),
    ("missing-comma", entry("title = {A Study of Things}"), 3),
    ("percent-in-entry", entry("title = {A Study of Things},\n  % a note the author left"), 4),
    ("duplicate-field", GOOD.replace("  date", "  title = {Again},\n  date"), 5),
    ("undefined-macro", entry("journaltitle = jstud,"), 4),
    ("duplicate-macro", '@string{js = "J"}\n@string{js = "K"}\n' + entry("journaltitle = js,"), 2),
    ("missing-key", entry(head="@article{author = {Smith, Jane},"), 1),
    ("invalid-key", entry(head="@article{smith 2020study,"), 1),
    ("control-character", entry("title = {A Study\x07 of Things},"), 3),
    ("c1-control", entry("title = {A Study\x97 of Things},"), 3),  # Windows-1252's em dash read as Latin-1
    ("bidi-control", entry("title = {A Study \u202eof Things},"), 3),
    ("invisible-character", entry("title = {A Study\u200b of Things},"), 3),
    # keys
    ("empty-key", entry(head="@article{,"), 1),
    ("duplicate-key", GOOD + "\n" + GOOD, 10),
    ("duplicate-key-case", GOOD + "\n" + GOOD.replace("smith2020study", "Smith2020study"), 10),
    (
        "slug-collision",
        GOOD.replace("smith2020study", "smith2020-study") + "\n" + GOOD.replace("smith2020study", "Smith2020:Study"),
        10,
    ),
    ("unsafe-key", entry(head="@article{smith_2020,"), 1),
    ("key-convention", entry(head="@article{foo2020bar,"), 1),
    # fields
    ("unknown-entry-type", entry(head="@webpage{smith2020study,"), 1),
    ("missing-field", entry(drop=("journaltitle",)), 1),
    ("empty-field", entry("note = {},"), 8),
    ("field-not-carried", entry("origtitle = {Ein Titel},"), 8),
    ("field-not-carried", entry("eprint = {12345},\n  eprinttype = {jstor},"), 8),  # an arXiv eprint is carried
    ("invalid-name", entry("author = {Smith, Jane and },"), 2),
    ("unprotected-and", entry("publisher = {United Nations Office on Drugs and Crime},"), 8),
    ("invalid-year", entry("year = {20},", drop=("date",)), 7),
    ("implausible-year", entry("year = {1700},", drop=("date",)), 7),
    ("year-out-of-range", entry("year = {1492},", drop=("date",)), 7),
    ("invalid-date", entry("date = {2020-13},"), 5),
    ("date-year-mismatch", entry("year = {2021},"), 5),
    ("syntax-error", "% a comment\n@article smith2020study,\n", 2),
    ("invalid-month", entry("month = {Smarch},"), 8),
    ("invalid-urldate", entry("urldate = {12 October 2020},"), 8),
    ("future-urldate", entry("urldate = {2999-01-01},"), 8),
    ("invalid-doi", entry("doi = {10.123/abc},"), 8),
    ("doi-resolver-prefix", entry("doi = {https://doi.org/10.1234/abc},"), 8),
    ("invalid-url", entry("url = {javascript:alert(1)},"), 8),
    ("invalid-url", entry("url = {data:text/html,<b>x</b>},"), 8),
    ("invalid-url", entry("url = {file:///etc/passwd},"), 8),
    ("invalid-url", entry("url = {www.example.org/page},"), 8),
    ("invalid-url", entry('url = {https://example.org/a"onmouseover="x},'), 8),
    ("invalid-isbn", entry("isbn = {978-0-306-40615-6},"), 8),
    ("invalid-issn", entry("issn = {0317-8472},"), 8),
    ("invalid-pages", entry("pages = {twelve},"), 8),
    ("invalid-pages", entry("pages = {34--12},"), 8),
    ("page-range-hyphen", entry("pages = {12-34},"), 8),
    ("unescaped-ampersand", entry("title = {Tom & Jerry},"), 3),
    ("missing-urldate", entry("url = {https://example.org/},", head="@online{smith2020study,"), 1),
    # crossref and xdata (refkb.inherit; tests/test_inherit.py holds what each link gives)
    ("crossref-missing", entry("crossref = {nowhere},"), 8),
    ("crossref-cycle", entry("crossref = {smith2020study},"), 8),
    ("xdata-missing", entry("xdata = {nowhere},"), 8),
    ("xdata-wrong-type", entry("xdata = {jones2021other},") + SECOND, 8),
    ("xdata-cycle", "@xdata{loop,\n  xdata = {loop},\n}\n", 2),
    # likely duplicates
    ("duplicate-doi", entry("doi = {10.1234/abc},") + SECOND.replace("  date", "  doi = {10.1234/ABC},\n  date"), 15),
    (
        "duplicate-url",
        entry("url = {https://example.org/a},", "urldate = {2026-01-01},")
        + SECOND.replace("  date", "  url = {http://www.example.org/a/},\n  urldate = {2026-01-01},\n  date"),
        16,
    ),
    (
        "near-duplicate-title",
        GOOD + SECOND.replace("Something Else Entirely", "A study of things.").replace("2021", "2020"),
        10,
    ),
    # knowledge-base fields
    ("unknown-topic", entry("keywords = {data-measurement, gossip},"), 6),
    ("missing-topic", entry(drop=("keywords",)), 1),
    ("invalid-sourcekind", entry("sourcekind = {blog},"), 7),
    ("missing-sourcekind", entry(drop=("sourcekind",)), 1),
]


@pytest.mark.parametrize(("code", "text", "line"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_each_defect_is_reported_at_its_line(code: str, text: str | bytes, line: int) -> None:
    found = issues_of(text)
    mine = [i for i in found if i.code == code]
    assert mine, f"{code} not reported; got {[i.render() for i in found]}"
    assert line in {i.line for i in mine}, [i.render() for i in mine]
    assert all(i.level is CODES[code][0] for i in mine)
    assert all(i.col >= 1 and i.fix for i in mine)


def test_today_is_injected_not_read() -> None:
    text = entry("urldate = {2026-12-01},")
    assert "future-urldate" in {i.code for i in issues_of(text)}
    later = Settings(dt.date(2027, 1, 1), SETTINGS.topics, SETTINGS.sourcekinds)
    assert "future-urldate" not in {i.code for i in issues_of(text, later)}


@pytest.mark.parametrize(
    ("key", "fields", "ok"),
    [
        (
            "polaris2018onramps",
            ("author = {{Polaris}},", "title = {On-Ramps, Intersections, and Exit Routes},", "date = {2018-07},"),
            True,
        ),
        (
            "unga2010globalplan",
            (
                "author = {{United Nations General Assembly}},",
                "shortauthor = {UNGA},",
                "title = {United Nations Global Plan of Action},",
                "date = {2010-07-30},",
            ),
            True,
        ),
        (
            "ncmec2018online",
            (
                "author = {{National Center for Missing \\& Exploited Children}},",
                "title = {The Online Enticement of Children},",
                "date = {2018},",
            ),
            True,
        ),
        (
            "hti2021federal",
            (
                "author = {{Human Trafficking Institute}},",
                "shortauthor = {HTI},",
                "title = {2020 Federal Human Trafficking Report},",
                "date = {2021},",
            ),
            True,
        ),
        (
            "polarisndhuman",
            ("author = {{Polaris}},", "title = {Human Trafficking and Online Recruitment},", "date = {},"),
            True,
        ),
        ("smith2020study-2", ("date = {2020},",), True),
        ("smith2021study", ("date = {2020},",), False),
        ("jones2020study", ("date = {2020},",), False),
        ("smith2020things", ("date = {2020},",), False),
    ],
)
def test_key_convention(key: str, fields: tuple[str, ...], ok: bool) -> None:
    text = entry(*fields, head=f"@article{{{key},")
    codes = {i.code for i in issues_of(text)}
    assert ("key-convention" not in codes) is ok


PROJECT_CASES = [
    ("missing-annotation", {}, {}, "references.bib", 1),
    (
        "orphan-annotation",
        {"smith2020study": ANNOTATION, "ghost2020": ANNOTATION},
        {},
        "docs/references/ghost2020.md",
        1,
    ),
    (
        "annotation-front-matter",
        {"smith2020study": ANNOTATION.replace("verified_on: 2026-11-29", "verified_on: soon")},
        {},
        "docs/references/smith2020study.md",
        4,
    ),
    (
        "annotation-front-matter",
        {"smith2020study": ANNOTATION.replace("https://example.org/where-it-was-checked", "javascript:alert(1)")},
        {},
        "docs/references/smith2020study.md",
        2,
    ),
    ("annotation-front-matter", {"smith2020study": "## Summary\nx\n"}, {}, "docs/references/smith2020study.md", 1),
    (
        "missing-section",
        {"smith2020study": ANNOTATION.replace("## Limitations\nA limitation.\n", "")},
        {},
        "docs/references/smith2020study.md",
        6,
    ),
    (
        "empty-section",
        {"smith2020study": ANNOTATION.replace("A limitation.", "")},
        {},
        "docs/references/smith2020study.md",
        15,
    ),
    (
        "unresolved-citation",
        {"smith2020study": ANNOTATION},
        {"topics/a.md": "# A\n\nText [@smith2020study].\n\nMore [see @nobody2020x, p. 3].\n"},
        "docs/topics/a.md",
        5,
    ),
]


@pytest.mark.parametrize(("code", "notes", "pages", "path", "line"), PROJECT_CASES)
def test_project_rules(
    tmp_path: Path, code: str, notes: dict[str, str], pages: dict[str, str], path: str, line: int
) -> None:
    write_project(tmp_path, GOOD, notes, pages)
    _, found = suite.validate_project(project.load(tmp_path), TODAY)
    mine = [i for i in found if i.code == code]
    assert mine, [i.render() for i in found]
    assert (path, line) in {(i.path, i.line) for i in mine}, [i.render() for i in mine]


CLAIM = """- id: c01
  section: Introduction
  claim: Something the overview says.
  verdict: partly supported
  evidence: [smith2020study]
  note: Why Smith says so.
  corrected: What the source says.
"""
TERM = "- term: Grooming\n  definition: Building trust to exploit it.\n  cite: [smith2020study]\n"
EVENT = "- date: 2020-07\n  event: Something happened.\n  cite: [smith2020study]\n"

DATA_CASES = [
    ("data-invalid", "claims.yml", "- id: c01\n  claim: [unclosed\n", 3),
    ("data-invalid", "claims.yml", CLAIM.replace("  note: Why Smith says so.\n", ""), 1),
    ("data-invalid", "glossary.yml", "just text\n", 1),
    ("unknown-verdict", "claims.yml", CLAIM.replace("partly supported", "mostly true"), 1),
    ("missing-correction", "claims.yml", CLAIM.replace("  corrected: What the source says.\n", ""), 1),
    ("unresolved-data-key", "claims.yml", "\n" + CLAIM.replace("[smith2020study]", "[nobody2020x]"), 2),
    ("missing-citation", "glossary.yml", TERM.replace("  cite: [smith2020study]\n", ""), 1),
    ("unresolved-data-key", "timeline.yml", EVENT.replace("smith2020study", "ghost2019x"), 1),
    ("invalid-event-date", "timeline.yml", EVENT.replace("2020-07", "2020-13"), 1),
    ("invalid-event-date", "timeline.yml", EVENT.replace("2020-07", "July 2020"), 1),
]


@pytest.mark.parametrize(("code", "name", "text", "line"), DATA_CASES)
def test_knowledge_base_data(tmp_path: Path, code: str, name: str, text: str, line: int) -> None:
    write_project(tmp_path, GOOD, {"smith2020study": ANNOTATION}, {name: text})
    _, found = suite.validate_project(project.load(tmp_path), TODAY)
    mine = [i for i in found if i.code == code]
    assert mine, [i.render() for i in found]
    assert (f"docs/{name}", line) in {(i.path, i.line) for i in mine}


def test_good_knowledge_base_data_is_clean(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        GOOD,
        {"smith2020study": ANNOTATION},
        {"claims.yml": CLAIM, "glossary.yml": TERM, "timeline.yml": EVENT},
    )
    _, found = suite.validate_project(project.load(tmp_path), TODAY)
    assert found == []


HARM_CASES = [
    ("phone-number", "Call 555-123-4567 for help.\n", 1, 6),
    ("phone-number", "Ring +44 20 7946 0958 now.\n", 1, 6),
    ("email-address", "Write to someone@example.org.\n", 1, 10),
    ("social-media-handle", "Follow @somebody on a platform.\n", 1, 8),
    # Prose between raw HTML tags is prose; an address in a mailto: link is published (the HTML policy keeps it).
    ("phone-number", "Call <b>555-123-4567</b> for help.\n", 1, 9),
    ("phone-number", "`code` then 555-123-4567 in prose.\n", 1, 13),
    ("phone-number", "A lone ` tick.\n\nCall 555-123-4567 ` now.\n", 3, 6),  # a code span ends with its paragraph
    ("phone-number", "<!-- a comment --> Call 555-123-4567 now.\n", 1, 25),  # a comment does not indent the line
    ("email-address", '<a href="mailto:someone@example.org">Write</a>.\n', 1, 17),
]


@pytest.mark.parametrize(("code", "text", "line", "col"), HARM_CASES)
def test_do_no_harm(tmp_path: Path, code: str, text: str, line: int, col: int) -> None:
    write_project(tmp_path, GOOD, {"smith2020study": ANNOTATION}, {"page.md": "# Page\n\n" + text})
    _, found = suite.validate_project(project.load(tmp_path), TODAY)
    assert (code, "docs/page.md", line + 2, col) in {(i.code, i.path, i.line, i.col) for i in found}, [
        i.render() for i in found
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Call the hotline on 1-888-373-7888.",  # allow-listed
        "Between 2017-2020 and [@smith2020study], pp. 461-483; 1,300 officers; ISBN 978-92-1-130411-4.",
        "See arXiv 2103.16476 and 10.1093/sp/jxu018; text 233733.",
        "`someone@example.org` in code, and <!-- 555-123-4567 --> in a comment.",
        "@smith2020study argue the point.",
        # Code, tags and attributes are masked as the citations' masker masks them (refkb.citations.mask_markup).
        "A code span: `555-123-4567`.",
        "``Two ticks: ` 555-123-4567``.",
        "    555-123-4567 in an indented code block.",
        "```\n555-123-4567 in fenced code\n```",
        '<span title="555-123-4567">a number in an attribute</span>',
        "<code>555-123-4567</code> in an HTML code element.",
        'A paragraph with an attribute list.\n{: title="555-123-4567" }',
        '<img alt="@somebody" src="x.png">',
    ],
)
def test_do_no_harm_lets_ordinary_prose_pass(tmp_path: Path, text: str) -> None:
    write_project(tmp_path, GOOD, {"smith2020study": ANNOTATION}, {"page.md": "# Page\n\n" + text + "\n"})
    config = tmp_path / "mkdocs.yml"
    config.write_text(config.read_text().replace("  refkb:\n", '  refkb:\n    helplines: ["1-888-373-7888"]\n'))
    _, found = suite.validate_project(project.load(tmp_path), TODAY)
    assert [i.render() for i in found] == []


# Texts where a match may start anywhere: what do no harm's searches, tried only where a match can start, must find
# exactly as the patterns' own finditer finds it (the matches, in order: a match ends where the next is looked for).
SEARCH_TEXTS = [
    "a@b.com.x@c.org and .x@y.org, x@@y.com, foo@bar.baz.qux! élève@école.fr İstanbul@x.com.tr",
    "[@smith2020study] [-@key] -@key @handle @a.b. mail@host x@y",
    "+1 (555) 123-4567, 020 7946 0958, ISBN 978 0 306 40615 7, 3.14159265358 12 34 56 78 90 12 34",
    "1-888-373-7888\n555\n123 4567 (20) 7946-0958/2 +44.20.7946.0958 x1 234 567 890",
    "",
]


@pytest.mark.parametrize("text", SEARCH_TEXTS)
def test_do_no_harm_searches_find_what_the_patterns_find(text: str) -> None:
    assert spans(harm._emails(text)) == spans(harm._EMAIL.finditer(text))
    assert spans(harm._phones(text)) == spans(harm._PHONE.finditer(text))
    assert spans(harm._from_starts(harm._HANDLE, harm._AT, text)) == spans(harm._HANDLE.finditer(text))


@pytest.mark.parametrize(
    ("title", "found"),
    [
        ("A study: Of things", None),
        ("A study -- Of things", None),
        ("A study ---- Of things", (13, "Of")),
        ("A study – Of things", None),
        ("A study of \\{Things} and Others", (13, "Things")),  # an escaped brace opens no group
        ("A {Brace} study. New sentence", None),
        ("  Leading spaces then Word", (22, "Word")),
    ],
)
def test_title_case_problem(title: str, found: tuple[int, str] | None) -> None:
    assert fields.title_case_problem(title) == found


def test_clean_project_has_no_issue(tmp_path: Path) -> None:
    write_project(tmp_path, GOOD, {"smith2020study": ANNOTATION}, {"topics/a.md": "Text [@smith2020study].\n"})
    _, found = suite.validate_project(project.load(tmp_path), TODAY)
    assert found == []


def test_every_code_is_tested() -> None:
    tested = (
        {c[0] for c in CASES} | {c[0] for c in PROJECT_CASES} | {c[0] for c in DATA_CASES} | {c[0] for c in HARM_CASES}
    )
    from test_coding import CODING_CASES  # the evidence-coding codes are tested there

    tested |= {c[0] for c in CODING_CASES}
    from test_hardening import HARDENING_CODES  # the hardening codes are tested there

    tested |= HARDENING_CODES
    from test_hosts import LINK_TITLE_CODES  # canonical links and the title convention

    tested |= LINK_TITLE_CODES
    from test_reader import READER_CODES  # freshness of verification

    tested |= READER_CODES
    from test_appraisal import APPRAISAL_CODES  # appraisal, the verification trail and name variants
    from test_bounds import BOUNDS_CODES  # bounded input
    from test_htmlpolicy import HTMLPOLICY_CODES  # raw HTML and slugs
    from test_searchlog import SEARCHLOG_CODES  # the search log and screening records, the ledger's agreement

    tested |= APPRAISAL_CODES | SEARCHLOG_CODES | HTMLPOLICY_CODES | BOUNDS_CODES
    from test_checks_codes import LINK_CODES  # what refkb check-links reports
    from test_inherit import WORK_CODES  # an @xdata entry is no work: citing one

    tested |= LINK_CODES | WORK_CODES
    from test_project import SETTING_CODES  # settings of the wrong kind, at their place

    tested |= SETTING_CODES
    assert tested == set(CODES)


def test_codes_have_levels_and_meanings() -> None:
    for code, (level, meaning) in CODES.items():
        assert isinstance(level, Level)
        assert meaning
        assert code == code.lower()


def test_near_duplicates_stay_fast_and_exact_at_scale() -> None:
    entries = []
    for i in range(3000):
        entries.append(
            f"@article{{a{i}x,\n  title = {{Unrelated title number {i:05d} {'abcdefghij'[i % 10] * 5}}},\n"
            f"  date = {{{2000 + i % 20}}},\n}}\n"
        )
    entries.append("@article{dup,\n  title = {Unrelated title number 00007 hhhhh},\n  date = {2007},\n}\n")
    bib = bibfile.parse_text("\n".join(entries), "t.bib")
    found = list(duplicates.check_near_duplicates(bib))
    assert {i.key for i in found} >= {"dup"}


def _warning(code: str, n: int) -> Issue:
    return Issue("a.bib", n, 1, Level.WARNING, code, f"k{n}", "m")


# (codes of the issues in order, at most this many of one code, the lines capped() gives: rendered keys or counts)
CAPPED_CASES = [
    ([], 2, []),
    (["name-variant"] * 2, 2, ["k0", "k1"]),
    (["name-variant"] * 5, 2, ["k0", "k1", "… and 3 more name-variant warnings"]),
    (
        ["name-variant", "invalid-pages", "name-variant", "name-variant", "invalid-pages"],
        1,
        ["k0", "k1", "… and 2 more name-variant warnings", "… and 1 more invalid-pages warnings"],
    ),
    (["name-variant"] * 1952, 20, [f"k{n}" for n in range(20)] + ["… and 1,932 more name-variant warnings"]),
]


@pytest.mark.parametrize(("codes", "per_code", "expected"), CAPPED_CASES)
def test_capped_shows_the_first_of_each_code_and_counts_the_rest(
    codes: list[str], per_code: int, expected: list[str]
) -> None:
    lines = suite.capped([_warning(code, n) for n, code in enumerate(codes)], per_code)
    assert len(lines) == len(expected)
    for line, want in zip(lines, expected, strict=True):
        if want.startswith("…"):
            assert line == f"{want} (refkb validate lists every one)"
        else:
            assert f" [{want}] " in line


# -- the annotations' findings kept between runs in one process (checks.annotations.NoteMemo, mkdocs serve) --------


def _broken(root: Path) -> None:
    page = root / "docs" / "references" / "smith2020study.md"
    page.write_text(page.read_text(encoding="utf-8").replace("verified_on:", "verified_no:"), encoding="utf-8")


def _fixed(root: Path) -> None:
    page = root / "docs" / "references" / "smith2020study.md"
    page.write_text(page.read_text(encoding="utf-8").replace("verified_no:", "verified_on:"), encoding="utf-8")


def _sections_dropped(root: Path) -> None:
    page = root / "docs" / "references" / "smith2020study.md"
    page.write_text(page.read_text(encoding="utf-8").split("## ")[0], encoding="utf-8")


def _removed(root: Path) -> None:
    (root / "docs" / "references" / "smith2020study.md").unlink()


NOTE_MEMO_STEPS = [  # (what happens, the day of the run, whether a note's own checks run again)
    ("first run", TODAY, True),
    ("nothing changed", TODAY, False),
    ("a verification date's key misspelt", TODAY, True),
    ("nothing changed, with a problem", TODAY, False),
    ("fixed", TODAY, True),
    ("a day years later (freshness)", TODAY + dt.timedelta(days=3 * 365), True),
    ("the sections dropped", TODAY, True),
    ("the page removed", TODAY, False),
]
_NOTE_EDITS = {
    "a verification date's key misspelt": _broken,
    "fixed": _fixed,
    "the sections dropped": _sections_dropped,
}


def test_kept_annotation_findings_equal_a_fresh_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Under serve a note read again only when its file changed is the same object; with the memo every run finds
    exactly what a run without it finds, and an unchanged note's own checks are not run again."""
    from refkb import annotation
    from refkb.checks import annotations as annotation_checks

    write_project(tmp_path, GOOD, {"smith2020study": ANNOTATION}, {})
    memo = annotation_checks.NoteMemo()
    read: dict[Path, tuple[str, annotation.Annotation]] = {}
    calls: list[str] = []
    real = annotation_checks.note_found

    def counted(*args: Any, **kwargs: Any) -> annotation_checks.NoteFound:
        calls.append("run")
        return real(*args, **kwargs)

    monkeypatch.setattr(annotation_checks, "note_found", counted)
    for step, day, runs in NOTE_MEMO_STEPS:
        if step in _NOTE_EDITS:
            _NOTE_EDITS[step](tmp_path)
        if step == "the page removed":
            _removed(tmp_path)
        notes = []
        for path in sorted((tmp_path / "docs" / "references").glob("*.md")):
            text = path.read_text(encoding="utf-8")
            if path not in read or read[path][0] != text:
                read[path] = (text, annotation.read(path))
            notes.append(read[path][1])
        proj = project.load(tmp_path)
        calls.clear()
        _, kept = suite.validate_project(proj, day, notes=notes, note_memo=memo)
        assert bool(calls) is runs, step
        _, fresh = suite.validate_project(proj, day, notes=[annotation.read(n.path) for n in notes])
        assert [i.render() for i in kept] == [i.render() for i in fresh], step
        assert bool(kept) is (step not in ("first run", "nothing changed", "fixed")), step
