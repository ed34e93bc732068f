"""The knowledge base itself: references.bib and its annotation pages pass every check."""

from __future__ import annotations

import re

import pytest

from conftest import ROOT
from refkb import annotation, bibfile, project
from refkb.checks import suite

PROJECT = project.load(ROOT)
BIB = bibfile.read(PROJECT.bibliography)


def test_references_bib_validates_clean() -> None:
    _, issues = suite.validate_project(PROJECT)
    assert [i.render() for i in issues] == []


def test_references_bib_is_canonical() -> None:
    assert bibfile.format_text(BIB) == PROJECT.bibliography.read_text(encoding="utf-8")


def test_vocabulary_is_the_eleven_topics() -> None:
    assert len(PROJECT.topics) == 11
    assert len(PROJECT.topic_slugs) == 11


@pytest.mark.parametrize("key", [e.key for e in BIB.entries])
def test_annotation_is_complete(key: str) -> None:
    note = annotation.read(PROJECT.annotations / f"{key}.md")
    words = len(re.findall(r"\b\w+\b", note.body))
    assert 150 <= words <= 450, f"{key}: {words} words"
    assert note.verified_at
    assert all(u.startswith(("https://", "http://")) for u in note.verified_at)
    assert note.verified_on is not None


@pytest.mark.parametrize(
    "key", ["polarisndhumantrafficking", "ncmecndonlineenticement", "thorn2015spotlight", "unga2010globalplan"]
)
def test_the_overview_seed_sources_are_present(key: str) -> None:
    assert key in {e.key for e in BIB.entries}
