"""refkb.site.themelisting: the theme's files listed once while the server runs, again when a folder of the
project's theme changed; the names are MkDocs' own listing's."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files

from conftest import ROOT
from refkb.site.themelisting import ThemeListing, installed, own_files


def _config(site: Path) -> MkDocsConfig:
    return load_config(str(site / "mkdocs.yml"))


def _theme_files(config: MkDocsConfig) -> list[str]:
    files = Files([])
    env = config.theme.get_env()
    files.add_files_from_theme(env, config)
    return sorted(f.src_uri for f in files)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    shutil.copytree(ROOT / "overrides", tmp_path / "overrides")
    (tmp_path / "docs").mkdir()
    return tmp_path


def test_the_kept_listing_is_mkdocs_own_and_made_once_while_nothing_changed(site: Path) -> None:
    plain = _theme_files(_config(site))
    listing = ThemeListing()
    seen = []
    for _ in range(3):  # MkDocs makes the configuration anew for every rebuild
        config = _config(site)
        listing.attach(config)
        seen.append(_theme_files(config))
    assert seen == [plain] * 3
    assert len(plain) > 20  # the theme's assets
    assert listing.listed == 1


@pytest.mark.parametrize(
    ("change", "shown"),
    [
        ("added", True),
        ("removed", False),
    ],
)
def test_a_file_added_to_or_removed_from_the_projects_theme_folder_is_listed_anew(
    site: Path, change: str, shown: bool
) -> None:
    asset = site / "overrides" / "assets" / "extra.css"
    if change == "removed":
        asset.parent.mkdir(parents=True, exist_ok=True)
        asset.write_text("a {}\n", encoding="utf-8")
    listing = ThemeListing()
    config = _config(site)
    listing.attach(config)
    _theme_files(config)
    if change == "added":
        asset.parent.mkdir(parents=True, exist_ok=True)
        asset.write_text("a {}\n", encoding="utf-8")
    else:
        asset.unlink()
    config = _config(site)
    listing.attach(config)
    kept = _theme_files(config)
    assert ("assets/extra.css" in kept, listing.listed) == (shown, 2)
    assert kept == _theme_files(_config(site))


@pytest.mark.parametrize(
    ("folder", "expected"),
    [
        ("/usr/lib/python3/dist-packages/material/templates", True),
        ("/work/.venv/lib/python3.11/site-packages/mkdocs/templates", True),
        ("/work/site/overrides", False),
        ("/work/site-packages-notes/overrides", False),
    ],
)
def test_an_installed_packages_folder_is_known_by_its_path(folder: str, expected: bool) -> None:
    assert installed(folder) is expected


def test_own_files_lists_only_the_projects_folders(tmp_path: Path) -> None:
    (tmp_path / "overrides" / "partials").mkdir(parents=True)
    (tmp_path / "overrides" / "partials" / "footer.html").write_text("", encoding="utf-8")
    (tmp_path / "overrides" / "main.html").write_text("", encoding="utf-8")
    packaged = tmp_path / "site-packages" / "theme"
    packaged.mkdir(parents=True)
    (packaged / "base.html").write_text("", encoding="utf-8")
    assert own_files([str(tmp_path / "overrides"), str(packaged)]) == (
        (str(tmp_path / "overrides"), ("main.html", "partials/footer.html")),
    )
