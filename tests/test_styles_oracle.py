"""The oracle of the citations: pandoc's citeproc reading references.bib itself (its own BibTeX reader, its own CSL
engine, the same four CSL files), over every entry in every style, the order of every reference list and a set of
in-text citations. It shares nothing with the code under test but the CSL files, and it compares markup: both sides
are parsed as HTML and serialised in one canonical form (text, and each run's italic, bold and small caps, whatever
tags or styles made them), so an italic lost or gained is a difference like a letter.

Every difference that remains has a rule (`RULES`), and a rule is a rewrite: it turns pandoc's entry into the entry
the manual wants (APA 7, MLA 9, Chicago 18 author-date as the CSL file implements it, Cite Them Right 12). A rule
that does not apply fails, so a different difference under the same name fails; so does an accepted difference that
is gone. Where pandoc is right and refkb is not, the entry is a known failure (`KNOWN_FAILURES`, xfail strict), not an
accepted difference.

Chicago: `chicago-author-date.csl` is "Chicago Manual of Style 18th edition (author-date)" (its <info> title). CMOS 18
(8.160, title case) lower-cases prepositions of four letters or fewer and capitalises those of five or more
("Between", "During", "Against"); the 17th edition (8.159) lower-cased all prepositions. citeproc-js's title case
lower-cases its stop words whatever their length, right for MLA 9; refkb's citeproc glue drops those of five letters
or more for the 18th edition's Chicago styles, so Chicago's entries equal pandoc's there ("like" stays: `stop-words`).

Re-derive DEVELOPMENT.md's table: `.venv/bin/python tests/test_styles_oracle.py` (prints it).
"""

from __future__ import annotations

import calendar
import html
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pypandoc
import pytest

from conftest import ROOT
from markup import canonical
from refkb import bibfile, csl, engine, stylerecords, styles
from refkb.model import Entry

_BIB = ROOT / "references.bib"
ENTRIES = {e.key: e for e in bibfile.read(_BIB).entries}


