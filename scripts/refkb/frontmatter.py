"""Front matter: the one reader of a page's `---` YAML block, and the keys a page may carry.

Front matter is untrusted: MkDocs hands every key to the theme, which prints some of them unescaped (`description`
and `author` in <head>, `template` picks a template, `redirect.html` reads `location`). So a page may carry only the
keys of its kind, each of its type: `PAGE_KEYS` on a docs page, `ANNOTATION_KEYS` on an annotation page.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from . import safeyaml
from .values import CONTROL

FRONT = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.S)
# FRONT in two steps (`split`): its opening line, then the first closing line after it (the regex engine tries the
# lazy `.*?` one character at a time; a search for the closing line's '\n' runs in C).
_OPENING = re.compile(r"---[ \t]*\n")
_CLOSING = re.compile(r"\n---[ \t]*(?:\n|\Z)")
TOP_KEY = re.compile(r"^([^\s#:'\"-][^:\n]*?)[ \t]*:(?:[ \t]|$)", re.M)
# TOP_KEY after a line break: on '\n' + a text, the same matches at the same offsets (a match never takes the line
# break after it), found by a search for the '\n' instead of a try at every character.
_TOP_KEY_LINE = re.compile(r"\n([^\s#:'\"-][^:\n]*?)[ \t]*:(?:[ \t]|$)", re.M)

_BELOW_OPENING = safeyaml.Options(line_offset=1)  # the YAML starts on the page's second line

ANNOTATION_KEYS = frozenset({"verified_at", "verified_on", "content_note", "appraisal"})
PAGE_KEYS = frozenset({"title", "description", "hide", "search", "status"})
HIDE = frozenset({"navigation", "toc", "footer", "path", "tags", "feedback"})
_PLAIN_UNSAFE = re.compile(r"[<>\"'&`\x00-\x1f\x7f]")


@dataclass(frozen=True)
class FrontMatter:
    """A page's front matter as read: `found` is False when the page has no `---` block (then `body` is the text)."""

    found: bool
    meta: dict[str, object] = field(default_factory=dict)
    error: safeyaml.YamlError | None = None  # the YAML could not be read
    not_mapping: bool = False  # it was read, but is a list or a scalar
    lines: dict[str, int] = field(default_factory=dict)  # top-level key -> its 1-based line in the page
    body: str = ""
    body_line: int = 1  # 1-based line where the body starts


@dataclass(frozen=True)
class Split:
    """Where a page's front matter stands: `FRONT.match(text)`'s group 1 (`block`) and end (`end`)."""

    block: str
    end: int


def split(text: str) -> Split | None:
    """`FRONT.match(text)` as a `Split` (None when it does not match): the opening line, then the closing line
    searched for from the line after it (the first place where the lazy `.*?` lets the closing line match)."""
    opening = _OPENING.match(text)
    if opening is None:
        return None
    closing = _CLOSING.search(text, opening.end())
    if closing is None:
        return None
    return Split(text[opening.end() : closing.start()], closing.end())


def read(text: str) -> FrontMatter:
    """The front matter of a page's text (newlines already normalised to \\n), read with refkb.safeyaml."""
    m = split(text)
    if m is None:
        return FrontMatter(False, body=text)
    block = m.block
    lines: dict[str, int] = {}
    for k in _TOP_KEY_LINE.finditer("\n" + block):
        lines.setdefault(k.group(1).strip(), block.count("\n", 0, k.start()) + 2)
    body, body_line = text[m.end :], text.count("\n", 0, m.end) + 1
    try:
        loaded = safeyaml.load(block, _BELOW_OPENING)
    except safeyaml.YamlError as exc:
        return FrontMatter(True, error=exc, lines=lines, body=body, body_line=body_line)
    if loaded is not None and not isinstance(loaded, dict):
        return FrontMatter(True, not_mapping=True, lines=lines, body=body, body_line=body_line)
    meta = {str(k): v for k, v in (loaded or {}).items()}
    return FrontMatter(True, meta, lines=lines, body=body, body_line=body_line)


@dataclass(frozen=True)
class KeyProblem:
    key: str
    problem: str  # what is wrong, as a message says it


def _trail_item(x: object) -> bool:
    if isinstance(x, str):
        return True
    return (
        isinstance(x, dict)
        and set(x) == {"url", "note"}
        and isinstance(x["url"], str)
        and isinstance(x["note"], str)
        and 0 < len(x["note"].strip()) <= 300
    )


def _verified_at(v: object) -> bool:
    return isinstance(v, str) or (isinstance(v, list) and all(_trail_item(x) for x in v))


def _plain(v: object) -> bool:
    return isinstance(v, str) and not _PLAIN_UNSAFE.search(v) and len(v) <= 500


def _search(v: object) -> bool:
    return (
        isinstance(v, dict)
        and set(v) <= {"exclude", "boost"}
        and all(isinstance(x, bool | int | float) for x in v.values())
    )


# key -> (is the value of the right type, what to say when it is not); a key without a rule takes any value.
_RULES: dict[str, tuple[Callable[[object], bool], str]] = {
    "verified_at": (_verified_at, "verified_at must be a URL or a list of URLs (or {url: …, note: …} items)"),
    "verified_on": (
        lambda v: isinstance(v, dt.date | str) and not isinstance(v, dt.datetime),
        "verified_on must be a date (YYYY-MM-DD)",
    ),
    "content_note": (
        lambda v: isinstance(v, str) and len(v) <= 2000 and not CONTROL.search(v),
        "content_note must be one short text (no control characters)",
    ),
    "title": (_plain, "title must be plain text without < > \" ' & ` (the theme prints it unescaped)"),
    "description": (_plain, "description must be plain text without < > \" ' & ` (the theme prints it unescaped)"),
    "hide": (
        lambda v: isinstance(v, list) and all(isinstance(x, str) and x in HIDE for x in v),
        f"hide must be a list of: {', '.join(sorted(HIDE))}",
    ),
    "search": (_search, "search may only hold exclude: true/false and boost: a number"),
    "status": (lambda v: v in ("new", "deprecated"), "status must be new or deprecated"),
}


def problems(meta: dict[str, object], allowed: frozenset[str]) -> list[KeyProblem]:
    """Every key outside `allowed`, and every allowed key whose value has the wrong type."""
    out: list[KeyProblem] = []
    for k, v in meta.items():
        if k not in allowed:
            out.append(
                KeyProblem(k, f"front-matter key '{k}' is not allowed here (allowed: {', '.join(sorted(allowed))})")
            )
            continue
        rule = _RULES.get(k)
        if rule is not None and not rule[0](v):
            out.append(KeyProblem(k, rule[1]))
    return out
