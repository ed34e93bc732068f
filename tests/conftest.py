from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
CORPORA = ROOT.parent / "shared" / "corpora"
TODAY = dt.date(2026, 11, 29)

TOPICS = [
    "recruitment-grooming",
    "advertising-transactions",
    "communication-coordination",
    "psychological-control",
    "exposure-stigma",
    "detection-monitoring",
    "legal-jurisdiction",
    "technology-responses",
    "awareness-education",
    "collaboration-policy",
    "data-measurement",
]

GOOD = """@article{smith2020study,
  author = {Smith, Jane},
  title = {A Study of Things},
  journaltitle = {Journal of Studies},
  date = {2020},
  keywords = {data-measurement},
  sourcekind = {academic},
}
"""

MKDOCS_YML = """site_name: Test site
docs_dir: docs
theme:
  name: material
  font: false
hooks:
  - {hook}
not_in_nav: |
  /references/*.md
nav:
  - Home: index.md
extra:
  refkb:
    topics:
{topics}
"""

ANNOTATION = """---
verified_at:
  - https://example.org/where-it-was-checked
verified_on: 2026-11-29
---
## Summary
A summary.

## Key findings
- A finding.

## Method and data
A method.

## Limitations
A limitation.

## Relevance
Why it matters.
"""


def write_project(
    root: Path, bib: str, annotations: dict[str, str] | None = None, pages: dict[str, str] | None = None
) -> Path:
    """A tiny knowledge-base project: mkdocs.yml, references.bib, docs/index.md and annotation pages."""
    topics = "\n".join(f"      - {{slug: {t}, title: {t}, section: S}}" for t in TOPICS)
    hook = ROOT / "scripts" / "mkdocs_hooks.py"
    (root / "mkdocs.yml").write_text(MKDOCS_YML.format(hook=hook, topics=topics), encoding="utf-8")
    (root / "references.bib").write_text(bib, encoding="utf-8")
    docs = root / "docs"
    (docs / "references").mkdir(parents=True, exist_ok=True)
    (docs / "index.md").write_text("# Home\n", encoding="utf-8")
    for key, text in (annotations or {}).items():
        (docs / "references" / f"{key}.md").write_text(text, encoding="utf-8")
    for name, text in (pages or {}).items():
        path = docs / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def corpus_files() -> list[Path]:
    return sorted(CORPORA.glob("*.bib"))


@pytest.fixture
def corpus_copy(tmp_path: Path):
    def copy(src: Path) -> Path:
        dst = tmp_path / src.name
        shutil.copyfile(src, dst)
        dst.chmod(0o644)
        return dst

    return copy
