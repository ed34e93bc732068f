"""Bounded work on unbounded input: a huge field is one line at once, messages quote a short excerpt of any value
(never the repr of a whole container), Crossref is given at most 5 seconds."""

from __future__ import annotations

import inspect
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import ANNOTATION, GOOD, ROOT, TODAY, write_project
from refkb import bibfile, crossref, project
from refkb.checks import suite
from refkb.values import excerpt

BOUNDS_CODES = {"field-too-large", "nesting-too-deep", "yaml-invalid"}  # yaml-invalid: the alias chains below


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


CHAIN = ["x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"] + [
    f"x{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)
]  # a 9-level alias chain: 10^9 leaves if expanded


def _bomb_mapping(text: str, anchor: str, indent: str = "") -> str:
    """The chain put before `anchor` (a line of a mapping), at its indentation, and one key that expands it."""
    lines = [indent + line for line in [*CHAIN, "bomb: *a9"]]
    assert anchor in text, anchor
    return text.replace(anchor, "\n".join(lines) + "\n" + anchor, 1)


def _bomb_list_item(text: str, anchor: str) -> str:
    """The chain inside the first item of a YAML list (claims, timeline, glossary)."""
    assert anchor in text, anchor
    return text.replace(anchor, anchor + "\n" + "\n".join("  " + line for line in [*CHAIN, "bomb: *a9"]), 1)


def _bomb_front_matter(text: str) -> str:
    return text.replace("---\n", "---\n" + "\n".join([*CHAIN, "bomb: *a9"]) + "\n", 1)


def _bomb_setting(text: str) -> str:
    """mkdocs.yml may hold aliases (bounded): the chain expanded where refkb reads a setting."""
    return _bomb_mapping(text, "site_name:").replace("    style: apa", "    style: *a9", 1)


BOMBS: list[tuple[str, str, Callable[[str], str]]] = [  # file, what it is, where the chain goes
    ("mkdocs.yml", "the configuration", _bomb_setting),
    ("coding.yml", "the coding vocabularies", lambda t: _bomb_mapping(t, "primary:")),
    ("docs/claims.yml", "the claims ledger", lambda t: _bomb_list_item(t, "- id: c01")),
    ("docs/glossary.yml", "the glossary", lambda t: _bomb_list_item(t, "- term:")),
    ("docs/timeline.yml", "the timeline", lambda t: _bomb_list_item(t, "- date:")),
    ("docs/searches.yml", "the search log", lambda t: _bomb_mapping(t, "searches:")),
    ("docs/references/amnesty2025someone.md", "an annotation's front matter", _bomb_front_matter),
]

MEASURE = """
import resource, subprocess, sys, time
start = time.monotonic()
run = subprocess.run([sys.executable, "-m", "refkb", "validate"], capture_output=True, text=True)
took = time.monotonic() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
print(f"{took:.2f} {peak}")
sys.stderr.write(run.stdout + run.stderr)
"""


@pytest.mark.parametrize(("path", "name", "bomb"), BOMBS, ids=[b[1] for b in BOMBS])
def test_an_alias_chain_in_any_yaml_file_is_one_line_at_once(
    tmp_path: Path, path: str, name: str, bomb: Callable[[str], str]
) -> None:
    """`refkb validate` on a copy of the knowledge base whose file holds the chain: one error line at the file's
    place, with its code, in under 10 s and under 1 GB (the peak resident size of the validate process)."""
    root = tmp_path / "kb"
    root.mkdir()
    shutil.copytree(ROOT / "docs", root / "docs")
    for file in ("mkdocs.yml", "references.bib", "coding.yml", "CITATION.cff"):
        shutil.copy(ROOT / file, root / file)
    target = root / path
    target.write_text(bomb(target.read_text(encoding="utf-8")), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-c", MEASURE], cwd=root, capture_output=True, text=True, timeout=60, check=False
    )
    took, peak = run.stdout.split()
    assert float(took) < 10, name
    assert int(peak) < 1024**3, name
    lines = [line for line in run.stderr.splitlines() if ": error " in line]
    assert len(lines) == 1, run.stderr[-2000:]
    assert re.match(re.escape(path) + r":\d+:\d+: error [a-z-]+ ", lines[0]), lines[0]
    assert len(lines[0]) < 400, "a short excerpt, never the expanded value"


def test_a_4_mb_field_in_the_knowledge_base_is_one_line_at_once(tmp_path: Path) -> None:
    """`refkb validate` on the knowledge base with one title of 4,000,000 characters: one line at the field, under
    10 s and 1 GB."""
    root = tmp_path / "kb"
    root.mkdir()
    shutil.copytree(ROOT / "docs", root / "docs")
    for file in ("mkdocs.yml", "references.bib", "coding.yml", "CITATION.cff"):
        shutil.copy(ROOT / file, root / file)
    bib = root / "references.bib"
    text = bib.read_text(encoding="utf-8")
    m = re.search(r"^  title = \{", text, re.M)
    assert m
    line = text.count("\n", 0, m.start()) + 1
    bib.write_text(text[: m.end()] + "a" * 4_000_000 + text[m.end() :], encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-c", MEASURE], cwd=root, capture_output=True, text=True, timeout=60, check=False
    )
    took, peak = run.stdout.split()
    assert float(took) < 10
    assert int(peak) < 1024**3
    lines = [x for x in run.stderr.splitlines() if ": error " in x]
    assert len(lines) == 1, run.stderr[-2000:]
    assert lines[0].startswith(f"references.bib:{line}:3: error field-too-large"), lines[0]
    assert len(lines[0]) < 400
