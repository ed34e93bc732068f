"""refkb.keys: the slug a key's pages are named by, and the knowledge base's key convention."""

from __future__ import annotations

import pytest

from refkb import bibfile, keys
from refkb.model import Entry


@pytest.mark.parametrize(
    ("key", "slug"),
    [
        ("polaris2018onramps", "polaris2018onramps"),  # a safe key is its own slug
        ("AntoEtal24", "antoetal24"),
        ("Smith:2020a", "smith-2020a"),
        ("vanDijk2019", "vandijk2019"),
        ("LeCun_2015", "lecun-2015"),
        ("Ngugi.1986", "ngugi-1986"),
        ("Müller2020", "muller2020"),
        ("--x--", "x"),
        ("???", "entry"),
        ("科学", "entry"),
    ],
)
def test_slug(key: str, slug: str) -> None:
    assert keys.slug(key) == slug
    assert keys.SAFE.match(keys.slug(key))


def _entry(fields: str) -> Entry:
    return bibfile.parse_text("@article{k,\n" + fields + "}\n", "t.bib").entries[0]


TONG = "author = {Tong, Hanghang} | title = {Combating human trafficking} | date = {2017}"
BERG = "author = {van der Berg, Jan} | title = {The data} | year = {2020}"

# (the entry's fields, separated by ' | '; a key; whether the key follows the convention)
CONVENTION_CASES = [
    (TONG, "tong2017combating", True),
    (TONG, "tong2017comb", True),  # a title word cut after four letters or more
    (TONG, "tong2017combating-2", True),
    (TONG, "tong2018combating", False),
    (TONG, "tong2017human", False),
    (TONG, "tong2017com", False),
    (
        "author = {{Polaris Project}} | shortauthor = {Polaris} | title = {On-ramps} | date = {2018}",
        "polaris2018onramps",
        True,
    ),
    (
        "author = {{United Nations General Assembly}} | title = {Global plan} | date = {2010}",
        "unga2010globalplan",
        True,
    ),
    (BERG, "berg2020data", True),
    (BERG, "vanderberg2020data", True),
    ("author = {Smith, Jane} | title = {About}", "smithndabout", True),
    ("author = {Smith, Jane} | title = {About}", "smithnd", False),
    ("journaltitle = {The Washington Post} | title = {A story} | date = {2019}", "washingtonpost2019story", True),
]


@pytest.mark.parametrize(("fields", "key", "follows"), CONVENTION_CASES)
def test_key_follows(fields: str, key: str, follows: bool) -> None:
    e = _entry("".join(f"  {f.strip()},\n" for f in fields.split(" | ")))
    assert keys.key_follows(key, keys.key_parts(e)) is follows


@pytest.mark.parametrize(
    ("title", "words"),
    [
        ("The Use of Data in Anti-Trafficking", ["use", "data", "antitrafficking"]),
        ("United Nations Global Plan", ["global", "plan"]),
        ("{COVID-19} and 21st century work", ["covid19", "century", "work"]),
        ("Café économie", ["cafe", "economie"]),
    ],
)
def test_title_words(title: str, words: list[str]) -> None:
    assert keys.title_words(title) == words


@pytest.mark.parametrize(
    ("name", "families"),
    [
        ("Smith, Jane", ["Smith"]),
        ("Jane Smith", ["Smith"]),
        ("van der Berg, Jan", ["van der Berg", "Berg"]),
        ("{\\'E}mile Zola", ["Zola", "Zola"]),
    ],
)
def test_family_names(name: str, families: list[str]) -> None:
    assert keys.family_names(name) == families
