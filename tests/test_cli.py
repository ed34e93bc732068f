"""The command line: message format, output formats, exit codes, and never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ANNOTATION, GOOD, ROOT, write_project
from refkb import cli

BAD = GOOD.replace("  date = {2020},", "  date = {2020},\n  url = {javascript:alert(1)},")


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "refkb", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(ROOT / "scripts"), "PATH": "/usr/bin:/bin"},
    )


@pytest.mark.parametrize(
    ("args", "bib", "code", "stdout_has"),
    [
        (["validate"], GOOD, 0, ""),
        (["validate"], BAD, 1, "references.bib:6:9: error invalid-url [smith2020study] url 'javascript:alert(1)'"),
        (["validate", "references.bib"], BAD, 1, "error invalid-url"),
        (["validate", "--format", "json"], BAD, 1, '"code": "invalid-url"'),
        (["validate", "--format", "github"], BAD, 1, "::error file=references.bib,line=6,col=9,title=invalid-url::"),
        (["validate", "nowhere.bib"], GOOD, 2, ""),
        (["validate", "--format", "xml"], GOOD, 2, ""),
        (["frobnicate"], GOOD, 2, ""),
        ([], GOOD, 2, ""),
        (["format", "--check"], GOOD, 0, ""),
        (["format", "--check"], GOOD.replace("  author = {Smith, Jane},\n", "") + "", 1, "+++"),
        (["format", "missing.bib"], GOOD, 2, ""),
        (["codes"], GOOD, 0, "missing-comma"),
    ],
)
def test_cli_exit_codes_and_output(tmp_path: Path, args: list[str], bib: str, code: int, stdout_has: str) -> None:
    bib_text = bib
    if args[:2] == ["format", "--check"] and code == 1:
        bib_text = GOOD.replace("  author = {Smith, Jane},\n", "").replace(
            "  sourcekind", "  author = {Smith, Jane},\n  sourcekind"
        )
    write_project(tmp_path, bib_text, {"smith2020study": ANNOTATION})
    result = run(*args, cwd=tmp_path)
    assert result.returncode == code, result.stderr
    assert stdout_has in result.stdout
    assert "Traceback" not in result.stderr + result.stdout


def test_json_records_have_every_field(tmp_path: Path) -> None:
    write_project(tmp_path, BAD, {"smith2020study": ANNOTATION})
    records = json.loads(run("validate", "--format", "json", cwd=tmp_path).stdout)
    assert records == [
        {
            "path": "references.bib",
            "line": 6,
            "col": 9,
            "level": "error",
            "code": "invalid-url",
            "key": "smith2020study",
            "message": "url 'javascript:alert(1)' uses the scheme 'javascript:' (only http and https become links)",
            "fix": "use the page's full http(s) address",
        }
    ]


def test_messages_are_sorted_by_path_and_line(tmp_path: Path) -> None:
    bib = BAD + GOOD.replace("smith2020study", "jones2020study").replace("Smith", "Jones").replace(
        "  title", "  doi = {10.12/x},\n  title"
    )
    write_project(tmp_path, bib, {"smith2020study": ANNOTATION, "jones2020study": ANNOTATION})
    lines = [line for line in run("validate", cwd=tmp_path).stdout.splitlines() if line]
    keys = [(line.split(":")[0], int(line.split(":")[1])) for line in lines]
    assert keys == sorted(keys)
    assert len(lines) >= 2


@pytest.mark.parametrize(
    "garbage",
    [
        b"",
        b"\x00\x01\x02",
        b"@",
        b"@{",
        b"@article{",
        b"@article{,}",
        b"}}}{{{",
        b"@string{",
        b"@preamble{",
        b"@comment{",
        "@article{ü,\n title={\u202e}}".encode(),
        b"\xff\xfe",
        b"@article{a, title = {x} # }",
        b"@article{a, = {x}}",
        b"@article{a, title = {x}} @article{a, title = {x}}",
        b"@string{a = b}\n@misc{k, t = a}",
    ],
)
def test_no_traceback_whatever_the_input(tmp_path: Path, garbage: bytes) -> None:
    path = tmp_path / "x.bib"
    path.write_bytes(garbage)
    for args in (["validate", str(path)], ["format", "--check", str(path)], ["format", str(path)]):
        result = run(*args, cwd=tmp_path)
        assert result.returncode in (0, 1), (args, result.stderr)
        assert "Traceback" not in result.stderr


def test_main_is_callable_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_project(tmp_path, GOOD, {"smith2020study": ANNOTATION})
    monkeypatch.chdir(tmp_path)
    assert cli.main(["validate"]) == 0


@pytest.mark.parametrize("mark", ["\u2028", "\u2029", "\x85"])
def test_format_check_diff_breaks_lines_where_the_file_does(tmp_path: Path, mark: str) -> None:
    """The diff's lines and its @@ line numbers are the file's: a U+2028 inside a value is no line break."""
    text = GOOD.replace("Journal of Studies", f"Journal of{mark}Studies").replace("  sourcekind", "  sourcekind   ")
    (tmp_path / "a.bib").write_text(text, encoding="utf-8")
    result = run("format", "--check", "a.bib", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    hunk = [line for line in result.stdout.split("\n") if line.startswith("@@")]
    assert hunk == ["@@ -4,5 +4,5 @@"], result.stdout  # line 7 changed, three lines around it
    assert f"   journaltitle = {{Journal of{mark}Studies}},\n" in result.stdout
