"""Hardening as tables: each hostile or broken input with the code it must give and the line it must
point at; plus the writers (lock, both-or-neither, symlinks, temp files), multi-file bibliographies and the YAML
loader's limits."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ANNOTATION, GOOD, TODAY, TOPICS, write_project
from refkb import annotation, bibfile, cli, project, safeyaml, writes
from refkb.checks import suite
from refkb.checks.codes import CODES
from refkb.checks.settings import Settings
from refkb.model import Issue

SETTINGS = Settings(TODAY, frozenset(TOPICS), frozenset(project.DEFAULT_SOURCEKINDS))
HARDENING_CODES = {
    "input-too-large",
    "macro-cycle",
    "macro-too-large",
    "key-too-long",
    "year-out-of-range",
    "front-matter-key",
    "unsafe-attribute",
    "future-date",
}


def issues_of(text: str | bytes) -> list[Issue]:
    data = text.encode("utf-8") if isinstance(text, str) else text
    decoded, problem = bibfile.decode(data, "t.bib")
    if problem is not None:
        return [problem]
    return suite.validate_bib(bibfile.parse_text(decoded, "t.bib"), SETTINGS)


def misc(extra: str = "", key: str = "smith2020study", head: str = "") -> str:
    return (
        f"{head}@misc{{{key},\n  author = {{Smith, Jane}},\n  title = {{A study of things}},\n  date = {{2020}},\n"
        f"{extra}}}\n"
    )


DOUBLING = '@string{m0 = "aaaaaaaaaa"}\n' + "".join(f"@string{{m{i} = m{i - 1} # m{i - 1}}}\n" for i in range(1, 40))

BIB_CASES: list[tuple[str, str | bytes, int]] = [
    # bounded work
    ("macro-too-large", DOUBLING, 15),  # 10 * 2**14 > 100,000 characters
    ("macro-too-large", '@string{m = "' + "a" * 60_000 + '"}\n' + misc("  note = m # m,\n"), 6),
    # @string cycles and undefined references inside @string
    ("macro-cycle", "@string{a = b}\n@string{b = a}\n", 1),
    ("macro-cycle", '@string{a = a # "x"}\n', 1),
    ("undefined-macro", "@string{a = nowhere}\n", 1),
    ("undefined-macro", "@string{a = b}\n@string{b = {x}}\n", 1),
    # keys
    ("key-too-long", misc(key="smith2020" + "a" * 250), 1),
    ("key-too-long", misc(key="k" * 65), 1),
    # years and dates
    ("year-out-of-range", misc().replace("date = {2020}", "date = {1000}"), 4),
    ("year-out-of-range", misc().replace("date = {2020}", "date = {2999}"), 4),
    ("year-out-of-range", misc().replace("date = {2020}", "date = {2019/2999}"), 4),
    ("year-out-of-range", misc().replace("date = {2020}", "year = {1499}"), 4),
    ("future-urldate", misc("  urldate = {2026-12-25},\n"), 5),
    # URLs with user information
    ("invalid-url", misc("  url = {https://www.antitraffickingreview.org@evil.example/login},\n"), 5),
    ("invalid-url", misc("  url = {https://user:pass@example.org/},\n"), 5),
    ("invalid-url", misc("  archiveurl = {http://a@b.example/},\n"), 5),
    # control characters in field names and between entries
    ("control-character", misc("  no\x01te = {x},\n"), 5),
    ("control-character", misc() + "\n\x00\x00\x00\x00\n" + misc(key="jones2021other"), 7),
    ("control-character", "\x1b[31m\n" + misc(), 1),
    # a value ending in a backslash: BibTeX reads it, bibtexparser does not (the formatter could not keep it)
    ("syntax-error", '@string{m1 = "c\\"}\n', 1),
    ("syntax-error", misc('  note = "c\\",\n'), 5),
    # right places: CR-only and CRLF files
    ("syntax-error", "% c\r@misc{a,\r  title = {x},\r  date = 2020a,\r}\r", 4),
    ("syntax-error", "% c\r\n@misc{a,\r\n  title = {x},\r\n  date = 2020a,\r\n}\r\n", 4),
]


@pytest.mark.parametrize(("code", "text", "line"), BIB_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(BIB_CASES)])
def test_bib_input_is_reported_at_its_line(code: str, text: str | bytes, line: int) -> None:
    found = issues_of(text)
    mine = [i for i in found if i.code == code]
    assert mine, f"{code} not reported; got {[i.render() for i in found]}"
    assert line in {i.line for i in mine}, [i.render() for i in mine]
    assert all(i.level is CODES[code][0] for i in mine)


def test_input_too_large(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(bibfile, "MAX_BYTES", 1000)
    path = tmp_path / "big.bib"
    path.write_text(misc() * 20, encoding="utf-8")
    bib = bibfile.read(path, "big.bib")
    assert [(i.code, i.line) for i in bib.issues] == [("input-too-large", 1)]


def test_years_in_range_are_not_errors() -> None:
    for year in ("1500", "1799", "2027"):
        codes = {i.code for i in issues_of(misc().replace("{2020}", "{" + year + "}"))}
        assert "year-out-of-range" not in codes, year
    assert "implausible-year" in {i.code for i in issues_of(misc().replace("{2020}", "{1700}"))}


# ---------------------------------------------------------------------------------------------------------------
# Front matter, headings and data files (validate_project)


def front(extra: str) -> str:
    """The annotation with `extra` front-matter lines after verified_on (line 5 on)."""
    return ANNOTATION.replace("---\n##", extra + "---\n##", 1)


FUTURE = (TODAY + dt.timedelta(days=30)).isoformat()
NOTE = "docs/references/smith2020study.md"
PROJECT_CASES: list[tuple[str, dict[str, str | bytes], str, int]] = [
    # front matter is untrusted: only verified_at, verified_on, content_note, with their types
    ("front-matter-key", {NOTE: front("description: '\"><script>alert(1)</script>'\n")}, NOTE, 5),
    ("front-matter-key", {NOTE: front("author: 'x\" onload=\"alert(1)'\n")}, NOTE, 5),
    ("front-matter-key", {NOTE: front("template: redirect.html\nlocation: 'javascript:alert(1)'\n")}, NOTE, 5),
    ("front-matter-key", {NOTE: front("template: redirect.html\nlocation: 'javascript:alert(1)'\n")}, NOTE, 6),
    ("front-matter-key", {NOTE: front("content_note: [a, b]\n")}, NOTE, 5),
    (
        "front-matter-key",
        {"docs/index.md": "---\ntitle: Home\ntemplate: redirect.html\nlocation: javascript:x\n---\n"},
        "docs/index.md",
        3,
    ),
    (
        "front-matter-key",
        {"docs/index.md": "---\ndescription: '\"><script>alert(1)</script>'\n---\n# Home\n"},
        "docs/index.md",
        2,
    ),
    ("front-matter-key", {"docs/index.md": "---\ntitle: [1, 2\n---\n# Home\n"}, "docs/index.md", 3),
    # front-matter YAML errors at the parser's line in the file (not 1:1)
    ("annotation-front-matter", {NOTE: ANNOTATION.replace("verified_on: 2026-11-29", "verified_on: [2026")}, NOTE, 5),
    ("annotation-front-matter", {NOTE: front("x: &a [1]\ny: *a\n")}, NOTE, 6),
    # headings: attr_list attributes that could carry script
    (
        "unsafe-attribute",
        {NOTE: ANNOTATION.replace("## Summary", "## Summary {: id='x\" onmouseover=\"alert(1)' }")},
        NOTE,
        6,
    ),
    ("unsafe-attribute", {"docs/index.md": '# Home\n\nText\n{: onclick="alert(1)" }\n'}, "docs/index.md", 4),
    ("unsafe-attribute", {"docs/index.md": '# Home {#x"y}\n'}, "docs/index.md", 1),
    # future dates where there can be none
    ("future-date", {NOTE: ANNOTATION.replace("verified_on: 2026-11-29", f"verified_on: {FUTURE}")}, NOTE, 4),
    (
        "future-date",
        {"docs/timeline.yml": f"- date: '{FUTURE[:7]}'\n  event: Later.\n  cite: [smith2020study]\n"},
        "docs/timeline.yml",
        1,
    ),
    # pages and data that are not UTF-8, or of the wrong YAML type, or bombs
    ("encoding-not-utf8", {NOTE: ANNOTATION.encode() + b"\n\xff\n"}, NOTE, 21),
    ("encoding-not-utf8", {"docs/index.md": b"# Home\n\ncaf\xe9\n"}, "docs/index.md", 3),
    ("data-invalid", {"docs/claims.yml": b"- id: c1\n  claim: caf\xe9\n"}, "docs/claims.yml", 2),
    (
        "data-invalid",
        {"docs/claims.yml": "- id: c1\n  section: S\n  claim: C\n  verdict: supported\n  note: N\n  evidence: 7\n"},
        "docs/claims.yml",
        1,
    ),
    (
        "data-invalid",
        {"docs/glossary.yml": "- term: {a: 1}\n  definition: D\n  cite: [smith2020study]\n"},
        "docs/glossary.yml",
        1,
    ),
    (
        "data-invalid",
        {"docs/claims.yml": "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a]\n"},
        "docs/claims.yml",
        2,
    ),
    ("data-invalid", {"docs/timeline.yml": "[" * 20_000}, "docs/timeline.yml", 1),
]


@pytest.mark.parametrize(
    ("code", "files", "path", "line"), PROJECT_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(PROJECT_CASES)]
)
def test_project_input_is_reported_at_its_line(
    tmp_path: Path, code: str, files: dict[str, str | bytes], path: str, line: int
) -> None:
    write_project(tmp_path, GOOD, {"smith2020study": ANNOTATION})
    for name, content in files.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    _, found = suite.validate_project(project.load(tmp_path), TODAY)
    mine = [i for i in found if i.code == code]
    assert mine, [i.render() for i in found]
    assert (path, line) in {(i.path, i.line) for i in mine}, [i.render() for i in mine]


def test_legitimate_front_matter_and_attributes_pass(tmp_path: Path) -> None:
    note = ANNOTATION.replace("---\n##", "content_note: This source discusses abuse.\n---\n##").replace(
        "## Summary", "## Summary {: #summary .lead }"
    )
    page = "---\ntitle: Home page\ndescription: A plain description.\nhide: [toc]\n---\n# Home {#home}\n"
    write_project(tmp_path, GOOD, {"smith2020study": note}, {"index.md": page})
    _, found = suite.validate_project(project.load(tmp_path), TODAY)
    assert not [i for i in found if i.code in HARDENING_CODES or i.code == "annotation-front-matter"], found


# ---------------------------------------------------------------------------------------------------------------
# The YAML loader

YAML_CASES: list[tuple[str, int, str]] = [
    ("a: &a [1, 2]\nb: *a\n", 2, "aliases"),
    ("[" * 20_000, 1, "nesting"),
    ("- " * 5000 + "x\n", 1, "nesting"),
    ("a: 1\nb: [1,\n", 3, "not valid YAML"),
    ("d: 2026-13-45\n", 1, "cannot read"),
]


@pytest.mark.parametrize(("text", "line", "what"), YAML_CASES)
def test_yaml_refused_with_a_line(text: str, line: int, what: str) -> None:
    with pytest.raises(safeyaml.YamlError) as err:
        safeyaml.load(text)
    assert err.value.line == line
    assert what in err.value.message


def test_yaml_decoding_error_has_line_and_column() -> None:
    with pytest.raises(safeyaml.YamlError) as err:
        safeyaml.load_bytes(b"a: 1\nb: caf\xe9\n")
    assert (err.value.line, err.value.col) == (2, 7)


def test_mkdocs_yml_wrong_types_are_one_line_errors(tmp_path: Path) -> None:
    for extra in (
        "extra: 7\n",
        "extra:\n  refkb: [1]\n",
        "extra:\n  refkb:\n    topics: 7\n",
        "extra:\n  refkb:\n    bibliography: {a: 1}\n",
        "extra:\n  refkb:\n    style: [apa]\n",
    ):
        (tmp_path / "mkdocs.yml").write_text("site_name: x\n" + extra, encoding="utf-8")
        with pytest.raises(project.ConfigError):
            project.load(tmp_path)


# ---------------------------------------------------------------------------------------------------------------
# Formatter: positions, CR, quotes that cannot become braces

FORMAT_CASES = [
    "@misc{a, title={x}}@misc{a, title={x}}\n",
    "@preamble{}@preamble{}\n",
    '@string{m1 = "c\\\\d"}\n',
    "@misc{k,\r  title = {a\rb},\r}\r",
    "@misc{k,\r\n  title = {a},\r\n}\r\n",
]


@pytest.mark.parametrize("text", FORMAT_CASES)
def test_format_is_lossless_and_idempotent(text: str) -> None:
    bib = bibfile.parse_text(text, "f.bib")
    assert not bib.has_errors
    once = bibfile.format_text(bib)
    again = bibfile.parse_text(once, "f.bib")
    assert not again.has_errors, [i.render() for i in again.issues]
    assert bibfile.format_text(again) == once
    assert len(again.entries) == len(bib.entries)
    assert len(again.directives) == len(bib.directives)


def test_format_check_agrees_with_format_on_cr(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "r.bib"
    path.write_bytes(b"@misc{k,\r  title = {a\rb},\r}\r")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["format", "--check", str(path)]) == 1
    assert cli.main(["format", "-q", str(path)]) == 0
    assert cli.main(["format", "--check", str(path)]) == 0


# ---------------------------------------------------------------------------------------------------------------
# Multi-file bibliographies

ABBRV = "@string{jss = {Journal of Studies}}\n@string{unodc = {{United Nations Office on Drugs and Crime}}}\n"
ENTRIES = """@article{smith2020study,
  author = {Smith, Jane},
  title = {A study of things},
  journaltitle = jss,
  date = {2020},
}

