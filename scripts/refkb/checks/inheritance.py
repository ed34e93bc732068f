"""crossref and xdata links that cannot be resolved (refkb.inherit): a key that names no entry, an xdata key that
names no @xdata entry, a cycle (a self-reference included), each at the key in the field that names it. And a
citation in docs/ of an @xdata entry, which is no work (refkb.inherit.is_work): biblatex refuses to cite it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from collections.abc import Set as AbstractSet
from pathlib import Path

from ..inherit import Resolution, is_work
from ..model import BibFile, Issue
from ..project import Project
from .codes import issue
from .docs_pages import Cited, PageMemo, each_page, page_cites, read_page


def check(bib: BibFile, resolution: Resolution) -> Iterator[Issue]:
    for p in resolution.problems:
        pos = p.field.position_of(p.offset)
        yield issue(bib.path, pos.line, pos.col, p.code, p.entry.key, p.message, p.fix)


def check_cited(project: Project, bib: BibFile, memo: PageMemo | None = None) -> Iterator[Issue]:
    """Every [@key] in docs/ (annotation pages too) that names an @xdata entry; no page is read when the file has
    none."""
    xdata = frozenset(e.key for e in bib.entries if not is_work(e))
    if not xdata:
        return iter(())
    return each_page(project, "xdata-cited", hash(xdata), lambda md: _page_cites(project, md, xdata), memo)


def _page_cites(project: Project, md: Path, xdata: frozenset[str]) -> Iterator[Issue]:
    return xdata_cited(project.relative(md), page_cites(read_page(md)), xdata)


def xdata_cited(rel: str, cites: Iterable[Cited], xdata: AbstractSet[str]) -> Iterator[Issue]:
    """The citations of page `rel` that name an @xdata entry."""
    for key, line, col in cites:
        if key in xdata:
            yield issue(
                rel,
                line,
                col,
                "xdata-cited",
                key,
                f"[@{key}] names an @xdata entry: it only holds fields for the entries that name it in xdata, and "
                "cannot be cited",
                "cite a work that names it (xdata = {" + key + "}), or change @xdata to the work's own type",
            )
