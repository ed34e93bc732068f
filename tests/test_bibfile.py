"""Reading with positions, and the canonical formatter: lossless, idempotent, atomic, refusing broken files."""

from __future__ import annotations

import collections
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import CORPORA, FUZZ_EXAMPLES, corpus_files
from refkb import bibfile, cli
from refkb.model import BibFile


def meaning(bib: BibFile) -> tuple[object, ...]:
    """Everything a .bib file means, independent of layout: entries with their fields and comments, macros,
    preambles, comments."""
    entries = collections.Counter(
        (
            e.type,
            e.key,
            tuple(sorted((f.name, f.value, tuple(p.kind == "macro" for p in f.parts)) for f in e.fields)),
            tuple(" ".join(c.split()) for c in e.comments),
        )
        for e in bib.entries
    )
    directives = collections.Counter(
        (
            d.kind,
            tuple((f.name, f.value) for f in d.fields),
            d.raw if d.kind == "preamble" else "",
            tuple(" ".join(c.split()) for c in d.comments),
        )
        for d in bib.directives
    )
    around = tuple(" ".join(c.split()) for c in (*bib.header, *bib.trailer))
    return entries, directives, around


def test_positions_are_one_based_and_point_at_fields() -> None:
    text = "% head\n\n@article{k2020x,\n  title = {T},\n  author =\n    {A, B},\n}\n"
    bib = bibfile.parse_text(text, "x.bib")
    e = bib.entries[0]
    assert (e.pos.line, e.pos.col) == (3, 1)
    assert (e.key_pos.line, e.key_pos.col) == (3, 10)
    title, author = e.fields
    assert (title.pos.line, title.pos.col, title.value_pos.col) == (4, 3, 11)
    assert (author.pos.line, author.value_pos.line, author.value_pos.col) == (5, 6, 5)


@pytest.mark.parametrize(
    ("source", "canonical"),
    [
        ('@ARTICLE{k,\n TITLE="A {B}",\n Year=2020}', "@article{k,\n  title = {A {B}},\n  year = {2020},\n}\n"),
        (
            "@string{j = {J. Stud.}}\n@article{b, journal = j # { (online)}, author = {X, Y}}\n@article{a, title={T}}",
            "@string{j = {J. Stud.}}\n\n@article{a,\n  title = {T},\n}\n\n"
            "@article{b,\n  author = {X, Y},\n  journal = j # { (online)},\n}\n",
        ),
        (
            "% file header\n\n% about b\n@misc{b, note={n}}\n\n% about a\n@misc{a, note={m}}\n% trailer\n",
            "% file header\n\n% about a\n@misc{a,\n  note = {m},\n}\n\n% about b\n@misc{b,\n  note = {n},\n}\n\n"
            "% trailer\n",
        ),
        (
            "@misc{k, zeta = {z}, url = {https://x.org}, doi = {10.1/x}, date = {2020}, publisher = {P},\n"
            " journaltitle = {J}, title = {T}, author = {A, B}, abstract = {Ab},\n"
            " urldate = {2020-01-01}}",
            "@misc{k,\n  author = {A, B},\n  title = {T},\n  journaltitle = {J},\n  publisher = {P},\n"
            "  date = {2020},\n  doi = {10.1/x},\n  url = {https://x.org},\n  urldate = {2020-01-01},\n"
            "  abstract = {Ab},\n  zeta = {z},\n}\n",
        ),
        (
            '@preamble{"\\newcommand{\\noop}[1]{}"}\n@misc{k, month = jan}',
            '@preamble{"\\newcommand{\\noop}[1]{}"}\n\n@misc{k,\n  month = jan,\n}\n',
        ),
    ],
)
def test_canonical_form(source: str, canonical: str) -> None:
    bib = bibfile.parse_text(source, "x.bib")
    assert not bib.issues
    out = bibfile.format_text(bib)
    assert out == canonical
    again = bibfile.parse_text(out, "x.bib")
    assert bibfile.format_text(again) == out
    assert meaning(again) == meaning(bib)


# Under CI the corpora must be there (a missing folder fails the test), unless the CI is one that cannot have them.
needs_corpora = pytest.mark.skipif(
    not CORPORA.is_dir() and (os.environ.get("CI") != "true" or os.environ.get("REFKB_CORPORA_OPTIONAL") == "1"),
    reason=f"real-world corpora not found at {CORPORA}",
)


@needs_corpora
def test_corpora_are_present() -> None:
    assert len(corpus_files()) >= 5


@needs_corpora
@pytest.mark.parametrize("name", [p.name for p in corpus_files()])
def test_format_on_real_corpora(name: str, corpus_copy: Callable[[Path], Path]) -> None:
    path = corpus_copy(CORPORA / name)
    before = path.read_bytes()
    bib = bibfile.read(path)
    code = cli.main(["format", str(path)])
    if bib.has_errors:
        assert code == cli.EXIT_PROBLEMS
        assert path.read_bytes() == before, "a file with syntax errors must stay byte-identical"
        return
    assert code == cli.EXIT_OK
    formatted = bibfile.read(path)
    assert not formatted.has_errors
    assert meaning(formatted) == meaning(bib), "formatting lost or changed something"
    assert len(formatted.entries) == len(bib.entries)
    once = path.read_bytes()
    assert cli.main(["format", str(path)]) == cli.EXIT_OK
    assert path.read_bytes() == once, "formatting twice must equal formatting once"
    assert cli.main(["format", "--check", str(path)]) == cli.EXIT_OK


