"""refkb.reader and its place in the build: last-updated dates from one git call, page cite blocks, preview data,
typography (smarty) and what it must not touch, freshness of verification, and the 404 page's help line."""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ANNOTATION, ROOT, TODAY, write_project
from refkb import freshness, project, reader
from refkb.checks import suite
from refkb.checks.codes import CODES

D = dt.date
READER_CODES = {"stale-verification"}  # the check codes tested here (test_checks counts them)


@pytest.mark.parametrize(
    ("log", "expected"),
    [
        ("", {}),
        ("\x002026-11-29\n\ndocs/a.md\ndocs/b.md\n", {"docs/a.md": D(2026, 11, 29), "docs/b.md": D(2026, 11, 29)}),
        # newest commit first: a file's first mention is its last update
        (
            "\x002026-11-29\n\ndocs/a.md\n\x002025-01-02\n\ndocs/a.md\ndocs/c.md\n",
            {"docs/a.md": D(2026, 11, 29), "docs/c.md": D(2025, 1, 2)},
        ),
        ("\x00not-a-date\n\ndocs/a.md\n", {}),
    ],
)
def test_parse_git_log(log: str, expected: dict[str, dt.date]) -> None:
    assert reader.parse_git_log(log) == expected


@pytest.mark.parametrize(
    ("dates", "sources", "expected"),
    [
        ({"docs/a.md": D(2026, 1, 1)}, ["docs/a.md"], D(2026, 1, 1)),
        ({"docs/a.md": D(2026, 1, 1), "docs/a.yml": D(2026, 2, 1)}, ["docs/a.md", "docs/a.yml"], D(2026, 2, 1)),
        ({}, ["docs/a.md"], D(2026, 11, 29)),  # no git, or a file git does not know: the release date
    ],
)
def test_page_date(dates: dict[str, dt.date], sources: list[str], expected: dt.date) -> None:
    assert reader.page_date(dates, sources, D(2026, 11, 29)) == expected


def test_last_updated_without_git_is_empty(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert reader.last_updated(tmp_path) == {}  # not a repository
    monkeypatch.setattr(shutil, "which", lambda _: None)
    assert reader.last_updated(ROOT) == {}  # no git at all (a tarball on a machine without git)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2026, 11, 29), 18, D(2025, 5, 29)),
        (D(2026, 3, 31), 1, D(2026, 2, 28)),
        (D(2024, 3, 31), 1, D(2024, 2, 29)),
        (D(2026, 1, 15), 13, D(2024, 12, 15)),
    ],
)
def test_months_before(day: dt.date, months: int, expected: dt.date) -> None:
    assert freshness.months_before(day, months) == expected


@pytest.mark.parametrize(
    ("verified", "stale"),
    [(D(2025, 5, 29), False), (D(2025, 5, 28), True), (D(2026, 11, 1), False), (None, True)],
)
def test_is_stale_after_18_months(verified: dt.date | None, stale: bool) -> None:
    assert freshness.is_stale(verified, TODAY, 18) is stale


def test_preview_data_is_escaped_in_its_attribute() -> None:
    value = {"html": '</div><script>alert(1)</script> & "quoted" <b>'}
    out = str(reader.json_data("x", value))
    assert "<script>" not in out
    assert out.count("<div") == 1
    m = re.fullmatch(r'<div id="x" class="refkb-data" hidden data-json="([^"]*)"></div>', out)
    assert m is not None
    assert json.loads(html.unescape(m.group(1))) == value


def test_kb_meta_reads_citation_cff() -> None:
    meta = reader.kb_meta(ROOT)
    cff = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert f"version: {meta.version}" in cff
    assert meta.authors
    assert meta.title


def test_one_version_everywhere() -> None:
    """CITATION.cff, the changelog's newest entry and refkb.__version__ carry the same version."""
    import refkb

    version = reader.kb_meta(ROOT).version
    assert refkb.__version__ == version
    changelog = (ROOT / "docs" / "changelog.md").read_text(encoding="utf-8")
    newest = re.search(r"^## (?!Unreleased)(\S+)", changelog, re.M)
    assert newest is not None
    assert newest.group(1) == version


