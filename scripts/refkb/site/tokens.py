"""Opaque placeholders in a page's Markdown, replaced by refkb's HTML after Markdown has run.

Values from references.bib never pass through Markdown: the Markdown holds a token, and the escaped HTML goes in
afterwards. A token added `late` becomes an HTML comment in the page content and its HTML goes in only after the
theme has rendered the page, so that the search index does not hold the same citation five times over."""

from __future__ import annotations

import re
from collections.abc import Callable
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
    # late tokens whose HTML is made when the page is finished (`fill_late`): not held from the page's conversion
    # to its writing, and free to wait on styles still being formatted (refkb.later)
    later: dict[str, Callable[[], Markup]] = field(default_factory=dict)
    added: int = 0  # tokens numbered in the order added, whatever `drop_filled` has forgotten

    def _next(self) -> str:
        self.added += 1
        return f"REFKBTOKEN{self.added - 1:06d}X"

    def add(self, html: Markup, late: bool = False) -> str:
        token = self._next()
        self.values[token] = html
        if late:
            self.late.add(token)
        return token

    def add_late(self, html: Markup) -> str:
        return self.add(html, late=True)

    def add_later(self, make: Callable[[], Markup]) -> str:
        """A late token whose HTML `make` makes when the finished page asks for it (`fill_late`, `made`)."""
        token = self._next()
        self.later[token] = make
        self.late.add(token)
        return token

    def settle(self) -> None:
        """The HTML of the tokens added `later` made, in the order they were added."""
        if self.later:
            later, self.later = self.later, {}
            made = {token: make() for token, make in later.items()}
            self.values = dict(sorted({**self.values, **made}.items()))  # in the order added (numbered tokens)

    def fill(self, html: str) -> str:
        """The page content with each token's HTML (late ones as comments, for `fill_late`)."""
        if "REFKBTOKEN" not in html:
            return html

        def value(m: re.Match[str]) -> str:
            token = m.group(1)
            if token in self.late:
                return f"<!--{token}-->"
            if token not in self.values:
                return m.group(0)  # not one of this page's: left as it is
            return str(self.values[token])

        return _BARE.sub(value, _IN_PARAGRAPH.sub(value, html))

    def drop_filled(self) -> None:
        """Forget the HTML `fill` has put in the page content (the late tokens' is kept for `fill_late`): a build
        holds each page's tokens from its conversion to its writing, and a topic page's in-text citations are
        thousands."""
        self.values = {token: html for token, html in self.values.items() if token in self.late}

    def fill_late(self, output: str) -> str:
        """The finished page with the late tokens' HTML."""
        if not self.late:
            return output
        self.settle()
        return _LATE.sub(lambda m: str(self.values.get(m.group(1), "")), output)

    def made(self) -> str:
        """All the HTML refkb made for the page, in the order added (before `drop_filled` forgets the filled)."""
        self.settle()
        return "".join(str(v) for v in self.values.values())
