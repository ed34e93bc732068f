"""The small HTML helpers every fragment module uses: a template with escaped arguments, a link between two pages of
the site, an outgoing link, and Material's content tabs. Nothing here passes a value through Markdown or Jinja."""

from __future__ import annotations

import functools
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

EXTERNAL = 'rel="noopener noreferrer" target="_blank"'


def fmt(template: str, *args: object) -> Markup:
    """`template` with each argument escaped (a Markup argument is kept as it is). Faster than Markup.format."""
    return Markup(template.format(*[escape(a) for a in args]))


@functools.lru_cache(maxsize=65536)
def relative_url(target: str, current: str) -> str:
    """Link from the page at site URL `current` (e.g. 'references/x/') to `target` (e.g. 'topics/a/')."""
    base = current if current.endswith("/") or not current else posixpath.dirname(current) + "/"
    rel = posixpath.relpath("/" + target, "/" + base)
    if target.endswith("/") and not rel.endswith("/"):
        rel += "/"
    return rel


def link(url: str, text: str | Markup, css: str = "") -> Markup:
    """An outgoing link; `url` must already be a validated http(s) URL."""
    klass = f' class="{escape(css)}"' if css else ""
    return Markup(f'<a href="{escape(url)}"{klass} {EXTERNAL}>{escape(text)}</a>')


@dataclass(frozen=True)
class Tab:
    """One of Material's content tabs: its label (text) and its content (HTML)."""

    label: str
    content: Markup


def tab_set(tabs: Sequence[Tab], prefix: str, css: str = "refkb-cite-block") -> Markup:
    """Material's content tabs (pymdownx.tabbed's markup, alternate style), the first one open; `prefix` names the
    radio group, so that two sets on one page stay apart."""
    n = len(tabs)
    inputs = "".join(
        f'<input {"checked " if i == 1 else ""}id="__tabbed_{prefix}_{i}" name="__tabbed_{prefix}" type="radio">'
        for i in range(1, n + 1)
    )
    labels = "".join(f'<label for="__tabbed_{prefix}_{i}">{escape(t.label)}</label>' for i, t in enumerate(tabs, 1))
    blocks = "".join(f'<div class="tabbed-block">{t.content}</div>' for t in tabs)
    return Markup(
        f'<div class="tabbed-set tabbed-alternate {css}" data-tabs="1:{n}">{inputs}'
        f'<div class="tabbed-labels">{labels}</div><div class="tabbed-content">{blocks}</div></div>'
    )