SMARTY_BIB = """@article{smith2020study,
  author = {Smith, Jane},
  title = {A study of things},
  journaltitle = {Journal of Studies},
  date = {2020},
  url = {https://example.org/paper--one},
  urldate = {2026-11-29},
  keywords = {data-measurement},
  sourcekind = {academic},
}
"""


# ---------------------------------------------------------------------------------------------------------------
# Freshness in refkb validate


def test_validate_warns_about_a_stale_verification(tmp_path: Path) -> None:
    old = ANNOTATION.replace("verified_on: 2026-11-29", "verified_on: 2024-01-15")
    root = write_project(tmp_path, SMARTY_BIB, {"smith2020study": old})
    proj = project.load(root)
    _, issues = suite.validate_project(proj, today=TODAY)
    stale = [i for i in issues if i.code == "stale-verification"]
    assert len(stale) == 1
    assert stale[0].level.value == "warning"
    assert stale[0].path == "docs/references/smith2020study.md"
    assert "2024-01-15" in stale[0].message
    assert "18 months" in stale[0].message
    assert "stale-verification" in CODES


def test_validate_stale_age_is_configurable(tmp_path: Path) -> None:
    old = ANNOTATION.replace("verified_on: 2026-11-29", "verified_on: 2024-01-15")
    root = write_project(tmp_path, SMARTY_BIB, {"smith2020study": old})
    config = (root / "mkdocs.yml").read_text(encoding="utf-8")
    (root / "mkdocs.yml").write_text(config.replace("  refkb:\n", "  refkb:\n    stale_after_months: 48\n"))
    _, issues = suite.validate_project(project.load(root), today=TODAY)
    assert not [i for i in issues if i.code == "stale-verification"]


# ---------------------------------------------------------------------------------------------------------------
# Builds of tiny sites

SMARTY_PAGE = """# Typography

Prose with "double quotes", 'single quotes', it's -- a dash --- and ... more.

Code stays: `"quoted" -- code` and

```text
"fenced" -- code 'x'
```

A link <https://example.org/a--b?q="x"> stays, and a citation [@smith2020study] too.
"""


