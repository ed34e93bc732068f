"""Exporting the works shown (selection.js) in a real browser, and Zotero's translation-server as the oracle of the
files: the library filtered to a handful of works downloads exactly those works as RIS, BibTeX and CSL-JSON
(Playwright's download events), each file imports into Zotero with exactly those works, the browser's joins of every
work are byte for byte the build's whole-library downloads, the bibliography copies as HTML and text in the chosen
style with today's access date, an evidence-map cell exports its works, and nothing scrolls sideways at 360 px."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest

from test_browser import browser, page_at  # noqa: F401  (browser: test_browser's module-scoped chromium)
from test_reader_browser import _CLIPBOARD_HTML, site, site_dir  # noqa: F401  (fixtures)
from test_zotero import _post, zotero  # noqa: F401  (the translation-server fixture)

pytestmark = pytest.mark.slow
FORMATS = ("ris", "bib", "json")
# The library filtered to 2012–2014: six works (reports and journal articles, "boyd, danah" among the authors).
SHOWN = (
    "europol2014increased",
    "hughes2014trafficking",
    "jonsson2014without",
    "latonero2012rise",
    "musto2014traffickingtechnology",
    "thakor2013networked",
)


def keys_in(fmt: str, text: str) -> list[str]:
    """The citation keys a download holds, in order."""
    if fmt == "ris":
        return re.findall(r"^ID  - (\S+)$", text, re.M)
    if fmt == "bib":
        return re.findall(r"^@[a-z]+\{([^,]+),$", text, re.M)
    return [str(item["id"]) for item in json.loads(text)]


@pytest.fixture(scope="module")
def downloads(browser: Any, site: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:  # noqa: F811
    """The library filtered by its year fields (typed, as a reader does) and each format downloaded."""
    out = tmp_path_factory.mktemp("selection")
    got: dict[str, str] = {}
    with page_at(browser, site) as (page, watch):
        page.goto(f"{site}/references/")
        page.locator('.refkb-browser input[name="from"]').fill("2012")
        page.locator('.refkb-browser input[name="to"]').fill("2014")
        shown = page.evaluate(
            "Array.from(document.querySelectorAll('[data-refkb-library] tbody tr'))"
            ".filter(r => !r.hidden).map(r => r.dataset.key)"
        )
        assert sorted(shown) == list(SHOWN)
        for fmt in FORMATS:
            button = page.get_by_role("button", name=re.compile(f"^Download the works shown as {_label(fmt)} "))
            with page.expect_download() as event:
                button.click()
            name = event.value.suggested_filename
            assert name == f"references-selection.{fmt}"
            path = out / name
            event.value.save_as(path)
            got[fmt] = path.read_text(encoding="utf-8")
        assert watch.errors == []
        assert watch.outside == []
    return got


def _label(fmt: str) -> str:
    return {"ris": "RIS", "bib": "BibTeX", "json": "CSL-JSON"}[fmt]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_filtered_library_downloads_exactly_the_shown_works(downloads: dict[str, str], fmt: str) -> None:
    assert sorted(keys_in(fmt, downloads[fmt])) == list(SHOWN)


@pytest.mark.parametrize("fmt", FORMATS)
def test_zotero_imports_exactly_the_shown_works(
    downloads: dict[str, str],
    zotero: str,  # noqa: F811
    site_dir: Path,  # noqa: F811
    fmt: str,
) -> None:
    """Each download through Zotero's /import: one item per shown work, with each work's title."""
    items = [i for i in _post(zotero + "/import", downloads[fmt]) if i.get("itemType") != "note"]
    library = {str(i["id"]): i for i in json.loads((site_dir / "downloads" / "references.json").read_text())}

    def same(title: str) -> str:
        return re.sub(r"\W+", " ", re.sub(r"<[^>]+>", "", title)).casefold().strip()

    assert sorted(same(str(i.get("title", ""))) for i in items) == sorted(same(library[k]["title"]) for k in SHOWN)


def test_the_browsers_joins_are_the_builds_whole_library_files(browser: Any, site: str, site_dir: Path) -> None:  # noqa: F811
    """Every work's records joined in the browser, in the library file's order, give the build's own files."""
    files = {"ris": "references.ris", "bib": "references.bib", "json": "references.json"}
    order = [str(i["id"]) for i in json.loads((site_dir / "downloads" / "references.json").read_text())]
    with page_at(browser, site) as (page, watch):
        page.goto(f"{site}/references/")
        for fmt, name in files.items():
            joined = page.evaluate(
                """([fmt, order]) => fetch('records.json').then(r => r.json()).then(d =>
                     window.refkbSelection.joined(fmt, order.map(k => d.works[k][fmt])))""",
                [fmt, order],
            )
            assert joined == (site_dir / "downloads" / name).read_text(encoding="utf-8"), name
        assert watch.errors == []


