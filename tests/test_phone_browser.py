"""The site on a phone and in dark mode (issue 23): one page of every page kind (refkb.site.kinds) in Debian's
chromium, served from the real knowledge base built once for the module (test_browser's fixtures).

At 360 px no page scrolls sideways (also with a style picked in the picker and with an evidence-map cell open), the
library shows cards and the claims ledger keeps claim and verdict on screen; axe-core finds no serious or critical
violation in Material's light (`default`) and dark (`slate`) schemes, at 1280 px and at 360 px. The scheme is the
reader's: mkdocs.yml's palette follows `prefers-color-scheme`, which the test emulates.
"""

from __future__ import annotations

from typing import Any

import pytest

from refkb.site.kinds import KINDS
from test_browser import browser, page_at, site  # noqa: F401  (browser, site: test_browser's fixtures)

pytestmark = pytest.mark.slow
PHONE = 360
DESKTOP = 1280
# One page of each kind, as the real knowledge base builds it.
PAGES = {
    "reference": "references/musto2014traffickingtechnology/",
    "library": "references/",
    "dashboard": "dashboard/",
    "data": "claims/",
    "topic": "topics/recruitment-grooming/",
    "verification": "verification/",
    "regions": "regions/",
    "platforms": "platforms/",
    "platform": "platforms/social-network/",
    "cite": "cite/",
    "home": "",
    "methodology": "methodology/",
    "page": "help/",
}
SCHEMES = {"light": "default", "dark": "slate"}  # the reader's preference -> Material's scheme (mkdocs.yml palette)
WIDE = "document.documentElement.scrollWidth - window.innerWidth"  # > 0: the page scrolls sideways


def test_every_page_kind_is_tested() -> None:
    assert set(PAGES) == {k.name for k in KINDS}


def test_no_page_kind_scrolls_sideways_on_a_phone(browser: Any, site: str) -> None:  # noqa: F811
    wide = {}
    with page_at(browser, site, width=PHONE, height=780) as (page, watch):
        for kind, path in PAGES.items():
            page.goto(f"{site}/{path}")
            if (extra := page.evaluate(WIDE)) > 0:
                wide[kind] = extra
        assert wide == {}, f"pages wider than {PHONE} px (by how much): {wide}"
        assert watch.errors == []
        assert watch.outside == []


def test_a_style_picked_in_the_picker_keeps_the_phone_page_in_width(browser: Any, site: str) -> None:  # noqa: F811
    with page_at(browser, site, width=PHONE, height=780) as (page, watch):
        page.goto(f"{site}/{PAGES['reference']}")
        page.locator('[data-picker="filter"]').fill("ieee")
        page.wait_for_selector('[data-picker="style"] option[value="ieee"]', state="attached")
        page.select_option('[data-picker="style"]', "ieee")
        page.wait_for_function("document.querySelector('.refkb-picker-output').textContent.trim() !== ''")
        assert page.evaluate(WIDE) <= 0
        assert watch.errors == []


def test_an_open_map_cell_keeps_the_phone_page_in_width(browser: Any, site: str) -> None:  # noqa: F811
    with page_at(browser, site, width=PHONE, height=780) as (page, watch):
        page.goto(f"{site}/{PAGES['dashboard']}")
        page.wait_for_selector("[data-refkb-map]:not([hidden])")
        cell = page.locator('.refkb-map-button:not([data-count="0"])').first
        cell.click()
        page.wait_for_selector(".refkb-map-cell a")
        assert page.evaluate(WIDE) <= 0
        assert watch.errors == []


ROW_DISPLAY = "getComputedStyle(document.querySelector('[data-refkb-library] tbody tr')).display"
# Where the first card's parts stand: the title above the author, the author line above the coding chips.
CARD = """(() => {
  const row = document.querySelector('[data-refkb-library] tbody tr');
  const top = (sel) => row.querySelector(sel).getBoundingClientRect().top;
  const right = row.getBoundingClientRect().right;
  return [top('td:nth-child(3) > a'), top('td:nth-child(1)'), top('td:nth-child(5)'), right];
})()"""


@pytest.mark.parametrize(("width", "display"), [(PHONE, "flex"), (DESKTOP, "table-row")])
def test_the_library_is_cards_on_a_phone_and_a_table_on_a_desktop(
    browser: Any,  # noqa: F811
    site: str,  # noqa: F811
    width: int,
    display: str,
) -> None:
    with page_at(browser, site, width=width, height=780) as (page, _):
        page.goto(f"{site}/{PAGES['library']}")
        assert page.evaluate(ROW_DISPLAY) == display
        title, author, chips, right = page.evaluate(CARD)
        if width == PHONE:
            assert title < author < chips  # title first, then authors · year · type, then the chips
            assert right <= PHONE
        # A row the filters hide stays hidden in either layout.
        page.select_option('.refkb-browser select[name="topic"]', "legal-jurisdiction")
        hidden = page.locator("[data-refkb-library] tbody tr[hidden]")
        assert hidden.count() > 0
        assert hidden.first.is_hidden()


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_the_claims_ledger_keeps_claim_and_verdict_in_view(browser: Any, site: str, width: int) -> None:  # noqa: F811
    with page_at(browser, site, width=width, height=780) as (page, _):
        page.goto(f"{site}/claims/")
        row = page.locator("[data-refkb-table] tbody tr").first
        verdict = row.locator(".refkb-verdict").bounding_box()
        assert verdict is not None
        assert verdict["x"] + verdict["width"] <= width
        evidence = row.locator("details.refkb-evidence")
        assert evidence.locator("summary").inner_text() == "Evidence"
        assert not evidence.locator("a.refkb-cite").first.is_visible()  # closed until the reader opens it
        page.emulate_media(media="print")
        assert evidence.locator("a.refkb-cite").first.is_visible()  # on paper (and in the print edition) it shows
        page.emulate_media(media="screen")
        box = row.bounding_box()
        assert box is not None
        assert box["height"] < 400  # was 942 px with the evidence in its own column
        evidence.locator("summary").click()
        assert evidence.locator("a.refkb-cite").first.is_visible()
        assert page.evaluate(WIDE) <= 0


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
@pytest.mark.parametrize("scheme", list(SCHEMES))
def test_axe_finds_no_serious_or_critical_violation_on_any_page_kind(
    browser: Any,  # noqa: F811
    site: str,  # noqa: F811
    scheme: str,
    width: int,
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    bad = []
    with page_at(browser, site, width=width, height=900) as (page, watch):
        page.emulate_media(color_scheme=scheme)
        for kind, path in PAGES.items():
            page.goto(f"{site}/{path}")
            assert page.get_attribute("body", "data-md-color-scheme") == SCHEMES[scheme], kind
            violations = axe.run(page).response["violations"]
            bad += [
                f"{kind} ({path}): {v['id']} ({v['impact']}) on {len(v['nodes'])}, first {v['nodes'][0]['target']}"
                for v in violations
                if v["impact"] in ("serious", "critical")
            ]
        assert bad == [], "\n".join(bad)
        assert watch.errors == []
        assert watch.outside == []
