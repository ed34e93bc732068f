"""One build's data, as the renderers see it (no MkDocs here): the project, the validated inputs, the works as
formatted, and what is read once per build on first use (appraisals, the search log)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup

from .. import annotation, appraisal, coded, kbdata, keys, reader, refpage, searchlog, styles
from ..checks import suite
from ..engine import ClusterCite
from ..model import BibFile
from ..project import Project
from ..refs import Ref
from . import kinds
from .render import RowCache


class NotReady(RuntimeError):
    """A build step ran before the step it needs: a bug in the order of events (the guard reports it as one)."""


@dataclass
class Build:
    """One build's data. Made in on_config from the validated inputs; `works` filled in on_files."""

    project: Project
    bib: BibFile
    notes: dict[str, annotation.Annotation]
    data: kbdata.Data
    site_url: str = ""
    site_name: str = ""
    meta: reader.KbMeta = field(default_factory=lambda: reader.KbMeta("", "", dt.date(1970, 1, 1), ()))
    dates: dict[str, dt.date] = field(default_factory=dict)  # every file's last commit day (one git call)
    today: dt.date = field(default_factory=dt.date.today)
    refs: dict[str, Ref] = field(default_factory=dict)  # key -> the work as formatted
    cited_on: dict[str, list[refpage.CitingPage]] = field(default_factory=dict)
    renderer: styles.Renderer | None = None
    picker_styles: int = 0  # styles in the style picker (0: no picker)
    page_citer: Callable[[], reader.PageCiter] | None = None
    print_edition: bool = False  # this build is followed by the print edition (a link to its PDF)
    row_cache: RowCache | None = None  # serve keeps the library's rows between rebuilds
    shown_memo: dict[str, dict[object, tuple[object, Markup]]] | None = None  # serve: pages' citations (render.cite)
    appraisal_memo: dict[str, appraisal.ReadFrom] | None = None  # serve: the appraisals as the last rebuild read them
    layout: kinds.Layout | None = None  # where each kind's pages are (set again when the works are known)
    _appraisals: dict[str, appraisal.Appraisal] | None = None
    _confidence: dict[str, str] | None = None
    _searchlog: searchlog.Log | None = None
    _sources: tuple[tuple[Ref, ...], list[coded.Source]] | None = None  # the works they were made from, and them

    def place(self) -> kinds.Layout:
        """The table's view of this build (made again after the works are formatted: their slugs)."""
        self.layout = self._layout()
        return self.layout

    def where(self) -> kinds.Layout:
        return self.layout if self.layout is not None else self.place()

    def _layout(self) -> kinds.Layout:
        proj = self.project
        scheme = proj.coding
        return kinds.Layout(
            folder=proj.folder,
            slugs={keys.slug(k): k for k in self.refs},
            topics={t.slug: t.title for t in proj.topics},
            categories={c.slug: c.label for c in scheme.categories} if scheme is not None else {},
            data=frozenset(src for src, p in kinds.DATA_PAGES.items() if getattr(self.data, p.attr)),
            bibliography=proj.relative(proj.bibliography),
            docs=proj.relative(proj.docs),
            annotations=proj.relative(proj.annotations),
        )

    def clusters(self, style_id: str, cites: Sequence[ClusterCite]) -> str:
        """A citation cluster formatted by the style's engine (intext.ClusterFn)."""
        if self.renderer is None:
            raise NotReady("citations formatted before the library (on_files did not run)")
        return self.renderer.cluster(style_id, cites)

    def citer(self) -> reader.PageCiter:
        if self.page_citer is None:
            raise NotReady("a cite block made before the page citer (on_config did not run)")
        return self.page_citer()

    def appraisals(self) -> dict[str, appraisal.Appraisal]:
        """Each appraised source's appraisal, read once per build."""
        if self._appraisals is None:
            self._appraisals = appraisal.of_notes({k: n.meta for k, n in self.notes.items()}, self.appraisal_memo)
        return self._appraisals

    def confidence(self) -> dict[str, str]:
        """Each appraised source's confidence, worked out once per build (asked for by many pages)."""
        if self._confidence is None:
            self._confidence = {k: a.confidence for k, a in self.appraisals().items()}
        return dict(self._confidence)

    def shown_confidence(self) -> dict[str, str] | None:
        """The confidence readers see: only where appraisals are required (else None)."""
        return self.confidence() if self.project.appraisal_required else None

    def evidence_sources(self) -> list[coded.Source]:
        """The coded sources, made once per set of works (the evidence pages, files and map ask a dozen times a
        build; who_cites replaces a work when it learns which topics discuss it, so the works themselves are the
        key, held so that none of them is freed and its address reused)."""
        assert self.project.coding is not None
        works = tuple(self.refs.values())
        kept = self._sources
        if kept is None or len(kept[0]) != len(works) or any(a is not b for a, b in zip(kept[0], works, strict=True)):
            kept = self._sources = (works, coded.sources(works, self.project.coding, self.confidence()))
        return list(kept[1])

    def search_log(self) -> searchlog.Log | None:
        """The search log, read once per build (None when the project keeps none)."""
        proj = self.project
        if proj.searches is None:
            return None
        if self._searchlog is None:
            vocab = suite.search_vocabulary(proj)
            self._searchlog = searchlog.load(proj.searches, proj.relative(proj.searches), vocab)
        return self._searchlog

    def page_updated(self, src: str) -> dt.date:
        """The newest commit day of the files the page is made from."""
        return reader.page_date(self.dates, kinds.sources(self.where(), src), self.meta.released)

    def kb_updated(self) -> dt.date:
        docs = self.project.relative(self.project.docs) + "/"
        bib = self.project.relative(self.project.bibliography)
        known = [d for path, d in self.dates.items() if path.startswith(docs) or path == bib]
        return max(known) if known else self.meta.released
