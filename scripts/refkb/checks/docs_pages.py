"""Checks of every page of docs/: readable (UTF-8, not too large), no control character, not nested deeper than
Python-Markdown can take, no raw HTML or attr_list attribute the site's HTML policy would strip, front matter with
the keys a page may carry, and every citation naming an entry. `mkdocs serve` keeps their findings per page
(`PageMemo`) and checks a page again only when it changed."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from .. import annotation, citations, frontmatter, guard, htmlpolicy, safeyaml
from ..filedigests import FileDigests
from ..model import Issue
from ..project import Project
from ..values import CONTROL
from .codes import issue

_ATTR_LIST = re.compile(r"\{:[^{}\n]*\}|\{[ \t]*[#.][A-Za-z_][^{}\n]*\}")
_ATTR_TOKEN = re.compile(r"""([^\s=]+)=("[^"]*"|'[^']*'|[^\s}]+)|(\S+)""")
_SAFE_ATTR = re.compile(r"^(?:#[A-Za-z][\w-]*|\.[A-Za-z_][\w-]*)$")
_SAFE_VALUE = re.compile(r"""^["']?[^"'<>`&:\\]*["']?$""")
_AUTOLINK = re.compile(r"^<(?:[a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>]*|[^\s<>@]+@[^\s<>@]+)>$")

MAX_NESTING = 64  # block quotes, list levels and indentation: Python-Markdown recurses once per level
# A line that may be nested too deep: MAX_NESTING characters or more, starting with 33 of the characters that indent
# or mark a level (a level is a marker of one character or more, or two columns of indentation, and a tab is four
# columns: two levels a character at most, so 65 levels take 33 characters).
_LONG_LINE = re.compile(rf"^(?=[ \t>*+\-0-9.)]{{33}})[^\n]{{{MAX_NESTING},}}", re.M)
# How _LONG_LINE's line starts, at the start of the text or after a line break: a page without it has no such line
# (found without trying the pattern at every character).
_DEEP_START = re.compile(r"[ \t>*+\-0-9.)]{33}")
_DEEP_LINE = re.compile(r"\n[ \t>*+\-0-9.)]{33}")
_NESTING_PREFIX = re.compile(r"^(?:[ \t]*(?:>|[-*+][ \t]|\d{1,9}[.)][ \t]))+")


def prose_of(text: str) -> str:
    """The text with front matter, code and HTML comments blanked out (same length and lines, so offsets stay
    true), by the citations' own masker (refkb.citations.mask_code): raw HTML and attribute lists are left for the
    HTML policy's checks below to read."""
    return citations.mask_code(text)


def read_page(md: Path) -> str:
    """A docs page's text; '' when it is not UTF-8 or too large (check_docs_pages reports that, at the bad byte)."""
    try:
        data = md.read_bytes()
    except OSError:
        return ""
    return page_text(data)


def page_text(data: bytes) -> str:
    """A page's bytes as `read_page` reads them: '' when not UTF-8 or too large."""
    return decoded(data) or ""


def decoded(data: bytes) -> str | None:
    """A page's text as `docs_page` reads it (`safeyaml.decode`), or None when it is too large or not UTF-8."""
    if len(data) > annotation.MAX_BYTES:
        return None
    try:
        return safeyaml.decode(data)
    except safeyaml.YamlError:
        return None


class Nesting(NamedTuple):
    """A line nested too deep (a tuple too, for callers that index it)."""

    line: int
    depth: int


def nesting_problem(text: str) -> Nesting | None:
    """The first line nested deeper than MAX_NESTING (a 600-deep list made Python-Markdown print a RecursionError
    traceback), or None. Only a line `_LONG_LINE` finds can be."""
    if not _DEEP_START.match(text) and not _DEEP_LINE.search(text):
        return None
    n, at = 1, 0
    for long in _LONG_LINE.finditer(text):
        n, at = n + text.count("\n", at, long.start()), long.start()
        line = long.group(0)
        indent = len(line) - len(line.lstrip(" \t"))
        prefix = _NESTING_PREFIX.match(line)
        markers = len(re.findall(r">|[-*+][ \t]|\d[.)][ \t]", prefix.group(0))) if prefix else 0
        depth = markers + line[:indent].expandtabs(4).count("  ")
        if depth > MAX_NESTING:
            return Nesting(n, depth)
    return None


@dataclass(frozen=True)
class Found:
    """Something a page check found in the text: where, and what (as a message quotes it)."""

    line: int
    col: int
    what: str


