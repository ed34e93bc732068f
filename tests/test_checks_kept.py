"""refkb.checks.kept: `refkb validate` with its findings kept between runs prints what a run without them prints,
byte for byte; a second run in a new process checks no file again; an edit, a damaged cache or other code is a
file checked again."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import ROOT
from refkb import project as project_mod
from refkb.checks import kept, suite

SITES = ROOT / "tests" / "data" / "sites"

# A process whose every check of a file fails: what it prints can only come from the cache.
NO_CHECKS = """
import sys
from refkb import annotation, cli
from refkb.checks import kept, suite


def refuse(*args, **kwargs):
    raise AssertionError("a file was checked again")


for name in ("note_found", "docs_page", "page_cites", "page_harm", "appraisal_check"):
    setattr(kept, name, refuse)
suite.read_bibliography = suite.validate_bibliography = suite.check_data = annotation.read = refuse
sys.exit(cli.main(sys.argv[1:]))
"""


def knowledge_base(dest: Path) -> Path:
    """A copy of this repository's knowledge base."""
    dest.mkdir()
    shutil.copytree(ROOT / "docs", dest / "docs")
    for name in ("mkdocs.yml", "references.bib", "coding.yml", "CITATION.cff"):
        shutil.copy(ROOT / name, dest / name)
    (dest / "node_modules").symlink_to(ROOT / "node_modules")
    return dest


def edit(path: Path, change: Callable[[str], str]) -> None:
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")


def first_key(root: Path) -> str:
    m = re.search(r"^@\w+\{([^,\s]+),", (root / "references.bib").read_text(encoding="utf-8"), re.M)
    assert m
    return m.group(1)


def with_problems(root: Path) -> Path:
    """The knowledge base with a problem for every check that reads more than one file: an entry without its page,
    a page of no entry, citations of no entry and of an @xdata entry, a handle, an address and a phone number, a
    design whose appraisal differs, a stale and a future verification, a near-duplicate title."""
    key = first_key(root)
    bib = root / "references.bib"
    extra = "\n@xdata{shared2020,\n  publisher = {Someone},\n}\n\n@article{orphan2020thing,\n  title = {Alone},\n}\n"
    edit(bib, lambda t: re.sub(r"design = \{[^}]*\}", "design = {systematic-review}", t, count=3) + extra)
    notes = sorted((root / "docs" / "references").glob("*.md"))
    edit(notes[0], lambda t: re.sub(r"verified_on: \S+", "verified_on: 2019-01-01", t, count=1))
    edit(notes[1], lambda t: re.sub(r"verified_on: \S+", "verified_on: 2999-01-01", t, count=1))
    prose = f"\nCall +44 20 7946 0958, write to a@example.org or @darkhandle; [@shared2020], [@nokey1999], @{key}.\n"
    edit(notes[2], lambda t: t + prose)
    (root / "docs" / "references" / "stray2020nokey.md").write_text("---\nverified_on: 2026-01-01\n---\n## Summary\n")
    topic = sorted((root / "docs" / "topics").glob("*.md"))[0]
    edit(topic, lambda t: t + "\nAs shown [@missing2021key; @shared2020].\n")
    return root


def validate(root: Path, *options: str, script: str | None = None, seed: str = "0") -> str:
    """`refkb validate` in `root`, in a new process: its exit status, what it printed and its complaints."""
    head = [sys.executable, "-c", script, "validate"] if script else [sys.executable, "-m", "refkb", "validate"]
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run([*head, *options], cwd=root, capture_output=True, text=True, check=False, env=env)
    return f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"


CASES = {
    "knowledge base": knowledge_base,
    "knowledge base with problems": lambda dest: with_problems(knowledge_base(dest)),
    "lab (BibTeX profile)": lambda dest: Path(
        shutil.copytree(SITES / "lab", dest, ignore=shutil.ignore_patterns(".cache", "site"))
    ),
}


@pytest.mark.parametrize("make", list(CASES.values()), ids=list(CASES))
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_second_run_in_a_new_process_prints_from_the_cache_what_an_uncached_run_prints(
    tmp_path: Path, make: Callable[[Path], Path], fmt: str
) -> None:
    root = make(tmp_path / "kb")
    uncached = validate(root, "--format", fmt, "--no-cache")
    stored = root / ".cache" / "refkb" / kept.FILE
    assert not stored.exists(), "--no-cache keeps nothing"
    assert validate(root, "--format", fmt, seed="1") == uncached
    before = stored.stat()
    assert validate(root, "--format", fmt, script=NO_CHECKS, seed="2") == uncached
    after = stored.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns), "every finding came from the cache"


