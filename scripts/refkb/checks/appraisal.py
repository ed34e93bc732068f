"""Every source appraised (`refkb.appraisal`): the block present, its instrument the one the design calls for, every
item answered with a reason; each problem at the line of its item."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from .. import annotation, appraisal, frontmatter
from ..model import Issue
from .codes import issue

_FRONT_START = 2  # the front matter's first line in the file


def front_matter(note: annotation.Annotation) -> str:
    m = frontmatter.FRONT.match(note.text)
    return m.group(1) if m else ""


def check(path: str, note: annotation.Annotation, designs: Iterable[str], primary: Iterable[str]) -> Iterator[Issue]:
    if note.meta_error or note.meta_code != "annotation-front-matter":
        return  # the front matter could not be read: annotation-front-matter says so
    expected = appraisal.instrument_for(designs, primary) if primary else None
    _, problems = appraisal.read(note.meta.get("appraisal"), expected)
    if not problems:
        return  # the items' lines are read only for a problem to point at
    block = note.meta_lines.get("appraisal", _FRONT_START)
    lines = appraisal.item_lines(front_matter(note), block) if "appraisal" in note.meta_lines else {}
    for p in problems:
        yield issue(path, lines.get(p.item, block), 1, p.code, note.key, p.message, p.fix)
