"""The evidence-coding scheme: vocabularies read from the project's coding.yml, values parsed and checked with
codes and positions (file:line:col of the value), regions placed in UN M49 regions."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from conftest import ANNOTATION, GOOD, ROOT, TODAY, write_project
from refkb import coding, project
from refkb.checks import suite

CODED = """@article{smith2020study,
  author = {Smith, Jane},
  title = {A study of things},
  journaltitle = {Journal of Studies},
  date = {2020},
  keywords = {data-measurement},
  sourcekind = {academic},
  platforms = {instagram, dating},
  regions = {ph, south-eastern-asia},
  forms = {child-sexual-exploitation},
  populations = {children},
  design = {qualitative},
  datasource = {practitioner-interviews},
}
"""
DIMS = ("platforms", "regions", "forms", "populations", "design", "datasource")


def coded_project(root: Path, bib: str, required: tuple[str, ...] = ()) -> project.Project:
    write_project(root, bib, {"smith2020study": ANNOTATION})
    shutil.copyfile(ROOT / "coding.yml", root / "coding.yml")
    config = root / "mkdocs.yml"
    req = "[" + ", ".join(required) + "]"
    config.write_text(
        config.read_text().replace(
            "  refkb:\n", f"  refkb:\n    coding:\n      vocabularies: coding.yml\n      required: {req}\n"
        )
    )
    return project.load(root)


def coding_issues(root: Path, bib: str, required: tuple[str, ...] = ()) -> list[str]:
    _, found = suite.validate_project(coded_project(root, bib, required), TODAY)
    return [f"{i.line}:{i.col} {i.code}" for i in found if i.code in CODING_CODES]


CODING_CODES = {"unknown-coding-value", "missing-coding", "duplicate-coding-value", "coding-conflict"}

# (code, field line as written, expected "line:col code" of each issue). Line 8 is `platforms`, 9 `regions` ...;
# the value `{` stands at column 15 for platforms (`  platforms = {`), so the first value starts at 16.
CODING_CASES = [
    ("unknown-coding-value", "  platforms = {instgram},\n", ["8:16 unknown-coding-value"]),
    ("unknown-coding-value", "  platforms = {facebook, myspace2},\n", ["8:26 unknown-coding-value"]),
    ("unknown-coding-value", "  regions = {PH},\n", ["9:14 unknown-coding-value"]),
    ("unknown-coding-value", "  regions = {zz},\n", ["9:14 unknown-coding-value"]),
    ("unknown-coding-value", "  regions = {south-east-asia},\n", ["9:14 unknown-coding-value"]),
    ("unknown-coding-value", "  forms = {sex-trafficking, slavery},\n", ["10:29 unknown-coding-value"]),
    ("unknown-coding-value", "  populations = {kids},\n", ["11:18 unknown-coding-value"]),
    ("unknown-coding-value", "  design = {survey},\n", ["12:13 unknown-coding-value"]),
    ("unknown-coding-value", "  datasource = {police},\n", ["13:17 unknown-coding-value"]),
    ("unknown-coding-value", "  design = {qualitative,\n    meta-analysis},\n", ["13:5 unknown-coding-value"]),
    ("duplicate-coding-value", "  forms = {sex-trafficking, sex-trafficking},\n", ["10:29 duplicate-coding-value"]),
    ("coding-conflict", "  platforms = {general, tiktok},\n", ["8:16 coding-conflict"]),
    ("coding-conflict", "  regions = {us, global},\n", ["9:18 coding-conflict"]),
    ("coding-conflict", "  datasource = {none, hotline},\n", ["13:17 coding-conflict"]),
    ("missing-coding", "  design = {},\n", ["12:12 missing-coding"]),
    ("missing-coding", "", ["1:1 missing-coding"]),
]


def _replace(bib: str, line: str) -> str:
    """`CODED` with the line of the field that `line` sets replaced by it (or, when `line` is empty, without
    its design line)."""
    name = line.split("=")[0].strip() if line else "design"
    out = []
    for old in bib.splitlines(keepends=True):
        if old.strip().startswith(name + " ="):
            out.append(line)
        else:
            out.append(old)
    return "".join(out)


@pytest.mark.parametrize(("code", "line", "expected"), CODING_CASES)
def test_bad_coding_is_reported_at_its_value(tmp_path: Path, code: str, line: str, expected: list[str]) -> None:
    found = coding_issues(tmp_path, _replace(CODED, line), required=DIMS)
    assert found == expected
    assert all(e.endswith(code) for e in expected)


def test_good_coding_has_no_issue(tmp_path: Path) -> None:
    assert coding_issues(tmp_path, CODED, required=DIMS) == []


def test_missing_dimensions_are_errors_only_when_required(tmp_path: Path) -> None:
    bib = "".join(line for line in CODED.splitlines(keepends=True) if not line.strip().startswith(DIMS))
    assert coding_issues(tmp_path, bib) == []
    found = coding_issues(tmp_path, bib, required=("platforms", "design"))
    assert found == ["1:1 missing-coding", "1:1 missing-coding"]
    _, issues = suite.validate_project(coded_project(tmp_path, bib, ("platforms",)), TODAY)
    missing = [i for i in issues if i.code == "missing-coding"]
    assert missing[0].level.value == "error"
    assert "references.bib:1:1: error missing-coding [smith2020study] the entry does not code 'platforms'" in (
        missing[0].render()
    )


def test_messages_say_how_to_fix(tmp_path: Path) -> None:
    _, issues = suite.validate_project(coded_project(tmp_path, _replace(CODED, "  regions = {PH},\n")), TODAY)
    (issue,) = [i for i in issues if i.code == "unknown-coding-value"]
    assert issue.render() == (
        "references.bib:9:14: error unknown-coding-value [smith2020study] regions value 'PH' is not in the "
        "vocabulary — write it in lower case: ph"
    )
    _, issues = suite.validate_project(coded_project(tmp_path, _replace(CODED, "  platforms = {instgram},\n")), TODAY)
    (issue,) = [i for i in issues if i.code == "unknown-coding-value"]
    assert "did you mean 'instagram'?" in issue.fix


def test_a_project_without_coding_checks_nothing(tmp_path: Path) -> None:
    write_project(tmp_path, _replace(CODED, "  platforms = {instgram},\n"), {"smith2020study": ANNOTATION})
    proj = project.load(tmp_path)
    assert proj.coding is None
    _, found = suite.validate_project(proj, TODAY)
    assert [i for i in found if i.code in CODING_CODES] == []


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("coding: {vocabularies: missing.yml}", "missing.yml: cannot read"),
        ("coding: {vocabularies: coding.yml, required: [platform]}", "unknown dimension(s) platform"),
    ],
)
def test_bad_coding_settings_are_config_errors(tmp_path: Path, bad: str, message: str) -> None:
    write_project(tmp_path, CODED)
    shutil.copyfile(ROOT / "coding.yml", tmp_path / "coding.yml")
    config = tmp_path / "mkdocs.yml"
    config.write_text(config.read_text().replace("  refkb:\n", f"  refkb:\n    {bad}\n"))
    with pytest.raises(project.ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        project.load(tmp_path)


@pytest.fixture(scope="module")
def scheme() -> coding.Scheme:
    proj = project.load(ROOT)
    assert proj.coding is not None
    return proj.coding


@pytest.mark.parametrize(
    ("slug", "parents", "top", "label"),
    [
        ("ph", ("south-eastern-asia", "asia"), "asia", "Philippines"),
        ("ng", ("western-africa", "sub-saharan-africa", "africa"), "africa", "Nigeria"),
        ("us", ("northern-america", "americas"), "americas", "United States"),
        ("gb", ("northern-europe", "europe"), "europe", "United Kingdom"),
        ("mx", ("central-america", "latin-america-caribbean", "americas"), "americas", "Mexico"),
        ("eastern-africa", ("sub-saharan-africa", "africa"), "africa", "Eastern Africa"),
        ("europe", (), "europe", "Europe"),
        ("global", (), "global", "Global"),
    ],
)
def test_regions_sit_in_their_m49_regions(
    scheme: coding.Scheme, slug: str, parents: tuple[str, ...], top: str, label: str
) -> None:
    assert scheme.region_parents(slug) == parents
    assert scheme.top_region(slug) == top
    assert scheme.label("regions", slug) == label


def test_every_m49_slug_of_the_table_is_a_region_value(scheme: coding.Scheme) -> None:
    table = {s for levels in coding.m49().values() for s in levels}
    assert table <= set(scheme.dimension("regions").by_slug)


def test_platforms_have_categories_and_every_value_a_definition(scheme: coding.Scheme) -> None:
    cats = set(scheme.category_by_slug)
    for v in scheme.dimension("platforms").values:
        assert v.group in cats or v.slug == "general", v.slug
    for d in scheme.dimensions:
        for v in d.values:
            assert v.label, (d.name, v.slug)
            assert v.definition, (d.name, v.slug)
    assert scheme.expand("platforms", ["instagram", "dating"]) == ("instagram", "dating", "social-network")
    assert scheme.primary == {"quantitative", "qualitative", "mixed-methods", "statistics-dataset"}


def test_tokens_keep_their_offsets() -> None:
    from refkb import bibfile
    from refkb.model import Position

    bib = bibfile.parse_text(CODED, "x.bib")
    f = bib.entries[0].get("platforms")
    assert f is not None
    assert [(w, f.position_of(o)) for w, o in coding.tokens(f)] == [
        ("instagram", Position(8, 16)),
        ("dating", Position(8, 27)),
    ]


def test_stats_prints_coverage_per_dimension(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from refkb import cli

    bib = _replace(CODED, "  platforms = {instgram},\n") + CODED.replace("smith2020study", "smith2021other").replace(
        "  design = {qualitative},\n", ""
    )
    coded_project(tmp_path, bib)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["stats", "--json"]) == 0
    cov = json.loads(capsys.readouterr().out)["coding"]
    assert cov["design"] == {"coded": 1, "of": 2, "percent": 50, "unknown": 0, "values": {"qualitative": 1}}
    assert cov["platforms"]["unknown"] == 1
    assert cov["platforms"]["values"] == {"dating": 1, "instagram": 1, "instgram": 1}
    assert cli.main(["stats"]) == 0
    out = capsys.readouterr().out
    assert "coding design                        1/2 coded (50%); most used: qualitative 1" in out


def test_reach_counts_what_issue_11_asks_for(scheme: coding.Scheme) -> None:
    from refkb import bibfile

    text = """
