"""The hardening audit, rebuilt from its descriptions: every input gives one-line errors at the right place, exits
1 or 2 (0 where only warnings are due), prints no traceback, and finishes within 10 s and 1 GB of address space
(each run is a fresh `refkb` process under `RLIMIT_AS`)."""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ANNOTATION, GOOD, write_project

LIMIT_S = 10.0
LIMIT_AS = 1 << 30
LINE = re.compile(r"^\S+:\d+:\d+: (?:error|warning) [a-z0-9-]+ ")

DOUBLING = '@string{m0 = "aaaaaaaaaa"}\n' + "".join(f"@string{{m{i} = m{i - 1} # m{i - 1}}}\n" for i in range(1, 40))
LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)
NOTE = "docs/references/smith2020study.md"


def _report(n: int, title: str = "Annual Report") -> str:
    return "".join(
        f"@report{{org2020annual{i},\n  author = {{{{Org}}}},\n  title = {{{title}}},\n  type = {{Report}},\n"
        f"  institution = {{{{Org}}}},\n  date = {{2020}},\n}}\n\n"
        for i in range(n)
    )


def _note(extra: str) -> str:
    return ANNOTATION.replace("---\n##", extra + "---\n##", 1)


# (name, files to write over the tiny project, argv, stdin, exit codes allowed, a line the output must hold)
CASES: list[tuple[str, dict[str, str | bytes], list[str], bytes | None, set[int], str]] = [
    # bombs
    ("string-doubling", {"d.bib": DOUBLING}, ["validate", "d.bib"], None, {1}, r"^d\.bib:15:15: error macro-too-large"),
    (
        "string-doubling-format",
        {"d.bib": DOUBLING},
        ["format", "--check", "d.bib"],
        None,
        {1},
        r"^d\.bib:15:15: error macro-too-large",
    ),
    (
        "laughs-claims",
        {"docs/claims.yml": LAUGHS},
        ["validate"],
        None,
        {1},
        r"^docs/claims\.yml:2:\d+: error data-invalid .*aliases",
    ),
    (
        "laughs-content-note",
        {NOTE: ANNOTATION.replace("---\n##", "x: &x [1]\ncontent_note: *x\n---\n##")},
        ["validate"],
        None,
        {1},
        r"^docs/references/smith2020study\.md:6:\d+: error annotation-front-matter",
    ),
    (
        "annual-report-3000",
        {"references.bib": _report(3000)},
        ["validate", "references.bib"],
        None,
        {0, 1},
        r"more near-identical titles",
    ),
    (
        "identical-8002",
        {"references.bib": _report(8002, "Same")},
        ["validate", "references.bib"],
        None,
        {0, 1},
        r"more near-identical titles",
    ),
    (
        "nested-brackets",
        {"docs/claims.yml": "[" * 20_000},
        ["validate"],
        None,
        {1},
        r"^docs/claims\.yml:1:\d+: error data-invalid .*nesting",
    ),
    # never a traceback: decoding and types
    (
        "claims-latin1",
        {"docs/claims.yml": b"- id: c1\n  claim: caf\xe9\n"},
        ["validate"],
        None,
        {1},
        r"^docs/claims\.yml:2:\d+: error data-invalid",
    ),
    (
        "annotation-latin1",
        {NOTE: ANNOTATION.encode() + b"caf\xe9\n"},
        ["validate"],
        None,
        {1},
        r"^docs/references/smith2020study\.md:20:4: error encoding-not-utf8",
    ),
    (
        "page-latin1",
        {"docs/index.md": b"# Home\n\ncaf\xe9\n"},
        ["validate"],
        None,
        {1},
        r"^docs/index\.md:3:4: error encoding-not-utf8",
    ),
    (
        "evidence-7",
        {"docs/claims.yml": "- id: c1\n  section: S\n  claim: C\n  verdict: supported\n  note: N\n  evidence: 7\n"},
        ["validate"],
        None,
        {1},
        r"^docs/claims\.yml:1:1: error data-invalid \[c1\] 'evidence' must be a list",
    ),
    (
        "extra-refkb-type",
        {"mkdocs.yml": "site_name: x\nextra:\n  refkb:\n    topics: 7\n"},
        ["validate"],
        None,
        {2},
        r"^mkdocs\.yml:\d+:\d+: error invalid-setting extra\.refkb\.topics must be a list",
    ),
    (
        "stdin-latin1",
        {},
        ["add", "-"],
        b"@misc{a,\n  title = {caf\xe9},\n}\n",
        {2},
        r"^refkb: <stdin>:2:15: error encoding-not-utf8",
    ),
    (
        "long-title-word",
        {},
        ["add", "-q", "-"],
        ("@misc{x,\n  author = {Smith, Jane},\n  title = {" + "w" * 250 + "},\n  date = {2020},\n}\n").encode(),
        {0},
        "",
    ),
    (
        "long-key",
        {"references.bib": GOOD.replace("smith2020study", "smith2020" + "s" * 242)},
        ["validate", "references.bib"],
        None,
        {1},
        r"^references\.bib:1:10: error key-too-long",
    ),
    # closed gaps
    (
        "url-userinfo",
        {
            "references.bib": GOOD.replace(
                "  date", "  url = {https://www.antitraffickingreview.org@evil.example/login},\n  date"
            )
        },
        ["validate", "references.bib"],
        None,
        {1},
        r"^references\.bib:5:9: error invalid-url .*user information",
    ),
    (
        "url-credentials",
        {"references.bib": GOOD.replace("  date", "  url = {https://u:p@example.org/},\n  date")},
        ["validate", "references.bib"],
        None,
        {1},
        r"^references\.bib:5:9: error invalid-url",
    ),
    (
        "string-cycle",
        {"c.bib": "@string{a = b}\n@string{b = a}\n"},
        ["validate", "c.bib"],
        None,
        {1},
        r"^c\.bib:1:13: error macro-cycle",
    ),
    (
        "field-name-control",
        {"c.bib": "@misc{a,\n  ti\x01tle = {x},\n}\n"},
        ["validate", "c.bib"],
        None,
        {1},
        r"^c\.bib:2:\d+: error control-character",
    ),
    (
        "nul-run",
        {"c.bib": GOOD + "\x00" * 5000 + "\n" + GOOD.replace("smith2020study", "smith2020studyb")},
        ["validate", "c.bib"],
        None,
        {1},
        r"^c\.bib:9:1: error control-character 5000 control",
    ),
    (
        "future-verified-on",
        {NOTE: ANNOTATION.replace("2026-11-29", "2999-01-01")},
        ["validate"],
        None,
        {1},
        r"^docs/references/smith2020study\.md:4:1: error future-date",
    ),
    (
        "future-timeline",
        {"docs/timeline.yml": "- date: '2999'\n  event: E.\n  cite: [smith2020study]\n"},
        ["validate"],
        None,
        {1},
        r"^docs/timeline\.yml:1:1: error future-date",
    ),
    (
        "year-1000",
        {"references.bib": GOOD.replace("{2020}", "{1000}")},
        ["validate", "references.bib"],
        None,
        {1},
        r"^references\.bib:5:\d+: error year-out-of-range",
    ),
    # front matter and headings
    (
        "description-script",
        {NOTE: _note("description: '\"><script>alert(1)</script>'\n")},
        ["validate"],
        None,
        {1},
        r"^docs/references/smith2020study\.md:5:1: error front-matter-key",
    ),
    (
        "author-breakout",
        {NOTE: _note("author: 'x\" onload=\"alert(1)'\n")},
        ["validate"],
        None,
        {1},
        r"^docs/references/smith2020study\.md:5:1: error front-matter-key .*'author'",
    ),
    (
        "redirect-template",
        {NOTE: _note("template: redirect.html\nlocation: 'javascript:alert(1)'\n")},
        ["validate"],
        None,
        {1},
        r"^docs/references/smith2020study\.md:6:1: error front-matter-key .*'location'",
    ),
    (
        "heading-attr",
        {NOTE: ANNOTATION.replace("## Summary", "## Summary {: id='x\" onmouseover=\"alert(1)' }")},
        ["validate"],
        None,
        {1},
        r"^docs/references/smith2020study\.md:6:12: error unsafe-attribute",
    ),
    (
        "string-backslash",
        {"c.bib": '@string{m1 = "c\\"}\n'},
        ["validate", "c.bib"],
        None,
        {1},
        r"^c\.bib:1:14: error syntax-error .*backslash",
    ),
    # right places
    (
        "cr-only",
        {"c.bib": "% c\r@misc{a,\r  title = {x},\r  date = 2020a,\r}\r"},
        ["validate", "c.bib"],
        None,
        {1},
        r"^c\.bib:4:10: error syntax-error",
    ),
    (
        "front-matter-yaml",
        {NOTE: ANNOTATION.replace("verified_on: 2026-11-29", "verified_on: [2026")},
        ["validate"],
        None,
        {1},
        r"^docs/references/smith2020study\.md:5:\d+: error annotation-front-matter",
    ),
    (
        "parser-log",
        {"c.bib": "@misc{a, title = {x}\n" * 5000},
        ["validate", "c.bib"],
        None,
        {1},
        r"^c\.bib:\d+:\d+: error",
    ),
    # multi-file bibliographies
    (
        "abbrv-set",
        {"abbrv.bib": "@string{jss = {Journal of Studies}}\n", "refs.bib": GOOD.replace("{Journal of Studies}", "jss")},
        ["format", "--check", "abbrv.bib", "refs.bib"],
        None,
        {0},
        "",
    ),
]


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT_AS, LIMIT_AS))


