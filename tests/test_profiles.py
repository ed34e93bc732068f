"""Profiles (refkb.profiles): a plain BibTeX bibliography passes under the default profile `bibtex`; the knowledge
base's own rules apply only under `knowledge-base`; keys whose slugs collide fail under both; an error in what a
work says that a style can still print warns under `bibtex` and stops a `knowledge-base` build."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DATA, ROOT, TODAY
from refkb import annotation, bibfile, profiles, project
from refkb.checks.annotations import check_annotation
from refkb.checks.codes import CODES, CONTENT
from refkb.checks.settings import Settings
from refkb.checks.suite import validate_bib
from refkb.model import Level

PLAIN = DATA / "sites" / "plain"

COLLIDING = "\n@misc{smith-2020a,\n  author = {Smith, John},\n  title = {Another work},\n  year = {2021},\n}\n"
KB_PROFILE = "extra:\n  refkb:\n    profile: knowledge-base\n"
UNKNOWN_PROFILE = "extra:\n  refkb:\n    profile: kb\n"

# (what, text appended to lab.bib, text appended to mkdocs.yml, exit code, codes that must be reported, text in the
# output)
SITE_CASES = [
    ("plain site", "", "", 0, set(), "0 errors, 0 warnings"),
    ("slug collision", COLLIDING, "", 1, {"slug-collision"}, "'smith-2020a' and 'Smith:2020a' (line 15)"),
    ("knowledge-base rules", "", KB_PROFILE, 1, {"unsafe-key", "missing-topic", "missing-urldate"}, ""),
    ("unknown profile", "", UNKNOWN_PROFILE, 2, set(), "profile must be one of bibtex, knowledge-base, not 'kb'"),
]


@pytest.mark.parametrize(("what", "bib", "config", "code", "codes", "text"), SITE_CASES)
def test_refkb_validate_on_the_plain_site(
    tmp_path: Path, what: str, bib: str, config: str, code: int, codes: set[str], text: str
) -> None:
    root = tmp_path / "plain"
    shutil.copytree(PLAIN, root)
    with (root / "lab.bib").open("a", encoding="utf-8") as f:
        f.write(bib)
    with (root / "mkdocs.yml").open("a", encoding="utf-8") as f:
        f.write(config)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "scripts")}
    result = subprocess.run(
        [sys.executable, "-m", "refkb", "validate"], cwd=root, capture_output=True, text=True, check=False, env=env
    )
    found = {line.split()[2] for line in result.stdout.splitlines() if " error " in line or " warning " in line}
    assert result.returncode == code, result.stdout + result.stderr
    assert codes <= found, result.stdout
    assert text in result.stdout + result.stderr


ANTO = """@article{AntoEtal24,
  author = {Antonelli, Maria},
  title = {A survey},
  journal = {Journal of Examples},
  year = {2024},
}
"""
ONLINE = "@online{Page:2022,\n  author = {{Example Lab}},\n  title = {A page},\n  url = {https://example.org/},\n}\n"

# (entry, the codes the knowledge-base profile reports that the bibtex profile does not)
ENTRY_CASES = [
    (ANTO, {"unsafe-key", "missing-topic", "missing-sourcekind"}),
    (ANTO.replace("AntoEtal24", "antonelli2024wrong"), {"key-convention", "missing-topic", "missing-sourcekind"}),
    (ONLINE, {"unsafe-key", "missing-urldate", "missing-topic", "missing-sourcekind"}),
]


@pytest.mark.parametrize(("text", "kb_only"), ENTRY_CASES)
def test_the_bibtex_profile_leaves_out_the_knowledge_base_rules(text: str, kb_only: set[str]) -> None:
    bib = bibfile.parse_text(text, "t.bib")
    topics = frozenset({"data-measurement"})

    def codes(profile: profiles.Profile) -> set[str]:
        return {i.code for i in validate_bib(bib, Settings(TODAY, topics, frozenset({"academic"}), profile=profile))}

    assert codes(profiles.BIBTEX) == set()
    assert codes(profiles.KNOWLEDGE_BASE) == kb_only


FUTURE = (TODAY + dt.timedelta(days=3)).isoformat()

# (annotation page, codes under the knowledge-base profile, codes under the bibtex profile)
NOTE_CASES = [
    ("Just notes.\n", {"annotation-front-matter", "missing-section"}, set()),
    ("---\nverified_on: 2026-01-02\n---\n## Summary\nText.\n", {"annotation-front-matter", "missing-section"}, set()),
    (
        f"---\nverified_on: {FUTURE}\n---\nText.\n",
        {"annotation-front-matter", "future-date", "missing-section"},
        {"future-date"},
    ),
    (
        "---\nverified_at: not a url\n---\nText.\n",
        {"annotation-front-matter", "missing-section"},
        {"annotation-front-matter"},
    ),
    (
        "---\ntemplate: evil.html\n---\nText.\n",
        {"front-matter-key", "annotation-front-matter", "missing-section"},
        {"front-matter-key"},
    ),
    ("---\n[a, b]\n---\nText.\n", {"annotation-front-matter", "missing-section"}, {"annotation-front-matter"}),
]


@pytest.mark.parametrize(("text", "kb_codes", "bibtex_codes"), NOTE_CASES)
def test_annotation_pages_are_optional_but_checked_when_present(
    text: str, kb_codes: set[str], bibtex_codes: set[str]
) -> None:
    note = annotation.parse(Path("docs/references/antoetal24.md"), text)
    assert {i.code for i in check_annotation("a.md", note, TODAY, required=True)} == kb_codes
    assert {i.code for i in check_annotation("a.md", note, TODAY, required=False)} == bibtex_codes


@pytest.mark.parametrize(
    ("config", "profile"),
    [
        ("", "bibtex"),
        ("extra:\n  refkb:\n    profile: knowledge-base\n", "knowledge-base"),
        ("extra:\n  refkb:\n    profile: bibtex\n", "bibtex"),
        ("plugins:\n  - refkb:\n      profile: knowledge-base\n", "knowledge-base"),
    ],
)
def test_the_profile_is_read_from_mkdocs_yml(tmp_path: Path, config: str, profile: str) -> None:
    (tmp_path / "mkdocs.yml").write_text("site_name: T\n" + config, encoding="utf-8")
    assert project.load(tmp_path).profile.name == profile


@pytest.mark.parametrize("value", ["kb", "[knowledge-base]", "1"])
def test_an_unknown_profile_names_the_allowed_ones(tmp_path: Path, value: str) -> None:
    (tmp_path / "mkdocs.yml").write_text(f"site_name: T\nextra:\n  refkb:\n    profile: {value}\n", encoding="utf-8")
    with pytest.raises(project.ConfigError, match="profile must be one of bibtex, knowledge-base"):
        project.load(tmp_path)


def _paper(*fields: str, key: str = "WolfEtal20", kind: str = "inproceedings") -> str:
    """A proceedings paper with `fields` replacing or adding to its own; 'name = -' leaves the field out."""
    body = ["author = {Wolf, Thomas}", "title = {Transformers}", "booktitle = {Proceedings of EMNLP}", "year = {2020}"]
    names = {f.split("=")[0].strip() for f in fields}
    kept = [f for f in body if f.split("=")[0].strip() not in names] + [f for f in fields if not f.endswith("= -")]
    return f"@{kind}{{{key},\n" + "".join(f"  {f},\n" for f in kept) + "}\n"


E, W = Level.ERROR, Level.WARNING
# (what, entries, the code, its level under bibtex, under knowledge-base): an error in what a work says that a style
# can still print (checks.codes.CONTENT) is a warning under bibtex, as BibTeX warns and prints it; syntax, keys,
# unsafe values and broken inheritance stop the build under both
LEVEL_CASES = [
    ("pages that are a DOI", _paper("pages = {doi.org/10.3389/fnhum.2012.00073}"), "invalid-pages", W, E),
    ("pages that are a poster number", _paper("pages = {PS-2B.16}"), "invalid-pages", W, E),
    ("@inproceedings without booktitle", _paper("booktitle = -"), "missing-field", W, E),
    ("@inbook without booktitle", _paper("booktitle = -", "publisher = {Wiley}", kind="inbook"), "missing-field", W, E),
    ("@article without journal", _paper("booktitle = -", kind="article"), "missing-field", W, E),
    ("a year BCE", _paper("year = {535 BCE}"), "invalid-year", W, E),
    ("a date that is no date", _paper("date = {Spring 2020}"), "invalid-date", W, E),
    ("a month that is no month", _paper("month = {Spring}"), "invalid-month", W, E),
    ("a DOI that is no DOI", _paper("doi = {see the publisher}"), "invalid-doi", W, E),
    ("an ISBN with a wrong checksum", _paper("isbn = {978-0-00-000000-1}"), "invalid-isbn", W, E),
    ("Windows-1252's em dash read as Latin-1", _paper("title = {Meaning\x97behaviour}"), "c1-control", W, E),
    ("a bell character", _paper("title = {Meaning\x07behaviour}"), "control-character", E, E),
    ("a bidi override", _paper("title = {Meaning \u202ebehaviour}"), "bidi-control", E, E),
    ("a script URL", _paper("url = {javascript:alert(1)}"), "invalid-url", E, E),
    ("a duplicate key", _paper() + _paper(), "duplicate-key", E, E),
    ("keys that differ in case", _paper() + _paper(key="wolfetal20"), "duplicate-key-case", E, E),
    ("a missing comma", _paper().replace("{Transformers},", "{Transformers}"), "missing-comma", E, E),
    ("a crossref to no entry", _paper("crossref = {Proc20}"), "crossref-missing", E, E),
]


@pytest.mark.parametrize(("what", "text", "code", "bibtex", "kb"), LEVEL_CASES, ids=[c[0] for c in LEVEL_CASES])
def test_content_errors_warn_under_bibtex_and_stop_the_knowledge_base(
    what: str, text: str, code: str, bibtex: Level, kb: Level
) -> None:
    bib = bibfile.parse_text(text, "t.bib")

    def levels(profile: profiles.Profile) -> set[Level]:
        return {i.level for i in validate_bib(bib, Settings(TODAY, profile=profile)) if i.code == code}

    assert levels(profiles.BIBTEX) == {bibtex}
    assert levels(profiles.KNOWLEDGE_BASE) == {kb}
    assert (code in CONTENT) is (bibtex is W)


def test_content_codes_are_registered_errors() -> None:
    assert all(CODES[code][0] is Level.ERROR for code in CONTENT)