def damage(root: Path) -> None:
    (root / ".cache" / "refkb" / kept.FILE).write_text('{"x": [1', "utf-8")


EDITS: dict[str, Callable[[Path], None]] = {
    "a page cites no entry": lambda root: edit(
        sorted((root / "docs" / "topics").glob("*.md"))[1], lambda t: t + "\nSee [@nokey2000].\n"
    ),
    "an entry's key changes": lambda root: edit(
        root / "references.bib", lambda t: t.replace("{" + first_key(root) + ",", "{renamed2020key,", 1)
    ),
    "an entry codes another design": lambda root: edit(
        root / "references.bib", lambda t: re.sub(r"design = \{[^}]*\}", "design = {quantitative}", t)
    ),
    "an annotation page is gone": lambda root: (root / "docs" / "references" / f"{first_key(root)}.md").unlink(),
    "an annotation page loses a section": lambda root: edit(
        root / "docs" / "references" / f"{first_key(root)}.md", lambda t: t.replace("## Limitations", "## Limits")
    ),
    "a handle becomes a key": lambda root: edit(
        root / "references.bib", lambda t: t + "\n@online{darkhandle,\n  title = {Handle},\n}\n"
    ),
    "the claims ledger cites no entry": lambda root: edit(
        root / "docs" / "claims.yml", lambda t: re.sub(r"\[([a-z][a-z0-9-]*)", "[nokey1999", t, count=1)
    ),
    "the help lines change": lambda root: edit(
        root / "mkdocs.yml", lambda t: t.replace("helplines:", "helplines:\n      - +44 20 7946 0958", 1)
    ),
    "the cache is damaged": damage,
}


@pytest.mark.parametrize("change", list(EDITS.values()), ids=list(EDITS))
def test_after_an_edit_a_cached_run_prints_what_an_uncached_run_prints(
    tmp_path: Path, change: Callable[[Path], None]
) -> None:
    root = with_problems(knowledge_base(tmp_path / "kb"))
    validate(root)
    change(root)
    assert validate(root) == validate(root, "--no-cache")


def test_a_kept_value_of_another_shape_is_checked_again(tmp_path: Path) -> None:
    """Every kept value replaced by one of the wrong shape: the run checks every file again and finds the same."""
    root = with_problems(knowledge_base(tmp_path / "kb"))
    uncached = validate(root, "--no-cache")
    validate(root)
    stored = root / ".cache" / "refkb" / kept.FILE
    keys = re.findall(r'"([0-9a-f]{64})":', stored.read_text(encoding="utf-8"))
    assert keys
    stored.write_text("{" + ", ".join(f'"{k}": {{"issues": [[1]]}}' for k in keys) + "}", encoding="utf-8")
    assert validate(root) == uncached


def test_other_code_is_a_new_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same files checked by another version of refkb's code take nothing from the cache."""
    root = with_problems(knowledge_base(tmp_path / "kb"))
    proj = project_mod.load(root)
    today = dt.date(2026, 12, 5)
    first = kept.validate_project(proj, tmp_path / "cache", today)
    assert first == suite.validate_project(proj, today)[1]
    monkeypatch.setattr(kept, "code_digest", lambda: "another version")

    def refuse(*args: object) -> None:
        raise AssertionError("checked again")

    monkeypatch.setattr(kept, "note_found", refuse)
    with pytest.raises(AssertionError, match="checked again"):
        kept.validate_project(proj, tmp_path / "cache", today)


@pytest.mark.parametrize("make", list(CASES.values()), ids=list(CASES))
def test_without_a_cache_directory_the_issues_are_the_suites(tmp_path: Path, make: Callable[[Path], Path]) -> None:
    """--no-cache: every file read once and checked in one pass, nothing kept, the suite's issues."""
    proj = project_mod.load(make(tmp_path / "kb"))
    today = dt.date(2026, 12, 5)
    assert kept.validate_project(proj, None, today) == suite.validate_project(proj, today)[1]
    assert not (proj.root / ".cache" / "refkb" / kept.FILE).exists()
