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
    used = {t for p in WORKFLOWS for line in re.findall(r"\bmake ([a-z -]+)$", p.read_text(encoding="utf-8"), re.M)
            for t in line.split()}  # fmt: skip
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


def test_ci_run_calls_make_test() -> None:
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_git_ignores_build_outputs() -> None:
    ignored = subprocess.run(["git", "check-ignore", "site/x", ".venv/x", ".cache/x"], cwd=ROOT, capture_output=True,
                             text=True, check=False).stdout.split()  # fmt: skip
    assert ignored == ["site/x", ".venv/x", ".cache/x"]
