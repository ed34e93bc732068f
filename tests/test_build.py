"""End to end: MkDocs builds with the refkb hook; a broken reference stops the build at its own line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ANNOTATION, ROOT, write_project
from test_cli import BAD, GOOD

pytestmark = pytest.mark.slow


def mkdocs_build(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(root / "site")],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


def test_clean_site_builds(tmp_path: Path) -> None:
    write_project(
        tmp_path, GOOD, {"smith2020study": ANNOTATION}, {"topic.md": "# Topic\n\nAs shown [@smith2020study].\n"}
    )
    result = mkdocs_build(tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "index.html").is_file()


@pytest.mark.parametrize(
    ("bib", "notes", "pages", "message"),
    [
        (BAD, {"smith2020study": ANNOTATION}, {}, "references.bib:6:9: error invalid-url [smith2020study]"),
        (GOOD, {}, {}, "error missing-annotation [smith2020study]"),
        (
            GOOD,
            {"smith2020study": ANNOTATION},
            {"topic.md": "# T\n\nText.\n\nSee [@nobody2020x].\n"},
            "docs/topic.md:5:5: error unresolved-citation [nobody2020x]",
        ),
    ],
)
def test_broken_reference_stops_the_build(
    tmp_path: Path, bib: str, notes: dict[str, str], pages: dict[str, str], message: str
) -> None:
    write_project(tmp_path, bib, notes, pages)
    result = mkdocs_build(tmp_path)
    assert result.returncode != 0
    assert message in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_hook_file_is_wired_in_mkdocs_yml() -> None:
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert "hooks:\n  - scripts/mkdocs_hooks.py" in config
