"""Styles still being formatted while the build goes on.

In a cold build every style is formatted over the whole library by citeproc-js in worker processes
(refkb.styles.Renderer). The pages need only the site's style at once (their citations, reference lists and the
library's order); the other styles show only in a reference page's cite block, which goes into the page after the
theme has rendered it (refkb.site.tokens: a late token). So the build goes on as soon as the styles it needs first
are formatted, and each work's formatting (`WorkStyles`) waits for the others (`Later`) only when one of them is
read: the pages' Markdown is converted and their templates rendered while the workers format the rest."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Generic, TypeVar

V = TypeVar("V")


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
