"""Bounded work on unbounded input: a huge field is one line at once, messages quote a short excerpt of any value
(never the repr of a whole container), Crossref is given at most 5 seconds."""

from __future__ import annotations

import inspect
import time
from pathlib import Path

import pytest

from conftest import ANNOTATION, GOOD, TODAY, write_project
from refkb import bibfile, crossref, project
from refkb.checks import suite
from refkb.values import excerpt

BOUNDS_CODES = {"field-too-large", "nesting-too-deep"}


def test_a_huge_field_is_one_line_at_once() -> None:
    text = "@book{big2020title,\n  author = {A, B},\n  title = {" + "a" * 4_000_000 + "},\n  date = {2020},\n}\n"
    start = time.perf_counter()
    issues = suite.validate_bib(bibfile.parse_text(text, "big.bib"))
    assert time.perf_counter() - start < 10
    assert [(i.line, i.col, i.code) for i in issues] == [(3, 3, "field-too-large")]
    assert "4,000,000 characters" in issues[0].message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("short", "'short'"),
        ("x" * 1000, "'" + "x" * 60 + "'…"),
        ([[1, 2]] * 10**6, "a list of 1,000,000 items"),
        ({"a": 1}, "a mapping of 1 key"),
        (7, "7"),
    ],
)
def test_excerpt_is_short_whatever_the_value(value: object, expected: str) -> None:
    assert excerpt(value) == expected


def test_an_alias_bomb_is_described_without_walking_it() -> None:
    a: list[object] = ["x"] * 10
    for _ in range(9):  # what a 9-level YAML alias chain loads as: 10^9 leaves, shared
        a = [a] * 10
    start = time.perf_counter()
    assert excerpt(a) == "a list of 10 items"
    assert time.perf_counter() - start < 0.1


def test_crossref_waits_at_most_five_seconds() -> None:
    assert inspect.signature(crossref.fetch).parameters["timeout"].default <= 5


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        ("# T\n\n" + "- " * 600 + "deep\n", ["3:1 nesting-too-deep"]),
        ("# T\n\n" + ">" * 100 + " quoted\n", ["3:1 nesting-too-deep"]),
        ("# T\n\n- a\n  - b\n    - c\n", []),
    ],
)
def test_nesting_is_bounded_before_markdown_sees_it(tmp_path: Path, page: str, expected: list[str]) -> None:
    root = write_project(tmp_path, GOOD, {"smith2020study": ANNOTATION}, {"deep.md": page})
    _, issues = suite.validate_project(project.load(root), today=TODAY)
    assert [f"{i.line}:{i.col} {i.code}" for i in issues if i.code == "nesting-too-deep"] == expected


def test_a_time_of_day_in_verified_on_is_reported_at_its_line(tmp_path: Path) -> None:
    """Once an internal error naming another file: a datetime is not a day."""
    note = ANNOTATION.replace("verified_on: 2026-11-29", "verified_on: 2026-11-29T10:00:00")
    root = write_project(tmp_path, GOOD, {"smith2020study": note})
    _, issues = suite.validate_project(project.load(root), today=TODAY)
    found = [(i.path, i.line, i.code) for i in issues if i.code in ("annotation-front-matter", "front-matter-key")]
    assert ("docs/references/smith2020study.md", 4, "annotation-front-matter") in found