def _build(root: Path, extra_path: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    if extra_path:
        env["PATH"] = extra_path + os.pathsep + env.get("PATH", "")
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(root / "site")],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny site with smarty on, a help page, a stale annotation, a topic page that cites, and one git call
    recorded by a git shim on PATH."""
    root = tmp_path_factory.mktemp("reader")
    old = ANNOTATION.replace("verified_on: 2026-11-29", "verified_on: 2020-01-01")
    write_project(
        root,
        SMARTY_BIB,
        {"smith2020study": old},
        {
            "typography.md": SMARTY_PAGE,
            "help.md": "# Help\n\nHelp lines.\n",
            "topics/data-measurement.md": "# Data\n\nAs shown [@smith2020study].\n",
            "cite.md": "# How to cite\n\nUse the blocks.\n",
        },
    )
    config = (root / "mkdocs.yml").read_text(encoding="utf-8")
    (root / "mkdocs.yml").write_text(config + "markdown_extensions:\n  - smarty\n", encoding="utf-8")
    git = shutil.which("git")
    assert git is not None
    subprocess.run([git, "init", "-q", str(root)], check=True)
    subprocess.run([git, "-C", str(root), "add", "docs/topics"], check=True)
    subprocess.run(
        [
            git,
            "-C",
            str(root),
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.org",
            "commit",
            "-q",
            "-m",
            "topic",
            "--date=2026-10-01T12:00:00",
        ],
        check=True,
        env={**os.environ, "GIT_COMMITTER_DATE": "2026-10-01T12:00:00"},
    )
    shim = root / "shim"
    shim.mkdir()
    (shim / "git").write_text(f'#!/bin/sh\necho "$@" >> "{shim}/calls"\nexec "{git}" "$@"\n', encoding="utf-8")
    (shim / "git").chmod(0o755)
    result = _build(root, str(shim))
    assert result.returncode == 0, result.stderr
    return root


def _page(root: Path, path: str) -> str:
    return (root / "site" / path / "index.html").read_text(encoding="utf-8")


def _article(page: str) -> str:
    m = re.search(r'<article class="md-content__inner md-typeset">(.*?)</article>', page, re.S)
    assert m
    return m.group(1)


def test_one_git_call_per_build(tiny: Path) -> None:
    calls = (tiny / "shim" / "calls").read_text(encoding="utf-8").splitlines()
    assert len([c for c in calls if c.split()[2:3] == ["log"]]) == 1, calls
    assert len(calls) == 1, calls


def test_last_updated_from_git_and_the_release_date_without_it(tiny: Path) -> None:
    released = reader.kb_meta(tiny).released  # the tiny site has no CITATION.cff: 1970-01-01, deterministic
    assert '<p class="refkb-updated">Last updated <time datetime="2026-10-01">' in _page(
        tiny, "topics/data-measurement"
    )
    assert f'<time datetime="{released.isoformat()}">' in _page(tiny, "typography")


@pytest.mark.parametrize(
    ("what", "expected"),
    [
        ("curly double quotes in prose", "&ldquo;double quotes&rdquo;"),
        ("curly single quotes in prose", "&lsquo;single quotes&rsquo;"),
        ("apostrophe", "it&rsquo;s"),
        ("en dash", "&ndash; a dash"),
        ("em dash", "&mdash; and"),
        ("ellipsis", "&hellip;"),
        ("code span untouched", '<code>"quoted" -- code</code>'),
        ("fenced code untouched", "&quot;fenced&quot; -- code &#39;x&#39;"),
        ("URL untouched", '<a href="https://example.org/a--b?q=&quot;x&quot;">https://example.org/a--b?q="x"</a>'),
    ],
)
def test_smarty_in_prose_and_never_in_code_or_urls(tiny: Path, what: str, expected: str) -> None:
    article = _article(_page(tiny, "typography"))
    assert expected in article or html.unescape(expected) in html.unescape(article), what


def test_smarty_leaves_citation_keys_and_formatted_citations_alone(tiny: Path) -> None:
    page = _page(tiny, "typography")
    article = _article(page)
    # the in-text citation's link names the key unchanged, and the formatted reference keeps the URL's '--'
    assert 'href="../references/smith2020study/"' in article
    assert "https://example.org/paper--one" in article
    assert "paper&ndash;one" not in article
    assert "paper–one" not in article
    assert "REFKBTOKEN" not in article


def test_topic_page_ends_with_its_cite_block_and_previews_its_citations(tiny: Path) -> None:
    page = _page(tiny, "topics/data-measurement")
    article = _article(page)
    assert article.index('id="references"') < article.index('id="cite-this-page"') < article.index("refkb-updated")
    for style in ("apa", "mla", "chicago", "harvard", "bibtex", "ris"):
        assert f'id="refkb-page-cite-{style}"' in article, style
    assert "/topics/data-measurement/" in article  # a stable (root-relative) URL: the tiny site has no site_url
    found = re.search(r'<div id="refkb-previews" class="refkb-data" hidden data-json="([^"]*)"></div>', page)
    assert found is not None
    data = json.loads(html.unescape(found.group(1)))
    assert set(data) == {"smith2020study"}
    rec = data["smith2020study"]
    assert rec["page"] == "../../references/smith2020study/"
    assert rec["year"] == "2020"
    assert rec["type"] == "Journal article"
    assert rec["source"] == "https://example.org/paper--one"
    assert rec["html"] in html.unescape(article) or rec["html"] in article


def test_stale_annotation_carries_a_note_and_the_maintainers_page_lists_it(tiny: Path) -> None:
    page = _page(tiny, "references/smith2020study")
    assert "refkb-stale" in page
    assert "2020-01-01" in page
    listing = _page(tiny, "verification")
    assert "smith2020study" in listing
    assert "refkb-stale-row" in listing


def test_404_page_has_the_footer_help_line(tiny: Path) -> None:
    page = (tiny / "site" / "404.html").read_text(encoding="utf-8")
    footer = page[page.index('<div class="md-copyright">') :]
    assert footer.startswith('<div class="md-copyright"><p class="refkb-helpline">')
    assert 'href="/help/"' in footer[:400]


# ---------------------------------------------------------------------------------------------------------------
# make release


def test_release_bumps_every_place_at_once(tmp_path: Path) -> None:
    from refkb import release

    for f in release.FILES:
        (tmp_path / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / f, tmp_path / f)
    changelog = (tmp_path / "docs/changelog.md").read_text(encoding="utf-8")
    (tmp_path / "docs/changelog.md").write_text(
        changelog.replace("# Changelog\n", "# Changelog\n\n## Unreleased\n\n- A")
    )
    release.release(tmp_path, "9.8.7", D(2027, 1, 2))
    assert reader.kb_meta(tmp_path).version == "9.8.7"
    assert reader.kb_meta(tmp_path).released == D(2027, 1, 2)
    assert '__version__ = "9.8.7"' in (tmp_path / "scripts/refkb/__init__.py").read_text(encoding="utf-8")
    text = (tmp_path / "docs/changelog.md").read_text(encoding="utf-8")
    assert "## Unreleased\n\n## 9.8.7 — 2027-01-02\n\n- A" in text
    with pytest.raises(release.ReleaseError):
        release.release(tmp_path, "9.8.7", D(2027, 1, 2))  # already released
    with pytest.raises(release.ReleaseError):
        release.release(tmp_path, "v1", D(2027, 1, 2))
    with pytest.raises(release.ReleaseError, match="does not say version"):
        release.tag(tmp_path, "1.0.0")


def test_cite_page_cites_the_knowledge_base_and_links_no_missing_pdf(tiny: Path) -> None:
    article = _article(_page(tiny, "cite"))
    assert 'id="cite-the-knowledge-base"' in article
    assert 'id="refkb-kb-cite-apa"' in article
    assert "[Data set]" in article  # CITATION.cff's type: the knowledge base as a data set (APA 7 10.9)
    # no print edition in a plain build (make pdf builds with REFKB_PRINT_EDITION=1, then prints the PDF)
    assert "knowledge-base.pdf" not in article


@pytest.mark.parametrize(
    ("html", "keys"),
    [
        ('<a class="refkb-cite" href="../../references/a2020x/" data-key="a2020x" title="t">A</a>', ["a2020x"]),
        (
            '<a class="refkb-cite" href="../sources/b2021y/" data-key="b2021y">B</a> '
            '<a class="refkb-cite" href="../sources/a2020x/" data-key="a2020x">A</a> '
            '<a class="refkb-cite" href="../sources/b2021y/" data-key="b2021y">B</a>',
            ["b2021y", "a2020x"],
        ),
        ('<a class="refkb-cite" href="../../references/c2022z/">C</a>', ["c2022z"]),  # no data-key: the link's folder
        ('<a class="refkb-more" href="../../references/a2020x/">→</a>', []),
    ],
)
def test_cited_keys(html: str, keys: list[str]) -> None:
    assert reader.cited_keys(html) == keys


# The CSL files refkb corrects (scripts/refkb/data/styles) and one it does not: the build formats with the file
# refkb.engine.style_path names, and the style picker serves the same file under the package file's name.
@pytest.mark.parametrize(
    ("style_id", "patched"),
    [
        ("modern-language-association", True),
        ("chicago-author-date", True),
        ("harvard-cite-them-right", True),
        ("apa", False),
    ],
)
def test_picker_serves_the_style_file_the_build_formats_with(style_id: str, patched: bool) -> None:
    from refkb import engine

    package_file = reader._styles_dir() / f"{style_id}.csl"
    built = engine.style_path(style_id)
    assert reader._served_style(package_file) == built
    assert (built.parent == engine.PATCHED_STYLES) is patched
    if patched:  # the original's id kept (the citeproc glue's rules follow it), the change and the licence said
        text, original = built.read_text(encoding="utf-8"), package_file.read_text(encoding="utf-8")
        own_id = re.compile(r"<id>\s*([^<\s]*?)\s*</id>")
        assert own_id.findall(text) == own_id.findall(original) == [f"http://www.zotero.org/styles/{style_id}"]
        assert "Modified by refkb" in text.split("<info>", 1)[0]
        assert re.search(r"<rights [^>]*by-sa/3\.0/\">[^<]*Modified by refkb[^<]*</rights>", text)
