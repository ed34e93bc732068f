"""The hostile site: payloads in every input a knowledge base has, built end to end and exercised in Debian's chromium.

tests/data/sites/hostile carries markup in the bibliography, annotation front matter and headings, claims (ids
safe, texts not), glossary terms (and so their anchors), timeline, mkdocs.yml's extra.refkb topics (a title that
reaches the topic page's H1 and the platform pages' headings), the coding vocabularies (coding.yml shaped like the
real one: a platform category's label reaches its generated page's H1), citation locators (`[@key, p. <img ...>]`),
and raw HTML in a topic page and a platform page in each form chromium would run (`java&#9;script:`, `&#106;`,
`&colon;`, iframe srcdoc, script, SVG animate, button formaction).

The site is built as `make pdf` builds it (REFKB_PRINT_EDITION=1) and opened page by page. On each page the
collapsed blocks are opened (a claim's evidence); every link is hovered (a hover's and a focus's events dispatched to
each, and the mouse moved onto those of the content); every citation is hovered with the mouse until its preview
opens, and the preview's links too; the cite block's tabs are clicked; every link that stays on the site (a page, a
file, a fragment, a filtered library URL) or has a script-like scheme is clicked (a target reached from several
pages once), going back after each navigation (off-site requests are aborted); on the reference page the style
picker formats the work in a sample of styles (all 2,851 independent styles would take minutes). The print edition
is then composed (`python -m refkb.site.printed`, make pdf's second step): its HTML, the page the PDF is printed
from, is opened and exercised the same way, and the PDF is printed from it with the same chromium. Nothing may run:
no dialog, no call to alert/confirm/prompt/print, no page error, no console error, no inline event handler and no
`javascript:` URL anywhere in the DOM. What the build cannot render safely it refuses, at file:line with its code."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag

import pytest

from conftest import DATA, TOPICS, site_config

pytestmark = pytest.mark.slow
SITES = DATA / "sites"
HOSTILE_TOPIC = "<img src=x onerror=alert('topic')>Topic \"quoted\" </title><script>alert('t')</script>"
CODING = (
    "    coding:\n      vocabularies: coding.yml\n"
    "      required: [platforms, regions, forms, populations, design, datasource]\n"
)


def mkdocs_yml(*, last_slug: str = TOPICS[-1], top: str = "") -> str:
    """The site's mkdocs.yml: the hostile topic title (and section) on the last topic, the coding scheme of the
    scenario's coding.yml, and `top` (site_name, site_url) prepended."""
    topics = [f"      - {{slug: {t}, title: {t}, section: S}}" for t in TOPICS]
    title = HOSTILE_TOPIC.replace("'", "''")
    topics[-1] = f"      - {{slug: '{last_slug}', title: '{title}', section: '<b onclick=alert(1)>S</b>'}}"
    config = site_config(extensions=True, refkb=CODING).format(topics="\n".join(topics))
    return top + config.removeprefix("site_name: Test site\n") if top else config


def build(scenario: str, root: Path, config: str = "") -> tuple[subprocess.CompletedProcess[str], Path]:
    shutil.copytree(SITES / scenario, root)
    (root / "mkdocs.yml").write_text(config or mkdocs_yml(), encoding="utf-8")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "REFKB_PRINT_EDITION": "1"}  # as `make pdf` builds it
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(root / "site")],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    return result, root / "site"


# ---------------------------------------------------------------------------------------------------------------
# What refkb refuses outright, at its place

