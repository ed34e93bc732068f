"""The site as a reader meets it: Playwright driving Debian's chromium against the built site on 127.0.0.1.

Locally the tests are skipped when chromium is missing; under CI a missing browser is a failure (`.ci/run`
installs it). Every request to anything but the local server is blocked and recorded: a page load must make no
request to a third party. Screenshots of the page kinds go to test-artifacts/screenshots/ (git-ignored).
"""

from __future__ import annotations

import contextlib
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from conftest import DATA, ROOT
from test_sites import build as build_scenario

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SHOTS = ROOT / "test-artifacts" / "screenshots"

if not CHROMIUM:
    if os.environ.get("CI") == "true" and os.environ.get("REFKB_BROWSER_OPTIONAL") != "1":
        pytest.fail("chromium is missing: .ci/run installs Debian's chromium (apt-get install chromium)", pytrace=False)
    pytest.skip("chromium is not installed (apt-get install chromium)", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    """Serves the site like a static host: a missing page gets the site's 404.html with status 404."""

    def log_message(self, *args: object) -> None:
        return None

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:  # broken pipes from the browser
        return None


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    handler = lambda *a, **k: _Quiet(*a, directory=str(folder), **k)  # noqa: E731
    httpd = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    out = tmp_path_factory.mktemp("browser") / "site"
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
    with serve(out) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
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


@dataclass
class Watch:
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)


@contextlib.contextmanager
def page_at(browser: Any, base: str, width: int = 1280, height: int = 900) -> Iterator[tuple[Any, Watch]]:
    context = browser.new_context(
        viewport={"width": width, "height": height}, permissions=["clipboard-read", "clipboard-write"]
    )
    watch = Watch()

    def route(r: Any) -> None:
        if r.request.url.startswith(base):
            r.continue_()
        else:
            watch.outside.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("pageerror", lambda e: watch.errors.append(str(e)))
    page.on("console", lambda m: watch.errors.append(m.text) if m.type == "error" else None)

    def dialog(d: Any) -> None:
        watch.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", dialog)
    try:
        yield page, watch
    finally:
        context.close()


REFERENCE = "references/musto2014traffickingtechnology/"
PAGES = {
    "home": "",
    "topic": "topics/recruitment-grooming/",
    "reference": REFERENCE,
    "library": "references/",
    "dashboard": "dashboard/",
}


def test_search_finds_a_reference_by_author_title_and_key(browser: Any, site: str) -> None:
    for query in ("Trafficking-Technology Nexus", "Musto", "musto2014traffickingtechnology"):
        with page_at(browser, site) as (page, watch):
            page.goto(site + "/")
            page.locator("input.md-search__input").click()
            page.locator("input.md-search__input").press_sequentially(query, delay=20)
            result = page.locator(f'.md-search-result a[href*="{REFERENCE}"]').first
            result.wait_for(timeout=10000)
            assert result.is_visible(), query
            assert watch.errors == []


def test_topic_filter_narrows_the_library_and_the_url_keeps_it(browser: Any, site: str) -> None:
    with page_at(browser, site) as (page, watch):
        page.goto(site + "/references/")
        count = page.locator(".refkb-browser .refkb-count")
        total = page.locator("[data-refkb-library] tbody tr").count()
        assert count.inner_text() == f"{total} of {total} sources"
        page.select_option('.refkb-browser select[name="topic"]', "legal-jurisdiction")
        shown = page.locator("[data-refkb-library] tbody tr:not([hidden])").count()
        assert 0 < shown < total
        assert count.inner_text() == f"{shown} of {total} sources"
        assert "topic=legal-jurisdiction" in page.url
        page.fill('.refkb-browser input[name="from"]', "2018")
        narrowed = page.locator("[data-refkb-library] tbody tr:not([hidden])").count()
        assert narrowed <= shown
        shared = page.url
        assert "from=2018" in shared
        assert watch.errors == []
    with page_at(browser, site) as (page, _):
        page.goto(shared)
        assert page.locator('.refkb-browser select[name="topic"]').input_value() == "legal-jurisdiction"
        assert page.locator("[data-refkb-library] tbody tr:not([hidden])").count() == narrowed


def test_claims_ledger_filters_by_verdict_and_keeps_it_in_the_url(browser: Any, site: str) -> None:
    with page_at(browser, site) as (page, watch):
        page.goto(site + "/claims/")
        total = page.locator("[data-refkb-table] tbody tr").count()
        page.select_option('[data-refkb-filter] select[data-filter="verdict"]', "supported")
        shown = page.locator("[data-refkb-table] tbody tr:not([hidden])")
        assert 0 < shown.count() < total
        assert {shown.nth(i).get_attribute("data-verdict") for i in range(shown.count())} == {"supported"}
        assert "verdict=supported" in page.url
        again, supported = page.url, shown.count()
        assert watch.errors == []
    with page_at(browser, site) as (page, _):
        page.goto(again)
        assert page.locator("[data-refkb-table] tbody tr:not([hidden])").count() == supported
        assert page.locator('[data-refkb-filter] select[data-filter="verdict"]').input_value() == "supported"