@needs_corpora
def test_a_broken_corpus_is_refused() -> None:
    """dpertin's thesis bibliography repeats `pagetotal` in two entries: bibtexparser would drop both entries."""
    bib = bibfile.read(CORPORA / "dpertin__phd__these.bib")
    assert {i.code for i in bib.issues if i.level.value == "error"} == {"duplicate-field"}


@pytest.mark.parametrize(
    "broken",
    [
        "@article{a,\n  title = {T}\n  year = {2020},\n}\n",
        "@article{a,\n  title = {T,\n  year = {2020},\n}\n\n@article{b, title={U}}\n",
        '@article{a,\n  title = "T,\n}\n',
        "@article{a,\n  title = {T},\n  % note\n  year = {2020},\n}\n",
        "@article{a,\n  title = {T},\n  title = {U},\n}\n",
        b"@article{a,\n  title = {\xff},\n}\n",
    ],
)
def test_format_refuses_broken_files_and_leaves_them_intact(
    tmp_path: Path, broken: str | bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "refs.bib"
    data = broken.encode() if isinstance(broken, str) else broken
    path.write_bytes(data)
    assert cli.main(["format", str(path)]) == cli.EXIT_PROBLEMS
    assert path.read_bytes() == data
    err = capsys.readouterr().err
    assert "nothing was written" in err
    assert f"{path}:" in err


def test_check_prints_a_diff_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "refs.bib"
    path.write_text("@misc{b, title={B}}\n@misc{a, title={A}}\n", encoding="utf-8")
    before = path.read_bytes()
    assert cli.main(["format", "--check", str(path)]) == cli.EXIT_PROBLEMS
    out = capsys.readouterr().out
    assert out.startswith("---")
    assert "+@misc{a," in out
    assert path.read_bytes() == before


def test_crash_in_the_middle_of_a_write_leaves_the_original(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "refs.bib"
    original = "@misc{b, title={B}}\n@misc{a, title={A}}\n"
    path.write_text(original, encoding="utf-8")

    def boom(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", boom)
    assert cli.main(["format", str(path)]) == cli.EXIT_USAGE
    assert path.read_text(encoding="utf-8") == original
    assert [p.name for p in tmp_path.iterdir()] == ["refs.bib"], "the temp file must be cleaned up"


def test_atomic_write_keeps_file_mode(tmp_path: Path) -> None:
    path = tmp_path / "refs.bib"
    path.write_text("x", encoding="utf-8")
    path.chmod(0o640)
    bibfile.write_atomic(path, "y\n")
    assert path.read_text(encoding="utf-8") == "y\n"
    assert path.stat().st_mode & 0o777 == 0o640


def test_bom_and_crlf_are_read() -> None:
    text, problem = bibfile.decode(b"\xef\xbb\xbf@misc{a,\r\n  title = {T},\r\n}\r\n", "x.bib")
    assert problem is None
    bib = bibfile.parse_text(text, "x.bib")
    assert bib.entries[0].value("title") == "T"
    assert bib.entries[0].get("title") is not None


def test_non_utf8_points_at_first_bad_byte() -> None:
    _, problem = bibfile.decode("@misc{a,\n  title = {ça".encode() + b" \xe9t\xe9}}", "x.bib")
    assert problem is not None
    assert (problem.line, problem.col, problem.code) == (2, 15, "encoding-not-utf8")


# A large file is read in two halves by two processes (bibfile.split_blocks): the result is one read's.
_SEAMS = [
    "@article{a1,\n  title = {One},\n}\n\n@book{b1,\n  title = {Two},\n}\n",
    # the cut falls inside an entry: a value has a line that starts with '@'
    "@article{a1,\n  title = {One},\n  abstract = {x\n@book{inside, y}\n  z},\n}\n@book{b1,\n  title = {Two},\n}\n",
    # an unclosed entry before the cut, a failed block after it
    "@article{a1,\n  title = {One\n\n@book{b1,\n  title = {Two},\n}\n@misc{c1 title = {x}}\n@string{s = {S}}\n",
    '% comment\n@string{s = {S}}\n\n@book{b1,\n  title = s,\n}\n@comment{c}\n@preamble{"p"}\n@misc{b1,\n}\n',
]


@pytest.mark.parametrize("text", [*_SEAMS, *(p.read_text(encoding="utf-8") for p in sorted(CORPORA.glob("*.bib")))])
def test_a_file_read_in_two_halves_gives_the_blocks_of_one_read(text: str) -> None:
    assert bibfile.parse_text(text, "x.bib", parallel_from=0, cores=2) == bibfile.parse_text(text, "x.bib", cores=1)


@given(
    st.lists(
        st.sampled_from(
            [
                "@article{k,\n",
                "  title = {T},\n",
                "}\n",
                "\n",
                "@string{s = {v}}\n",
                "x@y\n",
                "  note = {a\n",
                "@",
                "{",
                "}",
                '"',
                "% c\n",
            ]
        ),
        max_size=40,
    ).map("".join)
)
@settings(max_examples=FUZZ_EXAMPLES, deadline=None)
def test_halves_equal_one_read_on_any_text(text: str) -> None:
    assert bibfile.parse_text(text, "x.bib", parallel_from=0, cores=2) == bibfile.parse_text(text, "x.bib", cores=1)