@report{unodc2020report,
  author = unodc,
  title = {Global report},
  type = {Report},
  institution = unodc,
  date = {2020},
}
"""


def test_validate_a_set_of_files_sharing_macros(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "abbrv.bib").write_text(ABBRV, encoding="utf-8")
    (tmp_path / "refs.bib").write_text(ENTRIES, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["validate", "refs.bib"]) == 1
    assert "undefined-macro" in capsys.readouterr().out
    assert cli.main(["validate", "abbrv.bib", "refs.bib"]) == 0
    assert "undefined-macro" not in capsys.readouterr().out
    assert cli.main(["validate", "--macros", "abbrv.bib", "refs.bib"]) == 0


def test_format_a_set_is_lossless_and_idempotent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "abbrv.bib").write_text(ABBRV, encoding="utf-8")
    (tmp_path / "refs.bib").write_text(ENTRIES.replace("\n\n", "\n\n\n"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["format", "-q", "abbrv.bib", "refs.bib"]) == 0
    first = (tmp_path / "refs.bib").read_text(encoding="utf-8")
    assert "journaltitle = jss," in first
    assert "author = unodc," in first
    assert cli.main(["format", "--check", "abbrv.bib", "refs.bib"]) == 0
    assert cli.main(["format", "-q", "--macros", "abbrv.bib", "refs.bib"]) == 0
    assert (tmp_path / "refs.bib").read_text(encoding="utf-8") == first
    bibs = bibfile.read_set([tmp_path / "abbrv.bib", tmp_path / "refs.bib"])
    assert not any(b.has_errors for b in bibs)
    assert bibs[1].entries[0].value("journaltitle") == "Journal of Studies"


def test_format_alone_keeps_undefined_macros_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "refs.bib").write_text(ENTRIES, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["format", "refs.bib"]) == 0
    err = capsys.readouterr().err
    assert "warning undefined-macro" in err
    assert "journaltitle = jss," in (tmp_path / "refs.bib").read_text(encoding="utf-8")


def test_bibliography_may_be_a_list_of_files(tmp_path: Path) -> None:
    write_project(tmp_path, ENTRIES.split("\n\n")[0] + "\n")
    cfg = (tmp_path / "mkdocs.yml").read_text(encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text(cfg + "    bibliography: [abbrv.bib, references.bib]\n", encoding="utf-8")
    (tmp_path / "abbrv.bib").write_text(ABBRV, encoding="utf-8")
    proj = project.load(tmp_path)
    assert proj.bibliography == tmp_path / "references.bib"
    assert proj.macro_files == (tmp_path / "abbrv.bib",)
    _, found = suite.validate_project(proj, TODAY)
    assert "undefined-macro" not in {i.code for i in found}, [i.render() for i in found]
    (tmp_path / "abbrv.bib").write_text("@string{jss = {x}\n", encoding="utf-8")
    _, found = suite.validate_project(proj, TODAY)
    assert "abbrv.bib" in {i.path for i in found if i.level.value == "error"}


# ---------------------------------------------------------------------------------------------------------------
# Writers: lock, both-or-neither, symlinks, temp files


def test_write_goes_through_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.bib"
    real.write_text("old\n", encoding="utf-8")
    link = tmp_path / "references.bib"
    link.symlink_to(real)
    bibfile.write_atomic(link, "new\n")
    assert link.is_symlink()
    assert real.read_text(encoding="utf-8") == "new\n"


def test_stale_temp_files_are_cleaned_and_gitignored(tmp_path: Path) -> None:
    bib = tmp_path / "references.bib"
    bib.write_text("x\n", encoding="utf-8")
    stale = tmp_path / ".references.bib.abc123.refkb-tmp"
    stale.write_text("partial", encoding="utf-8")
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / ".k.md.x.refkb-tmp").write_text("partial", encoding="utf-8")
    with writes.lock(bib, clean=[notes]):
        pass
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes", "references.bib"]
    assert list(notes.iterdir()) == []
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "--no-index", ".references.bib.abc123.refkb-tmp"],
        cwd=Path(__file__).parents[1],
        check=False,
    )
    assert ignored.returncode == 0


def test_interrupted_commit_is_completed_on_the_next_lock(tmp_path: Path) -> None:
    """A crash after the journal was written and before the last rename: the next writer finishes the commit."""
    bib, note = tmp_path / "references.bib", tmp_path / "docs" / "k.md"
    bib.write_text("old\n", encoding="utf-8")
    note.parent.mkdir()
    t1 = writes._temp(bib, "new\n")
    t2 = writes._temp(note, "note\n")
    journal = tmp_path / ".references.bib.refkb-journal"
    journal.write_text(f'[["{t1}", "{bib}"], ["{t2}", "{note}"]]', encoding="utf-8")
    os.replace(t1, bib)  # the first rename happened, then kill -9
    with writes.lock(bib):
        pass
    assert bib.read_text(encoding="utf-8") == "new\n"
    assert note.read_text(encoding="utf-8") == "note\n"
    assert not journal.exists()


def test_lock_held_gives_a_clear_message(tmp_path: Path) -> None:
    bib = tmp_path / "references.bib"
    bib.write_text("x\n", encoding="utf-8")
    messages: list[str] = []
    code = "import sys, time; from refkb import writes\nwith writes.lock(sys.argv[1]):\n print('held', flush=True)\n time.sleep(3)\n"  # noqa: E501
    holder = subprocess.Popen([sys.executable, "-c", code, str(bib)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        with (
            pytest.raises(writes.LockHeld, match="another refkb process"),
            writes.lock(bib, timeout=0.3, on_wait=messages.append),
        ):
            pass
        assert messages
        assert "waiting" in messages[0]
    finally:
        holder.wait(10)


ADD_ONE = """@online{{org{n}2024page{n},
  author = {{{{Org {n}}}}},
  title = {{Page number {n} about things}},
  url = {{https://example.org/page/{n}}},
  urldate = {{2026-11-01}},
  date = {{2024}},
}}
"""


@pytest.mark.slow
def test_concurrent_adds_lose_nothing(tmp_path: Path) -> None:
    """50 rounds of two `refkb add` at once: every entry and every annotation arrives."""
    write_project(tmp_path, GOOD, {"smith2020study": ANNOTATION})
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    n = 0
    for _ in range(50):
        procs = []
        for _ in range(2):
            n += 1
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "refkb", "add", "-q", "-"],
                    cwd=tmp_path,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    text=True,
                    env=env,
                )
            )
            assert procs[-1].stdin is not None
            procs[-1].stdin.write(ADD_ONE.format(n=n))
            procs[-1].stdin.close()
        for p in procs:
            assert p.wait(60) == 0, p.stderr.read() if p.stderr else ""
    bib = bibfile.read(tmp_path / "references.bib")
    assert len(bib.entries) == 1 + n
    notes = {a.key for a in annotation.scan(tmp_path / "docs" / "references")}
    assert {e.key for e in bib.entries} <= notes | {"smith2020study"}
    assert not list(tmp_path.glob(".*refkb-*"))


@pytest.mark.slow
def test_kill_during_add_leaves_both_or_neither(tmp_path: Path) -> None:
    """`kill -9` at random moments of `refkb add`; after the next refkb run (which completes an interrupted commit)
    every new entry has its annotation and every new annotation its entry, and no temp file is left."""
    import random
    import signal
    import time

    write_project(tmp_path, GOOD, {"smith2020study": ANNOTATION})
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    rng = random.Random(12)
    for n in range(1, 21):
        proc = subprocess.Popen(
            [sys.executable, "-m", "refkb", "add", "-q", "-"],
            cwd=tmp_path,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        assert proc.stdin is not None
        proc.stdin.write(ADD_ONE.format(n=n))
        proc.stdin.close()
        time.sleep(rng.uniform(0.2, 1.2))
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        subprocess.run(
            [sys.executable, "-m", "refkb", "validate"], cwd=tmp_path, capture_output=True, env=env, check=False
        )
        keys = {e.key for e in bibfile.read(tmp_path / "references.bib").entries}
        notes = {a.key for a in annotation.scan(tmp_path / "docs" / "references")}
        assert keys == notes, (n, keys ^ notes)
        assert not list(tmp_path.glob(".*refkb-journal"))
