"""refkb.filedigests: a file is read again exactly when its status says it may have changed, or when it changed too
recently for its status to vouch for it; a folder is listed once a rebuild."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import after_its_tick
from refkb.filedigests import SETTLED_NS, FileDigests, files_under

TEXT = "Abstract: the same length.\n"
OTHER = "Abstract: a new of length.\n"  # as long as TEXT


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _same_size_same_mtime(path: Path) -> None:
    st = path.stat()
    path.write_text(OTHER, encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # the change time moves; no program sets it back


def _renamed_over(path: Path) -> None:
    st = path.stat()
    new = path.with_suffix(".tmp")
    new.write_text(OTHER, encoding="utf-8")
    os.utime(new, ns=(st.st_atime_ns, st.st_mtime_ns))
    new.replace(path)  # an editor's atomic save: a new inode


def _touched(path: Path) -> None:
    os.utime(path)


def _removed(path: Path) -> None:
    path.unlink()


def _untouched(path: Path) -> None:
    pass


@dataclass(frozen=True)
class Case:
    name: str
    change: Callable[[Path], None]
    later_ns: int  # how long after the file's last change the first read happens (the clock)
    digest: str  # the second round's digest
    reads: int  # files read over both rounds


CASES = [
    Case("unchanged and settled: read once", _untouched, SETTLED_NS * 5, _sha(TEXT), 1),
    Case("unchanged, read just after a change: read again", _untouched, 0, _sha(TEXT), 2),
    Case("same size and modification time", _same_size_same_mtime, SETTLED_NS * 5, _sha(OTHER), 2),
    Case("renamed over (an editor's save)", _renamed_over, SETTLED_NS * 5, _sha(OTHER), 2),
    Case("touched, content the same", _touched, SETTLED_NS * 5, _sha(TEXT), 2),
    Case("removed", _removed, SETTLED_NS * 5, "", 1),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_read_again_when_the_status_changed(tmp_path: Path, case: Case) -> None:
    path = tmp_path / "page.md"
    path.write_text(TEXT, encoding="utf-8")
    changed = max(path.stat().st_mtime_ns, path.stat().st_ctime_ns)
    files = FileDigests(clock=lambda: changed + case.later_ns)
    assert files.digest(path) == _sha(TEXT)
    after_its_tick(path)
    case.change(path)
    files.new_round()
    assert files.digest(path) == case.digest
    assert files.reads == case.reads


def test_a_round_takes_each_file_and_folder_once(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    for name in ["b/z.md", "a.md", "b/c.txt"]:
        (tmp_path / name).write_text(TEXT, encoding="utf-8")
    files = FileDigests(clock=lambda: 0)  # nothing settled: only the round keeps a digest
    listed = files.files(tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in listed] == ["a.md", "b/c.txt", "b/z.md"]
    assert files.digest(tmp_path / "a.md") == _sha(TEXT)
    (tmp_path / "a.md").write_text(OTHER, encoding="utf-8")
    (tmp_path / "new.md").write_text(TEXT, encoding="utf-8")
    assert files.digest(tmp_path / "a.md") == _sha(TEXT)  # within the round
    assert files.files(tmp_path) == listed
    files.new_round()
    assert files.digest(tmp_path / "a.md") == _sha(OTHER)
    assert tmp_path / "new.md" in files.files(tmp_path)
    assert files.reads == 2


def _a_file(folder: Path) -> Path:
    (folder / "f").write_text(TEXT, encoding="utf-8")
    return folder / "f"


@pytest.mark.parametrize("make", [lambda p: p / "missing", _a_file], ids=["missing", "a file"])
def test_no_folder_no_files(tmp_path: Path, make: Callable[[Path], Path]) -> None:
    assert files_under(make(tmp_path)) == []
    assert FileDigests().files(make(tmp_path)) == []
