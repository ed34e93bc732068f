"""refkb's citeproc-js glue (scripts/refkb/assets/citeproc-glue.js): one file, run by the build's engine and served to
the browser. Lower-case initials through the build's engine, as a table against the manuals; the same file formats
the same in node (the browser's side is tests/test_citeproc_glue_browser.py); the engine, the picker and the site's
scripts hold no copy of it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest

from refkb import bibfile, csl, engine, stylerecords, styles
from refkb.site import assets

BIB = r"""
@article{musto2014trafficking,
  author = {Musto, Jennifer and boyd, danah},
  title = {The trafficking-technology nexus},
  journaltitle = {Social Politics},
  volume = {21},
  number = {3},
  pages = {461--483},
  date = {2014},
}
@book{hooks2000feminism,
  author = {hooks, bell},
  title = {Feminism is for everybody},
  publisher = {South End Press},
  location = {Cambridge, MA},
  date = {2000},
}
@book{martin2001hyphen,
  author = {martin, jean-luc},
  title = {A hyphenated given name},
  publisher = {Press},
  date = {2001},
}
@book{roe2020networks,
  author = {Roe, Richard},
  title = {Networks between states during the pandemic},
  publisher = {Press},
  date = {2020},
}
@article{roe2021talking,
  author = {Roe, Richard},
  title = {Talking about work through the night},
  journaltitle = {Journal of Research in Crime},
  volume = {3},
  pages = {1--9},
  date = {2021},
}
@book{roe2022laws,
  author = {Roe, Richard},
  title = {Laws against trafficking of persons in transit from abroad},
  publisher = {Press},
  date = {2022},
}
@book{roe2023flying,
  author = {Roe, Richard},
  title = {Flying under the radar with something like a map},
  publisher = {Press},
  date = {2023},
}
@article{poe2019moving,
  author = {Poe, Ann},
  title = {Moving into care},
  journaltitle = {journal of research with families from the margins},
  volume = {4},
  pages = {1--9},
  date = {2019},
}
@article{poe2018work,
  author = {Poe, Ann},
  title = {Work over time},
  journaltitle = {bulletin for research into work over time},
  volume = {2},
  pages = {5--8},
  date = {2018},
}
@book{trade2021between,
  title = {Trade between states in war and peace},
  shorttitle = {Trade between states in war and peace},
  publisher = {Press},
  date = {2021},
}
@legislation{ada1990,
  title = {Americans with {Disabilities} {Act} of 1990},
  number = {101-336},
  date = {1990},
}
"""
ITEMS = [csl.item(e) for e in bibfile.parse_text(BIB, "glue.bib").entries]

# (style, key, how the entry begins, the rule). APA and Cite Them Right initialise given names, MLA and Chicago print
# them whole; a given name its owner writes in lower case is initialised in lower case.
CASES = [
    ("apa", "musto2014trafficking", "Musto, J., &#38; boyd, d. (2014).", "APA 7 9.8 (as 'hooks, b.')"),
    ("apa", "hooks2000feminism", "hooks, b. (2000).", "APA 7: bell hooks is 'hooks, b.'"),
    ("apa", "martin2001hyphen", "martin, j.-l. (2001).", "APA 7 9.8: a hyphenated given name keeps its hyphen"),
    ("harvard", "musto2014trafficking", "Musto, J. and boyd, d. (2014)", "Cite Them Right: initials"),
    ("harvard", "hooks2000feminism", "hooks, b. (2000)", "Cite Them Right: initials"),
    ("mla", "musto2014trafficking", "Musto, Jennifer, and danah boyd.", "MLA 9: full given names"),
    ("chicago", "musto2014trafficking", "Musto, Jennifer, and danah boyd. 2014.", "CMOS: full given names"),
    ("chicago", "hooks2000feminism", "hooks, bell. 2000.", "CMOS: full given names"),
]


@pytest.fixture(scope="module")
def rendered() -> dict[str, Mapping[str, stylerecords.Rendered]]:
    return styles.Renderer(None, workers=1).render(ITEMS)


@pytest.mark.parametrize(("style", "key", "begins", "rule"), CASES)
def test_a_lower_case_given_name_is_initialised_in_lower_case(
    rendered: dict[str, dict[str, stylerecords.Rendered]], style: str, key: str, begins: str, rule: str
) -> None:
    assert rendered[key][style].html.startswith(begins), rule


@pytest.mark.parametrize(
    ("style", "expected"),
    [("apa", "(Musto &#38; boyd, 2014)"), ("mla", "(Musto and boyd)"), ("harvard", "(Musto and boyd, 2014)")],
)
def test_in_text_citations_keep_the_family_name_as_written(
    rendered: dict[str, dict[str, stylerecords.Rendered]], style: str, expected: str
) -> None:
    assert rendered["musto2014trafficking"][style].intext == expected


# Title case and prepositions, written from each manual's rule. CMOS 18 8.160: a preposition of five letters or more
# is capitalised ("Between", "During", "About", "Through", "Against", "Under"), one of four or fewer is not ("of",
# "in", "from", "with", "like"); MLA 9 lower-cases every preposition; APA 7 and Cite Them Right print the title of a
# work in sentence case, as stored (APA's title case is in TITLE_CASE below).
PREPOSITIONS = [
    ("chicago", "roe2020networks", "<i>Networks Between States During the Pandemic</i>", "CMOS 18 8.160"),
    ("mla", "roe2020networks", "<i>Networks between States during the Pandemic</i>", "MLA 9: prepositions lower"),
    ("apa", "roe2020networks", "<i>Networks between states during the pandemic</i>", "APA 7: sentence case"),
    ("harvard", "roe2020networks", "<i>Networks between states during the pandemic</i>", "CTR: sentence case"),
    (
        "chicago",
        "roe2021talking",
        "“Talking About Work Through the Night.” <i>Journal of Research in Crime</i>",
        "CMOS 18 8.160 (about, through; of, in)",
    ),
    (
        "mla",
        "roe2021talking",
        "“Talking about Work through the Night.” <i>Journal of Research in Crime</i>",
        "MLA 9: prepositions lower",
    ),
    (
        "apa",
        "roe2021talking",
        "Talking about work through the night. <i>Journal of Research in Crime</i>",
        "APA 7: sentence case; the journal's name as it writes it",
    ),
    (
        "harvard",
        "roe2021talking",
        "‘Talking about work through the night’, <i>Journal of Research in Crime</i>",
        "CTR: sentence case; the journal's name as it writes it",
    ),
    ("chicago", "roe2022laws", "<i>Laws Against Trafficking of Persons in Transit from Abroad</i>", "CMOS 18 8.160"),
    ("mla", "roe2022laws", "<i>Laws against Trafficking of Persons in Transit from Abroad</i>", "MLA 9"),
    ("apa", "roe2022laws", "<i>Laws against trafficking of persons in transit from abroad</i>", "APA 7"),
    ("harvard", "roe2022laws", "<i>Laws against trafficking of persons in transit from abroad</i>", "CTR"),
    (
        "chicago",
        "roe2023flying",
        "<i>Flying Under the Radar with Something like a Map</i>",
        "CMOS 18 8.160: five letters (under) capitalised, four (with, like) not",
    ),
    ("mla", "roe2023flying", "<i>Flying under the Radar with Something like a Map</i>", "MLA 9"),
    ("apa", "roe2023flying", "<i>Flying under the radar with something like a map</i>", "APA 7"),
    ("harvard", "roe2023flying", "<i>Flying under the radar with something like a map</i>", "CTR"),
]


@pytest.mark.parametrize(("style", "key", "title", "rule"), PREPOSITIONS)
def test_title_case_follows_each_manual_on_prepositions(
    rendered: dict[str, dict[str, stylerecords.Rendered]], style: str, key: str, title: str, rule: str
) -> None:
    assert title in rendered[key][style].html, rule


# APA 7 6.17, title case (a periodical's name in a reference, the title of a work without an author in an in-text
# citation, a law's name): every word of four letters or more is capitalised ("With", "Between", "From", "Into",
# "Over"), only minor words of three letters or fewer are lower-cased ("of", "in", "and", "the", "for"), the first
# word always capitalised. CMOS 18 8.160 capitalises from five letters ("Between"; "with", "from", "into", "over"
# lower); MLA 9 lower-cases every preposition. Cite Them Right's file prints a periodical's name and a title as
# stored (no title case): unchanged.
TITLE_CASE = [
    ("apa", "poe2019moving", "html", "<i>Journal of Research With Families From the Margins</i>", "APA 7 6.17"),
    ("apa", "poe2018work", "html", "<i>Bulletin for Research Into Work Over Time</i>", "APA 7 6.17: for lower"),
    ("apa", "trade2021between", "intext", "(<i>Trade Between States in War and Peace</i>, 2021)", "APA 7 6.17, 8.14"),
    ("apa", "ada1990", "html", "Americans With Disabilities Act of 1990, Pub. L. No. 101-336", "APA 7 11.5's example"),
    ("apa", "ada1990", "intext", "(Americans With Disabilities Act of 1990, 1990)", "APA 7 11.5"),
    ("apa", "trade2021between", "html", "<i>Trade between states in war and peace</i>. (2021)", "APA 7: sentence case"),
    ("chicago", "poe2019moving", "html", "<i>Journal of Research with Families from the Margins</i>", "CMOS 18 8.160"),
    ("chicago", "poe2018work", "html", "<i>Bulletin for Research into Work over Time</i>", "CMOS 18 8.160"),
    ("chicago", "trade2021between", "intext", "(<i>Trade Between States in War and Peace</i> 2021)", "CMOS 18 8.160"),
    ("chicago", "ada1990", "html", "Americans with Disabilities Act of 1990", "CMOS 18 8.160: with, four letters"),
    ("mla", "poe2019moving", "html", "<i>Journal of Research with Families from the Margins</i>", "MLA 9"),
    ("mla", "poe2018work", "html", "<i>Bulletin for Research into Work over Time</i>", "MLA 9"),
    ("mla", "trade2021between", "intext", "(<i>Trade between States in War and Peace</i>)", "MLA 9"),
    ("harvard", "poe2019moving", "html", "<i>journal of research with families from the margins</i>", "CTR's file"),
    ("harvard", "poe2018work", "html", "<i>bulletin for research into work over time</i>", "CTR's file"),
    ("harvard", "trade2021between", "intext", "(<i>Trade between states in war and peace</i>, 2021)", "CTR's file"),
]


@pytest.mark.parametrize(("style", "key", "part", "expected", "rule"), TITLE_CASE)
def test_apa_title_case_capitalises_every_word_of_four_letters_or_more(
    rendered: dict[str, dict[str, stylerecords.Rendered]], style: str, key: str, part: str, expected: str, rule: str
) -> None:
    assert expected in getattr(rendered[key][style], part), rule


# The rule follows the style file's <title>: APA's own 7th-edition files ("APA Style 7th edition", its variants, and
# through them the picker's dependent styles that use APA's file) capitalise words of four letters or more.
APA_FILES = ["apa", "apa-no-ampersand", "apa-single-spaced"]


@pytest.mark.parametrize("style_id", APA_FILES)
def test_apa_7th_edition_files_capitalise_words_of_four_letters_or_more(style_id: str) -> None:
    xml = engine.style_path(style_id).read_text(encoding="utf-8")
    assert re.search(r"<title>APA Style 7th edition\b", xml)
    js = engine.Citeproc()
    try:
        bib = js.load(style_id, xml, "en-US", [csl.engine_item(it) for it in ITEMS])
    finally:
        js.close()
    assert "<i>Journal of Research With Families From the Margins</i>" in bib.entries["poe2019moving"]
    assert "<i>Bulletin for Research Into Work Over Time</i>" in bib.entries["poe2018work"]


# The rule follows the style file's <title>: the 18th edition's Chicago styles capitalise long prepositions, the
# 16th and 17th editions' do not (CMOS 17 8.159 and the editions before it lower-cased every preposition).
EDITIONS = [
    ("chicago-author-date", "<i>Networks Between States During the Pandemic</i>"),
    ("chicago-notes-bibliography", "<i>Networks Between States During the Pandemic</i>"),
    ("chicago-author-date-17th-edition", "<i>Networks between States during the Pandemic</i>"),
    ("chicago-notes-bibliography-16th-edition", "<i>Networks between States during the Pandemic</i>"),
]


@pytest.mark.parametrize(("style_id", "title"), EDITIONS)
def test_long_prepositions_are_capitalised_from_the_18th_edition_of_chicago_on(style_id: str, title: str) -> None:
    xml = engine.style_path(style_id).read_text(encoding="utf-8")
    js = engine.Citeproc()
    try:
        bib = js.load(style_id, xml, "en-US", [csl.engine_item(it) for it in ITEMS])
    finally:
        js.close()
    assert title in bib.entries["roe2020networks"]


def test_an_edited_citeproc_glue_is_formatted_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """refkb's code is part of every cache key (styles._code), the citeproc glue among it: a rule there (CMOS 18's
    and APA 7's long words in title case) changes what is printed, so a build after the glue changed formats again."""
    cold = styles.Renderer(tmp_path)
    cold.render(ITEMS, ["chicago"])
    key = cold._bib_key("chicago")
    glue = tmp_path / "glue" / engine.GLUE.name
    glue.parent.mkdir()
    glue.write_text(engine.GLUE.read_text(encoding="utf-8") + "/* edited */\n", encoding="utf-8")
    monkeypatch.setattr(engine, "GLUE", glue)
    styles._code.cache_clear()
    try:
        warm = styles.Renderer(tmp_path)
        warm.render(ITEMS, ["chicago"])
        assert warm.stats.formatted == ["chicago"]
        assert warm._bib_key("chicago") != key
    finally:
        styles._code.cache_clear()


