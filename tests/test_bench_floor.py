"""benchmarks/floor.py: the styles stripped of what a one-item bibliography never uses still format every work as a
one-item bibliography does (the real knowledge base, against the engine formatting each work alone)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from refkb import bibfile, csl, engine, styles
from refkb.stylerecords import entry_html

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from floor import one_pass, stripped  # noqa: E402

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
    """The pass the benchmark times (`one_pass`), each entry against the engine formatting the work alone."""
    style = styles.STYLES[style_id]
    xml = engine.style_path(style.csl).read_text(encoding="utf-8")
    bib = bibfile.parse_text((ROOT / "references.bib").read_text(encoding="utf-8"), "references.bib")
    items = [csl.engine_item(csl.item(e)) for e in bib.entries]
    js = engine.Citeproc()
    try:
        js.items(engine.item_texts(items))
        together = one_pass(js, stripped(xml), style.locale)
        alone = {str(it["id"]): js.format_one(style.csl, xml, style.locale, it) for it in items}
    finally:
        js.close()
    assert len(together) == len(items)
    assert {k: entry_html(v) for k, v in together.items()} == alone
