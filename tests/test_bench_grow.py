"""benchmarks/grow.py: the real knowledge base grown to N works passes `refkb validate`, is the same for the same N,
and its plain twin has the same pages with no refkb in it."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from grow import grow, plain_twin  # noqa: E402
from refkb import bibfile, keys  # noqa: E402
from refkb.model import BibFile  # noqa: E402


@pytest.fixture(scope="module")
def grown(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return grow(tmp_path_factory.mktemp("grown") / "kb", 320)


def test_grown_site_validates(grown: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "refkb", "validate"], cwd=grown, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 errors, 0 warnings" in result.stdout + result.stderr


def _count(bib: BibFile, root: Path) -> bool:
    return len(bib.entries) == 320


def _convention(bib: BibFile, root: Path) -> bool:
    return all(keys.key_follows(e.key, keys.key_parts(e)) for e in bib.entries)


def _annotations(bib: BibFile, root: Path) -> bool:
    return len(list((root / "docs" / "references").glob("*.md"))) == 320


def _ledger(bib: BibFile, root: Path) -> bool:
    return re.search(r"^- id: c01g1$", (root / "docs" / "claims.yml").read_text(encoding="utf-8"), re.M) is not None


def _topics(bib: BibFile, root: Path) -> bool:
    clones = {e.key for e in bib.entries} - set(
        re.findall(r"^@\w+\{([^,]+),", (ROOT / "references.bib").read_text(encoding="utf-8"), re.M)
    )
    text = (root / "docs" / "topics" / "recruitment-grooming.md").read_text(encoding="utf-8")
    return any(f"@{k}]" in text or f"@{k};" in text for k in clones)


@pytest.mark.parametrize(
    "check",
    [_count, _convention, _annotations, _ledger, _topics],
)
def test_grown_site_holds(grown: Path, check: Callable[[BibFile, Path], bool]) -> None:
    bib = bibfile.parse_text((grown / "references.bib").read_text(encoding="utf-8"), "references.bib")
    assert check(bib, grown), check.__name__


def test_same_n_same_site(grown: Path, tmp_path: Path) -> None:
    again = grow(tmp_path / "kb", 320)
    for name in ("references.bib", "docs/claims.yml", "docs/searches.yml", "docs/topics/recruitment-grooming.md"):
        assert (again / name).read_bytes() == (grown / name).read_bytes(), name


def test_plain_twin_same_pages_no_refkb(grown: Path, tmp_path: Path) -> None:
    twin = plain_twin(grown, tmp_path / "plain")
    pages = {p.relative_to(twin / "docs").as_posix() for p in (twin / "docs").rglob("*.md")}
    assert {p.relative_to(grown / "docs").as_posix() for p in (grown / "docs").rglob("*.md")} <= pages
    assert {"references/index.md", "dashboard.md", "claims.md", "verification.md"} <= pages
    assert len([p for p in pages if p.startswith("references/")]) == 321
    config = (twin / "mkdocs.yml").read_text(encoding="utf-8")
    assert "  - refkb" not in config
    assert "\nextra:" not in config
    assert "  - search" in config
    text = "".join((twin / "docs" / p).read_text(encoding="utf-8") for p in sorted(pages))
    assert "[@" not in text
    assert "verified_at:" not in text
