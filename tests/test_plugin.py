"""refkb as an MkDocs plugin: a second, unrelated knowledge base built with only the plugin's options; the same
site under ProperDocs; and the incremental `mkdocs serve --dirty` site equal to a clean build after a sequence of
edits (annotation text, a title, a year that changes the suffixes, a new citation on a page, a new work)."""

from __future__ import annotations

import gzip
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config

from conftest import DATA, ROOT
from conftest import tree_differences as _differences

TINY = DATA / "sites" / "tiny"
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


def copy_tiny(tmp_path: Path) -> Path:
    site = tmp_path / "tiny"
    shutil.copytree(TINY, site, ignore=shutil.ignore_patterns(".cache", "site"))
    return site


def test_the_plugin_is_registered_as_an_mkdocs_plugin() -> None:
    from importlib.metadata import entry_points

    (ep,) = [e for e in entry_points(group="mkdocs.plugins") if e.name == "refkb"]
    assert ep.value == "refkb.site.plugin:RefkbPlugin"
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert "plugins:\n  - search\n  - refkb\n" in config
    assert "hooks:" not in config
    assert not (ROOT / "scripts" / "mkdocs_hooks.py").exists()


def test_plugin_holds_no_module_state() -> None:
    from refkb.site import events, plugin

    for module in (events, plugin):
        assert not hasattr(module, "_state")
        assert not hasattr(module, "state")


def test_a_tiny_unrelated_knowledge_base_builds_with_the_plugin_options_only(tmp_path: Path) -> None:
    site = copy_tiny(tmp_path)
    out = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "out")],
        cwd=site,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    built = tmp_path / "out"
    home = (built / "index.html").read_text(encoding="utf-8")
    # MLA (the tiny site's style), with the locator; reference pages where its annotations folder says.
    assert re.search(r'<a class="refkb-cite" href="notes/rivera2019soil/"[^>]*>Rivera 4</a>', home)
    page = (built / "notes" / "rivera2019soil" / "index.html").read_text(encoding="utf-8")
    assert "Rivera, Ana. <i>Soil and the Small Farm</i>. Field Press, 2019." in page
    assert (built / "notes" / "wateraid2021water" / "wateraid2021water.ris").is_file()
    assert (built / "topics" / "soil" / "index.html").is_file()


def test_plugin_options_are_validated_by_mkdocs(tmp_path: Path) -> None:
    site = copy_tiny(tmp_path)
    config = (site / "mkdocs.yml").read_text(encoding="utf-8").replace("style: mla", "style: vancouver")
    (site / "mkdocs.yml").write_text(config, encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "out")],
        cwd=site,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 1
    assert "Config value 'plugins': Plugin 'refkb' option 'style'" in out.stderr
    assert "Traceback" not in out.stderr