def test_the_site_serves_the_file_the_engine_runs_before_the_picker() -> None:
    served = "assets/refkb/" + engine.GLUE.name
    assert served in assets.READER_JS
    assert assets.READER_JS.index(served) < assets.READER_JS.index("assets/refkb/picker.js")


SOURCES = {"engine.py": Path(engine.__file__), **{n: engine.GLUE.parent / n for n in ("picker.js", "selection.js")}}


@pytest.mark.parametrize(
    ("name", "needle"),
    [
        ("engine.py", "CSL.getSortKeys"),
        ("engine.py", "_getAndJoin"),
        ("engine.py", "change.genre"),
        ("engine.py", "initializeWith"),
        ("picker.js", "initializeWith"),
        ("picker.js", "getSortKeys"),
        ("selection.js", "CSL."),
    ],
)
def test_no_other_file_holds_a_copy_of_the_glue(name: str, needle: str) -> None:
    assert needle not in SOURCES[name].read_text(encoding="utf-8")


_NODE = """
const fs = require("fs");
require(process.argv[1]);
const CSL = globalThis.refkbGlue.install(require(process.argv[2]));
const input = JSON.parse(fs.readFileSync(0, "utf8"));
const out = {};
for (const [name, style] of Object.entries(input.styles)) {
  const byId = {};
  input.items.forEach((it) => { byId[it.id] = it; });
  const sys = globalThis.refkbGlue.sys({
    retrieveLocale: (l) => input.locales[l] || input.locales["en-US"],
    retrieveItem: (id) => byId[id],
  }, style.xml);
  const eng = new CSL.Engine(sys, style.xml, style.lang, true);
  eng.updateItems(Object.keys(byId));
  const bib = eng.makeBibliography();
  out[name] = bib[0].entry_ids.map((ids, i) => [ids[0], bib[1][i]]);
}
process.stdout.write(JSON.stringify(out));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_node_running_the_same_file_prints_what_the_build_prints() -> None:
    items = [csl.engine_item(it) for it in ITEMS]
    chosen = {s: styles.STYLES[s] for s in styles.ORDER}
    xml = {s: engine.style_path(st.csl).read_text(encoding="utf-8") for s, st in chosen.items()}
    payload = {
        "items": items,
        "styles": {s: {"xml": xml[s], "lang": st.locale} for s, st in chosen.items()},
        "locales": {
            p.stem[len("locales-") :]: p.read_text(encoding="utf-8")
            for p in engine.locale_dir().glob("locales-*.xml")
            if p.stem[len("locales-") :] in {"en-US", "en-GB"}
        },
    }
    done = subprocess.run(
        ["node", "-e", _NODE, str(engine.GLUE), str(engine.script_path())],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    got = json.loads(done.stdout)
    js = engine.Citeproc()
    for name, style in chosen.items():
        bib = js.load(name, xml[name], style.locale, items)
        assert [(k, _inner(v)) for k, v in got[name]] == [(k, _inner(bib.entries[k])) for k in bib.order], name


def _inner(entry: str) -> str:
    """An entry's content: citeproc-js's csl-entry element and the spaces it leaves where no name part stood dropped."""
    return re.sub(r" {2,}", " ", re.sub(r"^\s*<div[^>]*>|</div>\s*$", "", entry).strip())