def test_the_shown_works_copy_as_a_bibliography_with_todays_date(browser: Any, site: str) -> None:  # noqa: F811
    with page_at(browser, site) as (page, watch):
        page.clock.set_fixed_time(dt.datetime(2031, 3, 7, 12, 0))
        page.goto(f"{site}/references/?from=2012&to=2014")
        page.locator(".refkb-export select").select_option(label="Harvard (Cite Them Right)")
        page.get_by_role("button", name=re.compile("^Copy the works shown as a bibliography")).click()
        page.wait_for_selector('.refkb-export [data-export="copy"][data-copied="yes"]', timeout=15000)
        text = page.evaluate("navigator.clipboard.readText()")
        html = page.evaluate(_CLIPBOARD_HTML)
        lines = text.split("\n")
        assert len(lines) == len(SHOWN)
        assert any(line.startswith("Musto, J. and boyd, d. (2014)") for line in lines)
        assert "(Accessed: 7 March 2031)" in text
        assert "29 November 2026" not in text
        assert html.count("<p>") == len(SHOWN)
        assert "<i>Social Politics</i>" in html
        assert page.locator(".refkb-export-status").inner_text() == "Copied 6 references in Harvard (Cite Them Right)."
        assert watch.errors == []


def test_a_map_cell_exports_its_works(browser: Any, site: str) -> None:  # noqa: F811
    with page_at(browser, site) as (page, watch):
        page.goto(f"{site}/dashboard/?rows=topic&cols=design")
        page.locator('.refkb-map-button:not([data-count="0"])').first.click()
        panel = page.locator(".refkb-map-cell")
        listed = sorted(
            re.sub(r"^.*/references/([^/]+)/$", r"\1", str(a.get_attribute("href")))
            for a in panel.locator(".refkb-map-sources a").all()
        )
        assert listed
        with page.expect_download() as event:
            panel.get_by_role("button", name=re.compile("^Download this cell's works as RIS ")).click()
        text = Path(event.value.path()).read_text(encoding="utf-8")
        assert sorted(keys_in("ris", text)) == listed
        assert watch.errors == []


@pytest.mark.parametrize("path", ["references/?from=2012&to=2014", "dashboard/?rows=topic&cols=design"])
def test_nothing_scrolls_sideways_at_360_px_with_the_export_used(browser: Any, site: str, path: str) -> None:  # noqa: F811
    with page_at(browser, site, width=360, height=740) as (page, watch):
        page.goto(f"{site}/{path}")
        if path.startswith("dashboard"):
            page.locator('.refkb-map-button:not([data-count="0"])').first.click()
        export = page.locator(".refkb-export").first
        export.get_by_role("button", name=re.compile("as a bibliography")).click()
        page.wait_for_selector('.refkb-export [data-export="copy"][data-copied]', timeout=15000)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        box = export.bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= 360
        assert watch.errors == []


def test_the_records_file_holds_every_work(site_dir: Path) -> None:  # noqa: F811
    works = json.loads((site_dir / "references" / "records.json").read_text(encoding="utf-8"))["works"]
    library = [str(i["id"]) for i in json.loads((site_dir / "downloads" / "references.json").read_text())]
    assert sorted(works) == sorted(library)
    assert all(set(w) == {"bib", "ris", "json", "item"} for w in works.values())


@pytest.mark.parametrize("scheme", ["default", "slate"])
@pytest.mark.parametrize("width", [1280, 360])
def test_axe_finds_nothing_serious_in_the_export(browser: Any, site: str, scheme: str, width: int) -> None:  # noqa: F811
    """The export group, used (its bibliography shown), in light and dark, at desktop and phone widths."""
    from axe_playwright_python.sync_playwright import Axe

    with page_at(browser, site, width=width) as (page, watch):
        page.goto(f"{site}/references/?from=2012&to=2014")
        page.evaluate(f"document.body.setAttribute('data-md-color-scheme', '{scheme}')")
        page.locator('.refkb-export [data-export="copy"]').click()
        page.wait_for_selector('.refkb-export [data-export="copy"][data-copied="yes"]', timeout=15000)
        found = Axe().run(page, context=".refkb-export").response["violations"]
        bad = [f"{v['id']}: {n['target']}" for v in found if v["impact"] in ("serious", "critical") for n in v["nodes"]]
        assert bad == []
        assert watch.errors == []
