"""The browser formats the site's four styles as the build does (Playwright driving Debian's chromium, the real
knowledge base built with --strict): picker.js and selection.js run refkb's citeproc-js glue (citeproc-glue.js), the
file the build's engine runs. Every work formatted by the picker's renderer (the one the export uses too) equals its
reference page's cite block in each style; the picker itself, on a sample of works that each glue rule touches; and a
bibliography of the whole library (the export's copy) equals the build's engine over the same items, order and year
suffixes included. HTML is compared after the browser has parsed it (entities as the DOM writes them)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from refkb import engine
from refkb.styles import ORDER, STYLES
from test_browser import browser, page_at  # noqa: F401  (browser: test_browser's module-scoped chromium)
from test_reader_browser import _pick, site, site_dir  # noqa: F401  (fixtures: the real knowledge base, served)

pytestmark = pytest.mark.slow
FOUR = [{"id": STYLES[s].csl, "lang": STYLES[s].locale, "name": s} for s in ORDER]
# Works each glue rule touches: a lower-case given name (boyd), a data set ([Data set]), article numbers (MLA),
# three and two organisations (Cite Them Right's 'A, B and C'), the Europol 2020 pair (leading-article sort), a
# publisher that is the author (APA), web pages with access dates, a particle, a law, a UN instrument.
SAMPLE = (
    "musto2014traffickingtechnology",
    "thakor2013networked",
    "iom2017counter",
    "busza2023accidental",
    "dimas2022operations",
    "ecpat2022disrupting",
    "ilo2022global",
    "ilo2021promoting",
    "europol2020challenges",
    "europol2020internet",
    "polaris2018onramps",
    "davis2019opensourcing",
    "latonero2012rise",
    "desantisteban2018progression",
    "uscongress2018allow",
    "un2000protocol",
    "lhoiry2022policing",
    "napier2021live",
    "observer2021transnational",
    "amnesty2025someone",
)
# The picker itself (its item from the page, its four styles in the site's locales): boyd, a data set, an article
# number, three organisations and the Europol 2020 pair.
PICKED = (*SAMPLE[:4], "ilo2022global", "europol2020challenges", "europol2020internet")
_CITE = re.compile(r'<p class="refkb-formatted" id="refkb-cite-(\w+)" data-style="\w+"[^>]*>(.*?)</p>', re.S)
# The browser's reading of an entry: parsed, the content of its csl-entry element when it has one, whitespace
# collapsed (citeproc-js's own line breaks in its markup).
_NORM = """(html) => { const d = document.createElement('div'); d.innerHTML = html;
  const e = d.querySelector('.csl-entry');
  return (e || d).innerHTML.replace(/\\s+/g, ' ').trim(); }"""
_NORM_ALL = "(blocks) => { const norm = " + _NORM + "; return blocks.map(norm); }"
_NORM_AT = "(sel) => { const norm = " + _NORM + "; return norm(document.querySelector(sel).innerHTML); }"
# Each work alone (a reference page's picker), or all works in one bibliography (the export's copy), per style.
_RENDER = """async ({styles, items, base, each}) => {
  const out = {};
  for (const s of styles) {
    const style = await window.refkbStyles.prepare(base, {id: s.id, lang: s.lang}, null);
    const parts = each ? items.map(it => [it]) : [items];
    out[s.name] = parts.map(part => window.refkbStyles.render(style, part, null).shown);
  }
  return out;
}"""


@pytest.fixture(scope="module")
def items(site_dir: Path) -> list[dict[str, Any]]:  # noqa: F811
    """Every work's item as the build wrote it for the export (references/records.json: csl.engine_item)."""
    works = json.loads((site_dir / "references" / "records.json").read_text(encoding="utf-8"))["works"]
    return [works[k]["item"] for k in sorted(works)]


@pytest.fixture(scope="module")
def cite_blocks(site_dir: Path, items: list[dict[str, Any]]) -> dict[str, dict[str, str]]:  # noqa: F811
    """{style: {key: the cite block's HTML}} from each built reference page."""
    out: dict[str, dict[str, str]] = {s: {} for s in ORDER}
    for item in items:
        page = (site_dir / "references" / str(item["id"]) / "index.html").read_text(encoding="utf-8")
        for style, html in _CITE.findall(page):
            out[style][str(item["id"])] = html
    return out


# What each style prints for works the glue's rules touch (the rest of every entry is held equal to the build's).
SIGNS = {
    "apa": {
        "musto2014traffickingtechnology": "Musto, J., &amp; boyd, d. (2014).",
        "iom2017counter": "International Organization for Migration. (2017). <i>",
    },
    "mla": {"musto2014traffickingtechnology": "Musto, Jennifer, and danah boyd."},
    "chicago": {"thakor2013networked": "Thakor, Mitali, and danah boyd. 2013."},
    "harvard": {
        "thakor2013networked": "Thakor, M. and boyd, d. (2013)",
        "ilo2022global": "International Labour Organization, Walk Free and International Organization for Migration",
    },
}