UNSAFE_TOPIC = "../javascript:alert(1);/a"
REFUSED = [
    ("docs/references/evil2020front.md", 5, "front-matter-key", "description"),
    ("docs/references/evil2020front.md", 6, "front-matter-key", "author"),
    ("docs/references/evil2020front.md", 7, "front-matter-key", "template"),
    ("docs/references/evil2020front.md", 8, "front-matter-key", "location"),
    ("docs/references/evil2020front.md", 10, "unsafe-attribute", "onmouseover"),
    ("docs/index.md", 2, "front-matter-key", "title"),
    ("docs/index.md", 3, "front-matter-key", "template"),
    ("docs/index.md", 8, "unsafe-attribute", "onclick"),
    ("docs/claims.yml", 7, "unsafe-slug", 'c02" onmouseover="alert(7)'),
    ("coding.yml", 5, "unsafe-slug", "../javascript:alert(8);/a"),
    ("coding.yml", 8, "unsafe-slug", 'x" onclick="alert(9)'),
    ("mkdocs.yml", 33, "unsafe-slug", UNSAFE_TOPIC),
]


def test_hostile_front_matter_headings_and_slugs_are_refused_at_their_lines(tmp_path: Path) -> None:
    result, _ = build("hostile-front-matter", tmp_path / "site-src", mkdocs_yml(last_slug=UNSAFE_TOPIC))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = (tmp_path / "site-src" / "mkdocs.yml").read_text(encoding="utf-8").splitlines()
    assert UNSAFE_TOPIC in lines[32]  # the row's line number is the topic's
    missing = []
    for path, line, code, what in REFUSED:
        hits = [ln for ln in result.stderr.splitlines() if ln.startswith(f"{path}:{line}:") and f"error {code}" in ln]
        if not hits or what not in hits[0]:
            missing.append(f"{path}:{line} {code} ({what})")
    assert missing == [], "not reported at their place:\n" + "\n".join(missing) + "\n" + result.stderr


@pytest.mark.parametrize(
    ("top", "line", "name"),
    [
        ("site_name: '<script>alert(1)</script>'\n", 1, "site_name"),
        ("site_name: 'Site \" onload=\"alert(2)'\n", 1, "site_name"),
        ("site_name: Test site\nsite_url: 'https://example.org/\"><script>alert(3)</script>'\n", 2, "site_url"),
        ("site_name: Test site\nsite_url: 'https://example.org/`onmouseover=alert(4)`'\n", 2, "site_url"),
    ],
)
def test_markup_in_site_name_or_site_url_is_refused_at_its_line(tmp_path: Path, top: str, line: int, name: str) -> None:
    result, _ = build("hostile-front-matter", tmp_path / "site-src", mkdocs_yml(top=top))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert f"mkdocs.yml:{line}:{len(name) + 3}: error invalid-setting {name} must be plain text" in result.stderr


# ---------------------------------------------------------------------------------------------------------------
# The hostile site, built and opened


@dataclass(frozen=True)
class Built:
    root: Path
    site: Path


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("hostile") / "src"
    result, site = build("hostile", root)
    assert result.returncode == 0, result.stderr
    return Built(root, site)


def test_hostile_site_has_no_handler_or_script_url_in_its_files(hostile_site: Built) -> None:
    from test_sites import payloads

    pages = list(hostile_site.site.rglob("*.html"))
    assert {"platforms/social-network/index.html", "topics/recruitment-grooming/index.html"} <= {
        p.relative_to(hostile_site.site).as_posix() for p in pages
    }
    for page in pages:
        found = [p for p in payloads(page.read_text(encoding="utf-8")) if not p.startswith("<script>")]
        assert found == [], page


def test_hostile_labels_reach_their_headings_as_text(hostile_site: Built) -> None:
    """The vectors are live: the category label is the platform page's H1 and the topic title one of its H3s, both
    as text."""
    page = (hostile_site.site / "platforms" / "social-network" / "index.html").read_text(encoding="utf-8")
    h1 = re.search(r"<h1[^>]*>(.*?)<a class=\"headerlink\"", page, re.S)
    assert h1 is not None
    assert h1.group(1).startswith("&lt;img src=x onerror=alert(")
    assert re.search(r"<h3[^>]*>&lt;img src=x onerror=alert\('topic'\)&gt;Topic", page)


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            yield b
        finally:
            b.close()


