"""The last line of defence: whatever escapes becomes one line, never a traceback.

The CLI and the site layer call `explain(exc)` on anything that reaches them:
- an expected failure (a `RefkbError`: a file that cannot be read, YAML that is not UTF-8, citeproc-js not
  installed) is its own line, `PATH:LINE:COL: what — hint`, naming the file at fault;
- a Python package that is not installed, or a file the system refuses (permissions, a full disk), is one line
  naming the fix: a problem of the machine, not of refkb;
- anything else is a bug: `describe` names the file being read (readers call `note(path)` as they open a file)
  and asks for a report.
"""

from __future__ import annotations

import contextvars
import errno
import os
import re

from .errors import RefkbError

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


# Errors the operating system reports about the machine, not about refkb: each with what to do.
_SYSTEM_REFUSED = {
    errno.EACCES: "give refkb permission to read and write it, or run refkb as its owner",
    errno.EPERM: "give refkb permission to read and write it, or run refkb as its owner",
    errno.ENOSPC: "free some disk space, then run refkb again",
    errno.EDQUOT: "free some disk space (the disk quota is full), then run refkb again",
    errno.EROFS: "the file system is read-only: build into a folder that can be written",
}


def explain(exc: BaseException) -> str:
    """The one line for `exc`: a RefkbError's own (`render()`), an environment problem with its fix, or, for anything
    else, `describe`'s internal error naming the file being read and asking for a bug report."""
    if isinstance(exc, RefkbError):
        return _one_line(exc.render())
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        top = exc.name.split(".")[0]
        return (
            f"the Python module {top!r} is not installed — run `make install` (it installs requirements.txt into "
            ".venv) and run refkb from that .venv"
        )
    if isinstance(exc, OSError) and exc.filename and exc.errno in _SYSTEM_REFUSED:
        return f"{exc.filename}: {exc.strerror} — {_SYSTEM_REFUSED[exc.errno]}"
    return describe(exc)


def _one_line(text: str) -> str:
    return re.sub(r"\s*\n\s*", " ", text.strip())
