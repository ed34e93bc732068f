"""The print edition (refkb.site.printed) of the real knowledge base, made by Debian's chromium: an outline, page
numbers, every topic and every reference, and links inside the PDF."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT
from test_browser import SHOTS, browser  # noqa: F401  (browser: test_browser's fixture)
from test_reader_browser import chrome, site_dir  # noqa: F401  (fixtures: the real knowledge base, built)

pytestmark = pytest.mark.slow


def test_print_edition_has_an_outline_page_numbers_and_every_topic_and_reference(
    chrome: Any,  # noqa: F811
    site_dir: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    from pypdf import PdfReader

    from refkb import project
    from refkb.site import printed

    out = tmp_path / "knowledge-base.pdf"
    printed.build(site_dir, out, ROOT, browser=chrome)
    pdf = PdfReader(str(out))
    titles: list[str] = []

    def walk(items: list[Any]) -> None:
        for it in items:
            if isinstance(it, list):
                walk(it)
            else:
                titles.append(it.title)

    walk(pdf.outline)
    artifacts = SHOTS.parent  # test-artifacts/ (git-ignored): the edition and its outline, to look at
    artifacts.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(out, artifacts / "knowledge-base.pdf")
    (artifacts / "knowledge-base-outline.txt").write_text("\n".join(titles) + "\n", encoding="utf-8")
    proj = project.load(ROOT)
    for part in ("Contents", "Home", "Topics", "Evidence", "Methodology", "References"):
        assert part in titles, part
    for topic in proj.topics:
        assert topic.title in titles, topic.title
    for name in ("Claims ledger", "Glossary", "Timeline"):
        assert name in titles, name
    # Each reference's own pages (from the outline: the References part's entries) name its key; text extraction of
    # the whole edition would take minutes, so only those pages and the first pages are read.
    parts = list(pdf.outline)
    refs = parts[parts.index(next(x for x in parts if not isinstance(x, list) and x.title == "References")) + 1]
    starts = sorted(
        {n for x in refs if not isinstance(x, list) and (n := pdf.get_destination_page_number(x)) is not None}
    )
    read = sorted({*starts, *(n + 1 for n in starts if n + 1 < len(pdf.pages)), *range(3)})
    text = "\n".join(pdf.pages[n].extract_text() or "" for n in read)
    flat = re.sub(r"\s+", "", text)
    keys = re.findall(r"^@\w+\{([^,\s]+),", (ROOT / "references.bib").read_text(encoding="utf-8"), re.M)
    assert len(starts) == len(keys)
    missing = [k for k in keys if k not in flat]
    assert missing == [], missing
    assert re.search(r"\b2 / \d+\b", text), "no page numbers in the footer"
    # internal links: the table of contents links to the pages inside the PDF (no URI actions to the site)
    annots = [a.get_object() for page in pdf.pages[:6] for a in (page.get("/Annots") or [])]
    internal = [a for a in annots if "/Dest" in a or ("/A" in a and a["/A"].get("/S") == "/GoTo")]
    assert len(internal) > 40