@article{a2022x,
  author = {A, B}, title = {x}, journaltitle = {J}, date = {2022}, sourcekind = {academic},
  regions = {ph}, forms = {labour-trafficking}, design = {qualitative}, platforms = {facebook},
}
@article{b2019y,
  author = {B, C}, title = {y}, journaltitle = {The Guardian}, entrysubtype = {newspaper}, date = {2019},
  sourcekind = {journalism}, regions = {us}, forms = {sex-trafficking}, design = {journalism}, platforms = {tinder},
}
@report{c2021z,
  author = {{Org}}, title = {z}, institution = {{Org}}, date = {2021}, sourcekind = {ngo},
  regions = {global}, forms = {labour-trafficking}, design = {quantitative}, platforms = {general},
}
"""
    entries = bibfile.parse_text(text, "t.bib").entries
    reach = coding.reach(entries, scheme, {"recruitment-grooming": {"a2022x", "c2021z"}})
    assert reach["specific_outside_us"] == "1 (33%)"  # the Philippines; `global` is not a country or region
    assert reach["global_only"] == 1
    assert reach["us_only"] == 1
    assert set(reach) <= set(coding.REACH_DEFINITIONS)
    assert reach["labour_trafficking"] == 2
    assert reach["peer_reviewed_empirical"] == 1  # a journal article by academics with a primary design; not news
    assert reach["from_2021"] == 2
    assert reach["journalism"] == 1
    assert reach["per_topic"] == {"recruitment-grooming": 2}
    assert reach["per_platform_category"]["social-network"] == 1
    assert reach["per_platform_category"]["dating"] == 1


def test_readme_reach_figures_equal_refkb_stats() -> None:
    """README quotes `refkb stats` exactly: every figure of its reach table, value and definition."""
    import json
    import subprocess
    import sys

    from conftest import ROOT

    out = subprocess.run(
        [sys.executable, "-m", "refkb", "stats", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    stats = json.loads(out.stdout)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = {
        m.group(1): (m.group(2), m.group(3))
        for m in re.finditer(r"^\| ([a-z_0-9]+) \| ([^|]+?) \| ([^|]+?) \|$", readme, re.M)
        if m.group(1) in stats["reach"]
    }
    assert len(rows) >= 8, rows
    for name, (value, definition) in rows.items():
        assert value == str(stats["reach"][name]), name
        assert definition == stats["reach_definitions"][name], name


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n", "coding.yml:2:"),  # an alias chain: refused at once
        (b"platforms:\n  - {slug: caf\xe9, label: x}\n", "coding.yml:2:15: byte 0xe9 is not valid UTF-8"),
        (b"platforms: [" * 100 + b"\n", "coding.yml:1:"),  # nesting beyond the limit
    ],
)
def test_a_vocabularies_file_is_read_by_the_one_safe_loader(tmp_path: Path, text: bytes, message: str) -> None:
    (tmp_path / "coding.yml").write_bytes(text)
    with pytest.raises(coding.SchemeError) as err:
        coding.load(tmp_path, {"vocabularies": "coding.yml"})
    assert str(err.value).startswith(message), str(err.value)


def test_primary_of_the_wrong_type_is_one_line() -> None:
    with pytest.raises(coding.SchemeError, match="primary must be a list of design slugs"):
        coding.from_mapping({"primary": 7}, [], "coding.yml")


# (coding.yml, the one line: the fault at its place in the file, not under mkdocs.yml)
PLACED_CASES = [
    (b"platforms:\n  - {slg: x, label: X}\n", "coding.yml:2:5: 'platforms': every value needs a slug"),
    (b"platform_categories:\n  - slug: a\n  - slug: a\n", "coding.yml:3:11: 'platform_categories': the slug 'a'"),
    (b"platform_categories: []\nplatforms:\n  - {slug: p, category: gone}\n", "coding.yml:3:25: 'platforms': 'p'"),
    (b"forms: 7\n", "coding.yml:1:8: 'forms' must be a list"),
    (b"# note\nprimary: 7\n", "coding.yml:2:10: primary must be a list of design slugs"),
    (b"a: \xe2\x80\xa8\nprimary: 7\n", "coding.yml:2:10: primary must be a list"),  # U+2028 breaks no line
    (b"platforms:\n  - {slug: a\x01b}\n", "coding.yml:2:13: not valid YAML: the character U+0001 is not allowed"),
    (b"platforms:\n  - {slug: a\n  - {slug: b}\n", "coding.yml:3:5: not valid YAML: did not find expected"),
]


@pytest.mark.parametrize(("text", "message"), PLACED_CASES)
def test_a_fault_of_the_vocabularies_file_is_placed_in_it(tmp_path: Path, text: bytes, message: str) -> None:
    (tmp_path / "coding.yml").write_bytes(text)
    with pytest.raises(coding.SchemeError) as err:
        coding.load(tmp_path, {"vocabularies": "coding.yml"})
    assert str(err.value).startswith(message), str(err.value)


def test_project_reports_the_vocabularies_file_with_its_code(tmp_path: Path) -> None:
    write_project(tmp_path, GOOD)
    config = tmp_path / "mkdocs.yml"
    config.write_text(config.read_text() + "    coding: {vocabularies: coding.yml}\n", encoding="utf-8")
    (tmp_path / "coding.yml").write_text("primary: 7\n", encoding="utf-8")
    with pytest.raises(project.ConfigError) as err:
        project.load(tmp_path)
    assert str(err.value).startswith("coding.yml:1:10: error invalid-setting primary must be a list"), str(err.value)
