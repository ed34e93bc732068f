"""The evidence map as a reader meets it: Playwright driving Debian's chromium against a tiny coded site
(tests/data/sites/evidence) built with MkDocs. The faceted library's shareable URL, the map's drill-down, the CSV
export read with the standard library's csv module, and axe on the map and a platform page. Screenshots go to
test-artifacts/screenshots/."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import DATA, ROOT, TOPICS, site_config
from test_browser import CHROMIUM, SHOTS, page_at, serve

pytestmark = pytest.mark.slow
SITE = DATA / "sites" / "evidence"
CONFIG = site_config(
    "Evidence test site",
    extensions=True,
    fences=True,
    warn_links=True,
    refkb="    coding:\n      vocabularies: {vocabularies}\n"
    "      required: [platforms, regions, forms, populations, design, datasource]\n",
)
# recruitment-grooming × instagram × from 2020, worked out by hand from tests/data/sites/evidence/references.bib.
QUESTION = "references/?topic=recruitment-grooming&platforms=instagram&from=2020"
ANSWER = {"adams2021recruiting", "fox2022livestreamed"}


def build_site(root: Path) -> subprocess.CompletedProcess[str]:
    topics = "\n".join(f"      - {{slug: {t}, title: {t.replace('-', ' ').capitalize()}, section: S}}" for t in TOPICS)
    (root / "mkdocs.yml").write_text(
        CONFIG.format(hook=ROOT / "scripts" / "mkdocs_hooks.py", vocabularies=ROOT / "coding.yml", topics=topics)
    )
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(root / "site")],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("evidence") / "evidence"
    shutil.copytree(SITE, root)
    result = build_site(root)
    assert result.returncode == 0, result.stderr
    with serve(root / "site") as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        try:
            yield b
        finally:
            b.close()


def visible_keys(page: Any) -> set[str]:
    return set(
        page.eval_on_selector_all(
            "[data-refkb-library] tbody tr:not([hidden])", "rows => rows.map(r => r.getAttribute('data-key'))"
        )
    )


def test_the_question_has_one_shareable_address(browser: Any, site: str) -> None:
    """Choosing topic, platform and year by hand gives an address that, opened anew, shows the same list."""
    with page_at(browser, site) as (page, watch):
        page.goto(f"{site}/references/")
        page.wait_for_selector("[data-refkb-facets]:not([hidden])")
        assert len(visible_keys(page)) == 8
        page.select_option("select[name=topic]", "recruitment-grooming")
        page.fill("input[name=from]", "2020")
        page.press("input[name=from]", "Tab")
        page.click('details[data-dim="platforms"] summary')
        page.check('input[name="platforms"][value="instagram"]')
        chosen = visible_keys(page)
        assert chosen == ANSWER
        count = page.text_content('input[name="platforms"][value="instagram"] ~ .refkb-facet-count')
        assert count == "2"
        address = page.url
        assert re.search(r"topic=recruitment-grooming", address)
        assert "platforms=instagram" in address
        assert "from=2020" in address
        assert watch.errors == []
    with page_at(browser, site) as (page, watch):
        page.goto(address)
        page.wait_for_selector("[data-refkb-facets]:not([hidden])")
        assert visible_keys(page) == ANSWER
        assert page.is_checked('input[name="platforms"][value="instagram"]')
        assert page.text_content(".refkb-browser .refkb-count") == "2 of 8 sources"
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "evidence-library-question.png"), full_page=True)
        assert watch.errors == []
        assert watch.outside == []
    with page_at(browser, site) as (page, _):
        page.goto(f"{site}/{QUESTION}")
        page.wait_for_selector("[data-refkb-facets]:not([hidden])")
        assert visible_keys(page) == ANSWER


def test_facet_counts_are_live_and_values_of_one_dimension_combine_with_or(browser: Any, site: str) -> None:
    with page_at(browser, site) as (page, watch):
        page.goto(f"{site}/references/?platforms=instagram&platforms=tiktok")
        page.wait_for_selector("[data-refkb-facets]:not([hidden])")
        assert visible_keys(page) == {
            "adams2021recruiting",
            "baker2019grooming",
            "clark2022shortvideo",
            "davis2020advertising",
            "fox2022livestreamed",
        }
        # Regions expand: the Philippines count in South-eastern Asia and Asia.
        page.goto(f"{site}/references/?regions=asia")
        page.wait_for_selector("[data-refkb-facets]:not([hidden])")
        assert visible_keys(page) == {"clark2022shortvideo", "fox2022livestreamed"}
        # A category matches its platforms and a source coded with the category only.
        page.goto(f"{site}/references/?platforms=social-network&design=narrative-review")
        page.wait_for_selector("[data-refkb-facets]:not([hidden])")
        assert visible_keys(page) == {"evans2023social"}
        page.click(".refkb-facets-clear")
        assert len(visible_keys(page)) == 8
        assert "platforms=" not in page.url
        assert watch.errors == []


def test_without_javascript_the_full_library_shows(browser: Any, site: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{site}/{QUESTION}")
        assert len(page.query_selector_all("[data-refkb-library] tbody tr")) == 8
        assert not page.is_visible("[data-refkb-facets]")
    finally:
        context.close()


def test_a_map_cell_opens_its_sources(browser: Any, site: str) -> None:
    with page_at(browser, site, height=1500) as (page, watch):
        page.goto(f"{site}/dashboard/")
        page.wait_for_selector("[data-refkb-map]:not([hidden])")
        assert "rows=topic" in page.url
        assert "cols=design" in page.url
        cell = page.locator('.refkb-map-button[data-row="recruitment-grooming"][data-col="quantitative"]')
        assert cell.get_attribute("data-count") == "2"
        cell.click()
        panel = page.locator(".refkb-map-cell")
        assert "2 sources" in panel.locator("h3").text_content()
        links = panel.locator("a")
        assert links.count() == 2
        assert {links.nth(i).text_content() for i in range(2)} == {
            "Grooming on photo apps before the pandemic",
            "Livestreamed abuse and messaging apps",
        }
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.mouse.move(0, 0)
        page.evaluate(
            "window.scrollTo(0, document.querySelector('[data-refkb-map]').getBoundingClientRect().top"
            " + window.scrollY - 120)"
        )
        page.screenshot(path=str(SHOTS / "evidence-map-cell.png"))  # the grid and the cell's sources below it
        links.first.click()
        page.wait_for_url(re.compile(r"/references/(baker2019grooming|fox2022livestreamed)/"))
        # Another view: platform × form; a gap cell says it is a gap.
        page.goto(f"{site}/dashboard/?rows=platform&cols=form")
        page.wait_for_selector("[data-refkb-map]:not([hidden])")
        gap = page.locator('.refkb-map-button[data-row="tiktok"][data-col="sex-trafficking"]')
        assert gap.get_attribute("data-count") == "0"
        gap.click()
        assert "a gap" in page.locator(".refkb-map-cell").text_content()
        assert watch.errors == []
        assert watch.outside == []


def test_build_time_views_read_without_javascript(browser: Any, site: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{site}/dashboard/")
        assert page.locator("svg.refkb-map-svg").count() == 4
        assert page.locator("table.refkb-map-table").count() == 4
        assert not page.is_visible("[data-refkb-map]")
        assert "Primary empirical studies are sources whose design is one of" in page.text_content("article")
        # A cell of the data table links to the library filtered to it.
        link = page.locator(
            'table.refkb-map-table a[href="../references/?topic=recruitment-grooming&design=quantitative"]'
        )
        assert link.count() == 1
        assert link.text_content() == "2 · 100% primary (thin)"
        assert page.is_visible("[data-refkb-map-static]")
    finally:
        context.close()


def test_with_javascript_the_dashboard_shows_one_map(browser: Any, site: str) -> None:
    """The explorer is the map; its static views are the fallback for browsers without JavaScript and print."""
    page = browser.new_page()
    try:
        page.goto(f"{site}/dashboard/")
        page.wait_for_selector("[data-refkb-map]:not([hidden])")
        assert page.is_visible("[data-refkb-map]")
        assert not page.is_visible("[data-refkb-map-static]")
        assert page.locator("table.refkb-map-table:visible").count() == 0
        page.emulate_media(media="print")
        assert page.is_visible("[data-refkb-map-static]")
        assert not page.is_visible("[data-refkb-map]")
    finally:
        page.close()


def test_csv_export_has_one_row_per_source(site: str) -> None:
    with urllib.request.urlopen(f"{site}/downloads/coding.csv") as r:
        text = r.read().decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    keys = [row["key"] for row in rows]
    bib = (SITE / "references.bib").read_text(encoding="utf-8")
    assert sorted(keys) == sorted(re.findall(r"^@\w+\{([^,]+),", bib, re.M))
    for dim in ("platforms", "regions", "forms", "populations", "design", "datasource"):
        assert all(row[dim] for row in rows), dim
    fox = next(row for row in rows if row["key"] == "fox2022livestreamed")
    assert fox["platforms"] == "instagram; whatsapp"
    assert fox["platform_categories"] == "social-network; messaging"
    assert fox["m49_regions"] == "asia"
    assert fox["primary_empirical"] == "yes"
    with urllib.request.urlopen(f"{site}/downloads/coding.json") as r:
        records = json.loads(r.read())
    assert [rec["key"] for rec in records] == keys


def test_reference_page_shows_its_coding_as_facet_links(browser: Any, site: str) -> None:
    with page_at(browser, site) as (page, watch):
        page.goto(f"{site}/references/fox2022livestreamed/")
        link = page.locator(".refkb-coding a", has_text="Philippines")
        assert link.get_attribute("href") == "../?regions=ph"
        link.click()
        page.wait_for_selector("[data-refkb-facets]:not([hidden])")
        assert visible_keys(page) == {"clark2022shortvideo", "fox2022livestreamed"}
        assert watch.errors == []


def test_platform_page_lists_sources_by_topic_and_year(browser: Any, site: str) -> None:
    with page_at(browser, site) as (page, _):
        page.goto(f"{site}/platforms/social-network/")
        text = page.text_content("article")
        assert "The library holds 5 sources" in text
        assert "Recruitment grooming (4)" in text
        page.goto(f"{site}/platforms/gaming/")
        assert "a gap" in page.text_content("article")
        # A hand-written synthesis (docs/platforms/messaging.md) comes first, the generated part after it; a
        # source listed under each of its topics.
        page.goto(f"{site}/platforms/messaging/")
        text = page.text_content("article")
        assert text.index("A hand-written synthesis for the tests") < text.index("The sources in the library")
        assert "The library holds 1 source coded" in text
        assert page.locator(".refkb-platform-sources a", has_text="Livestreamed abuse and messaging apps").count() == 2


@pytest.mark.parametrize("path", ["dashboard/", "platforms/social-network/", "regions/", "references/"])
def test_axe_finds_no_serious_or_critical_violation(browser: Any, site: str, path: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    with page_at(browser, site) as (page, watch):
        page.goto(f"{site}/{path}")
        page.wait_for_load_state("networkidle")
        if path == "dashboard/":
            page.locator(".refkb-map-button").first.click()
        results = Axe().run(page)
        bad = [
            f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}"
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert bad == [], "\n".join(bad)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"evidence-{path.strip('/').replace('/', '-')}.png"), full_page=True)
        assert watch.errors == []
        assert watch.outside == []
