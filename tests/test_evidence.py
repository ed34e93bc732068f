"""The evidence map's page functions on the tiny coded library of tests/data/sites/evidence: cells, gaps and
shares, exports read back with the standard library, every vocabulary value on the methodology table, and hostile
coding values escaped."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from markupsafe import Markup

from conftest import DATA, ROOT
from refkb import bibfile, csl, evidence, pages, project
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


@pytest.fixture(scope="module")
def scheme() -> Scheme:
    proj = project.load(ROOT)
    assert proj.coding is not None
    return proj.coding


def refs_of(text: str) -> list[pages.Ref]:
    bib = bibfile.parse_text(text, "references.bib")
    return [pages.Ref(e, csl.item(e), {}) for e in bib.entries]


@pytest.fixture(scope="module")
def srcs(scheme: Scheme) -> list[evidence.Source]:
    return evidence.sources(refs_of(BIB.read_text(encoding="utf-8")), scheme)


@pytest.fixture(scope="module")
def ax(srcs: list[evidence.Source], scheme: Scheme) -> dict[str, evidence.Axis]:
    return evidence.axes(srcs, scheme, TOPICS, ["ngo", "intergovernmental", "government", "academic", "law"])


@pytest.mark.parametrize(
    ("rows", "cols", "row", "col", "keys", "primary", "state"),
    [
        (
            "topic",
            "design",
            "recruitment-grooming",
            "quantitative",
            {"baker2019grooming", "fox2022livestreamed"},
            2,
            "thin",
        ),
        ("topic", "design", "recruitment-grooming", "narrative-review", {"evans2023social"}, 0, "thin"),
        ("topic", "design", "legal-jurisdiction", "quantitative", set(), 0, "gap"),
        (
            "topic",
            "category",
            "recruitment-grooming",
            "social-network",
            {"adams2021recruiting", "baker2019grooming", "evans2023social", "fox2022livestreamed"},
            3,
            "ok",
        ),
        ("topic", "category", "legal-jurisdiction", "general", {"green2018jurisdiction"}, 0, "thin"),
        ("topic", "region", "recruitment-grooming", "asia", {"clark2022shortvideo", "fox2022livestreamed"}, 2, "thin"),
        (
            "topic",
            "region",
            "advertising-transactions",
            "americas",
            {"davis2020advertising", "hill2024classifieds"},
            2,
            "thin",
        ),
        (
            "platform",
            "form",
            "instagram",
            "sex-trafficking",
            {"adams2021recruiting", "baker2019grooming", "davis2020advertising"},
            3,
            "ok",
        ),
        ("platform", "form", "social-network", "sex-trafficking", {"evans2023social"}, 0, "thin"),
    ],
)
def test_cells_count_sources_and_primary_studies(
    ax: dict[str, evidence.Axis],
    srcs: list[evidence.Source],
    rows: str,
    cols: str,
    row: str,
    col: str,
    keys: set[str],
    primary: int,
    state: str,
) -> None:
    cell = evidence.cells(srcs, ax[rows], ax[cols])[(row, col)]
    assert set(cell.keys) == keys
    assert cell.primary == primary
    assert evidence.state_of(cell) == state


def test_platform_axis_lists_only_platforms_in_use(ax: dict[str, evidence.Axis]) -> None:
    assert [s for s, _ in ax["platform"].values] == [
        "facebook",
        "instagram",
        "whatsapp",
        "backpage",
        "craigslist",
        "tiktok",
        "social-network",
    ]
    assert ax["region"].values[0] == ("global", "Global")


def test_svg_and_table_mark_gaps_and_thin_cells(ax: dict[str, evidence.Axis], srcs: list[evidence.Source]) -> None:
    svg = evidence.view_svg(srcs, ax["topic"], ax["design"], "dashboard/")
    table = evidence.view_table(srcs, ax["topic"], ax["design"], "dashboard/")
    assert svg.count("refkb-bubble--gap") == sum(
        not c.n for c in evidence.cells(srcs, ax["topic"], ax["design"]).values()
    )
    assert 'role="img"' in svg
    assert "<a " not in svg
    assert "(gap)" in table
    assert "(thin)" in table
    assert (
        '<a href="../references/?topic=recruitment-grooming&amp;design=quantitative">2 · 100% primary (thin)</a>'
        in (table)
    )


def test_csv_and_json_exports_have_one_row_per_source(srcs: list[evidence.Source], scheme: Scheme) -> None:
    rows = list(csv.DictReader(io.StringIO(evidence.coding_csv(srcs, scheme, "https://kb.example/"))))
    assert len(rows) == len(srcs) == 8
    assert set(rows[0]) == set(evidence.EXPORT_COLUMNS)
    hill = next(r for r in rows if r["key"] == "hill2024classifieds")
    assert hill["regions"] == "us; ca"
    assert hill["m49_regions"] == "americas"
    assert hill["page"] == "https://kb.example/references/hill2024classifieds/"
    records = json.loads(evidence.coding_json(srcs, scheme))
    assert [r["key"] for r in records] == [r["key"] for r in rows]
    assert next(r for r in records if r["key"] == "hill2024classifieds")["platforms"] == ["backpage", "craigslist"]


def test_methodology_table_lists_every_value_with_its_definition(scheme: Scheme) -> None:
    html = evidence.vocabulary_tables(scheme)
    for d in scheme.dimensions:
        for v in d.values:
            assert f"<code>{v.slug}</code>" in html, v.slug
            assert str(Markup.escape(v.definition)) in html, v.slug
    for c in scheme.categories:
        assert f"<code>{c.slug}</code>" in html
    assert "Primary empirical studies are sources whose design is one of" in html


def test_facets_and_rows_carry_expanded_values(srcs: list[evidence.Source], scheme: Scheme) -> None:
    facets = evidence.library_facets(srcs, scheme)
    assert 'name="platforms" value="social-network"' in facets
    assert re.search(r'value="ph"> Philippines <span class="refkb-facet-count">2</span>', facets)
    fox = next(s for s in srcs if s.key == "fox2022livestreamed")
    attrs = evidence.row_attrs(scheme)(fox.ref)
    assert 'data-platforms="instagram whatsapp social-network messaging"' in attrs
    assert 'data-regions="ph south-eastern-asia asia"' in attrs


HOSTILE = """@article{evil2020x,
  author = {Evil, Eve},
  title = {A title},
  journaltitle = {J},
  date = {2020},
  keywords = {recruitment-grooming},
  sourcekind = {academic},
  platforms = {<img src=x onerror=alert(1)>, instagram},
  regions = {"><script>alert(1)</script>},
  design = {qualitative},
}
"""


def test_hostile_coding_values_are_escaped(scheme: Scheme, tmp_path: Path) -> None:
    srcs = evidence.sources(refs_of(HOSTILE), scheme)
    ax = evidence.axes(srcs, scheme, TOPICS, ["academic"])
    html = str(evidence.coding_block(srcs[0].ref, scheme, "references/evil2020x/"))
    html += str(evidence.library_facets(srcs, scheme)) + str(evidence.row_attrs(scheme)(srcs[0].ref))
    html += str(evidence.explorer(srcs, ax, "dashboard/"))
    html += str(evidence.regions_page(srcs, scheme, "regions/", lambda m: str(m)))
    assert "<img" not in html
    assert "<script>alert" not in html
    assert "</script><" not in html.replace("</script></div>", "")