def _pandoc(style: str, markdown: str, bibliography: Path) -> str:
    st = styles.STYLES[style]
    out = subprocess.run(
        [
            pypandoc.get_pandoc_path(),
            *("-f", "markdown", "-t", "html", "--citeproc", "--wrap=none"),
            f"--bibliography={bibliography}",
            f"--csl={engine.style_path(st.csl)}",
            *("-M", f"lang={st.locale}"),
        ],
        input=markdown,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return out.stdout


_PANDOC_ENTRY = re.compile(r'<div id="ref-([^"]+)" class="csl-entry"[^>]*>(.*?)</div>', re.S)


@dataclass(frozen=True)
class Library:
    """Both engines' reference lists over references.bib."""

    ours: dict[str, Mapping[str, stylerecords.Rendered]]
    theirs: dict[str, dict[str, str]]  # style -> key -> pandoc's entry HTML
    order: dict[str, list[str]]  # style -> pandoc's keys in its order


@cache
def library() -> Library:
    ours = styles.Renderer(None).render([csl.item(e) for e in ENTRIES.values()])
    theirs, order = {}, {}
    for style in styles.ORDER:
        found = _PANDOC_ENTRY.findall(_pandoc(style, "---\nnocite: '@*'\n---\n", _BIB))
        theirs[style] = dict(found)
        order[style] = [k for k, _ in found]
    return Library(ours, theirs, order)


# ---------------------------------------------------------------------------------------------------------------
# Rules: each rewrites pandoc's entry (canonical form) into the one the manual wants, and refuses when it does not
# apply (NotApplicable), so that a rule excuses only the difference it describes.


class NotApplicable(AssertionError):
    pass


def _changed(before: str, after: str, rule: str) -> str:
    if before == after:
        raise NotApplicable(f"rule {rule!r} does not apply to: {before}")
    return after


def _plain(value: str) -> str:
    return " ".join(re.sub(r"\\(?=[&%$#_])|[{}]", "", value).replace("--", "–").split())


def _groups(entry: Entry, field: str = "author") -> list[str]:
    """The organisations of a name list (`{{Name}}` or `{Name}`), in order; [] if any name is a person."""
    names = [n.strip() for n in re.split(r"\s+and\s+(?![^{]*\})", entry.value(field))]
    if not all(n.startswith("{") and n.endswith("}") for n in names if n):
        return []
    return [_plain(n) for n in names if n]


def publisher_is_author(text: str, entry: Entry, style: str) -> str:
    publishers = _groups(entry, "institution") or _groups(entry, "publisher") or _groups(entry, "organization")
    if not publishers or not set(publishers) <= set(_groups(entry)):
        raise NotApplicable("publisher-is-author: the publisher is not one of the authors")
    shown = html.escape("; ".join(publishers), quote=False)
    at = text.rfind(f" {shown}.")
    if at < 0:
        raise NotApplicable(f"publisher-is-author: {shown!r} not printed as the publisher")
    return text[:at] + text[at + len(shown) + 2 :]


def article_number(text: str, entry: Entry, style: str) -> str:
    """APA 7 10.1: 'Article 58' where the page range would be; CMOS 18 (author-date): '10 (2): 58'."""
    eid = _plain(entry.value("eid"))
    journal = html.escape(_plain(entry.value("journaltitle")), quote=False)
    head, sep, rest = text.partition(f"<i>{journal}</i>")
    if not eid or not sep:
        raise NotApplicable("eid: no article number, or no journal")
    end = re.search(r"\.(?= \D)|\.$", rest)  # the period that ends the journal's part ("no. 8" is inside it)
    at = end.start() if end else len(rest)
    segment, dot, tail = rest[:at], rest[at : at + 1], rest[at + 1 :]
    pages = _plain(entry.value("pages"))
    shown = f", Article {eid}" if style == "apa" else f": {eid}"
    if pages and pages in segment:
        segment = re.sub(rf"(?:, |: ){re.escape(pages)}$", shown, segment)
    else:
        segment += shown
    return _changed(text, head + sep + segment + dot + tail, "eid")


def two_groups(text: str, entry: Entry, style: str) -> str:
    """Two organisations joined by '&' (APA 7 9.8) or 'and' (MLA 9, CMOS 18) alone: no comma, nothing inverted."""
    names = _groups(entry)
    if len(names) != 2:
        raise NotApplicable("two-groups: not two organisations")
    a, b = (html.escape(n, quote=False) for n in names)
    join = "&amp;" if style == "apa" else "and"
    return _changed(text, text.replace(f"{a}, {join} {b}", f"{a} {join} {b}", 1), "two-groups")


# MLA 9 and CMOS lower-case prepositions in title case (CSL 1.0.2's stop words); CMOS 18 only those of four letters
# or fewer. The words pandoc capitalises and the manual does not:
_PREPOSITIONS = {"mla": "about against among between behind during like through", "chicago": "like"}


def stop_words(text: str, entry: Entry, style: str) -> str:
    words = "|".join(w.capitalize() for w in _PREPOSITIONS[style].split())
    out = re.sub(rf"(?<=[a-z’,] )({words})\b", lambda m: m.group(1).lower(), text)
    return _changed(text, out, "stop-words")


def punctuation_in_quote(text: str, entry: Entry, style: str) -> str:
    """MLA 9 1.3 / CMOS 18 6.9: the period goes inside the closing quotation marks, single and double."""
    out = re.sub(r"([’”]+)(</i>)?\.", r".\1\2", text, count=1)
    return _changed(text, out, "punctuation-in-quote")


def _requote(inner: str) -> str:
    return inner.replace("“", "‘").replace("”", "’")


def website(text: str, entry: Entry, style: str) -> str:
    """MLA 9 (2.1, a page on a website): "Title of Page." <i>Website</i>; Cite Them Right's CSL file: Title,
    <i>Website</i>. pandoc reads biblatex's organization as a publisher (roman, after a period)."""
    site = html.escape(_plain(entry.value("organization")), quote=False)
    if entry.type != "online" or not site:
        raise NotApplicable("website: not a page on a website")
    if style == "mla":
        out = re.sub(rf"<i>(.+?)</i>\. {re.escape(site)},", lambda m: f"“{_requote(m[1])}.” <i>{site}</i>,", text)
    else:
        out = re.sub(rf"(</i>)\. {re.escape(site)}\.", rf"\1, <i>{site}</i>.", text)
    return _changed(text, out, "website")


def particle(text: str, entry: Entry, style: str) -> str:
    """APA 7 (the author's own form of the name) / Cite Them Right: 'de Santisteban, P.', not 'Santisteban, P. de'."""
    out = re.sub(r"(?<![\w-])([A-ZÀ-Ý][\w-]+), ([^,&]+?) (de|del|van|von|van der)(?=,| <i>et)", r"\3 \1, \2", text)
    return _changed(text, out, "particle")


def tex_escape(text: str, entry: Entry, style: str) -> str:
    return _changed(text, text.replace("\\&amp;", "&amp;"), "tex-escape")


def subtitle_capital(text: str, entry: Entry, style: str) -> str:
    """APA 7 6.17: the first word after a colon in a title is capitalised (Cite Them Right keeps the title's form)."""
    title = _plain(entry.value("title"))
    sub = title.split(": ", 1)[1].split()[0] if ": " in title else ""
    if not sub:
        raise NotApplicable("subtitle-capital: no subtitle")
    return _changed(text, text.replace(f": {sub.lower()}", f": {sub[0].upper()}{sub[1:]}", 1), "subtitle-capital")


def container_case(text: str, entry: Entry, style: str) -> str:
    """A proceedings title or series is a name: refkb prints it as stored (proper nouns protected); pandoc
    sentence-cases it. The rewrite may change only letter case."""
    for field in ("booktitle", "series"):
        stored = html.escape(_plain(entry.value(field)), quote=False)
        if stored:
            found = re.search(re.escape(stored), text, re.I)
            if found and found[0] != stored:
                return text[: found.start()] + stored + text[found.end() :]
    raise NotApplicable("container-case: no container printed in another case")


def un_symbol(text: str, entry: Entry, style: str) -> str:
    """A UN resolution is not a US public law (pandoc: 'Title, Pub. L. No. A/RES/55/25 (2000)' and a roman title in
    MLA; Cite Them Right without the symbol): refkb's entry is checked, as a whole, against the golden form of
    APA 7 11.9 (resolutions): Author. (Year). <i>Title</i> (Symbol). URL — and its analogues."""
    symbol = _plain(entry.value("number"))
    if not csl.UN_SYMBOL.match(symbol):
        raise NotApplicable("un-symbol: no UN document symbol")
    if "Pub. L. No." not in text and symbol in text and f"<i>{_plain(entry.value('title'))}</i>" in text:
        raise NotApplicable("un-symbol: pandoc formats it as refkb does")
    return UN_FORMS[style](entry)


UN_FORMS: dict[str, Callable[[Entry], str]] = {
    "apa": lambda e: (
        f"{_groups(e)[0]}. ({e.value('date')[:4]}). <i>{_plain(e.value('title'))}</i> "
        f"({_plain(e.value('number'))}). {e.value('url')}"
    ),
    "chicago": lambda e: (
        f"{_groups(e)[0]}. {e.value('date')[:4]}. <i>{_plain(e.value('title'))}</i>. "
        f"{_plain(e.value('number'))}. {e.value('url')}."
    ),
    "harvard": lambda e: (
        f"{_groups(e)[0]} ({e.value('date')[:4]}) <i>{_plain(e.value('title'))}</i>. "
        f"{_plain(e.value('number'))}. Available at: {e.value('url')} (Accessed: 29 November 2026)."
    ),
    "mla": lambda e: (
        f"{_groups(e)[0]}. <i>{_plain(e.value('title'))}</i>. {_plain(e.value('number'))}, "
        f"{_mla_date(e.value('date'))}, {e.value('url')}."
    ),
}
_MONTHS = list(calendar.month_name)[1:]
_MLA_MONTHS = ["Jan.", "Feb.", "Mar.", "Apr.", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec."]


def _mla_date(date: str) -> str:
    y, m, d = date.split("-")
    return f"{int(d)} {_MLA_MONTHS[int(m) - 1]} {y}"


def public_law(text: str, entry: Entry, style: str) -> str:
    """APA 7 11.5 / Bluebook: 'Pub. L. No. 115-164', one law (pandoc reads the number as a range: 'Nos.')."""
    return _changed(text, re.sub(r"(Pub\. L\. N|, n)os\.", r"\1o.", text), "public-law")


def leading_article(text: str, entry: Entry, style: str) -> str:
    """APA 7 9.47 (and MLA, CMOS, CTR alike): works of one author are ordered by title ignoring A, An and The; pandoc
    sorts by the article. So the year letters of two works swap (2020a/2020b), or in MLA the first work of the
    author, the one not replaced by '———', is another."""
    author = _groups(entry)
    if not author or not _article_titled_sibling(entry.key, author[0]):
        raise NotApplicable("leading-article: no work of this author is titled with a leading article")
    name = html.escape(author[0], quote=False)
    if style != "mla":
        return _changed(text, re.sub(r"(\d{4})([ab])", lambda m: m[1] + "ab"["ba".index(m[2])], text, count=1), "")
    if text.startswith("———. "):
        return name + text[3:]
    if text.startswith(name + ". "):
        return "———" + text[len(name) :]
    raise NotApplicable("leading-article: neither the author nor MLA's dash begins the entry")


def _article_titled_sibling(key: str, author: str) -> bool:
    return any(
        _groups(e) == [author] and re.match(r"(?:A|An|The)\s", _plain(e.value("title"))) for e in ENTRIES.values()
    )


def data_set(text: str, entry: Entry, style: str) -> str:
    """APA 7 10.9: the description is '[Data set]', two words (the CSL file's term is 'Dataset')."""
    return _changed(text, text.replace("[Dataset]", "[Data set]"), "data-set")


def misc_document(text: str, entry: Entry, style: str) -> str:
    """biblatex @misc is CSL 'document' (as Zotero and Better BibTeX map it): APA 7 9.14 shows the month of a dated
    document ('2023, June'); Chicago and MLA quote a document's title, Chicago with its month after the publisher.
    pandoc types @misc otherwise (an italic title, the year only)."""
    if entry.type != "misc":
        raise NotApplicable("misc-document: not a @misc")
    year, month = entry.value("date")[:4], _MONTHS[int(entry.value("date")[5:7]) - 1]
    if style == "apa":
        return _changed(text, text.replace(f"({year}).", f"({year}, {month}).", 1), "misc-document")
    out = re.sub(r"<i>(.+?)</i>\.", lambda m: f"“{m[1]}.”", text, count=1)
    if style == "chicago":
        out = out[:-1] + f", {month}."
    return _changed(text, out, "misc-document")


def lowercase_given(text: str, entry: Entry, style: str) -> str:
    """APA Style (bell hooks: 'hooks, b.') and Cite Them Right: a given name its author writes in lower case is
    initialised like any other ('boyd, d.'); pandoc leaves 'danah' whole."""
    return _changed(text, re.sub(r"boyd, danah\.?", "boyd, d.", text), "lowercase-given")


@dataclass(frozen=True)
class Rule:
    reason: str
    rewrite: Callable[[str, Entry, str], str]


RULES: dict[str, Rule] = {
    "publisher-is-author": Rule("APA 7 9.24: a publisher that is the author is left out", publisher_is_author),
    "eid": Rule("APA 7 10.1 / CMOS 18: an article number where pages would be; pandoc ignores eid", article_number),
    "two-groups": Rule("APA 7 9.8, MLA 9, CMOS 18: two organisations joined without a comma", two_groups),
    "stop-words": Rule("MLA 9 and CMOS 18 8.160 lower-case these prepositions; pandoc capitalises", stop_words),
    "punctuation-in-quote": Rule(
        "MLA 9 1.3 / CMOS 18 6.9: the period inside the quotation marks", punctuation_in_quote
    ),
    "website": Rule("MLA 9 / Cite Them Right's CSL file: the website is the container of a page", website),
    "particle": Rule("APA 7 / CTR: the name as its author writes it, particle first", particle),
    "tex-escape": Rule("pandoc leaves TeX's '\\&' in a series; refkb decodes TeX", tex_escape),
    "subtitle-capital": Rule("APA 7 6.17: capital after a colon in a title", subtitle_capital),
    "container-case": Rule("a proceedings title or series is a name, printed as stored", container_case),
    "un-symbol": Rule("APA 7 11.9: a UN resolution is a document with its symbol, not a US public law", un_symbol),
    "public-law": Rule("APA 7 11.5: 'Pub. L. No.', one law", public_law),
    "leading-article": Rule("APA 7 9.47: titles ordered ignoring A, An, The", leading_article),
    "data-set": Rule("APA 7 10.9: '[Data set]'", data_set),
    "misc-document": Rule("biblatex @misc is a CSL document (month, quoted title)", misc_document),
    "lowercase-given": Rule("APA 7 (bell hooks): a lower-case given name is initialised, 'boyd, d.'", lowercase_given),
}


def _each(rule: str, pairs: str) -> dict[tuple[str, str], tuple[str, ...]]:
    """'key:style,style key:style' as {(key, style): (rule,)}."""
    out: dict[tuple[str, str], tuple[str, ...]] = {}
    for part in pairs.split():
        key, styles_ = part.split(":")
        out.update({(key, s): (rule,) for s in styles_.split(",")})
    return out


_APA_PUBLISHER = (
    "amnesty2025someone asa2017behind consejociudadano2023trata dos2024trafficking ec2020eu ecpat2022disrupting "
    "europol2016situation gao2021sex hrw2024ilearned hti2021federal ijm2020online ilo2022global mjsp2025relatorio "
    "ohchr2023online osce2022recommendations polaris2017typology polaris2018onramps polaris2024human siltac2025primer "
    "thorn2018survivor unodc2015study unodc2024global unodc2024transnational unodc2025inflection weprotect2019global"
)
_EID = "busza2023accidental cheng2022online dimas2022operations jonsson2014without jonsson2019online khan2025exploring "
_EID += "lhoiry2022policing musto2021antitrafficking wefers2024understanding"
_WEBSITES = "csdndimproving davis2019opensourcing downing2019deputy ecpatndsummary gifctndabout guardiolandespacios "
_WEBSITES += "kavenagh2023child migrantrights2016recruiting walkfree2023antisocial"
_MLA_STOP = "ec2020eu europol2014increased insoll2024factors jamil2021centering joleby2021experiences "
_MLA_STOP += (
    "limoncelli2020theres moran2021misinformation observer2021transnational polaris2024human christensen2024like"
)

# (key, style) -> the rules, applied in order, that turn pandoc's entry into refkb's.
ACCEPTED: dict[tuple[str, str], tuple[str, ...]] = {
    **{(k, "apa"): ("publisher-is-author",) for k in _APA_PUBLISHER.split()},
    **{(k, s): ("eid",) for k in _EID.split() for s in ("apa", "chicago")},
    **{(k, s): ("website",) for k in _WEBSITES.split() for s in ("harvard", "mla")},
    **{(k, "mla"): ("stop-words",) for k in _MLA_STOP.split()},
    **_each("two-groups", "fatf2018financial:chicago,mla ijm2023scale:chicago,mla ilo2021promoting:chicago,mla"),
    **_each("two-groups", "osce2020leveraging:apa,chicago,mla"),
    **_each("punctuation-in-quote", "amnesty2025someone:chicago,mla levine2022how:chicago,mla"),
    **_each("container-case", "antonopoulos2020technology:harvard kejriwal2017information:harvard"),
    **_each("container-case", "moran2021misinformation:harvard tong2017combating:apa,harvard"),
    **_each("particle", "desantisteban2018progression:apa,harvard"),
    **_each("tex-escape", "napier2021live:apa,chicago,harvard,mla"),
    **_each("subtitle-capital", "observer2021transnational:apa,harvard"),
    **_each("un-symbol", "un2000protocol:apa,chicago,harvard,mla unga2010globalplan:apa,chicago,harvard,mla"),
    **_each("public-law", "uscongress2018allow:apa,chicago,mla"),
    **_each("leading-article", "europol2020challenges:chicago,harvard,mla europol2020internet:apa,chicago,harvard"),
    **_each("lowercase-given", "musto2014traffickingtechnology:apa,harvard thakor2013networked:apa,harvard"),
    **_each("stop-words", "christensen2024like:chicago"),
    ("fatf2018financial", "apa"): ("two-groups", "publisher-is-author"),
    ("ijm2023scale", "apa"): ("two-groups", "publisher-is-author"),
    ("ilo2021promoting", "apa"): ("two-groups", "publisher-is-author"),
    ("europol2020challenges", "apa"): ("leading-article", "publisher-is-author"),
    ("ecpatndsummary", "mla"): ("website",),
    ("europol2014increased", "mla"): ("stop-words", "leading-article"),
    ("iom2017counter", "apa"): ("data-set", "publisher-is-author"),
    ("interpol2023interpol", "apa"): ("misc-document", "publisher-is-author"),
    ("interpol2023interpol", "chicago"): ("misc-document",),
    ("interpol2023interpol", "mla"): ("misc-document",),
}

# Where pandoc (with the entry's accepted rules, if any) prints what the manual wants and refkb does not: each is a
# test that fails (xfail strict) until refkb is fixed, with the reason.
_OUT = (
    "MLA 9 / CMOS 18: 'out' in 'Reaching Out' is an adverb (a phrasal verb) and is capitalised; CSL's list cannot tell"
)
_SPANISH = (
    "MLA 9 (names in Spanish): the particle 'de' follows the given name ('Santisteban, Patricia de'); refkb gives "
    "biblatex's von part to CSL as a non-dropping particle (biblatex cannot tell a Spanish 'de' from a Dutch 'van'), "
    'which the CSL file (demote-non-dropping-particle="never") keeps before the surname'
)
KNOWN_FAILURES: dict[tuple[str, str], str] = {
    ("polaris2020more", "chicago"): _OUT,
    ("polaris2020more", "mla"): _OUT,
    ("desantisteban2018progression", "mla"): _SPANISH,
    (
        "ecpatndsummary",
        "mla",
    ): "MLA 9 (several works by one author): '———' stands for the same author(s) as the entry before; the entry before "
    "is 'ECPAT International, et al.' (three organisations), not ECPAT International alone: the CSL file's "
    "subsequent-author-substitute (rule 'complete-all') compares the names it prints, which et-al-min 3 cuts to the "
    "first, so citeproc-js prints the dash",
}


def _cases() -> list[object]:
    out: list[object] = []
    for key in ENTRIES:
        for style in styles.ORDER:
            reason = KNOWN_FAILURES.get((key, style))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            out.append(pytest.param(key, style, marks=marks, id=f"{key}-{style}"))
    return out


def expected(key: str, style: str) -> str:
    """pandoc's entry with the accepted rules applied: what refkb must print."""
    text = canonical(library().theirs[style].get(key, ""))
    for rule in ACCEPTED.get((key, style), ()):
        text = RULES[rule].rewrite(text, ENTRIES[key], style)
    return text


@pytest.mark.parametrize(("key", "style"), _cases())
def test_each_entry_equals_pandocs_after_its_rules(key: str, style: str) -> None:
    ours = canonical(library().ours[key][style].html)
    assert ours == expected(key, style), ACCEPTED.get((key, style), "no accepted difference")


def test_the_table_names_known_rules_only() -> None:
    assert {r for rules in ACCEPTED.values() for r in rules} == set(RULES)
    assert set(ACCEPTED) | set(KNOWN_FAILURES) <= {(k, s) for k in ENTRIES for s in styles.ORDER}


@pytest.mark.parametrize(
    ("fragment", "form"),
    [
        (
            '<i>La psychologie <span style="font-style:normal;">[The child]</span></i>.',
            "<i>La psychologie</i> [The child].",
        ),
        ("<em>PLOS ONE</em>, <em>17</em>(8)", "<i>PLOS ONE</i>, <i>17</i>(8)"),
        ('<i>A </i><i>b</i> <span class="smallcaps">Sc</span>', "<i>A b</i> <sc>Sc</sc>"),
        ('<span style="font-variant:small-caps;">Doe</span> &#38; <b>x</b>', "<sc>Doe</sc> &amp; <b>x</b>"),
        ('<a href="https://x.org">https://x.org</a>', "https://x.org"),
    ],
)
def test_markup_is_compared_in_one_canonical_form(fragment: str, form: str) -> None:
    assert canonical(fragment) == form


def test_a_rule_refuses_a_difference_of_another_shape() -> None:
    entry = ENTRIES["busza2023accidental"]
    with pytest.raises(NotApplicable):
        RULES["publisher-is-author"].rewrite("Busza, J. (2023). Title. <i>X</i>.", entry, "apa")
    with pytest.raises(NotApplicable):
        RULES["stop-words"].rewrite("Busza, Joanna. “Accidental Traffickers.”", entry, "mla")
    with pytest.raises(NotApplicable):  # 'Between' is right in Chicago 18: the rule does not lower it there
        RULES["stop-words"].rewrite("“The Link Between the Internet and Trafficking.”", entry, "chicago")


# ---------------------------------------------------------------------------------------------------------------
# The order of each reference list.

_LEADING = re.compile(r"(?:A|An|The)\s", re.I)


def _filed_under(key: str) -> tuple[str, ...]:
    """What a list files a work under: its first group author, its title, and an unsigned article's newspaper."""
    e = ENTRIES[key]
    return (*_groups(e)[:1], _plain(e.value("title")), "" if e.value("author") else _plain(e.value("journaltitle")))


@pytest.mark.parametrize("style", styles.ORDER)
def test_reference_list_order_agrees_with_pandoc(style: str) -> None:
    lib = library()
    keys = list(ENTRIES)
    theirs = lib.order[style]
    ours = sorted(keys, key=lambda k: lib.ours[k][style].order)
    # Left out, each for its rule: pandoc files the UN instruments as US laws by title ("un-symbol"), "de
    # Santisteban" under S ("particle"), a work under the article of its title or group author ("leading-article");
    # "L’Hoiry" files as "LHoiry" after "Latonero" in citeproc-js (APA 7 9.46: letter by letter, the apostrophe
    # ignored), before it in pandoc; the same author as "Jennifer" and "Jennifer Lynne" Musto: APA 9.46 files
    # "nothing before something" (Musto, J. before Musto, J. L.), pandoc by year (not in MLA, which spells names).
    left_out = {"un2000protocol", "unga2010globalplan", "desantisteban2018progression", "lhoiry2022policing"}
    left_out |= {k for k in keys if any(_LEADING.match(t) for t in _filed_under(k))}
    if style != "mla":
        left_out |= {k for k in keys if k.startswith("musto")}
    assert [k for k in ours if k not in left_out] == [k for k in theirs if k not in left_out]


# ---------------------------------------------------------------------------------------------------------------
# In-text citations.

CLUSTERS = [
    "[@latonero2012rise; @latonero2011human]",
    "[@uscongress2018allow; @unodc2021global; @dos2024trafficking]",
    "[@polaris2018onramps; @polaris2017typology, p. 12]",
    "[see @gezinski2022sex, pp. 3-4]",
    "[-@blunt2020erased]",
]
# The one in-text difference: one author's works collapsed after a cite with a locator. pandoc separates the next
# year with the layout's delimiter ("2017, p. 12; 2018"), citeproc-js with the cite-group delimiter ("2017, p. 12,
# 2018"), as APA 7 8.12 separates one author's years (", "); the styles set no after-collapse-delimiter.
CLUSTER_ACCEPTED = {2: (r"(\d); (\d{4})", r"\1, \2")}


@pytest.mark.parametrize("style", ["apa", "chicago", "harvard"])
def test_in_text_citations_agree_with_pandoc(style: str) -> None:
    from refkb import citations, intext
    from refkb.refs import Ref

    bib = list(ENTRIES.values())
    items = [csl.item(e) for e in bib]
    renderer = styles.Renderer(None)
    rendered = renderer.render(items, (style,))
    refs = {e.key: Ref(e, it, rendered[e.key]) for e, it in zip(bib, items, strict=True)}
    out = _pandoc(style, "\n\n".join(CLUSTERS) + "\n", _BIB)
    theirs = [canonical(x) for x in re.findall(r"<p>(.*?)</p>", out, re.S)]
    ours = [
        canonical(str(intext.intext(c, refs, style, "topics/x/", renderer.cluster)))
        for c in citations.find("\n\n".join(CLUSTERS))
    ]
    assert len(ours) == len(theirs) == len(CLUSTERS)
    for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        if i in CLUSTER_ACCEPTED:
            b = _changed(b, re.sub(*CLUSTER_ACCEPTED[i], b), "after-collapse-delimiter")
        assert a == b, CLUSTERS[i]


def test_pandoc_is_available() -> None:
    assert Path(pypandoc.get_pandoc_path()).exists()


def table() -> str:
    """DEVELOPMENT.md's table of the oracle: per style, entries, equal to pandoc, accepted (rule: count), known
    failures."""
    lines = [
        "| style | entries | equal to pandoc | accepted differences (rule: count) | known failures |",
        "|---|---|---|---|---|",
    ]
    for style in styles.ORDER:
        rules = Counter(r for (_, s), rs in ACCEPTED.items() if s == style for r in rs)
        differ = {k for (k, s) in ACCEPTED if s == style} | {k for (k, s) in KNOWN_FAILURES if s == style}
        shown = ", ".join(f"{r} {n}" for r, n in sorted(rules.items(), key=lambda x: (-x[1], x[0])))
        failing = sum(1 for (_, s) in KNOWN_FAILURES if s == style)
        label = styles.STYLES[style].label
        lines.append(f"| {label} | {len(ENTRIES)} | {len(ENTRIES) - len(differ)} | {shown} | {failing} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(table() + "\n")
