"""The knowledge base itself: references.bib and its annotation pages pass every check; and refkb.project, which
reads mkdocs.yml as MkDocs reads it (INHERIT, !ENV) and puts a setting of the wrong kind at its place."""

from __future__ import annotations

import re
from pathlib import Path

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


# The codes refkb.project reports (tests/test_checks.py counts them as tested).
SETTING_CODES = {"invalid-setting"}
SITE = "site_name: t\ndocs_dir: docs\n"
KB = (
    "extra:\n  refkb:\n    profile: knowledge-base\n"
    "    topics:\n      - {slug: a, title: A}\n      - {slug: b, title: B}\n"
)

# (files, env, what the project reads: profile and topic slugs)
INHERIT_CASES = [
    ({"mkdocs.yml": "INHERIT: base.yml\n" + SITE, "base.yml": KB}, {}, ("knowledge-base", ["a", "b"])),
    (  # the child wins key by key; a list is replaced whole
        {
            "mkdocs.yml": "INHERIT: base.yml\n" + SITE + "extra:\n  refkb:\n    topics: [{slug: c, title: C}]\n",
            "base.yml": KB,
        },
        {},
        ("knowledge-base", ["c"]),
    ),
    (
        {"mkdocs.yml": "INHERIT: base.yml\n" + SITE + "extra:\n  refkb:\n    profile: bibtex\n", "base.yml": KB},
        {},
        ("bibtex", ["a", "b"]),
    ),
    (  # relative to the file that names it, two levels
        {"mkdocs.yml": "INHERIT: conf/mid.yml\n" + SITE, "conf/mid.yml": "INHERIT: ../base.yml\n", "base.yml": KB},
        {},
        ("knowledge-base", ["a", "b"]),
    ),
    (
        {"mkdocs.yml": SITE + KB.replace("knowledge-base", "!ENV [REFKB_T_PROFILE, knowledge-base]")},
        {"REFKB_T_PROFILE": "bibtex"},
        ("bibtex", ["a", "b"]),
    ),
    (
        {"mkdocs.yml": SITE + KB.replace("knowledge-base", "!ENV [REFKB_T_PROFILE, knowledge-base]")},
        {},
        ("knowledge-base", ["a", "b"]),
    ),
    (  # !ENV in the inherited file
        {"mkdocs.yml": "INHERIT: base.yml\n" + SITE, "base.yml": KB.replace("knowledge-base", "!ENV REFKB_T_PROFILE")},
        {"REFKB_T_PROFILE": "bibtex"},
        ("bibtex", ["a", "b"]),
    ),
]


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    (root / "docs").mkdir(exist_ok=True)


@pytest.mark.parametrize(("files", "env", "expected"), INHERIT_CASES)
def test_settings_are_read_as_mkdocs_reads_them(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    files: dict[str, str],
    env: dict[str, str],
    expected: tuple[str, list[str]],
) -> None:
    monkeypatch.delenv("REFKB_T_PROFILE", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    _write(tmp_path, files)
    proj = project.load(tmp_path)
    assert (proj.profile.name, [t.slug for t in proj.topics]) == expected


BIB_7 = "    bibliography: [references.bib, 7]\n"
# (files, the one line refkb reports)
SETTING_CASES = [
    (
        {"mkdocs.yml": SITE + KB + BIB_7},
        "mkdocs.yml:9:36: error invalid-setting extra.refkb.bibliography[1] must be a file name, not 7",
    ),
    (
        {"mkdocs.yml": SITE + "plugins:\n  - search\n  - refkb:\n      bibliography: [references.bib, 7]\n"},
        "mkdocs.yml:6:38: error invalid-setting plugins.refkb.bibliography[1] must be a file name, not 7",
    ),
    (
        {"mkdocs.yml": SITE + KB + "    bibliography: 7.5\n"},
        "mkdocs.yml:9:19: error invalid-setting extra.refkb.bibliography must be a file name, not 7.5",
    ),
    (
        {"mkdocs.yml": SITE + KB + "    bibliography: []\n"},
        "mkdocs.yml:9:19: error invalid-setting extra.refkb.bibliography names no file",
    ),
    (  # in the inherited file: named at its place there
        {"mkdocs.yml": "INHERIT: base.yml\n" + SITE, "base.yml": KB + BIB_7},
        "base.yml:7:36: error invalid-setting extra.refkb.bibliography[1] must be a file name, not 7",
    ),
    (
        {"mkdocs.yml": SITE + "INHERIT: nowhere.yml\n"},
        "mkdocs.yml:3:10: error invalid-setting INHERIT: nowhere.yml does not exist",
    ),
    ({"mkdocs.yml": "INHERIT: [a]\n" + SITE}, "mkdocs.yml:1:10: error invalid-setting INHERIT must name a YAML file"),
    (
        {"mkdocs.yml": "INHERIT: a.yml\n" + SITE, "a.yml": "INHERIT: mkdocs.yml\n"},
        "a.yml:1:10: error invalid-setting INHERIT: mkdocs.yml is inherited twice (a loop)",
    ),
    (
        {"mkdocs.yml": SITE + "extra:\n  refkb:\n    profile: !ENV {a: 1}\n"},
        "mkdocs.yml:5:14: error yaml-invalid !ENV takes a variable name or a list of names",
    ),
]


@pytest.mark.parametrize(("files", "line"), SETTING_CASES)
def test_a_setting_of_the_wrong_kind_is_refused_at_its_place(tmp_path: Path, files: dict[str, str], line: str) -> None:
    _write(tmp_path, files)
    with pytest.raises(project.ConfigError) as err:
        project.load(tmp_path)
    assert str(err.value).startswith(line), str(err.value)


def test_merged_is_bounded() -> None:
    wide = {f"k{i}": 1 for i in range(project.MAX_MERGED + 1)}
    with pytest.raises(project.ConfigError, match="more than"):
        project.merged({}, wide)
