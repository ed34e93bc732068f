"""crossref and xdata links that cannot be resolved (refkb.inherit): a key that names no entry, an xdata key that
names no @xdata entry, a cycle (a self-reference included), each at the key in the field that names it."""

from __future__ import annotations

from collections.abc import Iterator

from ..inherit import Resolution
from ..model import BibFile, Issue
from .codes import issue


def check(bib: BibFile, resolution: Resolution) -> Iterator[Issue]:
    for p in resolution.problems:
        pos = p.field.position_of(p.offset)
        yield issue(bib.path, pos.line, pos.col, p.code, p.entry.key, p.message, p.fix)
