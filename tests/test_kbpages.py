"""refkb.kbpages: a reference page's list of the claims citing its work, from the ledger indexed once."""

from __future__ import annotations

import re

import pytest

from refkb import kbdata, kbpages


def _claim(n: int, *evidence: str) -> kbdata.Claim:
    return kbdata.Claim(f"C{n}", "Section", f"Claim {n}", "supported", evidence, "", "", n)


LEDGER = (
    _claim(1, "doe2019", "roe2020"),
    _claim(2, "roe2020"),
    _claim(3, "doe2019", "doe2019"),  # a work cited twice by one claim is listed once
    _claim(4),
)


@pytest.mark.parametrize(
    ("key", "ids"),
    [
        ("doe2019", ["C1", "C3"]),
        ("roe2020", ["C1", "C2"]),  # in the ledger's order
        ("lee2022", []),
    ],
)
def test_claims_for_lists_the_claims_citing_the_work(key: str, ids: list[str]) -> None:
    html = str(kbpages.claims_for(key, LEDGER, "references/x/"))
    assert re.findall(r'#(C\d)">', html) == ids
    assert ids == [c.id for c in LEDGER if key in c.evidence]  # what a scan of the whole ledger finds
    if not ids:
        assert "does not cite this source" in html


def test_a_new_ledger_is_indexed_again() -> None:
    assert "#C1" in str(kbpages.claims_for("doe2019", LEDGER, "references/x/"))
    edited = (_claim(5, "doe2019"),)  # a serve rebuild after the ledger changed
    html = str(kbpages.claims_for("doe2019", edited, "references/x/"))
    assert re.findall(r'#(C\d)">', html) == ["C5"]
