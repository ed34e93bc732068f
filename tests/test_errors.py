"""The error family: every expected failure is a RefkbError rendering one line `PATH:LINE:COL: what — hint`; and the
two failures of the machine (citeproc-js not installed, a vocabularies file that is not UTF-8) reach the person
running `refkb validate` as that one line, never as a traceback or "a bug in refkb"."""

from __future__ import annotations

import copy
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from refkb import cli, coding, crossref, engine, intake, project, release, safeyaml, writes
from refkb.errors import RefkbError


@pytest.mark.parametrize(
    ("error", "line"),
    [
        (RefkbError("the file is empty"), "the file is empty"),
        (RefkbError("the file is empty", hint="write one entry"), "the file is empty — write one entry"),
        (RefkbError("no entries", path="references.bib"), "references.bib: no entries"),
        (
            RefkbError("bad byte", path="coding.yml", line=3, hint="save it as UTF-8"),
            "coding.yml:3: bad byte — save it as UTF-8",
        ),
        (RefkbError("bad byte", path="coding.yml", line=3, col=7), "coding.yml:3:7: bad byte"),
        (RefkbError("unreadable", path="coding.yml", col=7), "coding.yml: unreadable"),  # a column without its line
        (safeyaml.YamlError("not valid YAML", 2, 5), "not valid YAML"),  # text: its reader names the file
        (safeyaml.YamlError("not valid YAML", 2, 5, path="a.yml", hint="fix it"), "a.yml:2:5: not valid YAML — fix it"),
        (project.ConfigError("mkdocs.yml: extra must be a mapping"), "mkdocs.yml: extra must be a mapping"),
    ],
)
def test_an_error_renders_as_one_line(error: RefkbError, line: str) -> None:
    assert error.render() == line
    assert str(error) == line


@pytest.mark.parametrize(
    "error",
    [
        cli.UsageError("no such file"),
        coding.SchemeError("expected a mapping", path="coding.yml", hint="write platforms: [...]"),
        intake.Refused("paste exactly one entry"),
        release.ReleaseError("CITATION.cff: no version: line"),
        safeyaml.YamlError("byte 0xe9 is not valid UTF-8", 2, 15, path="coding.yml", hint="save the file as UTF-8"),
        writes.LockHeld("references.bib: another refkb process has held the lock"),
        project.ConfigError("not UTF-8", path="coding.yml", line=2, col=15, hint="save the file as UTF-8"),
        engine.EngineError("citeproc-js is not installed", path=engine.SCRIPT, hint="run `npm ci`"),
        crossref.Offline("Crossref answered HTTP 503"),
        crossref.NotFound("10.1000/none"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_every_expected_failure_is_one_family_and_travels_whole(error: RefkbError) -> None:
    """A RefkbError; pickled (a style formatted in a worker process) and copied with its place and its hint."""
    assert isinstance(error, RefkbError)
    for again in (pickle.loads(pickle.dumps(error)), copy.copy(error)):
        assert type(again) is type(error)
        assert (again.render(), again.path, again.line, again.col, again.hint) == (
            error.render(),
            error.path,
            error.line,
            error.col,
            error.hint,
        )


def test_a_refused_addition_keeps_its_issues() -> None:
    refused = pickle.loads(pickle.dumps(intake.Refused("the pasted BibTeX has syntax errors", ())))
    assert (str(refused), refused.issues) == ("the pasted BibTeX has syntax errors", ())


# --- the two failures of the machine, through `python -m refkb validate` --------------------------------------------


def _project(tmp: Path) -> Path:
    """A copy of this knowledge base's own inputs (never the real files): mkdocs.yml, the bibliography, the coding
    vocabularies, docs/ and the npm manifests that pin citeproc-js."""
    proj = project.load(ROOT)
    site = tmp / "kb"
    site.mkdir()
    names = {"mkdocs.yml", "package.json", "package-lock.json", proj.relative(proj.bibliography)}
    assert proj.coding is not None
    assert proj.coding.source
    names.add(proj.coding.source)
    for name in names:
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, site / name)
    shutil.copytree(proj.docs, site / proj.docs.relative_to(ROOT))
    return site


def _latin1_vocabularies(site: Path) -> str:
    """One Latin-1 byte (é as 0xe9) in a comment on line 2 of the coding vocabularies file; returns the file's name."""
    name = project.load(site).coding.source  # type: ignore[union-attr]
    path = site / name
    lines = path.read_bytes().split(b"\n")
    lines.insert(1, b"# caf\xe9")
    path.write_bytes(b"\n".join(lines))
    return name


def _refkb_without_citeproc(tmp: Path) -> Path:
    """refkb copied to a folder with no node_modules beside it: run from there, it finds citeproc-js nowhere."""
    scripts = tmp / "elsewhere" / "scripts"
    shutil.copytree(ROOT / "scripts" / "refkb", scripts / "refkb", ignore=shutil.ignore_patterns("__pycache__"))
    return scripts


@pytest.mark.parametrize(
    ("case", "code", "line"),
    [
        (
            "citeproc-js not installed",
            0,  # the checks do not need the engine: they run, and the build is said to need it
            "refkb: warning: node_modules/citeproc/citeproc_commonjs.js: citeproc-js is not installed (refkb formats "
            "citations with it) — run `npm ci` in this folder (`make install` does it on a first install)",
        ),
        (
            "REFKB_CITEPROC_JS names a missing file",
            0,
            "refkb: warning: /nowhere/citeproc_commonjs.js: citeproc-js is not there (REFKB_CITEPROC_JS names this "
            "file) — set REFKB_CITEPROC_JS to a citeproc_commonjs.js that exists, or unset it",
        ),
        (
            "a Latin-1 byte in the coding vocabularies",
            2,  # an input that cannot be read: the contract's I/O error
            "{vocabularies}:2:6: error yaml-invalid byte 0xe9 is not valid UTF-8 — save the file as UTF-8",
        ),
    ],
    ids=["citeproc-js", "REFKB_CITEPROC_JS", "latin-1-vocabularies"],
)
def test_an_environment_problem_is_one_line_naming_the_file_and_the_fix(
    tmp_path: Path, case: str, code: int, line: str
) -> None:
    site = _project(tmp_path)
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT / "scripts")}
    vocabularies = ""
    if case == "citeproc-js not installed":
        env["PYTHONPATH"] = str(_refkb_without_citeproc(tmp_path))
    elif case == "REFKB_CITEPROC_JS names a missing file":
        env["REFKB_CITEPROC_JS"] = "/nowhere/citeproc_commonjs.js"
    else:
        vocabularies = _latin1_vocabularies(site)
    out = subprocess.run(
        [sys.executable, "-m", "refkb", "validate"],
        cwd=site,
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=300,
    )
    assert out.returncode == code, out.stderr
    said = out.stderr.splitlines()
    assert said[0].startswith(line.format(vocabularies=vocabularies)), out.stderr
    assert "bug in refkb" not in out.stderr
    assert "Traceback" not in out.stderr
    assert len(said) == (2 if code == 0 else 1), out.stderr  # the warning and the summary, or the one line
