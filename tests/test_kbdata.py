"""The knowledge base's data files (refkb.kbdata): kbdata.FILES, whose content decides whether a `mkdocs serve`
rebuild reads and checks the data again (and keys `refkb validate`'s kept findings), names every file that loading
the data reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT
from refkb import kbdata, project
from refkb.model import Issue


def test_files_names_every_data_file_loading_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[str] = []
    load = kbdata._load

    def spy(path: Path, rel: str) -> tuple[list[dict[str, Any]], list[Issue]]:
        read.append(path.relative_to(ROOT / "docs").as_posix())
        return load(path, rel)

    monkeypatch.setattr(kbdata, "_load", spy)
    kbdata.load(project.load(ROOT), set())
    assert sorted(read) == sorted(kbdata.FILES)
