"""Front matter and headings are untrusted, and nothing unexpected becomes a traceback.

`refkb validate` (run in on_config) refuses these inputs with file:line; the build checks again, in case a page
reaches MkDocs some other way (another plugin, `mkdocs serve` after an edit). Every hook runs through `guarded`:
an expected failure (refkb.errors.RefkbError) or an environment problem is one line naming its file and fix; only
a real bug is called one (refkb.guard.explain)."""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Callable
from typing import Any

from markupsafe import escape
from mkdocs.exceptions import PluginError
from mkdocs.structure.pages import Page

from .. import frontmatter, guard, htmlpolicy, writes
from ..project import ConfigError

_SAFE_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.:-]*$")


def safe_title(text: str) -> str:
    """A title for MkDocs' page.title, which themes print unescaped (and Jinja's striptags unescapes): plain text
    with angle brackets replaced and the rest escaped."""
    return str(escape(text.replace("<", "‹").replace(">", "›")))


def untrusted_meta(page: Page, reference: bool) -> None:
    """Keep only the front-matter keys a page may carry; plain text values escaped (the theme prints `title` and
    `description` unescaped; `template`, `location`, `author` and the rest never reach it)."""
    allowed = frontmatter.ANNOTATION_KEYS if reference else frontmatter.PAGE_KEYS
    for name in [k for k in page.meta if k not in allowed]:
        del page.meta[name]
    for name in ("title", "description"):
        value = page.meta.get(name)
        if value is not None:
            page.meta[name] = safe_title(str(value)) if isinstance(value, str | int | float) else ""


def refuse_script(html: str, page: Page, reference: bool, memo: dict[str, htmlpolicy.Found] | None = None) -> None:
    """No event handler or script URL in a page's HTML, and only plain ids in its table of contents (attr_list
    lets a heading set any id, which the theme prints inside an attribute). With a `memo` (mkdocs serve, the
    page's last findings by chunk: `htmlpolicy.script_findings`), what did not change is not read again."""
    where = f"docs/{page.file.src_uri}"
    stack = list(page.toc.items) if page.toc else []
    while stack:
        item = stack.pop()
        if not _SAFE_ID.match(item.id or "x"):
            raise PluginError(f"{where}: a heading's id {item.id[:60]!r} is not a plain id — use {{: #plain-id }}")
        stack.extend(item.children)
    if reference:  # the annotation went through htmlpolicy; the rest is refkb's escaped output
        return
    found = htmlpolicy.script_findings(html, memo)
    if found:
        line, what = found[0]
        raise PluginError(f"{where}: the HTML (line {line} of the rendered page) holds {what} — remove it")


def recover(bibliography: Any, annotations: Any) -> None:
    """Finish or roll back a write an earlier `refkb` command left half done (before anything reads the files)."""
    with contextlib.suppress(OSError, ConfigError):
        writes.try_recover(bibliography, [annotations])


def guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A hook that reports anything unexpected as one line (a PluginError), never a traceback."""

    @functools.wraps(fn)
    def hook(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except PluginError:
            raise
        except (MemoryError, RecursionError, Exception) as exc:
            raise PluginError(f"refkb: {guard.explain(exc)}") from None

    return hook
