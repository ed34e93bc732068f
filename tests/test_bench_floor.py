"""benchmarks/floor.py: the styles stripped of what a one-item bibliography never uses still format every work as a
one-item bibliography does (the real knowledge base, against the engine formatting each work alone)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from refkb import bibfile, csl, engine, styles

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from floor import stripped  # noqa: E402

_LATER = [s for s in styles.ORDER if s != "apa"]


@pytest.mark.parametrize("style_id", _LATER)
def test_a_stripped_style_keeps_its_layout_and_loses_only_what_relates_works(style_id: str) -> None:
    xml = engine.style_path(styles.STYLES[style_id].csl).read_text(encoding="utf-8")
    out = stripped(xml)
    for gone in ("disambiguate-add-", "givenname-disambiguation-rule", "subsequent-author-substitute"):
        assert gone not in out
    assert not re.search(r"<bibliography[\s>][\s\S]*<sort>[\s\S]*</bibliography>", out)
    assert out.count("<layout") == xml.count("<layout")
    assert out.count("<macro ") == xml.count("<macro ")


@pytest.mark.parametrize("style_id", _LATER)
def test_a_stripped_style_over_the_library_gives_each_work_as_formatted_alone(style_id: str) -> None:
    style = styles.STYLES[style_id]
    xml = engine.style_path(style.csl).read_text(encoding="utf-8")
    bib = bibfile.parse_text((ROOT / "references.bib").read_text(encoding="utf-8"), "references.bib")
    items = [csl.engine_item(csl.item(e)) for e in bib.entries]
    js = engine.Citeproc()
    try:
        together = js.load(style.csl, stripped(xml), style.locale, items)
        alone = {str(it["id"]): js.format_one(style.csl, xml, style.locale, it) for it in items}
    finally:
        js.close()
    assert len(together.entries) == len(items)
    assert {k: _entry(v) for k, v in together.entries.items()} == alone


def _entry(html: str) -> str:
    """A list entry as `Citeproc.format_one` gives a work alone: without its div, one space between words."""
    m = re.match(r'^<div class="csl-entry">(.*)</div>$', html.strip(), re.S)
    return re.sub(r"(?<=\S) {2,}(?=\S)", " ", (m.group(1) if m else html).strip())
