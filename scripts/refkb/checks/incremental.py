"""The bibliography's checks kept between rebuilds of `mkdocs serve`: a save that changed one entry reads and checks
that entry again, the others' findings are taken from the last rebuild (`refkb.checks.kept` keeps `refkb validate`'s
findings per file, on disk; this keeps them per entry, in memory).

What one entry's checks find (`suite.entry_issues`, the coding's `suite.entry_coding`) reads the entry alone: its
text, the file's @string macros (its values), the file's path and the settings. So it is kept by the entry's text
and the column it starts at, under those (a change of one forgets all), with lines counted from the entry's first:
an entry that moved has its findings moved with it. Findings outside the entry's own lines are not kept (no check
makes one; then the entry is checked again each time). An entry that inherits (crossref, xdata) is checked again
each time: its record reads other entries. What crosses entries (duplicates, slugs, names) is checked each time."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

from ..bibmemo import Reader
from ..model import Entry, Issue


@dataclass(frozen=True)
class _Found:
    line: int  # the entry's first line when it was checked
    issues: tuple[Issue, ...]


@dataclass
class EntryMemo:
    """One check's findings per entry, as of the last run (only those entries are kept)."""

    context: object = None
    found: dict[tuple[str, int], _Found] = field(default_factory=dict)
    _next: dict[tuple[str, int], _Found] = field(default_factory=dict)

    def start(self, context: object) -> None:
        """A new run under `context` (compared by equality): what the last run found is kept when it ran under the
        same context."""
        kept = self._next if context == self.context else {}
        self.context, self.found, self._next = context, kept, {}

    def issues(self, e: Entry, check: Callable[[], list[Issue]]) -> list[Issue]:
        """What `check` finds in `e`: from the last run when `e` was checked then, else checked now."""
        pos = e.pos
        key = (e.raw, pos.col)
        kept = self.found.get(key) or self._next.get(key)
        if kept is None:
            found = check()
            last = pos.line + e.raw.count("\n")
            if all(pos.line <= i.line <= last for i in found):
                self._next[key] = _Found(pos.line, tuple(found))
            return found
        self._next[key] = kept
        moved = pos.line - kept.line
        return [dataclasses.replace(i, line=i.line + moved) for i in kept.issues] if moved else list(kept.issues)


@dataclass
class BibliographyMemo:
    """What `mkdocs serve` keeps of the bibliography between rebuilds: its files' blocks and scans
    (`refkb.bibmemo.Reader`), the checks' and the coding's findings per entry."""

    reader: Reader = field(default_factory=Reader)
    checks: EntryMemo = field(default_factory=EntryMemo)
    coding: EntryMemo = field(default_factory=EntryMemo)