def test_nothing_runs_in_chromium(hostile_site: Built, browser: Any) -> None:
    from test_browser import serve

    pages = sorted(
        p.parent.relative_to(hostile_site.site).as_posix() + "/" for p in hostile_site.site.rglob("index.html")
    )
    assert len(pages) >= 20
    with serve(hostile_site.site) as base, session(browser, base) as s:
        for rel in pages:
            s.visit(f"{base}/{rel}".replace("/./", "/"))
            if rel.startswith("references/") and rel.count("/") == 2:
                s.pick_styles()
        hovered, clicked = s.hovered, len(s.clicked)
        problems = s.problems
    assert problems == []
    assert hovered >= 10  # citations hovered until their preview opened
    assert clicked >= 40  # distinct on-site targets clicked


def test_print_edition_runs_nothing(hostile_site: Built, browser: Any) -> None:
    """`make pdf`'s second step on the hostile site: the print page composed from the built site (the HTML the PDF
    is printed from) opened in chromium and exercised like the site's pages, then printed to a PDF."""
    from refkb import project
    from refkb.site import printed
    from test_browser import serve

    site, root = hostile_site.site, hostile_site.root
    proj = project.load(root)
    page_file = site / "_print-edition.html"
    page_file.write_text(printed.compose(site, proj, "Test site"), encoding="utf-8")
    with serve(site) as base, session(browser, base) as s:
        s.visit(f"{base}/_print-edition.html")
        problems = s.problems
    page_file.unlink()
    assert problems == []
    pdf = printed.build(site, site / "downloads" / "knowledge-base.pdf", root, browser=browser)
    assert pdf.read_bytes().startswith(b"%PDF")


# ---------------------------------------------------------------------------------------------------------------
# The browser session: what is recorded and how a page is exercised

RECORD = """
window.refkbLinks = () => Array.from(document.querySelectorAll('a[href], area[href]'))
  .filter((a) => !a.closest('#refkb-preview'));  // the page's own links (a preview's are hovered with it)
for (const name of ['alert', 'confirm', 'prompt', 'print']) {
  window[name] = (...args) => { window.refkbCalled(name + ':' + args.join(',')); };
}
"""
DOM_PAYLOADS = """() => {
  const out = [];
  const bad = /^(javascript|vbscript|data:text\\/html)/i;
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      if (a.name.toLowerCase().startsWith('on')) out.push(el.tagName + ' ' + a.name);
      if (bad.test(a.value.replace(/[\\x00-\\x20\\x7f]/g, ''))) out.push(el.tagName + ' ' + a.name + '=' + a.value);
    }
  }
  for (const s of document.querySelectorAll('script:not([src])')) {
    const t = (s.getAttribute('type') || '').toLowerCase();
    if (/alert\\(/.test(s.textContent) && !(t && t !== 'text/javascript' && t !== 'module')) out.push('inline script');
  }
  for (const f of document.querySelectorAll('iframe, frame, object, embed, base')) out.push(f.tagName);
  return out;
}"""
# Every link with a hover's and a focus's events dispatched to it, and which ones the mouse should hover too.
LINKS = """() => refkbLinks().map((a, i) => {
  for (const type of ['pointerover', 'pointerenter', 'mouseover', 'mouseenter', 'mousemove', 'mouseout']) {
    a.dispatchEvent(new MouseEvent(type, {bubbles: type !== 'mouseenter' && type !== 'pointerenter'}));
  }
  a.focus();
  a.blur();
  const r = a.getBoundingClientRect();
  const shown = r.width > 0 && r.height > 0 && getComputedStyle(a).visibility !== 'hidden';
  return {index: i, raw: a.getAttribute('href'), url: a.href, cite: a.matches('a.refkb-cite'),
          mouse: shown && !!a.closest('article, .print-page')};
})"""
OPEN_DETAILS = "() => document.querySelectorAll('details:not([open]) > summary').forEach((s) => s.click())"
POINT = """i => {
  const a = refkbLinks()[i];
  a.scrollIntoView({block: 'center'});
  const r = a.getClientRects()[0] || a.getBoundingClientRect();  // a link that wraps: its first line
  return [r.left + r.width / 2, r.top + r.height / 2];
}"""
CLICK_FRAGMENTS = "ids => { const all = refkbLinks(); window.refkbStays = true; for (const i of ids) all[i].click(); }"
CLICK = "i => { const a = refkbLinks()[i]; window.refkbStays = true; setTimeout(() => a.click(), 0); }"
SCRIPT_SCHEME = re.compile(r"^(javascript|vbscript|data):", re.I)
PICKER_STYLES = (  # author-date, numeric, note, legal, German, French and a dependent style
    "apa",
    "ieee",
    "chicago-author-date",
    "bluebook-law-review",
    "din-1505-2",
    "iso690-author-date-fr",
    "2d-materials",
)


