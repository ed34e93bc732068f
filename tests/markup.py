"""HTML fragments in one canonical form, for comparing two engines' citations with their markup: text, and each
run's italic, bold and small caps (<i>, <b>, <sc>), whatever tags or CSS made them (citeproc-js's <i> and
<span style="font-style:normal;">, pandoc's <em> and <span class="smallcaps">)."""

from __future__ import annotations

import html
from html.parser import HTMLParser

_FLAGS = ("i", "b", "sc")


class _Runs(HTMLParser):
    """An HTML fragment as runs of text, each with the formatting in force (italic, bold, small caps)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict[str, bool]]] = []
        self.runs: list[tuple[str, tuple[str, ...]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "img", "wbr"):
            return
        a = dict(attrs)
        style = (a.get("style") or "").replace(" ", "")
        classes = (a.get("class") or "").split()
        change: dict[str, bool] = {}
        if tag in ("i", "em"):
            change["i"] = True
        if tag in ("b", "strong"):
            change["b"] = True
        for flag, on, off in (
            ("i", "font-style:italic", "font-style:normal"),
            ("b", "font-weight:bold", "font-weight:normal"),
            ("sc", "font-variant:small-caps", "font-variant:normal"),
        ):
            if on in style:
                change[flag] = True
            if off in style:
                change[flag] = False
        if "smallcaps" in classes:
            change["sc"] = True
        self.stack.append((tag, change))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        state = dict.fromkeys(_FLAGS, False)
        for _, change in self.stack:
            state.update(change)
        self.runs.append((data, tuple(f for f in _FLAGS if state[f])))


def canonical(fragment: str) -> str:
    """`fragment` as text with its formatting as <i>, <b> and <sc> tags, one way only: whitespace folded, runs of
    the same formatting merged, spaces at the edges of a formatted run outside it, links and other tags dropped."""
    parser = _Runs()
    parser.feed(fragment)
    parser.close()
    chars: list[tuple[str, tuple[str, ...]]] = []
    for text, flags in parser.runs:
        for ch in text:
            if ch.isspace():
                if chars and chars[-1][0] != " ":
                    chars.append((" ", ()))
            else:
                chars.append((ch, flags))
    while chars and chars[-1][0] == " ":
        chars.pop()
    out: list[str] = []
    current: tuple[str, ...] = ()
    for ch, flags in chars:
        flags = current if ch == " " else flags
        if flags != current:
            out.append("".join(f"</{x}>" for x in reversed(current)) + "".join(f"<{x}>" for x in flags))
            current = flags
        out.append(html.escape(ch, quote=False))
    out.append("".join(f"</{x}>" for x in reversed(current)))
    text = "".join(out)
    for x in _FLAGS:
        text = text.replace(f"<{x}> ", f" <{x}>").replace(f" </{x}>", f"</{x}> ")
    return " ".join(text.split())
