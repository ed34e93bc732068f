"""Opaque placeholders in a page's Markdown, replaced by refkb's HTML after Markdown has run.

Values from references.bib never pass through Markdown: the Markdown holds a token, and the escaped HTML goes in
afterwards. A token added `late` becomes an HTML comment in the page content and its HTML goes in only after the
theme has rendered the page, so that the search index does not hold the same citation five times over."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markupsafe import Markup

_IN_PARAGRAPH = re.compile(r"<p>(REFKBTOKEN\d{6}X)</p>")
_BARE = re.compile(r"(?<!<!--)(REFKBTOKEN\d{6}X)")
_LATE = re.compile(r"<!--(REFKBTOKEN\d{6}X)-->")


@dataclass
class Tokens:
    """One page's tokens and their HTML."""

    values: dict[str, Markup] = field(default_factory=dict)
    late: set[str] = field(default_factory=set)

    def add(self, html: Markup, late: bool = False) -> str:
        token = f"REFKBTOKEN{len(self.values):06d}X"
        self.values[token] = html
        if late:
            self.late.add(token)
        return token

    def add_late(self, html: Markup) -> str:
        return self.add(html, late=True)

    def fill(self, html: str) -> str:
        """The page content with each token's HTML (late ones as comments, for `fill_late`)."""
        if "REFKBTOKEN" not in html:
            return html

        def value(m: re.Match[str]) -> str:
            token = m.group(1)
            if token not in self.values:
                return m.group(0)  # not one of this page's: left as it is
            if token in self.late:
                return f"<!--{token}-->"
            return str(self.values[token])

        return _BARE.sub(value, _IN_PARAGRAPH.sub(value, html))

    def fill_late(self, output: str) -> str:
        """The finished page with the late tokens' HTML."""
        if not self.late:
            return output
        return _LATE.sub(lambda m: str(self.values.get(m.group(1), "")), output)

    def made(self) -> str:
        """All the HTML refkb made for the page (what its digest covers)."""
        return "".join(str(v) for v in self.values.values())
