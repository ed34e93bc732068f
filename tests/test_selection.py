"""refkb.selection: the records the export of a selection joins, and the style picker's markup."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from refkb import csl, selection, styles

ASSETS = Path(selection.__file__).parent / "assets"
BOYD: csl.CslItem = {
    "id": "musto2014",
    "type": "article-journal",
    "title": 'The "nexus" <of> things',
    "author": [{"family": "Musto", "given": "Jennifer"}, {"family": "boyd", "given": "danah"}, {"literal": "UNODC"}],
}


@pytest.mark.parametrize(
    ("works", "expected"),
    [
        ([], {}),
        (
            [selection.WorkRecord("b", "@article{b,\n}\n", "TY  - JOUR\nER  - \n", '[\n  {"id": "b"}\n]\n', BOYD)],
            {"b": {"bib": "@article{b,\n}\n", "ris": "TY  - JOUR\nER  - \n", "json": '[\n  {"id": "b"}\n]\n'}},
        ),
    ],
)
def test_records_hold_each_works_downloads_as_written(
    works: list[selection.WorkRecord], expected: dict[str, dict[str, str]]
) -> None:
    text = selection.records(works)
    data = json.loads(text)
    assert {k: {f: v for f, v in w.items() if f != "item"} for k, w in data["works"].items()} == expected
    assert text == selection.records(list(reversed(works)))  # keys sorted: the same file whatever the order


def test_records_carry_the_item_as_the_engine_reads_it() -> None:
    text = selection.records([selection.WorkRecord("musto2014", "", "", "[]", BOYD)])
    item = json.loads(text)["works"]["musto2014"]["item"]
    assert item == json.loads(json.dumps(csl.engine_item(BOYD)))
    assert [n.get("parse-names") for n in item["author"]] == [False, False, None]  # names kept as split


@pytest.mark.parametrize(
    ("item", "inline"),
    [
        (None, False),
        (BOYD, True),
    ],
)
def test_the_picker_carries_the_work_escaped_and_the_sites_locales(item: csl.CslItem | None, inline: bool) -> None:
    markup = str(selection.picker("musto2014", "references/musto2014/", 10844, item))
    found = re.search(r' data-item-json="([^"]*)"', markup)
    assert (found is not None) == inline
    if found:
        assert json.loads(html.unescape(found.group(1))) == item
        assert "<of>" not in markup
    locales = re.search(r' data-locales="([^"]*)"', markup)
    assert locales is not None
    assert json.loads(html.unescape(locales.group(1))) == {s.csl: s.locale for s in styles.STYLES.values()}
    assert 'data-refkb-copy="#refkb-picker-output"' in markup
    assert 'data-base="../../assets/refkb/csl/"' in markup


def test_the_exports_style_list_is_the_sites_four_styles() -> None:
    """selection.js lists the four styles by hand: held equal to refkb.styles (file, label and locale)."""
    source = (ASSETS / "selection.js").read_text(encoding="utf-8")
    listed = re.findall(r'\{ id: "([^"]+)", title: "([^"]+)", lang: "([^"]+)" \}', source)
    assert listed == [(styles.STYLES[s].csl, styles.STYLES[s].label, styles.STYLES[s].locale) for s in styles.ORDER]


@pytest.mark.parametrize("name", ["selection.js", "picker.js", "refkb.js", "evidence.js"])
def test_no_script_reads_or_writes_the_q_parameter(name: str) -> None:
    """Material's search opens on ?q=: the picker and the export keep their state elsewhere."""
    source = (ASSETS / name).read_text(encoding="utf-8")
    assert not re.search(r"""(get|set|has|append)\(\s*["']q["']""", source)
