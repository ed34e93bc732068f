"""refkb.stylerecords: a style's records made back into the bibliography they were made from give the same records
(what the server's engines loaded in the background take from the disk cache: `engine.Citeproc.register`)."""

from __future__ import annotations

import pytest

from conftest import DATA
from refkb import bibfile, csl, engine, stylerecords, styles


@pytest.mark.parametrize("style_id", styles.ORDER)
def test_records_made_back_into_a_bibliography_give_the_same_records(style_id: str) -> None:
    items = [csl.engine_item(csl.item(e)) for e in bibfile.read(DATA / "styles.bib").entries]
    keys = [str(it["id"]) for it in items]
    js = engine.Citeproc()
    bib = js.load(style_id, styles._style_xml(style_id), styles.STYLES[style_id].locale, items)
    records = stylerecords.records_of(style_id, keys, bib)
    assert stylerecords.records_of(style_id, keys, stylerecords.bibliography(records)) == records
    assert stylerecords.bibliography(records).order == bib.order
