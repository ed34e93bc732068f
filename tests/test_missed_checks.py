"""Checks an audit found missing, each with a bad input: an empty name between two "and"s, a YAML key given twice,
a control character in a page, repeated or dangling vocabulary slugs, option values that were silently ignored,
an annotations folder outside docs/; and problems found at the wrong place or not at all (an annotation's impossible
date, a citation on an annotation page, places after a U+2028)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ANNOTATION, GOOD, TODAY, write_project
from refkb import bibfile, coding, project, safeyaml
from refkb.checks import suite


def test_an_empty_name_between_two_ands() -> None:
    text = "@book{a2020b,\n  author = {A, B and and C, D},\n  title = {T},\n  date = {2020},\n}\n"
    issues = suite.validate_bib(bibfile.parse_text(text, "t.bib"))
    assert [(i.line, i.code) for i in issues if i.code == "invalid-name"] == [(2, "invalid-name")]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("a: 1\nb: 2\na: 3\n", (3, 1)),
        ("x: {a: 1, a: 2}\n", (1, 11)),
        ("- {slug: s, label: L, slug: t}\n", (1, 23)),
    ],
)
def test_a_yaml_key_given_twice_is_an_error_at_its_place(text: str, where: tuple[int, int]) -> None:
    with pytest.raises(safeyaml.YamlError) as err:
        safeyaml.load(text)
    assert (err.value.line, err.value.col) == where
    assert "given twice" in err.value.message


def test_a_control_character_in_a_page(tmp_path: Path) -> None:
    root = write_project(tmp_path, GOOD, {"smith2020study": ANNOTATION}, {"p.md": "# P\n\nText\x00here.\n"})
    _, issues = suite.validate_project(project.load(root), today=TODAY)
    assert [(i.path, i.line, i.col) for i in issues if i.code == "control-character"] == [("docs/p.md", 3, 5)]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"platform_categories": [{"slug": "a"}, {"slug": "a"}]}, "given twice"),
        ({"platform_categories": [{"slug": "a"}], "platforms": [{"slug": "p", "category": "nowhere"}]}, "not listed"),
    ],
)
def test_vocabulary_slugs_are_unique_and_resolve(data: dict[str, object], message: str) -> None:
    with pytest.raises(coding.SchemeError, match=message):
        coding.from_mapping(data)


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("    titles: SENTENCE\n", "titles must be one of as-is, sentence-case"),
        ("    coding: [coding.yml]\n", "coding must be a mapping"),
        ("    annotations: ../../elsewhere\n", "annotations must be a folder inside docs_dir"),
        ("    annotations: .\n", "annotations must be a folder inside docs_dir"),
    ],
)
def test_option_values_are_checked_not_ignored(tmp_path: Path, setting: str, message: str) -> None:
    root = write_project(tmp_path, GOOD, {"smith2020study": ANNOTATION})
    config = (root / "mkdocs.yml").read_text(encoding="utf-8")
    (root / "mkdocs.yml").write_text(config.replace("  refkb:\n", "  refkb:\n" + setting), encoding="utf-8")
    with pytest.raises(project.ConfigError, match=message):
        project.load(root)


NOTE = "docs/references/smith2020study.md"
# (annotation page, other pages, what refkb validate reports: path:line:col, code)
PLACE_CASES = [
    (  # a date that does not exist: at its own line and column, not at the front matter's start
        ANNOTATION.replace("verified_on: 2026-11-29", "verified_on: 2026-02-30"),
        {},
        [f"{NOTE}:4:14: error annotation-front-matter"],
    ),
    (  # U+2028 and U+2029 are no line breaks to an editor: the line after them is the third
        ANNOTATION.replace("verified_at:\n", "verified_at: # \u2028 \u2029\n").replace("2026-11-29", "2026-99-29"),
        {},
        [f"{NOTE}:4:14: error annotation-front-matter"],
    ),
    (  # an unknown key cited on an annotation page: the build puts its text on the reference page
        ANNOTATION.replace("A finding.", "A finding [@nosuchkey]."),
        {},
        [f"{NOTE}:10:13: error unresolved-citation"],
    ),
    (
        ANNOTATION,
        {"topics/t.md": "---\ntitle: T\n---\n# T \u2028 x\n\nText [@nosuchkey].\n"},
        ["docs/topics/t.md:6:6: error unresolved-citation"],
    ),
]


@pytest.mark.parametrize(("note", "pages", "expected"), PLACE_CASES)
def test_a_problem_is_found_at_its_place(tmp_path: Path, note: str, pages: dict[str, str], expected: list[str]) -> None:
    write_project(tmp_path, GOOD, {"smith2020study": note}, pages)
    _, issues = suite.validate_project(project.load(tmp_path), today=TODAY)
    assert [i.render().split(" [")[0] for i in issues] == expected, [i.render() for i in issues]