def html_problems(text: str) -> Iterator[Found]:
    """Each raw HTML tag in a page's prose that the site's HTML policy would strip."""
    if "<" not in citations.after_front_matter(text):
        return  # no tag: the prose is the text with regions blanked, its front matter first
    prose = prose_of(text)
    for m in htmlpolicy.tags_in(prose):
        if _AUTOLINK.match(m.group(0)):
            continue  # <https://…> and <name@host> are Markdown autolinks, not HTML
        for p in htmlpolicy.problems(m.group(0)):
            line = text.count("\n", 0, m.start()) + 1
            col = m.start() - (text.rfind("\n", 0, m.start()) + 1) + p.col
            yield Found(line, col, p.what)


def attribute_problems(text: str) -> Iterator[Found]:
    """Each attr_list `{: ...}` attribute that is not a plain #id, .class, title or lang."""
    if "{" not in citations.after_front_matter(text):
        return  # no attribute list: the prose is the text with regions blanked, its front matter first
    prose = prose_of(text)
    for m in _ATTR_LIST.finditer(prose):
        inner = m.group(0)[1:-1].lstrip(":")
        for t in _ATTR_TOKEN.finditer(inner):
            name, value, bare = t.group(1), t.group(2), t.group(3)
            if bare is not None and _SAFE_ATTR.match(bare):
                continue
            if name in ("title", "lang") and value is not None and _SAFE_VALUE.match(value):
                continue
            line = prose.count("\n", 0, m.start()) + 1
            col = m.start() - (prose.rfind("\n", 0, m.start()) + 1) + 1
            yield Found(line, col, t.group(0)[:40])
            break


@dataclass(frozen=True)
class Checked:
    """A page check's findings on one page, with what they were found from: the file's content digest and the
    check's other inputs."""

    made_from: tuple[str, object]
    issues: tuple[Issue, ...]


@dataclass
class PageMemo:
    """What the page checks found, kept by `mkdocs serve` between rebuilds: a page is checked again only when its
    content or the check's other inputs changed, and read only when its file's status changed (`files`)."""

    found: dict[tuple[str, str], Checked] = field(default_factory=dict)  # (check, path) -> its findings
    files: FileDigests = field(default_factory=FileDigests)


def pages(project: Project, files: FileDigests | None = None) -> list[Path]:
    """Every page of docs/, in path order (from `files`' listing of this rebuild when given)."""
    if files is not None:
        return [p for p in files.files(project.docs) if p.name.endswith(".md")]
    if not project.docs.is_dir():
        return []
    return sorted(project.docs.rglob("*.md"), key=lambda md: md.parts)  # as Path sorts, without its __lt__


def each_page(
    project: Project, check: str, inputs: object, fn: Callable[[Path], Iterable[Issue]], memo: PageMemo | None
) -> Iterator[Issue]:
    """`fn`'s issues for every page of docs/, in path order; with a memo, unchanged pages are not checked again."""
    if memo is None:
        for md in pages(project):
            yield from fn(md)
        return
    for md in pages(project, memo.files):
        content = memo.files.digest(md)  # by content, read again when the file's status changed
        if not content:
            yield from fn(md)
            continue
        sig = (content, inputs)
        old = memo.found.get((check, str(md)))
        if old is None or old.made_from != sig:
            old = memo.found[(check, str(md))] = Checked(sig, tuple(fn(md)))
        yield from old.issues


def check_docs_pages(project: Project, today: dt.date | None = None, memo: PageMemo | None = None) -> Iterator[Issue]:
    """Every page of docs/: readable (UTF-8, not too large), front matter with allowed keys of the right type
    (annotation pages are checked by checks.annotations), and attr_list attributes that cannot carry script."""
    return each_page(project, "docs", today, lambda md: docs_page(project, md), memo)


def docs_page(
    project: Project, md: Path, data: bytes | None = None, rel: str | None = None, text: str | None = None
) -> Iterator[Issue]:
    """One page's checks of `check_docs_pages`, on its bytes when the caller has read them (and its path relative to
    the project, `rel`, and the bytes' text, `decoded(data)`, when it has those)."""
    rel = project.relative(md) if rel is None else rel
    guard.note(rel)
    try:
        data = md.read_bytes() if data is None else data
    except OSError as exc:
        yield issue(rel, 1, 1, "data-invalid", "", f"cannot read ({exc.strerror})", "check the file")
        return
    if len(data) > annotation.MAX_BYTES:
        message = f"the page is larger than {annotation.MAX_BYTES // 1024} KB"
        yield issue(rel, 1, 1, "input-too-large", "", message, "split the page")
        return
    try:
        text = safeyaml.decode(data) if text is None else text
    except safeyaml.YamlError as exc:
        if md.parent != project.annotations:  # annotation pages: reported by check_annotation
            yield issue(rel, exc.line, exc.col, "encoding-not-utf8", "", exc.message, "save the page as UTF-8")
        return
    bad = CONTROL.search(text) if _may_hold_control(data) else None
    if bad is not None:
        line = text.count("\n", 0, bad.start()) + 1
        col = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        message = f"a control character U+{ord(bad.group(0)):04X} in the page"
        yield issue(rel, line, col, "control-character", "", message, "delete it (an editor may show it as a box)")
    deep = nesting_problem(text)
    if deep is not None:
        fix = f"flatten it to at most {MAX_NESTING} levels"
        yield issue(rel, deep.line, 1, "nesting-too-deep", "", f"a line nested {deep.depth} levels deep", fix)
        return
    yield from _page_markup(rel, text)
    if md.parent != project.annotations and text.startswith("---"):
        yield from _page_front_matter(rel, text)


