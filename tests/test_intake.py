"""`refkb add`: pasted BibTeX, a recorded Crossref answer, fields; keys, duplicates, dry runs, atomic writes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ANNOTATION, DATA, GOOD, ROOT, LocalServer, write_project
from refkb import bibfile, cli, intake, project
from refkb.checks import suite

PASTED = """@article{Jones_2021,
  title = {Recruitment {Online}: A Field Study},
  author = {Jones, Ann and Lee, Bo},
  journal = {Journal of Studies},
  year = {2021},
  month = mar,
  doi = {https://doi.org/10.5555/jones.2021},
  url = {https://example.org/jones},
  file = {/home/someone/jones.pdf},
}
"""


def run(root: Path, *args: str, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "refkb", *args],
        cwd=root,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(ROOT / "scripts"), "PATH": "/usr/bin:/bin", **(env or {})},
    )


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    return write_project(tmp_path, GOOD, {"smith2020study": ANNOTATION})


def test_add_pasted_bibtex(kb: Path) -> None:
    result = run(kb, "add", "-", stdin=PASTED)
    assert result.returncode == 0, result.stderr
    assert "added [jones2021recruitment] to references.bib:" in result.stderr
    bib = bibfile.read(kb / "references.bib")
    assert not bib.issues
    assert bibfile.format_text(bib) == (kb / "references.bib").read_text(encoding="utf-8"), "not canonical"
    new = next(e for e in bib.entries if e.key == "jones2021recruitment")
    assert [f.name for f in new.fields] == ["author", "title", "journaltitle", "date", "doi", "url", "urldate"]
    assert new.value("date") == "2021-03"
    assert new.value("doi") == "10.5555/jones.2021"
    scaffold = (kb / "docs" / "references" / "jones2021recruitment.md").read_text(encoding="utf-8")
    assert scaffold.startswith("---\nverified_at: []\n")
    assert "## Limitations" in scaffold
    assert "left to do:" in result.stderr
    _, issues = suite.validate_project(project.load(kb))
    assert {i.code for i in issues if i.key == "jones2021recruitment"} >= {"annotation-front-matter", "empty-section"}
    assert not [i for i in issues if i.key != "jones2021recruitment"]


def test_add_from_a_recorded_doi_response(kb: Path, server: LocalServer) -> None:
    answer = (DATA / "crossref" / "10.18653_v1_P17-1142.json").read_bytes()
    server.routes["/works/10.18653/v1/P17-1142"] = (200, {"Content-Type": "application/json"}, answer)
    result = run(kb, "add", "--doi", "10.18653/v1/P17-1142", "--json", env={"REFKB_CROSSREF_URL": server.base})
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["key"] == "tong2017combating"
    assert report["annotation_created"] is True
    entry = next(e for e in bibfile.read(kb / "references.bib").entries if e.key == "tong2017combating")
    assert entry.type == "inproceedings"
    assert entry.value("author") == "Tong, Edmund and Zadeh, Amir and Jones, Cara and Morency, Louis-Philippe"
    assert entry.value("pages") == "1547--1556"
    assert entry.value("date") == "2017-07"
    assert entry.value("doi") == "10.18653/v1/p17-1142"
    assert entry.value("publisher") == "Association for Computational Linguistics"
    assert server.log == [("GET", "/works/10.18653/v1/P17-1142")]


def test_add_doi_offline_is_a_clear_usage_error(kb: Path) -> None:
    before = (kb / "references.bib").read_bytes()
    result = run(kb, "add", "--doi", "10.1234/x", env={"REFKB_CROSSREF_URL": "http://127.0.0.1:9"})
    assert result.returncode == 2
    assert "cannot reach Crossref" in result.stderr
    assert (kb / "references.bib").read_bytes() == before


def test_add_unknown_doi(kb: Path, server: LocalServer) -> None:
    result = run(kb, "add", "--doi", "10.1234/none", env={"REFKB_CROSSREF_URL": server.base})
    assert result.returncode == 1
    assert "Crossref does not know DOI 10.1234/none" in result.stderr


def test_add_from_fields(kb: Path) -> None:
    result = run(
        kb,
        "add",
        "--type",
        "online",
        "--field",
        "author={{Polaris}}",
        "--field",
        "title=Human Trafficking and Online Recruitment",
        "--field",
        "url=https://polarisproject.org/is-it-love/",
        "--field",
        "keywords=recruitment-grooming",
        "--field",
        "sourcekind=ngo",
    )
    assert result.returncode == 0, result.stderr
    assert "added [polarisndhuman]" in result.stderr
    entry = next(e for e in bibfile.read(kb / "references.bib").entries if e.key == "polarisndhuman")
    assert entry.value("urldate")
    assert "urldate set to today" in result.stderr


@pytest.mark.parametrize(
    ("paste", "message"),
    [
        (GOOD, "[smith2020study] is already in references.bib (line 1)"),
        (
            PASTED.replace("https://doi.org/10.5555/jones.2021", "10.9999/existing"),
            "DOI 10.9999/existing is already in references.bib as [smith2020study]",
        ),
        (
            PASTED.replace("https://example.org/jones", "http://www.example.org/existing/"),
            "URL example.org/existing is already in references.bib as [smith2020study]",
        ),
    ],
)
def test_exact_duplicates_are_refused(tmp_path: Path, paste: str, message: str) -> None:
    bib = GOOD.replace(
        "  date",
        "  doi = {10.9999/existing},\n  url = {https://example.org/existing},\n  urldate = {2026-01-01},\n  date",
    )
    kb = write_project(tmp_path, bib, {"smith2020study": ANNOTATION})
    before = (kb / "references.bib").read_bytes()
    result = run(kb, "add", "-", stdin=paste)
    assert result.returncode == 1
    assert message in result.stderr
    assert (kb / "references.bib").read_bytes() == before


def test_near_duplicate_title_warns_with_the_other_key(kb: Path) -> None:
    paste = PASTED.replace("Recruitment {Online}: A Field Study", "A Study of Things.")
    result = run(kb, "add", "-", stdin=paste)
    assert result.returncode == 0, result.stderr
    assert "warning near-duplicate-title" in result.stderr
    assert "[smith2020study]" in result.stderr


def test_key_disambiguation_is_announced(kb: Path) -> None:
    first = (
        GOOD.replace("smith2020study", "x")
        .replace("Journal of Studies", "Other Journal")
        .replace("A Study of Things", "A Study of Others")
    )
    result = run(kb, "add", "-", stdin=first)
    assert result.returncode == 0, result.stderr
    assert "smith2020study is taken: used smith2020studyothers" in result.stderr


def test_dry_run_prints_the_diff_and_writes_nothing(kb: Path) -> None:
    before = (kb / "references.bib").read_bytes()
    result = run(kb, "add", "--dry-run", "-", stdin=PASTED)
    assert result.returncode == 0, result.stderr
    assert "+@article{jones2021recruitment," in result.stdout
    assert "+++ b/docs/references/jones2021recruitment.md" in result.stdout
    assert (kb / "references.bib").read_bytes() == before
    assert not (kb / "docs" / "references" / "jones2021recruitment.md").exists()


def test_invalid_entry_is_refused(kb: Path) -> None:
    result = run(kb, "add", "-", stdin=PASTED.replace("https://example.org/jones", "javascript:alert(1)"))
    assert result.returncode == 1
    assert "error invalid-url" in result.stderr
    assert "nothing was written" in result.stderr


def test_a_crash_mid_write_leaves_the_file_intact(kb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = (kb / "references.bib").read_bytes()
    monkeypatch.chdir(kb)
    monkeypatch.setattr(sys, "stdin", __import__("io").StringIO(PASTED))

    def crash(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", crash)
    assert cli.main(["add", "-"]) == cli.EXIT_USAGE
    assert (kb / "references.bib").read_bytes() == before
    assert sorted(p.name for p in kb.iterdir() if p.name.startswith(".references")) == []


def test_add_needs_exactly_one_source(kb: Path) -> None:
    assert run(kb, "add").returncode == 2
    assert run(kb, "add", "x.bib", "--doi", "10.1/x").returncode == 2


@pytest.mark.parametrize(
    ("pair", "refused"),
    [
        ("title=A}, keywords = {x", True),  # would close the value and inject a field
        ("title={A", True),
        ("title=A {B} c", False),
        ("bad name=x", True),
        ("note=x", False),
    ],
)
def test_a_field_given_on_the_command_line_cannot_inject_another(pair: str, refused: bool) -> None:
    if refused:
        with pytest.raises(intake.Refused):
            intake.from_fields("misc", [pair])
    else:
        assert len(intake.from_fields("misc", [pair]).fields) == 1


# (pasted BibTeX, the problems as reported: at the pasted text's own lines, not at the lines the entry would take in
# references.bib)
PASTED_PLACE_CASES = [
    (
        "\n\n@misc{smith2020x,\n  title = {A title},\n  year = {20x0},\n  url = {notaurl}\n}\n",
        [
            "<pasted>:3:1: error missing-field",
            "<pasted>:5:10: error invalid-year",
            "<pasted>:6:9: error invalid-url",
        ],
    ),
    (  # a renamed field (journal -> journaltitle) is found under the name it was pasted with
        "@article{a,\n  author = {Lee, Bo},\n  title = {T},\n  year = {2020},\n  journal = {},\n  doi = {nodoi},\n}\n",
        ["<pasted>:1:1: error missing-field", "<pasted>:6:9: error invalid-doi"],
    ),
    (  # a syntax error: the pasted text's line
        "@misc{smith2020x,\n  title = {A title},\n  year = {2020},\n",
        ["<pasted>:3:17: error unclosed-entry"],
    ),
]


@pytest.mark.parametrize(("paste", "expected"), PASTED_PLACE_CASES)
def test_problems_of_a_pasted_entry_are_at_its_own_lines(kb: Path, paste: str, expected: list[str]) -> None:
    result = run(kb, "add", "-", "--dry-run", stdin=paste)
    assert result.returncode == 1, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("<")]
    assert [line.split(" [")[0] for line in lines] == expected, result.stderr


def test_problems_of_a_pasted_file_name_the_file(kb: Path) -> None:
    (kb / "new.bib").write_text("@misc{x,\n  title = {T},\n  url = {notaurl},\n}\n", encoding="utf-8")
    result = run(kb, "add", "new.bib", "--dry-run")
    assert "new.bib:3:9: error invalid-url" in result.stderr, result.stderr


# An @xdata entry holds fields for the works that name it (xdata = {key}) and is no work (refkb.inherit.is_work): no
# annotation scaffold, the key it was given (any form the validator takes: the key convention is a work's), and what
# is left to do is to name it. (arguments, stdin, key added or None, what stderr says)
XDATA_ADD_CASES = [
    (("add", "-", "--json"), "@xdata{fieldpress,\n  publisher = {Field Press},\n}\n", "fieldpress", ""),
    (("add", "-", "--json"), "@XData{Field_Press,\n  location = {Leeds},\n}\n", "Field_Press", ""),
    (("add", "--type", "xdata", "--field", "publisher=Field Press"), "", None, "an @xdata entry needs a key"),
]


@pytest.mark.parametrize(("args", "paste", "key", "said"), XDATA_ADD_CASES)
def test_adding_an_xdata_entry_writes_no_annotation_page(
    kb: Path, args: tuple[str, ...], paste: str, key: str | None, said: str
) -> None:
    before = (kb / "references.bib").read_text(encoding="utf-8")
    result = run(kb, *args, stdin=paste)
    assert said in result.stderr
    assert sorted(p.name for p in (kb / "docs" / "references").iterdir()) == ["smith2020study.md"]
    if key is None:
        assert result.returncode == 1, result.stderr
        assert (kb / "references.bib").read_text(encoding="utf-8") == before
        return
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["key"], report["annotation"], report["annotation_created"]) == (key, None, False)
    assert (
        report["left_to_do"][0] == f"name it in the xdata field of each entry that shares its fields: xdata = {{{key}}}"
    )
    assert key in {e.key for e in bibfile.read(kb / "references.bib").entries}
    _, issues = suite.validate_project(project.load(kb))
    assert [i.render() for i in issues] == []


def test_the_dry_run_of_an_xdata_entry_shows_no_annotation_page(kb: Path) -> None:
    result = run(kb, "add", "--dry-run", "-", stdin="@xdata{fieldpress,\n  publisher = {Field Press},\n}\n")
    assert result.returncode == 0, result.stderr
    assert "+@xdata{fieldpress," in result.stdout
    assert "docs/references" not in result.stdout + result.stderr