def test_the_site_builds_with_properdocs(tmp_path: Path) -> None:
    if importlib.util.find_spec("properdocs") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("properdocs is a dev dependency (pyproject.toml): it must be installed in CI")
        pytest.skip("properdocs is not installed")
    site = copy_tiny(tmp_path)
    command = [sys.executable, "-m", "properdocs", "build", "--strict", "-f", "mkdocs.yml", "-d", str(tmp_path / "out")]
    out = subprocess.run(command, cwd=site, env=ENV, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    home = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "Rivera 4" in home
    assert (tmp_path / "out" / "notes" / "rivera2019soil" / "index.html").is_file()


# ---------------------------------------------------------------------------------------------------------------
# Incremental serve: the plugin instance (and its memo) lives on between rebuilds, as under `mkdocs serve`.


def _rebuild(site: Path, out: Path, dirty: bool) -> None:
    cwd = Path.cwd()
    os.chdir(site)
    try:
        config = load_config(str(site / "mkdocs.yml"), site_dir=str(out))
        build(config, dirty=dirty)
    finally:
        os.chdir(cwd)


def _start(site: Path, command: str, dirty: bool) -> None:
    cwd = Path.cwd()
    os.chdir(site)
    try:
        config = load_config(str(site / "mkdocs.yml"))
        config.plugins.on_startup(command=command, dirty=dirty)  # type: ignore[arg-type]
    finally:
        os.chdir(cwd)


def _stop(site: Path) -> None:
    cwd = Path.cwd()
    os.chdir(site)
    try:
        load_config(str(site / "mkdocs.yml")).plugins.on_shutdown()
    finally:
        os.chdir(cwd)


def _search_docs(site: Path) -> list[tuple[str, str, str]]:
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    return sorted((d["location"], d["title"], d["text"]) for d in index["docs"])


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_incremental_rebuilds_equal_a_clean_build(tmp_path: Path) -> None:
    site = copy_tiny(tmp_path)
    dirty_out, clean_out = tmp_path / "dirty", tmp_path / "clean"
    _start(site, "serve", True)
    _rebuild(site, dirty_out, dirty=True)  # the first build of a serve session: an empty site folder
    notes = site / "docs" / "notes"
    edits: list[Callable[[], None]] = [
        lambda: _edit(notes / "rivera2019soil.md", "It proves that the plugin", "It shows that the plugin"),
        lambda: _edit(
            site / "works.bib", "title = {Soil and the small farm}", "title = {Soil, seeds and the small farm}"
        ),
        lambda: _edit(site / "works.bib", "date = {2021}", "date = {2019}"),  # Rivera and WaterAid now share 2019
        lambda: _edit(
            site / "docs" / "index.md",
            "water second [@wateraid2021water].",
            "water second [@wateraid2021water; @rivera2019soil].\n\nMore on soil: @rivera2019soil.",
        ),
    ]
    other = dirty_out / "notes" / "wateraid2021water" / "index.html"
    for i, edit in enumerate(edits):
        before = other.stat().st_mtime_ns
        edit()
        _rebuild(site, dirty_out, dirty=True)
        if i == 0:  # an annotation edit rebuilds its own page, not the other work's: the rebuild is incremental
            assert other.stat().st_mtime_ns == before
    citations = site / ".cache" / "refkb" / "citations.json"
    assert not citations.exists()  # serve keeps its caches in memory ...
    _stop(site)
    assert citations.exists()  # ... and writes them when it stops
    _start(site, "build", False)
    _rebuild(site, clean_out, dirty=False)
    differ = _differences(dirty_out, clean_out)
    # The sitemap carries each page's build date; the search index is compared as a set of entries below.
    allowed = {str(dirty_out / n) for n in ("sitemap.xml", "sitemap.xml.gz", "search/search_index.json")}
    assert [d for d in differ if d not in allowed] == []
    assert _search_docs(dirty_out) == _search_docs(clean_out)
    with gzip.open(dirty_out / "sitemap.xml.gz") as a, gzip.open(clean_out / "sitemap.xml.gz") as b:
        locs = re.compile(rb"<loc>(.*?)</loc>")
        assert sorted(locs.findall(a.read())) == sorted(locs.findall(b.read()))
    page = (dirty_out / "notes" / "rivera2019soil" / "index.html").read_text(encoding="utf-8")
    assert "Soil, Seeds and the Small Farm" in page
    assert "It shows that the plugin" in page


# The page cache (refkb.pagecache): a warm `mkdocs build` writes unchanged reference pages from it.


def _build_command(site: Path, out: Path, cache: bool = True, runner: tuple[str, ...] = ("-m", "mkdocs")) -> str:
    """`mkdocs build --strict` of `site` into `out` in a new process (`runner`: how Python starts MkDocs); its log."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "REFKB_PAGE_CACHE": "1" if cache else "0"}
    result = subprocess.run(
        [sys.executable, *runner, "build", "--strict", "-d", str(out)],
        cwd=site,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stderr


def test_a_warm_build_from_the_page_cache_equals_a_build_without_it(tmp_path: Path) -> None:
    site = copy_tiny(tmp_path)
    kept = site / ".cache" / "refkb" / "pages"
    _build_command(site, tmp_path / "cold")
    assert len(list(kept.glob("*.html"))) == 2  # both reference pages
    steps: list[Callable[[], None]] = [
        lambda: None,  # nothing changed: every reference page from the cache
        lambda: _edit(site / "works.bib", "title = {Soil and the small farm}", "title = {Soil, seeds and the farm}"),
        lambda: _edit(site / "docs" / "notes" / "wateraid2021water.md", "## Summary", "## Summary\n\nA new line."),
        lambda: _edit(site / "mkdocs.yml", "site_name: ", "site_name: Renamed "),  # every page's header changes
    ]
    kept_pages = ["2 reference pages", "1 reference page", "1 reference page", ""]  # from the cache, per step
    for i, step in enumerate(steps):
        step()
        log = _build_command(site, tmp_path / f"warm{i}")
        found = re.search(r"refkb: (\d+ reference pages?) from the page cache", log)
        assert (found.group(1) if found else "") == kept_pages[i]
        _build_command(site, tmp_path / f"clean{i}", cache=False)
        assert _differences(tmp_path / f"warm{i}", tmp_path / f"clean{i}") == []
    page = (tmp_path / "warm3" / "notes" / "rivera2019soil" / "index.html").read_text(encoding="utf-8")
    assert "Soil, Seeds and the Farm" in page
    assert "Renamed" in page
    assert len(list(kept.glob("*.html"))) == 2  # pages no build uses any more are dropped


def test_the_page_cache_hits_in_a_new_process_whatever_the_hash_seed(tmp_path: Path) -> None:
    """The real knowledge base (coding scheme and all: its frozenset of primary designs once made every process's
    digest differ) built twice, in two processes with different hash seeds: the second takes every reference page
    from the page cache."""
    site = tmp_path / "kb"
    site.mkdir()
    for name in ("docs", "overrides"):
        shutil.copytree(ROOT / name, site / name)
    for name in ("mkdocs.yml", "references.bib", "coding.yml", "CITATION.cff"):
        shutil.copy(ROOT / name, site / name)
    (site / "node_modules").symlink_to(ROOT / "node_modules")
    keys = re.findall(r"^@\w+\{([^,\s]+),", (site / "references.bib").read_text(encoding="utf-8"), re.M)
    logs = []
    for seed in ("1", "2"):
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "REFKB_PAGE_CACHE": "1", "PYTHONHASHSEED": seed}
        result = subprocess.run(
            [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / seed)],
            cwd=site,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        logs.append(result.stderr)
    assert "from the page cache" not in logs[0]
    assert f"refkb: {len(keys)} reference pages from the page cache" in logs[1]


# A cache that checks and heals: damaged records are misses, rebuilt and rewritten, never shipped.


def _poison_json(path: Path, change: Callable[[Any], Any]) -> None:
    path.write_text(json.dumps(change(json.loads(path.read_text(encoding="utf-8")))), encoding="utf-8")


def _each_value(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda data: {k: fn(v) for k, v in data.items()}


def _script_in_records(value: Any) -> Any:
    if isinstance(value, list):
        return [{**r, "html": r["html"] + "<img src=x onerror=alert(1)>"} if isinstance(r, dict) else r for r in value]
    return value


def _each_page(cache: Path, change: Callable[[str], str]) -> None:
    for page in (cache / "pages").glob("*.html"):
        page.write_text(change(page.read_text(encoding="utf-8")), encoding="utf-8")


def _each_page_bytes(cache: Path, change: Callable[[bytes], bytes] | None) -> None:
    """Each kept page's bytes changed, or (None) the page deleted."""
    for page in (cache / "pages").glob("*.html"):
        if change is None:
            page.unlink()
        else:
            page.write_bytes(change(page.read_bytes()))


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def _style_index(cache: Path) -> Path:
    (found,) = cache.glob("style-index-*.json")
    return found


def _each_file(folder: Path, data: bytes) -> None:
    for path in folder.iterdir():
        path.write_bytes(data)


def _nuls(path: Path) -> None:
    path.write_bytes(b"\0" * path.stat().st_size)


def _folder_instead(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink()
    path.mkdir()
    (path / "x").write_text("x", encoding="utf-8")


def _file_instead(path: Path) -> None:
    shutil.rmtree(path)
    path.write_text("not a folder", encoding="utf-8")


def _deep(path: Path) -> None:
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")


CORRUPTIONS: dict[str, Callable[[Path], None]] = {
    "page truncated": lambda c: _each_page(c, lambda html: html[:40]),
    "page with a script": lambda c: _each_page(c, lambda html: html + "<script>alert(1)</script>"),
    "page not UTF-8": lambda c: _each_page_bytes(c, lambda data: b"\xff\xfe<p>" + data),
    "page files deleted": lambda c: _each_page_bytes(c, None),
    "page index a list": lambda c: _write(c / "pages" / "search.json", "[]"),
    "page index wrong shapes": lambda c: _poison_json(
        c / "pages" / "search.json", _each_value(lambda v: {"sha256": 5, "entries": "x"})
    ),
    "page index not JSON": lambda c: _write(c / "pages" / "search.json", '{"a": '),
    "page index deleted": lambda c: (c / "pages" / "search.json").unlink(),
    "page index nested too deep": lambda c: _deep(c / "pages" / "search.json"),
    "page folder a file": lambda c: _file_instead(c / "pages"),
    "citations with a script": lambda c: _poison_json(c / "citations.json", _each_value(_script_in_records)),
    "clusters reading x": lambda c: _poison_json(
        c / "citations.json", _each_value(lambda v: "x" if isinstance(v, str) else v)
    ),
    "citations of the wrong type": lambda c: _poison_json(c / "citations.json", _each_value(lambda v: 7)),
    "citations empty": lambda c: _write(c / "citations.json", ""),
    "citations nested too deep": lambda c: _deep(c / "citations.json"),
    "citations a folder": lambda c: _folder_instead(c / "citations.json"),
    "entries garbage": lambda c: _poison_json(c / "entries.json", _each_value(lambda v: "garbage")),
    "entries truncated": lambda c: _write(c / "entries.json", '{"k": {"item"'),
    "entries a list": lambda c: _write(c / "entries.json", "[1, 2]"),
    "entries NUL bytes": lambda c: _nuls(c / "entries.json"),
    "page citations with a script": lambda c: _poison_json(
        c / "pages.json", _each_value(lambda v: "<script>alert(1)</script>")
    ),
    "page citations truncated": lambda c: _write(c / "pages.json", '{"docs/index.md": ['),
    "style index truncated": lambda c: _write(_style_index(c), '[{"id": "apa", "ti'),
    "style index with a script": lambda c: _poison_json(
        _style_index(c),
        lambda v: {**v, "styles": [{**s, "title": "<img src=x onerror=alert(1)>"} for s in v["styles"]]},
    ),
    "style index wrong shapes": lambda c: _write(_style_index(c), '{"id": 5}'),
    "templates' bytecode garbage": lambda c: _each_file(c / "jinja", b"garbage" * 50),
    "templates' bytecode folder a file": lambda c: _file_instead(c / "jinja"),
}


@pytest.fixture(scope="module")
def made_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny site built once with caches (its .cache copied into each test) and once without them."""
    root = tmp_path_factory.mktemp("made")
    site = copy_tiny(root)
    _build_command(site, root / "first")
    _build_command(site, root / "clean", cache=False)
    return root


@pytest.mark.parametrize("name", sorted(CORRUPTIONS))
def test_a_damaged_cache_heals(tmp_path: Path, made_once: Path, name: str) -> None:
    """Each kind of damage to each cache file: the next build equals a build without caches, exits 0, and the
    build after it uses the rewritten caches again."""
    assert len(CORRUPTIONS) >= 24
    site = copy_tiny(tmp_path)
    shutil.copytree(made_once / "tiny" / ".cache", site / ".cache")
    cache = site / ".cache" / "refkb"
    CORRUPTIONS[name](cache)
    log = _build_command(site, tmp_path / "healed")
    assert "Traceback" not in log
    assert "internal error" not in log.lower()
    assert _differences(tmp_path / "healed", made_once / "clean") == []
    log = _build_command(site, tmp_path / "again")
    assert "2 reference pages from the page cache" in log