def test_text_filter_searches_the_annotation_summary(browser: Any, site: str) -> None:
    with page_at(browser, site) as (page, _):
        page.goto(site + "/references/")
        page.wait_for_selector(".refkb-browser[data-index-loaded]", state="attached")
        records = page.evaluate("fetch('index.json').then(r => r.json())")
        table = page.locator("[data-refkb-library]").inner_text().lower()
        key = "musto2014traffickingtechnology"
        mine = next(r for r in records if r["key"] == key)
        others = " ".join(f"{r['authors']} {r['title']} {r['summary']}" for r in records if r["key"] != key).lower()
        word = next(
            w
            for w in re.findall(r"[A-Za-z]{6,}", mine["summary"])
            if w.lower() not in others and w.lower() not in table
        )
        page.fill('.refkb-browser input[name="text"]', word)
        page.wait_for_function(
            "document.querySelectorAll('[data-refkb-library] tbody tr:not([hidden])').length === 1", timeout=5000
        )
        visible = page.locator("[data-refkb-library] tbody tr:not([hidden])")
        assert visible.get_attribute("data-key") == key
        shared = page.url  # the filtered library's address, shared: it opens filtered, with no search overlay
        assert "q=" not in shared.split("?", 1)[1]
        page.goto(shared)
        page.wait_for_function(
            "document.querySelectorAll('[data-refkb-library] tbody tr:not([hidden])').length === 1", timeout=5000
        )
        overlay = page.evaluate("() => document.querySelector('[data-md-toggle=search]').checked")
        assert overlay is False


def test_apa_copy_button_copies_the_citation(browser: Any, site: str) -> None:
    with page_at(browser, site) as (page, watch):
        page.goto(site + "/" + REFERENCE)
        expected = page.locator("#refkb-cite-apa").inner_text().strip()
        assert expected.startswith("Musto, J., & boyd, d. (2014).")
        page.locator('button[data-refkb-copy="#refkb-cite-apa"]').click()
        page.wait_for_selector('button[data-refkb-copy="#refkb-cite-apa"][data-copied="yes"]', timeout=5000)
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied == expected
        html = page.evaluate(
            "navigator.clipboard.read().then(items => items[0].getType('text/html')).then(b => b.text())"
        )
        assert "<i>Social Politics</i>" in html  # the style's italics survive the paste
        assert watch.errors == []


def test_copied_citation_carries_the_readers_access_date(browser: Any, site: str) -> None:
    with page_at(browser, site) as (page, watch):
        page.goto(site + "/references/davis2019opensourcing/")  # a web page: Harvard prints its access date
        harvard = page.locator("#refkb-cite-harvard")
        printed = harvard.get_attribute("data-accessed")
        assert printed
        assert printed.startswith("(Accessed: ")
        assert printed in harvard.inner_text()
        assert page.locator(".refkb-access-note").count() >= 1  # the page says so, in the style's tab
        copied = page.evaluate(
            "(() => { const c = window.refkbCitation(document.querySelector('#refkb-cite-harvard'),"
            " new Date(2031, 0, 5)); return [c.text, c.html]; })()"
        )
        assert "(Accessed: 5 January 2031)" in copied[0]
        assert "(Accessed: 5 January 2031)" in copied[1]
        assert printed not in copied[0]
        assert watch.errors == []


def test_dark_mode_toggle(browser: Any, site: str) -> None:
    with page_at(browser, site) as (page, _):
        page.goto(site + "/")
        before = page.get_attribute("body", "data-md-color-scheme")
        page.locator('form[data-md-component="palette"] label:visible').first.click()
        after = page.get_attribute("body", "data-md-color-scheme")
        assert {before, after} == {"default", "slate"}


@pytest.mark.parametrize("name", [*PAGES, "claims", "help"])
def test_no_page_scrolls_sideways_at_375px(browser: Any, site: str, name: str) -> None:
    path = PAGES.get(name, f"{name}/")
    with page_at(browser, site, width=375, height=800) as (page, watch):
        page.goto(f"{site}/{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} is {width}px wide"
        assert watch.outside == [], "a page load made a request to a third party"


@pytest.mark.parametrize("name", list(PAGES))
def test_axe_finds_no_serious_or_critical_violation(browser: Any, site: str, name: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    with page_at(browser, site) as (page, watch):
        page.goto(f"{site}/{PAGES[name]}")
        results = Axe().run(page)
        bad = [
            f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}"
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert bad == [], "\n".join(bad)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
        assert watch.errors == []
        assert watch.outside == []


def test_print_shows_every_citation_and_hides_the_chrome(browser: Any, site: str) -> None:
    with page_at(browser, site) as (page, _):
        page.goto(site + "/" + REFERENCE)
        page.emulate_media(media="print")
        for style in ("apa", "mla", "chicago", "harvard"):
            assert page.locator(f"#refkb-cite-{style}").is_visible(), style
        assert not page.locator(".md-header").is_visible()
        assert not page.locator(".md-sidebar--primary").is_visible()
        pdf = page.pdf(format="A4")
        assert pdf.startswith(b"%PDF")


def test_404_page_helps_the_reader_on(browser: Any, site: str) -> None:
    with page_at(browser, site) as (page, watch):
        response = page.goto(site + "/no/such/page/")
        assert response is not None
        assert response.status == 404
        assert page.locator("h1").inner_text() == "Page not found"
        assert page.locator('a[href$="/help/"]').count() >= 1
        assert watch.outside == []


def test_hostile_bibliography_runs_no_script(browser: Any, tmp_path: Path) -> None:
    result, built = build_scenario("hostile", tmp_path)
    assert result.returncode == 0, result.stderr
    with serve(built) as base, page_at(browser, base) as (page, watch):
        for path in ("/", "/references/evil2020script/", "/references/"):
            page.goto(base + path)
            page.wait_for_load_state("networkidle")
        assert watch.dialogs == []
        # the payload <img src=x onerror=…> is kept as a harmless <img src="x">, whose load fails: not a script
        assert [e for e in watch.errors if not e.startswith("Failed to load resource")] == []
    assert (DATA / "sites" / "hostile" / "references.bib").is_file()
