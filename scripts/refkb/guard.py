"""The last line of defence: an unexpected exception becomes one line naming the file being read, never a
traceback. Readers call `note(path)` as they open a file; the CLI and the MkDocs adapter call `describe` when
something they did not expect escapes."""

from __future__ import annotations

import contextvars
import os

BUG_URL = "the project's issue tracker"
_current: contextvars.ContextVar[str] = contextvars.ContextVar("refkb_current_file", default="")


def note(path: str | os.PathLike[str]) -> None:
    """Record the file being read now (for the message if reading it fails unexpectedly)."""
    _current.set(str(path))


def current() -> str:
    return _current.get()


def describe(exc: BaseException) -> str:
    """One line: where, what, and a request for a bug report."""
    where = current()
    what = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else 'no message'}"
    place = f"{where}: " if where else ""
    return f"{place}internal error ({what}); this is a bug in refkb: please report it, with the file, on {BUG_URL}"
