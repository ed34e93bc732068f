"""The hostile site (issue 12): payloads in the bibliography, annotation front matter and headings, claims, glossary,
timeline and mkdocs.yml's extra.refkb, built end to end and opened page by page in Debian's chromium. Nothing may
run: no dialog, no call to alert/confirm/prompt, no error in the console, no inline event handler and no
`javascript:` URL anywhere in the DOM. What the build cannot render safely it refuses, at file:line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import DATA, ROOT, TOPICS, site_config

pytestmark = pytest.mark.slow
SITES = DATA / "sites"
HOSTILE_TOPIC = "<img src=x onerror=alert('topic')>Topic \"quoted\" </title><script>alert('t')</script>"
CONFIG = site_config(extensions=True)


def build(scenario: str, root: Path) -> tuple[subprocess.CompletedProcess[str], Path]:
    shutil.copytree(SITES / scenario, root)
    topics = [f"      - {{slug: {t}, title: {t}, section: S}}" for t in TOPICS]
    title = HOSTILE_TOPIC.replace("'", "''")
    topics[-1] = f"      - {{slug: {TOPICS[-1]}, title: '{title}', section: '<b onclick=alert(1)>S</b>'}}"
    (root / "mkdocs.yml").write_text(
        CONFIG.format(hook=ROOT / "scripts" / "mkdocs_hooks.py", topics="\n".join(topics)), encoding="utf-8"
    )
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(root / "site")],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    return result, root / "site"


REFUSED = [
    ("docs/references/evil2020front.md", 5, "front-matter-key", "description"),
    ("docs/references/evil2020front.md", 6, "front-matter-key", "author"),
    ("docs/references/evil2020front.md", 7, "front-matter-key", "template"),
    ("docs/references/evil2020front.md", 8, "front-matter-key", "location"),
    ("docs/references/evil2020front.md", 10, "unsafe-attribute", "onmouseover"),
    ("docs/index.md", 2, "front-matter-key", "title"),
    ("docs/index.md", 3, "front-matter-key", "template"),
    ("docs/index.md", 8, "unsafe-attribute", "onclick"),
]


def test_hostile_front_matter_and_headings_are_refused_at_their_lines(tmp_path: Path) -> None:
    result, _ = build("hostile-front-matter", tmp_path / "site-src")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    for path, line, code, what in REFUSED:
        hits = [ln for ln in result.stderr.splitlines() if ln.startswith(f"{path}:{line}:") and f"error {code}" in ln]
        assert hits, f"{path}:{line} {code} ({what}) not reported:\n{result.stderr}"


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    result, site = build("hostile", tmp_path_factory.mktemp("hostile") / "src")
    assert result.returncode == 0, result.stderr
    return site


def test_hostile_site_has_no_handler_or_script_url_in_its_files(hostile_site: Path) -> None:
    from test_sites import payloads

    for page in hostile_site.rglob("*.html"):
        found = [p for p in payloads(page.read_text(encoding="utf-8")) if not p.startswith("<script>")]
        assert found == [], page


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
RECORD = """
window.__refkbCalls = [];
for (const name of ['alert', 'confirm', 'prompt', 'print']) {
  window[name] = (...args) => { window.__refkbCalls.push(name + ':' + args.join(',')); };
}
"""
DOM_PAYLOADS = """() => {
  const out = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      if (a.name.toLowerCase().startsWith('on')) out.push(el.tagName + ' ' + a.name);
      const bad = /^\\s*(javascript|vbscript|data:text\\/html)/i;
      if (bad.test(a.value)) out.push(el.tagName + ' ' + a.name + '=' + a.value);
    }
  }
  for (const s of document.querySelectorAll('script:not([src])')) {
    const t = (s.getAttribute('type') || '').toLowerCase();
    if (/alert\\(/.test(s.textContent) && !(t && t !== 'text/javascript' && t !== 'module')) out.push('inline script');
  }
  return out;
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM:
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


def test_nothing_runs_in_chromium(hostile_site: Path, browser: Any) -> None:
    from test_browser import serve

    pages = sorted(p.relative_to(hostile_site).as_posix() for p in hostile_site.rglob("*.html"))
    assert len(pages) >= 5
    problems: list[str] = []
    with serve(hostile_site) as base:
        context = browser.new_context()
        context.add_init_script(RECORD)
        context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort())
        for rel in pages:
            page = context.new_page()
            events: list[str] = []
            page.on("dialog", lambda d, events=events: (events.append("dialog " + d.message), d.dismiss()))
            page.on("pageerror", lambda e, events=events: events.append(f"pageerror {e}"))
            page.on(
                "console",
                lambda m, events=events: (
                    events.append("console " + m.text)
                    if m.type == "error" and "Failed to load resource" not in m.text
                    else None
                ),
            )
            page.goto(f"{base}/{rel}", wait_until="load")
            for el in page.locator("article a, article img, article svg").all()[:5]:  # hover a few
                try:
                    el.hover(timeout=100)
                except Exception:  # hidden or detached elements cannot be hovered
                    continue
            calls = page.evaluate("window.__refkbCalls")
            found = page.evaluate(DOM_PAYLOADS)
            problems.extend(f"{rel}: {x}" for x in [*events, *calls, *found])
            page.close()
        context.close()
    assert problems == []
