"""refkb.bibmemo and refkb.checks.incremental: a bibliography read and checked again after an edit with the memo of
its last read (`mkdocs serve`) equals a fresh read and check — entries, fields and directives with their offsets and
positions, the syntax problems, every check's issues — after edits of every kind, on the knowledge base's file, the
test sites', a grown one of 1,000 works and real bibliographies."""

from __future__ import annotations

import random
import re
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import DATA, FUZZ_EXAMPLES, ROOT, corpus_files
from refkb import bibfile, bibmemo, project
from refkb.checks import incremental, suite
from refkb.model import BibFile, Position

sys.path.insert(0, str(ROOT / "benchmarks"))
import grow

PATH = "references.bib"
PROJECT = project.load(ROOT)
SETTINGS = suite.project_settings(PROJECT)
NEW = "@misc{new{n},\n  title = {A New Work},\n  author = {Doe, Jane},\n  date = {2020},\n}\n\n"


@dataclass
class Memos:
    blocks: bibmemo.BlockMemo = field(default_factory=bibmemo.BlockMemo)
    checks: incremental.EntryMemo = field(default_factory=incremental.EntryMemo)
    coding: incremental.EntryMemo = field(default_factory=incremental.EntryMemo)


def positions(bib: BibFile) -> list[tuple[Position, ...]]:
    out = [(e.pos, e.key_pos, *(p for f in e.fields for p in (f.pos, f.value_pos))) for e in bib.entries]
    return out + [tuple(p for f in d.fields for p in (f.pos, f.value_pos)) for d in bib.directives]


def assert_same(memos: Memos, text: str) -> None:
    """The read and checks with the memos equal fresh ones."""
    fresh = bibfile.parse_text(text, PATH)
    kept = bibfile.parse_text(text, PATH, memo=memos.blocks)
    assert kept == fresh
    assert (positions(kept), kept.macros) == (positions(fresh), fresh.macros)
    assert suite.validate_bib(kept, SETTINGS, memos.checks) == suite.validate_bib(fresh, SETTINGS)
    coded = list(suite.check_coding(kept, PROJECT.coding, memos.coding))
    assert coded == list(suite.check_coding(fresh, PROJECT.coding))


def _starts(text: str) -> list[int]:
    return [m.start() for m in re.finditer(r"^[ \t]*@", text, re.M)] or [0]


def _entry(text: str, rnd: random.Random) -> tuple[int, int]:
    """A random block's span: from a line starting with '@' to the next."""
    starts = _starts(text)
    i = rnd.randrange(len(starts))
    return starts[i], starts[i + 1] if i + 1 < len(starts) else len(text)


def _in_entry(text: str, rnd: random.Random, pattern: str) -> int:
    at, end = _entry(text, rnd)
    m = re.compile(pattern).search(text, at, end)
    return m.end() if m else at


def _title(text: str, rnd: random.Random) -> str:
    j = _in_entry(text, rnd, r"title\s*=\s*[{\"]")
    return text[:j] + "Edited " + text[j:]


def _insert(text: str, rnd: random.Random) -> str:
    at, _ = _entry(text, rnd)
    return text[:at] + NEW.replace("{n}", str(rnd.randrange(1000))) + text[at:]


def _delete(text: str, rnd: random.Random) -> str:
    at, end = _entry(text, rnd)
    return text[:at] + text[end:]


def _break(text: str, rnd: random.Random) -> str:
    at, end = _entry(text, rnd)
    j = text.rfind("}", at, end)
    return text[:j] + text[j + 1 :] if j >= 0 else text


def _macro(text: str, rnd: random.Random) -> str:
    at, _ = _entry(text, rnd)
    j = _in_entry(text, rnd, r"\n\s*title\s*=\s*")
    used = text[:j] + "mac # " + text[j:] if j > at else text
    return used[:at] + "@string{mac = {Macro: }}\n\n" + used[at:]


def _move(text: str, rnd: random.Random) -> str:
    at, end = _entry(text, rnd)
    rest = text[:at] + text[end:]
    to = rnd.choice([*_starts(rest), len(rest)])
    return rest[:to] + text[at:end] + rest[to:]


def _garbage(text: str, rnd: random.Random) -> str:
    """A block that bibtexparser aborts past the '@' of the next (`@{@{`), between two entries."""
    at, _ = _entry(text, rnd)
    return text[:at] + rnd.choice(["@{@{\n", "@misc{x title = {y}}\n", "@misc(a,\n", "@string{s = {v\n"]) + text[at:]


def _indent(text: str, rnd: random.Random) -> str:
    """An entry's '@' indented: no longer a cut at the line's start (bibtexparser still starts a block there)."""
    at, _ = _entry(text, rnd)
    return text[:at] + "  " + text[at:]


def _backslash(text: str, rnd: random.Random) -> str:
    """A value line ending in a backslash: bibtexparser's line count then falls behind."""
    j = _in_entry(text, rnd, r"title\s*=\s*\{[^\n}]*")
    return text[:j] + "\\\n" + text[j:]


def _coding(text: str, rnd: random.Random) -> str:
    j = _in_entry(text, rnd, r"platforms\s*=\s*\{")
    return text[:j] + "unknown-platform, " + text[j:]


def _same_line(text: str, rnd: random.Random) -> str:
    """Two entries on one line, the second after the first's closing brace."""
    at, end = _entry(text, rnd)
    j = text.rfind("}", at, end)
    return text[: j + 1] + " @misc{inline, title = {Inline}}" + text[j + 1 :] if j >= 0 else text


