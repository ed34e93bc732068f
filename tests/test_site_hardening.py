"""The site layer's hardening (refkb.site.hardening): titles the theme prints raw, and the two failures of the machine
(citeproc-js not there, a vocabularies file that is not UTF-8) reaching the person running `mkdocs build` as one line
naming the file and the fix, never as a traceback or "a bug in refkb". tests/test_errors.py checks the same two
through `python -m refkb validate`."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import DATA, ROOT
from refkb.site.hardening import safe_title


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("A plain title", "A plain title"),
        ("<b>x</b>", "‹b›x‹/b›"),
        ("<script>alert(1)</script>", "‹script›alert(1)‹/script›"),
        ("R&D", "R&amp;D"),
        ("&amp;", "&amp;amp;"),  # plain text: an entity is shown as written
        ("a < b & c > d", "a ‹ b &amp; c › d"),
        ('Say "hi"', "Say &#34;hi&#34;"),
        ("It's", "It&#39;s"),
        ("", ""),
    ],
)
def test_safe_title(text: str, title: str) -> None:
    assert safe_title(text) == title


# --- the two failures of the machine, through `python -m mkdocs build` ----------------------------------------------

PROJECT = ("mkdocs.yml", "overrides", "references.bib", "coding.yml", "CITATION.cff", "docs")
MISSING_CITEPROC = "/nowhere/citeproc_commonjs.js"


def _copy(names: tuple[str, ...], src: Path, dst: Path) -> None:
    for name in names:
        if (src / name).is_dir():
            shutil.copytree(src / name, dst / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src / name, dst / name)


def _tiny_without_citeproc(site: Path) -> dict[str, str]:
    """The tiny test site, with REFKB_CITEPROC_JS naming a file that is not there."""
    shutil.copytree(DATA / "sites" / "tiny", site)
    return {"REFKB_CITEPROC_JS": MISSING_CITEPROC}


def _project_with_latin1_vocabularies(site: Path) -> dict[str, str]:
    """A copy of this knowledge base (never the real files) whose coding.yml has a Latin-1 é (0xe9) on line 2."""
    site.mkdir()
    _copy(PROJECT, ROOT, site)
    (site / "node_modules").symlink_to(ROOT / "node_modules", target_is_directory=True)
    path = site / "coding.yml"
    lines = path.read_bytes().split(b"\n")
    assert lines[1].startswith(b"#"), "line 2 of coding.yml is expected to be a comment"
    lines[1] = b"# caf\xe9"
    path.write_bytes(b"\n".join(lines))
    return {}


@pytest.mark.parametrize(
    ("setup", "said"),
    [
        pytest.param(
            _tiny_without_citeproc,
            (
                MISSING_CITEPROC,
                "citeproc-js is not there (REFKB_CITEPROC_JS names this file)",
                "set REFKB_CITEPROC_JS to a citeproc_commonjs.js that exists, or unset it",
            ),
            id="REFKB_CITEPROC_JS-missing",
        ),
        pytest.param(
            _project_with_latin1_vocabularies,
            ("coding.yml:2", "byte 0xe9 is not valid UTF-8", "UTF-8", "save the file as UTF-8"),
            id="latin-1-coding-yml",
        ),
    ],
)
def test_mkdocs_build_reports_an_environment_problem_as_one_line(
    tmp_path: Path, setup: Callable[[Path], dict[str, str]], said: tuple[str, ...]
) -> None:
    site = tmp_path / "site"
    extra = setup(site)
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT / "scripts"), "NO_MKDOCS_2_WARNING": "1", **extra}
    out = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "out")],
        cwd=site,
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=300,
    )
    both = out.stdout + out.stderr
    assert out.returncode != 0, both
    errors = [line for line in both.splitlines() if line.startswith("ERROR")]
    assert len(errors) == 1, both
    for part in said:
        assert part in errors[0], both
    levels = ("ERROR", "WARNING", "INFO", "DEBUG")
    assert [line for line in out.stderr.splitlines() if line.strip() and not line.startswith(levels)] == [], both
    assert "bug in refkb" not in both
    assert "Traceback" not in both
