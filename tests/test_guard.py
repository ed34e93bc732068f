"""The last guard: an expected failure is its own line, a problem of the machine is one line with its fix, and only
anything else is "a bug in refkb", naming the file being read."""

from __future__ import annotations

import contextvars
import errno

import pytest

from refkb import coding, engine, guard, project, safeyaml
from refkb.errors import RefkbError

BUG = "this is a bug in refkb"


@pytest.mark.parametrize(
    ("exc", "line"),
    [
        (
            project.ConfigError("byte 0xe9 is not valid UTF-8", path="coding.yml", line=2, col=6, hint="save it"),
            "coding.yml:2:6: byte 0xe9 is not valid UTF-8 — save it",
        ),
        (
            engine.EngineError("citeproc-js is not installed", path=engine.SCRIPT, hint="run `npm ci` in this folder"),
            "node_modules/citeproc/citeproc_commonjs.js: citeproc-js is not installed — run `npm ci` in this folder",
        ),
        (safeyaml.YamlError("not valid YAML", 3, 1, path="docs/claims.yml"), "docs/claims.yml:3:1: not valid YAML"),
        (coding.SchemeError("'forms' must be a list"), "'forms' must be a list"),
        (RefkbError("two\n  lines"), "two lines"),  # one line, whatever the message held
        (
            ModuleNotFoundError("No module named 'py_mini_racer'", name="py_mini_racer"),
            "the Python module 'py_mini_racer' is not installed — run `make install`",
        ),
        (
            PermissionError(errno.EACCES, "Permission denied", "site/index.html"),
            "site/index.html: Permission denied — give refkb permission to read and write it",
        ),
        (
            OSError(errno.ENOSPC, "No space left on device", "site/a.html"),
            "site/a.html: No space left on device — free",
        ),
        (ValueError("unexpected"), f"docs/index.md: internal error (ValueError: unexpected); {BUG}: please report it"),
        (  # a missing file refkb should have checked for: a bug, at the file being read
            FileNotFoundError(errno.ENOENT, "No such file or directory", "x"),
            f"docs/index.md: internal error (FileNotFoundError: [Errno 2] No such file or directory: 'x'); {BUG}",
        ),
        (KeyError("key"), f"docs/index.md: internal error (KeyError: 'key'); {BUG}"),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, BaseException) else "",
)
def test_explain_says_what_and_how_to_fix_and_bug_only_for_bugs(exc: BaseException, line: str) -> None:
    def explain() -> str:
        guard.note("docs/index.md")  # the file a reader was on when it failed
        return guard.explain(exc)

    said = contextvars.copy_context().run(explain)
    assert said.startswith(line), said
    assert "\n" not in said
    assert (BUG in said) == (BUG in line)
