"""refkb.appraisal and the checks that keep the trail honest (refkb.checks: appraisal, trail, names): each code at
its line, the confidence rule as a table, and an appraisal on a built reference page."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ANNOTATION, TODAY, codes_found, write_project
from refkb import appraisal, project
from refkb.checks import names, suite

APPRAISAL_CODES = {
    "missing-appraisal",
    "appraisal-invalid",
    "appraisal-item-missing",
    "appraisal-answer",
    "appraisal-reason",
    "appraisal-instrument",
    "low-trust-host",
    "name-variant",
}

BIB = """@report{ngo2020report,
  author = {{An NGO}},
  title = {A report},
  institution = {{An NGO}},
  date = {2020},
  keywords = {data-measurement},
  sourcekind = {ngo},
  design = {grey-report},
}
"""

ITEMS = {
    "authority": "yes",
    "accuracy": "unclear",
    "coverage": "yes",
    "objectivity": "no",
    "date": "yes",
    "significance": "yes",
}


def block(items: dict[str, str], instrument: str = "aacods", reason: str = "What the stored page shows.") -> str:
    out = f"appraisal:\n  instrument: {instrument}\n"
    for name, answer in items.items():
        out += f'  {name}: {{answer: "{answer}", reason: "{reason}"}}\n'
    return out


def note(front: str) -> str:
    return ANNOTATION.replace("verified_on: 2026-11-29\n", "verified_on: 2026-11-29\n" + front)


def found(tmp_path: Path, text: str, bib: str = BIB) -> list[str]:
    root = write_project(tmp_path, bib, {"ngo2020report": text})
    return codes_found(root, "    appraisal: required\n", APPRAISAL_CODES)


# Lines: the annotation's front matter starts at line 2; verified_at's item at 3; the appraisal block at 5.
@pytest.mark.parametrize(
    ("front", "expected"),
    [
        (block(ITEMS), []),
        ("", ["2 missing-appraisal"]),  # no block: reported where the front matter starts
        ("appraisal: yes\n", ["5 appraisal-invalid"]),
        (block(ITEMS, instrument="checklist"), ["6 appraisal-invalid"]),
        (block({k: v for k, v in ITEMS.items() if k != "date"}), ["5 appraisal-item-missing"]),
        (block({**ITEMS, "date": "maybe"}), ["11 appraisal-answer"]),
        (block(ITEMS, reason=" "), [f"{n} appraisal-reason" for n in range(7, 13)]),
        (block({**ITEMS, "rigour": "yes"}), ["13 appraisal-invalid"]),
        # YAML 1.1 reads an unquoted yes as true: taken as the word written
        (block(ITEMS).replace('"yes"', "yes"), []),
    ],
)
def test_appraisal_codes_at_their_lines(tmp_path: Path, front: str, expected: list[str]) -> None:
    assert found(tmp_path, note(front)) == expected


def test_the_instrument_follows_the_design() -> None:
    items = {n: {"answer": "yes", "reason": "Shown."} for n in appraisal.INSTRUMENTS["empirical"]}
    value = {"instrument": "empirical", **items}
    assert appraisal.read(value, "empirical")[1] == []
    _, problems = appraisal.read(value, "aacods")  # a grey report appraised as a study
    assert [(p.code, p.item) for p in problems] == [("appraisal-instrument", "instrument")]
    assert appraisal.read(value, None)[1] == []  # no coding scheme: any instrument


def test_empirical_designs_call_for_the_empirical_instrument() -> None:
    assert appraisal.instrument_for(["qualitative"], {"qualitative", "quantitative"}) == "empirical"
    assert appraisal.instrument_for(["journalism"], {"qualitative"}) == "aacods"


E = "empirical"


@pytest.mark.parametrize(
    ("instrument", "answers", "expected"),
    [
        (E, {"peer_reviewed": "yes", "method_stated": "yes", "sample_described": "yes", "independent": "yes"}, "high"),
        (
            E,
            {"peer_reviewed": "yes", "method_stated": "yes", "sample_described": "yes"},
            "moderate",
        ),  # independence unclear
        (
            E,
            {"peer_reviewed": "no", "method_stated": "yes", "sample_described": "yes", "independent": "yes"},
            "moderate",
        ),
        (E, {"peer_reviewed": "yes", "method_stated": "no", "sample_described": "yes", "independent": "yes"}, "low"),
        (E, {"peer_reviewed": "no", "independent": "no", "method_stated": "yes", "sample_described": "yes"}, "low"),
        ("aacods", {"authority": "yes", "accuracy": "yes", "coverage": "yes", "objectivity": "yes"}, "high"),
        ("aacods", {"authority": "yes", "accuracy": "yes", "coverage": "yes", "objectivity": "no"}, "moderate"),
        ("aacods", {"authority": "no", "accuracy": "yes", "coverage": "yes", "objectivity": "yes"}, "low"),
        ("aacods", {}, "moderate"),  # every item unclear
    ],
)
def test_confidence_rule(instrument: str, answers: dict[str, str], expected: str) -> None:
    items = tuple(appraisal.Item(n, answers.get(n, "unclear"), "A reason.") for n in appraisal.INSTRUMENTS[instrument])
    assert appraisal.confidence(appraisal.Appraisal(instrument, items)) == expected


@pytest.mark.parametrize(
    ("trail", "expected"),
    [
        ("  - https://example.org/page\n", []),
        ("  - https://www.pdfcoffee.com/some-copy\n", []),  # a mirror: allowed in the trail
        (
            "  - https://documents.pub-like.example/x\n  - https://dokumen.tips/copy\n",
            ["4 low-trust-host"],
        ),  # at its own line
        ('  - {url: "https://dokumen.tips/copy", note: "the issuer\'s page is not stored"}\n', []),
    ],
)
def test_low_trust_hosts_in_the_trail(tmp_path: Path, trail: str, expected: list[str]) -> None:
    text = note(block(ITEMS)).replace("  - https://example.org/where-it-was-checked\n", trail)
    assert found(tmp_path, text) == expected


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("J.", "J. L.", True),
        ("Jennifer", "J. L.", True),
        ("Jennifer", "Jennifer Lynne", True),
        ("Jennifer", "Jane", False),
        ("J.", "K.", False),
        ("J. L.", "J. M.", False),
        ("Jean-Paul", "J.-P.", True),
        ("Jennifer", "Jennifer", False),  # one spelling: nothing to report
    ],
)
def test_same_person(a: str, b: str, same: bool) -> None:
    assert names.same_person(a, b) is same


def test_name_variant_is_reported_with_both_entries(tmp_path: Path) -> None:
    bib = BIB + (
        "@article{musto2014a,\n  author = {Musto, Jennifer Lynne and boyd, danah},\n  title = {A},\n"
        "  journaltitle = {J},\n  date = {2014},\n}\n"
        "@article{musto2020b,\n  author = {Musto, J. and Other, Ann},\n  title = {B},\n"
        "  journaltitle = {J},\n  date = {2020},\n}\n"
    )
    root = write_project(tmp_path, bib, {"ngo2020report": ANNOTATION})
    _, issues = suite.validate_project(project.load(root), today=TODAY)
    variants = [i for i in issues if i.code == "name-variant"]
    assert [(i.key, i.line) for i in variants] == [("musto2020b", 17)]
    assert "[musto2014a]" in variants[0].message
    assert variants[0].level.value == "warning"


def _meta(items: dict[str, str]) -> dict[str, object]:
    return {
        "appraisal": {"instrument": "aacods", **{n: {"answer": a, "reason": "A reason."} for n, a in items.items()}}
    }


@pytest.mark.parametrize(
    ("second", "read_again"),
    [
        ("the same front matter", set()),
        ("an equal front matter, another object", {"a"}),  # serve read the annotation again: read it again
        ("a changed answer", {"a"}),
    ],
)
def test_of_notes_reads_again_only_another_front_matter(second: str, read_again: set[str]) -> None:
    metas: dict[str, dict[str, object]] = {"a": _meta(ITEMS), "b": _meta(ITEMS), "none": {}}
    memo: dict[str, appraisal.ReadFrom] = {}
    first = appraisal.of_notes(metas, memo)
    assert set(first) == {"a", "b"}
    assert set(memo) == {"a", "b", "none"}
    if second == "an equal front matter, another object":
        metas["a"] = _meta(ITEMS)
    elif second == "a changed answer":
        metas["a"] = _meta({**ITEMS, "objectivity": "yes"})
    del metas["none"]
    again = appraisal.of_notes(metas, memo)
    assert {k for k in again if again[k] is not first[k]} == read_again
    assert again == appraisal.of_notes(metas)  # as without a memo
    assert set(memo) == {"a", "b"}  # a note gone is forgotten
