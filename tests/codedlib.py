"""The tiny coded library of tests/data/sites/evidence, shared by the tests of the evidence map's modules."""

from __future__ import annotations

import pytest

from conftest import DATA, ROOT
from refkb import bibfile, coded, csl, project, refs
from refkb.coding import Scheme
from refkb.project import Topic

BIB = DATA / "sites" / "evidence" / "references.bib"
TOPICS = [
    Topic(s, s.replace("-", " ").capitalize(), "S")
    for s in (
        "recruitment-grooming",
        "advertising-transactions",
        "detection-monitoring",
        "legal-jurisdiction",
        "data-measurement",
    )
]
KINDS = ["ngo", "intergovernmental", "government", "academic", "law"]


def scheme() -> Scheme:
    proj = project.load(ROOT)
    assert proj.coding is not None
    return proj.coding


def refs_of(text: str) -> list[refs.Ref]:
    bib = bibfile.parse_text(text, "references.bib")
    return [refs.Ref(e, csl.item(e), {}) for e in bib.entries]


def sources(scheme: Scheme) -> list[coded.Source]:
    return coded.sources(refs_of(BIB.read_text(encoding="utf-8")), scheme)


# The fixtures of the modules that test on this library: `from codedlib import scheme_fixture, ...` (noqa F401).
scheme_fixture = pytest.fixture(scope="module", name="scheme")(scheme)


@pytest.fixture(scope="module", name="srcs")
def sources_fixture(scheme: Scheme) -> list[coded.Source]:
    return sources(scheme)


@pytest.fixture(scope="module", name="ax")
def axes_fixture(srcs: list[coded.Source], scheme: Scheme) -> dict[str, coded.Axis]:
    return coded.axes(srcs, scheme, TOPICS, KINDS)
