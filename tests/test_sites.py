"""Tiny sites under tests/data/sites/<scenario>/, built end to end with MkDocs and the refkb hook."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import DATA, ROOT, TOPICS, site_config

pytestmark = pytest.mark.slow
SITES = DATA / "sites"

CONFIG = site_config(features="content.code.copy", extensions=True, fences=True, warn_links=True)


def build(scenario: str, tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], Path]:
    root = tmp_path / scenario
    shutil.copytree(SITES / scenario, root)
    topics = "\n".join(f"      - {{slug: {t}, title: {t.replace('-', ' ').capitalize()}, section: S}}" for t in TOPICS)
    (root / "mkdocs.yml").write_text(CONFIG.format(hook=ROOT / "scripts" / "mkdocs_hooks.py", topics=topics))
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


@pytest.fixture(scope="module")
def citations_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    result, site = build("citations", tmp_path_factory.mktemp("sites"))
    assert result.returncode == 0, result.stderr
    return site


def text_of(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def cite_spans(page: str) -> list[str]:
    return [text_of(m) for m in re.findall(r'<span class="refkb-citation">(.*?)</span>', page)]


def test_every_citation_form(citations_site: Path) -> None:
    page = (citations_site / "index.html").read_text(encoding="utf-8")
    assert cite_spans(page) == [
        "(Polaris, 2018a)",
        "(Polaris, 2018a; Tong et al., 2017)",
        "(see Musto & boyd, 2014, pp. 461–463)",
        "(Tong et al., 2017, Chapter 5)",
        "(2018b)",
        "Musto and boyd (2014)",
        "Tong et al. (2017, p. 1550)",
    ]


def test_citations_link_to_reference_pages(citations_site: Path) -> None:
    page = (citations_site / "index.html").read_text(encoding="utf-8")
    hrefs = re.findall(r'<a class="refkb-cite" href="([^"]+)"', page)
    assert set(hrefs) == {
        f"references/{k}/"
        for k in ("polaris2018onramps", "polaris2018pledge", "tong2017combating", "musto2014trafficking")
    }
    for href in hrefs:
        assert (citations_site / href / "index.html").is_file()


def test_no_citation_in_code_mail_urls_or_comments(citations_site: Path) -> None:
    page = (citations_site / "index.html").read_text(encoding="utf-8")
    assert "<code>[@polaris2018onramps]</code>" in page
    assert "https://example.org/@tong2017combating" in page
    assert "[@polaris2018pledge] in a comment" in page


class _Attributes(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.extend((name, value or "") for name, value in attrs)


def test_no_citation_in_attributes_code_or_labels(citations_site: Path) -> None:
    """not-citations.md writes citations in indented code, code spans, HTML attributes (over lines too), an attribute
    list, a footnote label and a comment, several with unknown keys: the strict build passes (validation skips what
    the build skips), they stay as written and no refkb markup lands inside an attribute; a citation right after a
    tag and one in a raw HTML block's text are made."""
    page = (citations_site / "not-citations" / "index.html").read_text(encoding="utf-8")
    parser = _Attributes()
    parser.feed(page)
    # refkb's markup inside an attribute would end its value early and leave names such as `refkb-citation"`.
    assert [name for name, _ in parser.found if not re.fullmatch(r"[a-z][a-z0-9_.:-]*", name)] == []
    assert [value for _, value in parser.found if "REFKBTOKEN" in value] == []
    assert {value for name, value in parser.found if "@" in value and name != "data-json"} == {
        "see @tong2017combating",
        "[@nobody2020unknown]",
        "As @polaris2018pledge says [@tong2017combating, p. 3]",
        "[@nobody2021unknown]",
        "see [@nobody2020unknown]",
    }
    for written in (
        '<abbr title="see @tong2017combating">TC</abbr>',
        '<abbr title="[@nobody2020unknown]">NU</abbr>',
        'title="As @polaris2018pledge says [@tong2017combating, p. 3]">a span</span>',
        '<div class="where" title="[@nobody2021unknown]">',
        'title="see [@nobody2020unknown]">A heading with attributes',
        "<pre><code>[@nobody2020unknown] and [-@nobody2021unknown]\n</code></pre>",
        "<code>[@nobody2020unknown]</code>",
        "label[^note@nobody2020unknown]",
    ):
        assert written in page
    assert cite_spans(page) == ["(Polaris, 2018a)", "(Tong et al., 2017)"]


def test_references_section_lists_what_the_page_cites(citations_site: Path) -> None:
    page = (
        citations_site / "other.html"
        if (citations_site / "other.html").exists()
        else citations_site / "other" / "index.html"
    ).read_text(encoding="utf-8")
    assert 'id="references"' in page
    entries = re.findall(r'<p class="refkb-entry" id="ref-([^"]+)"', page)
    assert entries == ["musto2014trafficking"]
    home = (citations_site / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'<p class="refkb-entry" id="ref-([^"]+)"', home) == [
        "musto2014trafficking",
        "polaris2018onramps",
        "polaris2018pledge",
        "tong2017combating",
    ]


