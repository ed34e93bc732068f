"""The one family of expected failures: every error refkb raises on purpose is a `RefkbError`.

An expected failure is something the person running refkb can fix: a file that cannot be read, a setting of the
wrong type, YAML that is not UTF-8, an engine that was never installed. It carries where (`path`, `line`, `col`;
empty or 0 when unknown), what went wrong and how to fix it (`hint`), and renders as one line:

    PATH:LINE:COL: what — hint

Anything else that escapes to the last guard (`guard.explain`) is a bug in refkb, and is reported as one.

Exceptions are not frozen dataclasses: Python sets `__traceback__`, `__cause__` and `__context__` on them, and
`contextlib` assigns `__traceback__` itself. Their state is set once, in `__init__`, and never changed after.
`args` holds only `what`, so a subclass pickles (a style formatted in a worker process) and copies whole: the
other attributes travel in `__dict__`.
"""

from __future__ import annotations

import os


class RefkbError(Exception):
    """An expected failure: what went wrong, where (path, 1-based line and column; "" and 0 when unknown) and how
    to fix it. `str(error)` is `render()`."""

    what: str
    path: str
    line: int
    col: int
    hint: str

    def __init__(
        self, what: str = "", *, path: str | os.PathLike[str] = "", line: int = 0, col: int = 0, hint: str = ""
    ) -> None:
        super().__init__(what)
        self.what = what
        self.path = str(path)
        self.line = line
        self.col = col
        self.hint = hint

    def where(self) -> str:
        """`PATH:LINE:COL`, `PATH:LINE` or `PATH` as far as they are known; "" when no file is named."""
        if not self.path:
            return ""
        parts = [self.path]
        if self.line > 0:
            parts.append(str(self.line))
            if self.col > 0:
                parts.append(str(self.col))
        return ":".join(parts)

    def summary(self) -> str:
        """What went wrong and how to fix it, without the place: `what — hint`."""
        return f"{self.what} — {self.hint}" if self.hint else self.what

    def render(self) -> str:
        """The one line: `PATH:LINE:COL: what — hint`, the place left out as far as it is unknown."""
        where = self.where()
        return f"{where}: {self.summary()}" if where else self.summary()

    def __str__(self) -> str:
        return self.render()
