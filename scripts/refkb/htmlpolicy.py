"""The one HTML policy for what authors write (raw HTML in docs pages, annotation bodies): which tags, attributes and
URL schemes a page may carry. `clean` applies it with nh3 (the build, to every page's Markdown-rendered HTML before
refkb's own output is filled in); `problems` names what it would remove (`refkb validate`: code unsafe-html).

URLs are judged as a browser reads them: character references decoded (`&#106;avascript:`, `&colon;`) and the tabs,
newlines and control characters a browser drops removed (`java&#9;script:`), so only http(s), mailto, relative
addresses and in-page anchors pass. `<script>`, `<style>`, `<iframe>` (with its `srcdoc`), `<object>`, forms and
their `formaction`, SVG and its `<animate>` are not allowed at all; no attribute that starts with "on" is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser

import nh3

TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "caption",
        "cite",
        "code",
        "col",
        "colgroup",
        "dd",
        "del",
        "details",
        "dfn",
        "div",
        "dl",
        "dt",
        "em",
        "figcaption",
        "figure",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "input",
        "ins",
        "kbd",
        "label",
        "li",
        "mark",
        "ol",
        "p",
        "pre",
        "q",
        "s",
        "samp",
        "small",
        "span",
        "strong",
        "sub",
        "summary",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "time",
        "tr",
        "u",
        "ul",
        "var",
        "wbr",
    }
)
ATTRIBUTES: dict[str, frozenset[str]] = {
    "*": frozenset({"id", "class", "title", "lang", "dir"}),
    "a": frozenset({"href"}),
    "img": frozenset({"src", "alt", "width", "height", "loading"}),
    "input": frozenset({"type", "name", "checked", "disabled"}),  # pymdownx.tabbed and task lists
    "label": frozenset({"for"}),
    "td": frozenset({"colspan", "rowspan", "align", "style"}),  # style: text-align only (Markdown's tables)
    "th": frozenset({"colspan", "rowspan", "align", "scope", "style"}),
    "ol": frozenset({"start", "type"}),
    "time": frozenset({"datetime"}),
    "details": frozenset({"open"}),
    "col": frozenset({"span"}),
    "colgroup": frozenset({"span"}),
}
URL_ATTRIBUTES = frozenset({"href", "src"})
SCHEMES = frozenset({"http", "https", "mailto"})
_DROPPED = re.compile(r"[\x00-\x20\x7f]")  # what a browser strips from a URL before reading its scheme
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_CONTENT_DROPPED = frozenset({"script", "style", "template", "iframe", "object", "noscript", "textarea", "xmp"})


@dataclass(frozen=True)
class Problem:
    line: int  # 1-based, in the HTML given
    col: int
    what: str


def url_allowed(value: str) -> bool:
    """Whether a URL (character references already decoded) is http(s), mailto, relative or an anchor."""
    bare = _DROPPED.sub("", value)
    m = _SCHEME.match(bare)
    return m is None or m.group(1).lower() in SCHEMES


def clean(html: str) -> str:
    """`html` with everything outside the policy removed (script and style elements with their content)."""
    return str(
        nh3.clean(
            html,
            tags=set(TAGS),
            clean_content_tags=set(_CONTENT_DROPPED),
            attributes={k: set(v) for k, v in ATTRIBUTES.items()},
            url_schemes=set(SCHEMES),
            link_rel=None,
            strip_comments=False,  # a comment cannot run; authors' comments stay as they wrote them
            generic_attribute_prefixes=None,
            filter_style_properties={"text-align"},
        )
    )


class _Finder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[Problem] = []

    def _at(self, what: str) -> None:
        line, col = self.getpos()
        self.found.append(Problem(line, col + 1, what))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TAGS:
            self._at(f"<{tag}> (not allowed)")
            return
        allowed = ATTRIBUTES["*"] | ATTRIBUTES.get(tag, frozenset())
        for name, value in attrs:
            if name.startswith("on"):
                self._at(f"an event handler <{tag} {name}=…>")
            elif name not in allowed:
                self._at(f"the attribute {name} on <{tag}> (not allowed)")
            elif name in URL_ATTRIBUTES and not url_allowed(value or ""):
                self._at(f"a URL that is not http(s), mailto or relative <{tag} {name}=“{(value or '')[:30]}”>")

    handle_startendtag = handle_starttag


def problems(html: str) -> list[Problem]:
    """What `clean` would remove from `html`, each at its line and column (attribute values decoded as browsers do)."""
    if "<" not in html:
        return []
    finder = _Finder()
    finder.feed(html)
    finder.close()
    return finder.found


_DATA_SCRIPTS = frozenset({"application/json", "application/ld+json"})
_SCRIPT_URL_ATTRS = frozenset({"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background"})


class ScriptFinder(HTMLParser):
    """What would run in a browser, in HTML refkb made or kept (its own output, cached pages and citations): event
    handlers, script URLs (read as a browser reads them), script elements other than data, `<iframe srcdoc>` and SVG
    animations that set a script URL. Unlike `problems`, other tags and attributes are allowed."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and (values.get("type") or "").strip().lower() not in _DATA_SCRIPTS:
            self.found.append((self.getpos()[0], "a <script> element"))
        if tag == "iframe" and "srcdoc" in values:
            self.found.append((self.getpos()[0], "an <iframe srcdoc>"))
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append((self.getpos()[0], f"an event handler <{tag} {name}=...>"))
            elif name in _SCRIPT_URL_ATTRS and not url_allowed(value or ""):
                self.found.append((self.getpos()[0], f"a script URL <{tag} {name}={(value or '')[:30]}>"))
            elif tag in ("animate", "set") and name in ("values", "to", "from") and not url_allowed(value or ""):
                self.found.append((self.getpos()[0], f"an SVG <{tag}> setting a script URL"))

    handle_startendtag = handle_starttag