def run_refkb(cwd: Path, argv: list[str], stdin: bytes | None) -> tuple[subprocess.CompletedProcess[str], float]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    start = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "refkb", *argv],
        cwd=cwd,
        input=stdin.decode("latin-1") if stdin else "",
        capture_output=True,
        text=True,
        encoding="latin-1",
        env=env,
        preexec_fn=_limits,
        timeout=60,
        check=False,
    )
    return result, time.monotonic() - start


@pytest.mark.parametrize(("name", "files", "argv", "stdin", "codes", "expect"), CASES, ids=[c[0] for c in CASES])
def test_audit_input(
    tmp_path: Path,
    name: str,
    files: dict[str, str | bytes],
    argv: list[str],
    stdin: bytes | None,
    codes: set[int],
    expect: str,
) -> None:
    write_project(tmp_path, GOOD, {"smith2020study": ANNOTATION})
    for rel, content in files.items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    result, seconds = run_refkb(tmp_path, argv, stdin)
    out = result.stdout + result.stderr
    assert "Traceback" not in out, out[-3000:]
    assert "internal error" not in out, out[-3000:]  # the guard never fires on the audit's inputs
    assert result.returncode in codes, out[-3000:]
    if expect:
        assert re.search(expect, out, re.M), out[-3000:]
    for line in out.splitlines():  # one line per problem: ours, never bibtexparser's own log lines
        assert len(line) < 2000
        assert not re.match(r"^(?:WARNING|ERROR|INFO|DEBUG)[: ]", line), line
    assert seconds < LIMIT_S, f"{name} took {seconds:.1f} s"