def _duplicate(text: str, rnd: random.Random) -> str:
    at, end = _entry(text, rnd)
    return text[:end] + text[at:end] + text[end:]


EDITS: dict[str, Callable[[str, random.Random], str]] = {
    "title": _title,
    "insert": _insert,
    "delete": _delete,
    "break": _break,
    "macro": _macro,
    "move": _move,
    "garbage": _garbage,
    "indent": _indent,
    "backslash": _backslash,
    "coding": _coding,
    "same-line": _same_line,
    "duplicate": _duplicate,
}


@pytest.mark.parametrize("edit", EDITS)
def test_each_edit_then_its_undoing_reads_as_fresh(edit: str) -> None:
    """The knowledge base's file, the edit made three times in random places, then the file as it was."""
    original = (ROOT / "references.bib").read_text(encoding="utf-8")
    rnd = random.Random(edit)
    memos = Memos()
    text = original
    assert_same(memos, text)
    for _ in range(3):
        text = EDITS[edit](text, rnd)
        assert_same(memos, text)
    assert_same(memos, original)


def _grown() -> str:
    bib_text = (ROOT / "references.bib").read_text(encoding="utf-8")
    _, clones = grow._clones(bib_text, 1000)
    texts = grow._entry_texts(bib_text)
    texts.update({c.key: c.text for c in clones})
    return "\n\n".join(texts[k] for k in sorted(texts)) + "\n"


FILES: list[tuple[str, Callable[[], str], int]] = [
    ("knowledge-base", lambda: (ROOT / "references.bib").read_text(encoding="utf-8"), 24),
    ("grown-1000", _grown, 8),
    *((f"{p.parent.name}-site", lambda p=p: p.read_text(encoding="utf-8"), 12) for p in DATA.glob("sites/*/*.bib")),
    *((p.name, lambda p=p: p.read_text(encoding="utf-8"), 12) for p in DATA.glob("*.bib")),
    *((p.name, lambda p=p: p.read_text(encoding="utf-8"), 8) for p in corpus_files()),
]


@pytest.mark.parametrize(("name", "read", "steps"), FILES, ids=[f[0] for f in FILES])
def test_random_edits_read_as_fresh(name: str, read: Callable[[], str], steps: int) -> None:
    text = read()
    rnd = random.Random(name)
    memos = Memos()
    history = [text]
    for _ in range(steps):
        assert_same(memos, text)
        if len(history) > 1 and rnd.random() < 0.2:  # undo: a broken entry fixed, a deletion taken back
            history.pop()
            text = history[-1]
        else:
            text = EDITS[rnd.choice(sorted(EDITS))](text, rnd)
            history.append(text)
    assert_same(memos, text)


_PIECES = [
    "@article{k,\n",
    "@misc{m, title = {T}}\n",
    "  title = {T},\n",
    "  title = mac # {x},\n",
    "  note = {a\\\n",
    "}\n",
    "\n",
    "@string{mac = {v}}\n",
    "  @book{b,\n",
    "x@y\n",
    "  note = {a\n",
    "@{@{\n",
    "@",
    "{",
    "}",
    '"',
    "% c\n",
]


@given(
    st.lists(st.lists(st.sampled_from(_PIECES), max_size=30).map("".join), min_size=1, max_size=5),
)
@settings(max_examples=FUZZ_EXAMPLES, deadline=None)
def test_any_sequence_of_texts_reads_as_fresh(texts: list[str]) -> None:
    memos = Memos()
    for text in texts:
        assert_same(memos, text)


def test_the_memo_keeps_only_the_last_read() -> None:
    memo = bibmemo.BlockMemo()
    one = "@misc{a, title = {A}}\n@misc{b, title = {B}}\n"
    bibfile.parse_text(one, PATH, memo=memo)
    bibfile.parse_text(one.replace("{B}", "{C}"), PATH, memo=memo)
    assert sorted(memo.chunks) == ["@misc{a, title = {A}}\n", "@misc{b, title = {C}}\n"]


def test_the_project_read_and_checked_with_a_memo(tmp_path: Path) -> None:
    """`read_bibliography` and `validate_bibliography` with a memo (as `mkdocs serve` calls them) after edits of the
    knowledge base's file and of a macro file read before it."""
    for name in ("coding.yml", "references.bib"):
        shutil.copyfile(ROOT / name, tmp_path / name)
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text(
        config.replace("bibliography: references.bib", "bibliography: [macros.bib, references.bib]"), encoding="utf-8"
    )
    macros = tmp_path / "macros.bib"
    macros.write_text("@string{mac = {Macro: }}\n", encoding="utf-8")
    proj = project.load(tmp_path)
    assert proj.macro_files == (macros,)
    rnd = random.Random(3)
    memo = incremental.BibliographyMemo()
    for edit in ["title", "coding", "break", "insert", "macro", "delete", "macros", "title"]:
        bib, macro_issues = suite.read_bibliography(proj, memo)
        fresh, fresh_macro_issues = suite.read_bibliography(proj)
        assert (bib, macro_issues) == (fresh, fresh_macro_issues)
        found = suite.validate_bibliography(proj, bib, SETTINGS, macro_issues, memo)
        assert found == suite.validate_bibliography(proj, fresh, SETTINGS, fresh_macro_issues)
        if edit == "macros":
            macros.write_text("@string{mac = {Other: }}\n@string{mac = {Twice}}\n", encoding="utf-8")
        else:
            text = proj.bibliography.read_text(encoding="utf-8")
            proj.bibliography.write_text(EDITS[edit](text, rnd), encoding="utf-8")