# Bytes that are no control character (CONTROL below U+0080, in UTF-8 the same byte, which no other character's
# encoding holds), and CONTROL's C1 part (U+0080-U+009F) in UTF-8.
_NOT_C0 = bytes(b for b in range(256) if not CONTROL.match(chr(b)) or b >= 0x80)
_C1_UTF8 = re.compile(rb"\xc2[\x80-\x9f]")


def _may_hold_control(data: bytes) -> bool:
    """Whether the text of a page's bytes (decoded: a BOM dropped, CR turned into LF) may hold a CONTROL character:
    False when the bytes hold none (bytes.translate and a literal's search: CONTROL's own search tests each
    character's class, a fifth of a second on the 10,000 grown pages' 45 MB)."""
    return bool(data.translate(None, _NOT_C0)) or _C1_UTF8.search(data) is not None


def _page_markup(rel: str, text: str) -> Iterator[Issue]:
    """Raw HTML and attr_list attributes the site's HTML policy would strip."""
    for p in html_problems(text):
        fix = "write it in Markdown, or use only the tags and attributes htmlpolicy.py allows"
        yield issue(rel, p.line, p.col, "unsafe-html", "", f"raw HTML with {p.what}", fix)
    for p in attribute_problems(text):
        fix = "use only {: #plain-id .class }: event handlers, styles and quotes are refused"
        yield issue(rel, p.line, p.col, "unsafe-attribute", "", f"attribute list with {p.what!r}", fix)


def _page_front_matter(rel: str, text: str) -> Iterator[Issue]:
    """A docs page's front matter: YAML, a mapping, only the keys a page may carry (frontmatter.PAGE_KEYS)."""
    fm = frontmatter.read(text)
    if not fm.found:
        return
    if fm.error is not None:
        message = f"front matter: {fm.error.message}"
        yield issue(
            rel, fm.error.line, fm.error.col, "front-matter-key", "", message, "fix the YAML between the --- lines"
        )
        return
    if fm.not_mapping:
        yield issue(rel, 2, 1, "front-matter-key", "", "front matter is not a mapping", "write key: value lines")
        return
    fix = "a page's front matter may hold title, description, hide, search and status"
    for p in frontmatter.problems(fm.meta, frontmatter.PAGE_KEYS):
        yield issue(rel, fm.lines.get(p.key, 2), 1, "front-matter-key", "", p.problem, fix)


def check_citations(project: Project, keys: set[str], memo: PageMemo | None = None) -> Iterator[Issue]:
    """Every [@key] in docs/ names an entry: annotation pages too, whose text the build puts on the reference page
    and cites there like any other page's."""
    return each_page(project, "citations", hash(frozenset(keys)), lambda md: _page_citations(project, md, keys), memo)


def _page_citations(project: Project, md: Path, keys: set[str]) -> Iterator[Issue]:
    return unresolved(project, project.relative(md), page_cites(read_page(md)), keys)


def page_cites(text: str) -> list[Cited]:
    """Every key a page cites, where (what the citation checks read of a page)."""
    return [Cited(*c) for c in citations.keys(text)] if "@" in text else []


class Cited(NamedTuple):
    """A cited key and where its citation starts."""

    key: str
    line: int
    col: int


def unresolved(project: Project, rel: str, cites: Iterable[Cited], keys: AbstractSet[str]) -> Iterator[Issue]:
    """The citations of page `rel` that name no entry of `keys`."""
    for key, line, col in cites:
        if key not in keys:
            yield issue(
                rel,
                line,
                col,
                "unresolved-citation",
                key,
                f"[@{key}] names no entry in {project.relative(project.bibliography)}",
                "correct the key or add the reference",
            )