@dataclass
class Session:
    """One page of a context that reaches only the site; `visit` exercises a page, `problems` lists what ran."""

    page: Any
    base: str
    problems: list[str] = field(default_factory=list)
    clicked: set[str] = field(default_factory=set)  # the targets clicked (without their fragment)
    clicks: int = 0
    hovered: int = 0  # citations whose preview opened
    events: int = 0  # navigations of the page, downloads and pop-ups

    def watch(self, page: Any) -> None:
        """Dialogs, page errors and console errors of `page` as problems."""

        def dialog(d: Any) -> None:
            self.problems.append(f"{page.url}: dialog {d.message}")
            d.dismiss()

        def console(m: Any) -> None:
            if m.type == "error" and "Failed to load resource" not in m.text:  # x.png, aborted requests
                self.problems.append(f"{page.url}: console {m.text}")

        page.on("dialog", dialog)
        page.on("pageerror", lambda e: self.problems.append(f"{page.url}: pageerror {e}"))
        page.on("console", console)

    def navigated(self, frame: Any) -> None:
        if frame == self.page.main_frame:
            self.events += 1

    def downloaded(self, download: Any) -> None:
        self.events += 1
        download.cancel()

    def popup(self, popup: Any) -> None:
        self.events += 1
        self.watch(popup)
        popup.wait_for_load_state("load")
        self.scan(popup)
        popup.close()

    def scan(self, page: Any = None) -> None:
        page = page or self.page
        self.problems.extend(f"{page.url}: {x}" for x in page.evaluate(DOM_PAYLOADS))

    def visit(self, url: str) -> None:
        """Open `url` and its collapsed blocks (a claim's evidence); hover every link (citations until their preview
        opens); click the tabs, and every link that stays on the site or has a script-like scheme."""
        self.page.goto(url, wait_until="load")
        self.page.evaluate(OPEN_DETAILS)
        links = self.page.evaluate(LINKS)
        here = self.page.url  # the page's scripts may have changed it (the dashboard adds its question)
        previews = self.page.locator("#refkb-previews").count() > 0  # the print edition has none
        for link in links:
            if link["cite"] and link["mouse"] and previews:
                self.hover_citation(link["index"])
            elif link["mouse"]:
                self.hover(link["index"])
        self.scan()
        self.page.evaluate("() => document.querySelectorAll('.tabbed-labels > label').forEach((l) => l.click())")
        kinds = [(self.to_click(here, link["raw"] or "", link["url"]), link["index"]) for link in links]
        self.click_fragments([i for kind, i in kinds if kind == "fragment"], here)
        for kind, i in kinds:
            if kind == "target":
                self.click(i)
        self.scan()

    def hover(self, index: int) -> None:
        x, y = self.page.evaluate(POINT, index)
        self.page.mouse.move(x, y)

    def hover_citation(self, index: int) -> None:
        """The mouse on the citation until its preview opens (after 120 ms), then on each link of the preview."""
        self.hover(index)
        preview = self.page.locator("#refkb-preview")
        try:
            preview.wait_for(state="attached", timeout=2000)
        except Exception:  # Playwright's TimeoutError
            self.problems.append(f"{self.page.url}: the preview of citation {index} did not open")
            return
        self.hovered += 1
        for a in preview.locator("a").all():
            a.hover(timeout=1000)
        self.scan()
        self.page.keyboard.press("Escape")  # closed at once: it could cover the next citation
        preview.wait_for(state="detached", timeout=2000)

    def to_click(self, current: str, raw: str, url: str) -> str:
        """How the link is clicked: "fragment" (a fragment of this page), "target" (elsewhere on the site, each target
        once in the session, or a script-like scheme) or "" (not clicked: off the site)."""
        if SCRIPT_SCHEME.match(re.sub(r"[\x00-\x20\x7f]", "", raw)) or SCRIPT_SCHEME.match(url):
            return "target"
        if not url.startswith(self.base):
            return ""  # off the site: its request would be aborted anyway
        target, fragment = urldefrag(url)
        if target == urldefrag(current)[0] and fragment:
            return "fragment"
        if target in self.clicked:
            return ""  # the same target from another page: clicked once
        self.clicked.add(target)
        return "target"

    def click_fragments(self, indexes: list[int], here: str) -> None:
        """Click the links to fragments of this page, in one go (a fragment's navigation happens during the click)."""
        self.clicks += len(indexes)
        self.page.evaluate(CLICK_FRAGMENTS, indexes)
        self.page.wait_for_timeout(50)  # for what a click handler may have started
        self.page.wait_for_load_state("load")
        if not self.page.evaluate("() => window.refkbStays === true"):
            self.problems.append(f"{here}: a link to a fragment of the page left it")
            self.page.goto(here, wait_until="load")

    def click(self, index: int) -> None:
        """Click the link and wait for what follows: a navigation (back again after one to another document), a
        download, a pop-up, or nothing."""
        self.clicks += 1
        here, before = self.page.url, self.events
        self.page.evaluate(CLICK, index)
        deadline = time.monotonic() + 10  # every link here leads somewhere: the wait ends at once on a busy machine
        while self.events == before and time.monotonic() < deadline:
            self.page.wait_for_timeout(5)
        self.page.wait_for_load_state("load")
        if self.page.evaluate("() => window.refkbStays === true"):
            return  # the same document: a fragment, a download or a pop-up
        self.scan()
        self.page.go_back(wait_until="load")
        page = urldefrag(here)[0]
        try:  # back on the page once the history navigation has landed
            self.page.wait_for_url(lambda u: urldefrag(u)[0] == page, timeout=5000)
        except Exception:  # Playwright's TimeoutError: the target added history entries of its own
            self.page.goto(here, wait_until="load")

    def pick_styles(self) -> None:
        """Format the reference page's work with the style picker in each of PICKER_STYLES."""
        picker = self.page.locator("[data-refkb-picker]")
        if not picker.is_visible():
            self.problems.append(f"{self.page.url}: no style picker")
            return
        for style in PICKER_STYLES:
            self.page.locator('[data-picker="filter"]').fill(style)
            self.page.wait_for_selector(f'[data-picker="style"] option[value="{style}"]', state="attached")
            self.page.select_option('[data-picker="style"]', style)
            self.page.wait_for_selector(f'[data-refkb-picker][data-style="{style}"][data-state="done"]', timeout=15000)
            self.scan()


@contextmanager
def session(browser: Any, base: str) -> Iterator[Session]:
    """A page in a context that reaches only `base`, with alert/confirm/prompt/print recorded on every document."""
    context = browser.new_context(accept_downloads=True)
    try:
        context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort())
        s = Session(context.new_page(), base)
        context.expose_binding("refkbCalled", lambda source, what: s.problems.append(f"{source['page'].url}: {what}"))
        context.add_init_script(RECORD)
        s.watch(s.page)
        s.page.on("framenavigated", s.navigated)
        s.page.on("download", s.downloaded)
        s.page.on("popup", s.popup)
        yield s
    finally:
        context.close()