def runs_script(html: str) -> bool:
    """Whether anything in `html` would run in a browser (a cache record that does is not trusted)."""
    if "<" not in html:
        return False
    finder = ScriptFinder()
    finder.feed(html)
    finder.close()
    return bool(finder.found)


def tags_in(text: str) -> Iterator[re.Match[str]]:
    """The raw HTML tags in a Markdown text (code and comments are the caller's to mask)."""
    return _RAW_TAG.finditer(text)


_RAW_TAG = re.compile(r"<[A-Za-z][^<>]*>|<![A-Za-z][^<>]*>")


Found = tuple[tuple[int, str], ...]  # (line, what) as ScriptFinder finds them
_POSITION = frozenset({"rawdata", "lasttag", "lineno", "offset", "found", "_HTMLParser__starttag_text"})
_FRESH = {k: v for k, v in vars(ScriptFinder()).items() if k not in _POSITION}


def _at_rest(finder: ScriptFinder) -> bool:
    """Whether the parser has nothing pending: everything fed was read, and its state is a new parser's but for
    where it stands (so the rest of the text is read as a new parser reads it)."""
    if finder.rawdata:
        return False
    state = {k: v for k, v in vars(finder).items() if k not in _POSITION}
    return state == _FRESH


def script_findings(html: str, memo: dict[str, Found] | None = None) -> list[tuple[int, str]]:
    """What ScriptFinder finds in `html` (fed whole, not closed). With a `memo` (mkdocs serve: a page's last
    findings, by chunk), the page is read in chunks starting at a line that opens a tag, and a chunk read before
    from a parser at rest that left it at rest is not read again: read so, a chunk holds the same tags wherever it
    stands. A chunk that leaves the parser in the middle of something (a tag, a comment, a script's text) is read
    on with the next ones, as a whole page is; the memo is replaced by this page's chunks."""
    if memo is None:
        finder = ScriptFinder()
        finder.feed(html)
        return finder.found
    found: list[tuple[int, str]] = []
    kept: dict[str, Found] = {}
    live: ScriptFinder | None = None
    line = start = 1  # the line a chunk begins on; the line the live parser began on
    for chunk in _chunks(html):
        if live is None:
            hit = memo.get(chunk)
            if hit is None:
                finder = ScriptFinder()
                finder.feed(chunk)
                if _at_rest(finder):
                    hit = tuple(finder.found)
                else:
                    live, start = finder, line
            if hit is not None:
                kept[chunk] = hit
                found.extend((line + at - 1, what) for at, what in hit)
        else:
            live.feed(chunk)
            if _at_rest(live):
                found.extend((start + at - 1, what) for at, what in live.found)
                live = None
        line += chunk.count("\n")
    if live is not None:
        found.extend((start + at - 1, what) for at, what in live.found)
    memo.clear()
    memo.update(kept)
    return found


# Where a chunk may begin: a line that opens a tag, or a table row, which may stand on a long line of rows (the
# library's table is one line of a megabyte at 1,000 works; a title edit changes one of its rows)
_CHUNK_START = re.compile(r"\n(?=<)|(?=<tr[\s>])")


def _chunks(html: str) -> Iterator[str]:
    at = 0
    for m in _CHUNK_START.finditer(html):
        if m.end() > at:
            yield html[at : m.end()]
            at = m.end()
    yield html[at:]