@pytest.mark.parametrize("style", ORDER)
def test_every_work_in_the_browser_equals_its_cite_block(
    chrome: Any,
    site: str,  # noqa: F811
    items: list[dict[str, Any]],
    cite_blocks: dict[str, dict[str, str]],
    style: str,
) -> None:
    """Each work alone, as the picker formats it. Setting up an engine takes chromium about 0.7 s in APA and 1 s in
    Chicago (10-40 ms in the others): those two styles take minutes on two cores."""
    keys = [str(it["id"]) for it in items]
    assert sorted(cite_blocks[style]) == keys
    assert set(SAMPLE) <= set(keys)
    chosen = [f for f in FOUR if f["name"] == style]
    with page_at(chrome, site) as (page, watch):
        page.goto(f"{site}/references/")
        base = f"{site}/assets/refkb/csl/"
        shown = page.evaluate(_RENDER, {"styles": chosen, "items": items, "base": base, "each": True})[style]
        got = dict(zip(keys, page.evaluate(_NORM_ALL, shown), strict=True))
        built = dict(zip(keys, page.evaluate(_NORM_ALL, [cite_blocks[style][k] for k in keys]), strict=True))
        assert watch.errors == []
        assert watch.outside == []
    assert [(k, got[k], built[k]) for k in keys if got[k] != built[k]] == []
    for key, begins in SIGNS[style].items():
        assert got[key].startswith(begins), key
    if style == "apa":
        assert "[Data set]" in got["iom2017counter"]
    if style == "mla":
        assert "vol. 19, no. 1, 2023, https://doi.org/" in got["busza2023accidental"]  # no second 'no.'


@pytest.mark.parametrize("key", PICKED)
def test_the_picker_prints_the_cite_blocks(chrome: Any, site: str, key: str) -> None:  # noqa: F811
    with page_at(chrome, site) as (page, watch):
        page.goto(f"{site}/references/{key}/")
        for style in ORDER:
            _pick(page, STYLES[style].csl)
            shown = page.evaluate(_NORM_AT, ".refkb-picker-output")
            assert shown == page.evaluate(_NORM_AT, f"#refkb-cite-{style}"), style
        assert watch.errors == []
        assert watch.outside == []


def test_a_bibliography_of_the_whole_library_equals_the_builds(
    chrome: Any,
    site: str,  # noqa: F811
    items: list[dict[str, Any]],
) -> None:
    """The export's copy of every work: one bibliography per style, ordered and lettered (2020a, 2020b: titles
    ordered ignoring 'The') and with MLA's '———', as the build's engine gives them for the same items."""
    js = engine.Citeproc()
    built: dict[str, list[str]] = {}
    for style in ORDER:
        st = STYLES[style]
        bib = js.load(style, engine.style_path(st.csl).read_text(encoding="utf-8"), st.locale, items)
        built[style] = [re.sub(r" {2,}", " ", bib.entries[k]) for k in bib.order]
    with page_at(chrome, site) as (page, watch):
        page.goto(f"{site}/references/")
        base = f"{site}/assets/refkb/csl/"
        shown = page.evaluate(_RENDER, {"styles": FOUR, "items": items, "base": base, "each": False})
        got = {
            s: page.evaluate(
                "(html) => { const d = document.createElement('div'); d.innerHTML = html; const norm = "
                + _NORM
                + "; return Array.from(d.querySelectorAll('.csl-entry')).map(e => norm(e.outerHTML)); }",
                shown[s][0],
            )
            for s in ORDER
        }
        ours = {s: page.evaluate(_NORM_ALL, built[s]) for s in ORDER}
        assert watch.errors == []
    for style in ORDER:
        assert got[style] == ours[style], style
    apa = got["apa"]
    challenges = next(i for i, e in enumerate(apa) if "The challenges of countering" in e)
    assert apa[challenges].startswith("Europol. (2020a).")
    assert apa[challenges + 1].startswith("Europol. (2020b). <i>Internet organised crime")
    mla = got["mla"]
    internet = next(i for i, e in enumerate(mla) if "<i>Internet Organised Crime Threat" in e)
    assert mla[internet].startswith("———. <i>Internet Organised Crime")
    assert mla[internet - 2].startswith("Europol. <i>The Challenges of Countering")  # C(hallenges) < Increased


@pytest.fixture
def chrome(browser: Any) -> Any:  # noqa: F811  (test_browser's module-scoped chromium)
    return browser