def test_guard_turns_a_bug_into_one_line(tmp_path: Path) -> None:
    code = (
        "import sys\nfrom refkb import cli\nfrom refkb.checks import suite\n"
        "def boom(*a, **k):\n    raise ZeroDivisionError('simulated bug')\n"
        "suite.validate_bib = boom\nsys.exit(cli.main(['validate', 'references.bib']))\n"
    )
    write_project(tmp_path, GOOD)
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("refkb: references.bib: internal error (ZeroDivisionError: simulated bug)")
    assert "bug" in lines[0]


BUILD_CASES = [
    ("topics-7", "mkdocs.yml", None, r"mkdocs\.yml:\d+:\d+: error invalid-setting extra\.refkb\.topics must be a list"),
    ("page-latin1", "docs/index.md", b"# Home\n\ncaf\xe9\n", r"docs/index\.md:3:4: error encoding-not-utf8"),
    ("claims-type", "docs/claims.yml", b"- id: c1\n  claim: [1]\n", r"docs/claims\.yml:1:1: error data-invalid"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "rel", "content", "expect"), BUILD_CASES, ids=[c[0] for c in BUILD_CASES])
def test_build_reports_bad_input_in_one_line(
    tmp_path: Path, name: str, rel: str, content: bytes | None, expect: str
) -> None:
    write_project(tmp_path, GOOD, {"smith2020study": ANNOTATION})
    if content is None:
        cfg = (tmp_path / "mkdocs.yml").read_text(encoding="utf-8")
        (tmp_path / "mkdocs.yml").write_text(re.sub(r"    topics:\n(      - .*\n)+", "    topics: 7\n", cfg + "\n"))
    else:
        (tmp_path / rel).write_bytes(content)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "s")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        check=False,
        preexec_fn=_limits,
        timeout=120,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr
    assert re.search(expect, result.stderr), result.stderr


@pytest.mark.slow
def test_build_refuses_hostile_front_matter_in_one_line(tmp_path: Path) -> None:
    write_project(tmp_path, GOOD, {"smith2020study": _note("x: &x [1]\ncontent_note: *x\n")})
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "s")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        check=False,
        preexec_fn=_limits,
        timeout=120,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "docs/references/smith2020study.md:6:" in result.stderr