def test_year_suffixes_belong_to_lists_not_to_standalone_citations(citations_site: Path) -> None:
    """A list that holds two works of one author and year tells them apart (2018a, 2018b); the citation a student
    copies from the work's own page is the work alone, with no suffix."""
    ref = (citations_site / "references" / "polaris2018pledge" / "index.html").read_text(encoding="utf-8")
    apa = re.search(r'<p class="refkb-formatted" id="refkb-cite-apa".*?</p>', ref, re.S)
    assert apa is not None
    assert text_of(apa.group(0)).startswith("Polaris. (2018). Pledge to Stay Vigilant.")
    harvard = re.search(r'<p class="refkb-formatted" id="refkb-cite-harvard".*?</p>', ref, re.S)
    assert harvard is not None
    assert text_of(harvard.group(0)).startswith("Polaris (2018)")
    home = text_of((citations_site / "index.html").read_text(encoding="utf-8"))
    assert "Polaris. (2018b). Pledge to Stay Vigilant." in home


def test_reference_page_has_everything(citations_site: Path) -> None:
    folder = citations_site / "references" / "musto2014trafficking"
    page = (folder / "index.html").read_text(encoding="utf-8")
    text = text_of(page)
    for label in ("APA 7", "MLA 9", "Chicago (author-date)", "Harvard (Cite Them Right)", "BibTeX"):
        assert f">{label}</label>" in page
    # A given name its owner writes in lower case is initialised in lower case where the style initialises (APA's
    # "hooks, b."; refkb's citeproc-js glue) and printed whole where it does not (MLA).
    apa = "Musto, J. L., & boyd, d. (2014). The Trafficking-Technology Nexus. Social Politics, 21(3), 461–483."
    assert apa in text
    assert "Musto, Jennifer Lynne, and danah boyd. “The Trafficking-Technology Nexus.” Social Politics" in text
    assert '<a href="https://doi.org/10.1093/sp/jxu018" class="refkb-link" rel="noopener noreferrer"' in page
    assert '<meta name="citation_doi" content="10.1093/sp/jxu018">' in page
    assert '<meta name="citation_journal_title" content="Social Politics">' in page
    assert '<meta name="citation_author" content="Musto, Jennifer Lynne">' in page
    for ext in ("bib", "ris", "json"):
        assert (folder / f"musto2014trafficking.{ext}").is_file()
        assert f'href="musto2014trafficking.{ext}"' in page
    cited_on = re.search(r'<ul class="refkb-cited-on">(.*?)</ul>', page, re.S)
    assert cited_on is not None
    assert re.findall(r'href="([^"]+)"', cited_on.group(1)) == ["../../", "../../other/"]
    assert "Record verified on 2026-11-29 at:" in text
    assert '<a class="refkb-tag" href="../../topics/collaboration-policy/">' in page


def test_content_note_from_the_annotation(citations_site: Path) -> None:
    page = (citations_site / "references" / "tong2017combating" / "index.html").read_text(encoding="utf-8")
    assert '<p class="admonition-title">Content note</p><p>This source discusses online advertising' in page
    other = (citations_site / "references" / "musto2014trafficking" / "index.html").read_text(encoding="utf-8")
    assert "Content note" not in other


def test_library_and_downloads(citations_site: Path) -> None:
    library = (citations_site / "references" / "index.html").read_text(encoding="utf-8")
    assert library.count("<tr data-key=") == 4
    assert (citations_site / "references" / "index.json").is_file()
    for ext in ("bib", "ris", "json"):
        assert (citations_site / "downloads" / f"references.{ext}").is_file()


def test_unknown_key_fails_at_its_line(tmp_path: Path) -> None:
    result, _ = build("unknown-key", tmp_path)
    assert result.returncode != 0
    assert "docs/index.md:5:9: error unresolved-citation [nobody2020unknown]" in result.stderr
    assert "Traceback" not in result.stderr


class _Payloads(HTMLParser):
    """Collects anything in a page that a browser would execute: event-handler attributes, `javascript:` URLs,
    frames and embedded objects, and scripts that are not the theme's own."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if value and value.strip().lower().startswith(("javascript:", "data:text/html", "vbscript:")):
                self.found.append(f"<{tag} {name}={value[:30]}>")
        if tag in ("iframe", "object", "embed", "frame", "base"):
            self.found.append(f"<{tag}>")
        self._script = tag == "script"

    def handle_data(self, data: str) -> None:
        if self._script and "alert" in data:
            self.found.append(f"<script>{data[:40]}")

    def handle_endtag(self, tag: str) -> None:
        self._script = False


def payloads(page: str) -> list[str]:
    parser = _Payloads()
    parser.feed(page)
    return parser.found


def test_hostile_bibliography_yields_no_executable_payload(tmp_path: Path) -> None:
    result, site = build("hostile", tmp_path)
    assert result.returncode == 0, result.stderr
    for page in site.rglob("*.html"):
        content = page.read_text(encoding="utf-8")
        assert payloads(content) == [], page
        assert "<script>alert" not in content
    ref = (site / "references" / "evil2020script" / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;" in ref or "&lt;script&gt;alert('title')" in ref
    title = re.search(r"<title>(.*?)</title>", ref, re.S)
    assert title is not None
    assert "<" not in title.group(1)


def test_hostile_links_are_refused_with_a_clear_error(tmp_path: Path) -> None:
    result, _ = build("hostile-refused", tmp_path)
    assert result.returncode != 0
    assert "references.bib:6:9: error invalid-doi [evil2020link]" in result.stderr
    assert "references.bib:7:9: error invalid-url [evil2020link] url 'javascript:alert(1)'" in result.stderr
