"""refkb.coded: cells, gaps and shares on the tiny coded library of tests/data/sites/evidence, and the coding's
exports read back with the standard library."""

from __future__ import annotations

import csv
import io
import json

import pytest

from codedlib import axes_fixture, scheme_fixture, sources_fixture  # noqa: F401  (fixtures: scheme, srcs, ax)
from refkb import coded
from refkb.coding import Scheme


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
    ax: dict[str, coded.Axis],
    srcs: list[coded.Source],
    rows: str,
    cols: str,
    row: str,
    col: str,
    keys: set[str],
    primary: int,
    state: str,
) -> None:
    cell = coded.cells(srcs, ax[rows], ax[cols])[(row, col)]
    assert set(cell.keys) == keys
    assert cell.primary == primary
    assert coded.state_of(cell) == state


def test_platform_axis_lists_only_platforms_in_use(ax: dict[str, coded.Axis]) -> None:
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


def test_csv_and_json_exports_have_one_row_per_source(srcs: list[coded.Source], scheme: Scheme) -> None:
    rows = list(csv.DictReader(io.StringIO(coded.coding_csv(srcs, scheme, "https://kb.example/"))))
    assert len(rows) == len(srcs) == 8
    assert set(rows[0]) == set(coded.EXPORT_COLUMNS)
    hill = next(r for r in rows if r["key"] == "hill2024classifieds")
    assert hill["regions"] == "us; ca"
    assert hill["m49_regions"] == "americas"
    assert hill["page"] == "https://kb.example/references/hill2024classifieds/"
    text = coded.coding_json(srcs, scheme)
    records = json.loads(text)
    assert [r["key"] for r in records] == [r["key"] for r in rows]
    assert [json.loads(line.rstrip(",")) for line in text.splitlines()[1:-1]] == records  # one record a line
    assert json.loads(coded.coding_json([], scheme)) == []
    assert next(r for r in records if r["key"] == "hill2024classifieds")["platforms"] == ["backpage", "craigslist"]
