"""End to end: MkDocs builds with the refkb hook; a broken reference stops the build at its own line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ANNOTATION, GOOD, ROOT, write_project
from test_cli import BAD

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


def test_plugin_is_wired_in_mkdocs_yml() -> None:
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert "plugins:\n  - search\n  - refkb\n" in config


@pytest.fixture(scope="module")
def project_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("project") / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    return site


def test_every_reference_has_its_page_styles_bibtex_and_downloads(project_site: Path) -> None:
    from refkb import bibfile

    keys = [e.key for e in bibfile.read(ROOT / "references.bib").entries]
    assert len(keys) >= 4
    for key in keys:
        folder = project_site / "references" / key
        page = (folder / "index.html").read_text(encoding="utf-8")
        for style in ("apa", "mla", "chicago", "harvard"):
            assert f'id="refkb-cite-{style}"' in page, (key, style)
        assert "language-bibtex" in page
        for ext in ("bib", "ris", "json"):
            assert (folder / f"{key}.{ext}").stat().st_size > 0
        assert 'class="refkb-cited-on"' in page
        assert "Record verified on" in page
    library = (project_site / "references" / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{k}/"' in library for k in keys)


def test_default_style_is_configurable(tmp_path: Path) -> None:
    write_project(tmp_path, GOOD, {"smith2020study": ANNOTATION}, {"topic.md": "# T\n\nText [@smith2020study].\n"})
    config = tmp_path / "mkdocs.yml"
    config.write_text(config.read_text().replace("  refkb:\n", "  refkb:\n    style: chicago\n"), encoding="utf-8")
    assert mkdocs_build(tmp_path).returncode == 0
    page = (tmp_path / "site" / "topic" / "index.html").read_text(encoding="utf-8")
    assert ">Smith 2020</a>)" in page
