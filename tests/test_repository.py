"""The files around the engine: workflows, pre-commit, contribution guide, licences."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import ROOT
from refkb import cli

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


@pytest.mark.parametrize("path", WORKFLOWS, ids=[p.name for p in WORKFLOWS])
def test_workflows_are_valid_yaml_with_jobs(path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["jobs"]
    assert True in data or "on" in data  # YAML 1.1 reads the key `on` as True


def test_the_three_workflows_exist() -> None:
    text = {p.name: p.read_text(encoding="utf-8") for p in WORKFLOWS}
    assert "bash .ci/run" in text["ci.yml"]
    assert "actions/deploy-pages" in text["pages.yml"]
    assert "cron:" in text["links.yml"]
    assert "refkb check-links --online" in text["links.yml"]
    assert "gh issue create" in text["links.yml"]


def test_make_targets_used_by_workflows_exist() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    used = {
        t
        for p in WORKFLOWS
        for line in re.findall(r"\bmake ([a-z -]+)$", p.read_text(encoding="utf-8"), re.M)
        for t in line.split()
    }
    assert used >= {"install", "validate", "format-check", "site"}
    for target in used:
        assert re.search(rf"^{re.escape(target)}:", makefile, re.M), target


def test_pre_commit_runs_validate_and_format_check() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    entries = [h["entry"] for repo in config["repos"] for h in repo["hooks"]]
    assert entries == [".venv/bin/refkb validate", ".venv/bin/refkb format --check"]
    parser = cli.build_parser()
    for entry in entries:
        args = parser.parse_args(entry.split()[1:])
        assert args.func is not None


@pytest.mark.parametrize(
    "needle",
    ["verified_at", "refkb add", "Key convention", "## Summary", "make test", "check-links --online", "Do no harm"],
)
def test_contributing_covers(needle: str) -> None:
    assert needle in (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_two_commands() -> None:
    head = (ROOT / "README.md").read_text(encoding="utf-8").split("\n## ", 1)[0]
    assert "make serve" in head
    assert "make test" in head
    assert "](.github/readme/reference-page.png)" in head  # what the site looks like, before any section


@pytest.mark.parametrize(
    "needle",
    [
        "Python 3.11.5 or newer",  # the pins need it (the Makefile checks it)
        "**make**",
        "**npm**",
        "**chromium**",
        "](CONTRIBUTING.md)",
        "](DEVELOPMENT.md)",
        "refkb stats",
    ],
)
def test_readme_tells_a_newcomer(needle: str) -> None:
    assert needle in (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_names_what_the_makefile_checks() -> None:
    """The prerequisites README names are the ones `make install` checks: the Python version and npm."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "sys.version_info >= (3, 11, 5)" in makefile
    assert "command -v npm" in makefile


def test_readme_screenshot_is_a_small_png() -> None:
    data = (ROOT / ".github" / "readme" / "reference-page.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert (int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")) == (1280, 800)
    assert len(data) < 200_000


def test_readme_links_the_live_site_when_site_url_is_set() -> None:
    found = re.search(r"^site_url:\s*(\S+)", (ROOT / "mkdocs.yml").read_text(encoding="utf-8"), re.M)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    if found:
        assert found.group(1).strip("'\"") in readme
    else:
        assert "sets no `site_url` yet" in readme


def test_ci_run_calls_make_test() -> None:
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_git_ignores_build_outputs() -> None:
    ignored = subprocess.run(
        ["git", "check-ignore", "site/x", ".venv/x", ".cache/x"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.split()
    assert ignored == ["site/x", ".venv/x", ".cache/x"]


def _make_install(tmp_path: Path, python: str, path: str) -> subprocess.CompletedProcess[str]:
    """`make install` in a copy of the project's set-up files (no .venv): only the checks can run before it fails."""
    import shutil
    import time

    for name in ("Makefile", "pyproject.toml", "requirements.txt", "package.json", "package-lock.json"):
        shutil.copy(ROOT / name, tmp_path / name)
    start = time.monotonic()
    command = ["/usr/bin/make", "install", f"PYTHON={python}"]
    run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=60, env={"PATH": path})
    assert time.monotonic() - start < 10
    return run


def test_make_install_says_in_one_line_that_python_is_too_old(tmp_path: Path) -> None:
    old = tmp_path / "python-3.11.2"
    old.write_text("#!/bin/sh\n[ \"$1\" = -V ] && echo 'Python 3.11.2' && exit 0\nexit 1\n", encoding="utf-8")
    old.chmod(0o755)
    run = _make_install(tmp_path, str(old), "/usr/bin:/bin")
    assert run.returncode != 0
    lines = [line for line in run.stdout.splitlines() if line.strip()]
    assert lines == [lines[0]]
    assert "needs Python 3.11.5 or newer" in lines[0]
    assert "Python 3.11.2" in lines[0]
    assert not (tmp_path / ".venv").exists()


def test_make_install_says_in_one_line_that_npm_is_missing(tmp_path: Path) -> None:
    import shutil
    import sys

    bin_dir = tmp_path / "bin"  # a PATH with Python and the shell's tools but no npm
    bin_dir.mkdir()
    for tool in ("sh", "rm", "test", "[", "echo"):
        found = shutil.which(tool)
        if found:
            (bin_dir / tool).symlink_to(found)
    run = _make_install(tmp_path, sys.executable, str(bin_dir))
    assert run.returncode != 0
    lines = [line for line in run.stdout.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "npm is needed" in lines[0]
