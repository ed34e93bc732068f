"""refkb.later: a work's styles, some of them collected only when first read; and a cold build that goes on while
styles are still being formatted: the real knowledge base built
with its styles in worker processes, the pages made before all of them are back, is the same site as a build that
formats every style first; its reference pages are kept in the page cache under the digests a later build looks up;
and a build whose styles are formatted while pages are kept waits for them and uses the kept pages."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import tree_differences
from refkb.later import Later, WorkStyles, settled
from test_plugin import _build_command
from test_site_serve import copy_project

# `mkdocs build` with the styles formatted in worker processes whatever the library's size (the real knowledge base
# is below Renderer.PARALLEL_FROM), so that the build goes on with the site's style and APA only
WORKERS = "import sys, refkb.styles as s; s.Renderer.PARALLEL_FROM = 1; from mkdocs.__main__ import cli; cli()"
SERIAL = "from mkdocs.__main__ import cli; cli()"


def _styles(ready: dict[str, str], later: dict[str, str]) -> tuple[WorkStyles[str], list[str]]:
    """A work in styles `ready` now and `later` (collected once, counted in the list returned)."""
    order = (*ready, *later)
    collected: list[str] = []
    work: WorkStyles[str] = WorkStyles(order, None)

    def collect() -> None:
        collected.append("collected")
        for style, value in later.items():
            work.put(style, value)

    pending = Later(tuple(later), collect) if later else None
    work = WorkStyles(order, pending)
    for style, value in ready.items():
        work.put(style, value)
    return work, collected


@pytest.mark.parametrize(
    ("ready", "later", "read", "collects"),
    [
        ({"apa": "A"}, {"mla": "M"}, lambda w: w["apa"], 0),  # a style here: nothing waited for
        ({"apa": "A"}, {"mla": "M"}, lambda w: "apa" in w and "mla" in w and "xx" not in w, 0),
        ({"apa": "A"}, {"mla": "M"}, lambda w: w["mla"], 1),
        ({"apa": "A"}, {"mla": "M"}, lambda w: list(w), 1),  # the whole mapping: every style
        ({"apa": "A"}, {"mla": "M"}, lambda w: len(w), 1),
        ({"apa": "A"}, {"mla": "M"}, lambda w: w == {"apa": "A", "mla": "M"}, 1),
        ({"apa": "A"}, {"mla": "M"}, lambda w: w.get("harvard"), 0),  # no such style: nothing to wait for
        ({"apa": "A", "mla": "M"}, {}, lambda w: dict(w), 0),
    ],
)
def test_a_style_formatted_later_is_waited_for_once_when_read(
    ready: dict[str, str], later: dict[str, str], read: Callable[[WorkStyles[str]], object], collects: int
) -> None:
    work, collected = _styles(ready, later)
    assert settled(work) is not bool(later)
    read(work)
    read(work)
    assert len(collected) == collects
    assert dict(work) == {**ready, **later}  # and at the end, every style in its order
    assert list(work) == [*ready, *later]
    assert settled(work)
    assert settled({"apa": "A"})  # a plain mapping is always settled


def test_a_failed_collection_is_raised_to_each_reader() -> None:
    def fail() -> None:
        raise RuntimeError("engine")

    work: WorkStyles[str] = WorkStyles(("apa", "mla"), Later(("mla",), fail))
    work.put("apa", "A")
    assert work["apa"] == "A"
    for _ in range(2):
        with pytest.raises(RuntimeError, match="engine"):
            work["mla"]
    assert not settled(work)


def _copy_kb(dest: Path) -> Path:
    site = copy_project(dest)
    shutil.rmtree(site / ".cache", ignore_errors=True)  # cold
    return site


def _build(site: Path, out: Path, code: str, page_cache: bool = True) -> str:
    return _build_command(site, out, cache=page_cache, runner=("-c", code))


def _kept(log: str) -> int:
    found = re.search(r"refkb: (\d+) reference pages? from the page cache", log)
    return int(found.group(1)) if found else 0


def test_a_build_that_goes_on_before_every_style_is_back(tmp_path: Path) -> None:
    site = _copy_kb(tmp_path / "kb")
    works = len(re.findall(r"^@\w+\{", (site / "references.bib").read_text(encoding="utf-8"), re.M))
    log = _build(site, tmp_path / "workers", WORKERS)  # cold: no .cache
    assert "0 from cache, 4 new" in log
    shutil.rmtree(site / ".cache")
    _build(site, tmp_path / "serial", SERIAL, page_cache=False)
    assert tree_differences(tmp_path / "workers", tmp_path / "serial") == []

    shutil.rmtree(site / ".cache")
    _build(site, tmp_path / "workers", WORKERS)  # cold again: the page cache filled by a build that went on
    log = _build(site, tmp_path / "warm", WORKERS)
    assert "4 from cache, 0 new" in log
    assert _kept(log) == works  # every reference page kept under the digest this build looked up

    bib = site / "references.bib"  # a title edited: every style formatted again while pages are kept
    text = bib.read_text(encoding="utf-8")
    first = re.search(r"^\s*title\s*=\s*\{", text, re.M)
    assert first is not None
    bib.write_text(text[: first.end()] + "Edited: " + text[first.end() :], encoding="utf-8")
    log = _build(site, tmp_path / "edited", WORKERS)
    assert "0 from cache, 4 new" in log
    assert works - 5 <= _kept(log) < works  # waited for the styles, then took the unchanged pages from the cache
    shutil.rmtree(site / ".cache")
    _build(site, tmp_path / "edited-serial", SERIAL, page_cache=False)
    assert tree_differences(tmp_path / "edited", tmp_path / "edited-serial") == []
