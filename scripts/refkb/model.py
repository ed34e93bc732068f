"""Typed, immutable values shared by every refkb module.

Nothing here parses or prints: `bibfile` builds these values, `validate` returns `Issue`s, the CLI and the MkDocs
hook decide how to report them.
"""

from __future__ import annotations

import bisect
import enum
import functools
import re
from dataclasses import dataclass, field


class Level(enum.StrEnum):
    """Severity of an `Issue`: errors block the build and the formatter, warnings do not."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Position:
    """A 1-based line and column in a text file (columns count characters, not bytes)."""

    line: int
    col: int


class LineIndex:
    """Maps a character offset in a text to its 1-based `Position`; positions are computed only when asked for."""

    __slots__ = ("starts",)

    def __init__(self, text: str) -> None:
        self.starts = [0]
        self.starts.extend(m.end() for m in re.finditer("\n", text))

    def pos(self, offset: int) -> Position:
        i = bisect.bisect_right(self.starts, offset) - 1
        return Position(i + 1, offset - self.starts[i] + 1)


def text_lines(text: str) -> list[str]:
    """The lines of `text`, each with its \\n: split at \\n only, as `LineIndex` counts (str.splitlines also breaks
    at U+0085, U+2028, U+2029 and other characters an editor shows inside a line)."""
    return re.findall(r"[^\n]*\n|[^\n]+\Z", text)


@dataclass(frozen=True)
class Issue:
    """One problem found in the project, with a stable `code` and a way to fix it."""

    path: str
    line: int
    col: int
    level: Level
    code: str
    key: str
    message: str
    fix: str = ""

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.line, self.col, self.code, self.key)

    def render(self) -> str:
        """`PATH:LINE:COL: LEVEL CODE [KEY] message — how to fix`."""
        key = f" [{self.key}]" if self.key else ""
        fix = f" — {self.fix}" if self.fix else ""
        return f"{self.path}:{self.line}:{self.col}: {self.level.value} {self.code}{key} {self.message}{fix}"

    def as_dict(self) -> dict[str, str | int]:
        return {
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "level": self.level.value,
            "code": self.code,
            "key": self.key,
            "message": self.message,
            "fix": self.fix,
        }


@dataclass(frozen=True)
class ValuePart:
    """One operand of a BibTeX value: `{braced}`, `"quoted"`, a bare number or a macro name."""

    kind: str  # "brace" | "quote" | "number" | "macro"
    text: str  # the content without delimiters (for a macro: its name)


@dataclass(frozen=True)
class Field:
    """A field of an entry or an `@string` definition, with where it stands in the file."""

    name: str  # lower-cased
    raw: str  # the value exactly as written, delimiters included
    parts: tuple[ValuePart, ...]
    value: str  # delimiters removed, macros expanded (undefined macros left as their name)
    offset: int  # of the field name in the file's text
    value_offset: int  # of the value's first character
    lines: LineIndex = field(compare=False, repr=False)

    @property
    def pos(self) -> Position:
        return self.lines.pos(self.offset)

    @property
    def value_pos(self) -> Position:
        return self.lines.pos(self.value_offset)

    def position_of(self, offset: int) -> Position:
        """Position of character `offset` of `raw` (values may span lines)."""
        return self.lines.pos(self.value_offset + offset)


@dataclass(frozen=True)
class Entry:
    """A bibliography entry (`@type{key, ...}`) as written in a .bib file."""

    type: str  # lower-cased
    key: str
    fields: tuple[Field, ...]
    offset: int  # of the `@` in the file's text
    key_offset: int
    raw: str
    lines: LineIndex = field(compare=False, repr=False)
    comments: tuple[str, ...] = ()  # comment text that stood right before the entry

    @property
    def pos(self) -> Position:
        return self.lines.pos(self.offset)

    @property
    def key_pos(self) -> Position:
        return self.lines.pos(self.key_offset)

    @functools.cached_property
    def _by_name(self) -> dict[str, Field]:
        return {f.name: f for f in reversed(self.fields)}  # the first of a repeated field wins

    def get(self, name: str) -> Field | None:
        """The first field called `name` (lower case)."""
        return self._by_name.get(name)

    def value(self, name: str, default: str = "") -> str:
        f = self.get(name)
        return f.value if f is not None else default

    def __contains__(self, name: object) -> bool:
        return name in self._by_name


@dataclass(frozen=True)
class Directive:
    """`@string`, `@preamble` or `@comment` block, kept verbatim for lossless rewriting."""

    kind: str  # "string" | "preamble" | "comment"
    raw: str
    pos: Position
    fields: tuple[Field, ...] = ()  # for @string: the macro definitions
    comments: tuple[str, ...] = ()


@dataclass(frozen=True)
class BibFile:
    """A parsed .bib file: its blocks in file order, the text around them, and the syntax problems found."""

    path: str
    text: str
    entries: tuple[Entry, ...]
    directives: tuple[Directive, ...]
    header: tuple[str, ...]  # comments at the top of the file, before the first block's own comments
    trailer: tuple[str, ...]  # comments after the last block
    issues: tuple[Issue, ...]
    macros: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def has_errors(self) -> bool:
        return any(i.level is Level.ERROR for i in self.issues)


@dataclass(frozen=True)
class Person:
    """A name from `author`/`editor`: corporate (`{{Polaris}}`) or personal (family, given)."""

    family: str
    given: str = ""
    prefix: str = ""  # von part
    suffix: str = ""  # Jr. part
    corporate: bool = False

    @property
    def display(self) -> str:
        if self.corporate:
            return self.family
        family = f"{self.prefix} {self.family}".strip()
        given = f"{self.given} {self.suffix}".strip() if not self.suffix else f"{self.given}, {self.suffix}"
        return f"{family}, {given}".strip(", ")
