"""Styles still being formatted while the build goes on.

In a cold build every style is formatted over the whole library by citeproc-js in worker processes
(refkb.styles.Renderer). The pages need only the site's style at once (their citations, reference lists and the
library's order); the other styles show only in a reference page's cite block, which goes into the page after the
theme has rendered it (refkb.site.tokens: a late token). So the build goes on as soon as the styles it needs first
are formatted, and each work's formatting (`WorkStyles`) waits for the others (`Later`) only when one of them is
read: the pages' Markdown is converted and their templates rendered while the workers format the rest."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from .csl import CslItem

V = TypeVar("V")

# How long each style takes to format a library, in milliseconds per work, and each citation cluster asked with it
# (formatted twice, plain and wrapped): citeproc-js at 1,000 works of the grown knowledge base, one style at a time
# on a loaded machine, took 7.2 s for Chicago, 8.0 s for MLA, 7.5 s for APA, 3.3 s for Harvard, and 4.1 s for APA's
# 1,791 clusters; at 6,315 works of a lab's bibliography, Chicago's sort keys and given-name disambiguation are the
# slowest. The jobs go to the worker processes longest first (the site's style, which formats the pages' clusters,
# is often the longest), so that two workers finish four styles together.
COST = {"chicago": 8.0, "mla": 7.0, "apa": 6.0, "harvard": 3.0}
CLUSTER_COST = 2.5


@dataclass(frozen=True)
class Job:
    """A style to format in a worker process: the library's items and the clusters asked for with it (as CSL)."""

    style_id: str
    items: list[CslItem]
    clusters: list[list[dict[str, Any]]]


def cost(job: Job) -> float:
    """How long a job is expected to take, in milliseconds (COST, CLUSTER_COST)."""
    return COST.get(job.style_id, max(COST.values())) * len(job.items) + CLUSTER_COST * len(job.clusters)


def queue(jobs: Sequence[Job], later: Collection[str]) -> list[Job]:
    """The order the jobs go to the workers: the styles needed at once first (not `later`), each part longest first,
    so that the workers finish together."""
    return sorted(jobs, key=lambda j: (j.style_id in later, -cost(j)))


@dataclass(frozen=True)
class Handed:
    """A job as it is handed to a worker process, and whether that worker gives way to the build's process."""

    job: Job
    gives_way: bool


def hand_out(jobs: Sequence[Job], later: Collection[str]) -> list[Handed]:
    """The jobs in the order they are handed out (`queue`), one at a time, so that a worker that is done takes the
    next style and no core is idle while a style waits. The worker of a style formatted `later` gives way to the
    build's process (`give_way`): once the styles needed at once are back, the pages are made on a core of their
    own and the workers format the later styles on what the pages leave.

    Before, the later styles went to `workers - 1` runs, to keep a core for the pages; the worker of the site's
    style then sat idle to the build's end while the other formatted three styles: a lab's 6,315 works took
    94-144 s cold, one worker's CPU 76-118 s of it; paired, 85.6-124.4 s now (DEVELOPMENT.md, "Cold")."""
    return [Handed(job, job.style_id in later) for job in queue(jobs, later)]


NICER = 10  # how much lower a worker formatting later styles runs than the build's process (`give_way`)
_gave_way = threading.Event()  # set in a worker once it gave way


def give_way() -> None:
    """This process's priority lowered, once, by NICER (a style worker's, when it takes a later style): where a core
    is wanted by both, the build's process gets it (Linux's scheduler weighs a process of niceness 10 at about a
    tenth of one of 0); a core the build's process leaves is the worker's. Nothing where the system has no nice."""
    if _gave_way.is_set():
        return
    _gave_way.set()
    with contextlib.suppress(OSError, AttributeError):
        os.nice(NICER)


class Later:
    """Styles being formatted in worker processes, collected once (`wait`) by `collect`, which puts each style's
    records in every work's `WorkStyles`. A failure of `collect` (an engine error) is raised to whoever waits, again
    on a second wait."""

    def __init__(self, styles: tuple[str, ...], collect: Callable[[], None]) -> None:
        self.styles = frozenset(styles)
        self._collect = collect
        self._lock = threading.Lock()
        self._done = False

    @property
    def done(self) -> bool:
        return self._done

    def wait(self) -> None:
        with self._lock:
            if not self._done:
                self._collect()
                self._done = True


class WorkStyles(Mapping[str, V], Generic[V]):
    """One work in every style, by style: the styles formatted so far, and those of `later` once one of them (or the
    whole mapping) is read. Iterates in `order` (the order the styles had as a plain dict); pickles as a plain dict."""

    __slots__ = ("_later", "_order", "_ready")

    def __init__(self, order: tuple[str, ...], later: Later | None) -> None:
        self._order = order
        self._later = later
        self._ready: dict[str, V] = {}

    def put(self, style: str, value: V) -> None:
        self._ready[style] = value

    def settled(self) -> bool:
        """Whether every style is here (reading any of them waits for nothing)."""
        return self._later is None or self._later.done

    def _settle(self) -> None:
        if self._later is not None:
            self._later.wait()

    def __getitem__(self, style: str) -> V:
        value = self._ready.get(style)
        if value is None and self._later is not None and style in self._later.styles:
            self._later.wait()
            value = self._ready.get(style)
        if value is None:
            raise KeyError(style)
        return value

    def __contains__(self, style: object) -> bool:
        return style in self._ready or (
            self._later is not None and not self._later.done and style in self._later.styles
        )

    def __iter__(self) -> Iterator[str]:
        self._settle()
        return iter([s for s in self._order if s in self._ready])

    def __len__(self) -> int:
        self._settle()
        return len(self._ready)

    def __reduce__(self) -> tuple[Any, ...]:
        return (dict, (dict(self.items()),))

    def __repr__(self) -> str:
        return f"WorkStyles({dict(self.items())!r})"


def settled(value: Mapping[str, Any]) -> bool:
    """Whether a work's formatting is all here: a plain mapping always is."""
    return not isinstance(value, WorkStyles) or value.settled()
