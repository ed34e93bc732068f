"""Annotation pages `docs/references/<key>.md`: YAML front matter (`verified_at`, `verified_on`) and five sections."""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import frontmatter, guard, safeyaml

SECTIONS = ("Summary", "Key findings", "Method and data", "Limitations", "Relevance")
FRONT = frontmatter.FRONT
_ATTRS = re.compile(r"[ \t]*\{[^{}\n]*\}[ \t]*$")
# A '## ' heading at the start of a line (the lookbehind after the '##': the regex engine then looks for '##' alone).
_HEADING = re.compile(r"##(?<![^\n]##)[ \t]+(.+?)[ \t]*#*[ \t]*$", re.M)

TEMPLATE = """---
verified_at: []
verified_on:
---
## Summary

## Key findings

## Method and data

## Limitations

## Relevance
"""


@dataclass(frozen=True)
class Link:
    url: str
    note: str  # why a copy on a low-trust host is kept (empty for an ordinary link)


@dataclass(frozen=True)
class Annotation:
    key: str
    path: Path
    text: str
    meta: dict[str, object]
    meta_error: str  # empty when the front matter parsed
    body: str
    body_line: int  # 1-based line where the body starts
    sections: dict[str, str]  # heading -> text under it
    section_lines: dict[str, int]
    meta_line: int = 1  # where meta_error points (1-based line and column in the file)
    meta_col: int = 1
    meta_code: str = "annotation-front-matter"  # or "encoding-not-utf8": then the page could not be read at all
    meta_lines: dict[str, int] = field(default_factory=dict)  # front-matter key -> its line in the file
    meta_fix: str = ""  # how to fix meta_error, when the YAML reader said so

    @property
    def verified_at(self) -> tuple[str, ...]:
        return tuple(link.url for link in self.trail)

    @functools.cached_property
    def trail(self) -> tuple[Link, ...]:
        """The pages the record was verified on. An item is a URL, or `{url: …, note: …}` for a copy kept on a
        low-trust host because the issuer's own page is not stored (the note says so on the page). Worked out once
        (`verified_at` and the trail's checks both read it; `meta` is not changed after reading)."""
        value = self.meta.get("verified_at")
        if isinstance(value, str | dict):
            value = [value]
        if not isinstance(value, list):
            return ()
        out: list[Link] = []
        for v in value:
            if isinstance(v, dict):
                out.append(Link(str(v.get("url", "")), str(v.get("note", "") or "").strip()))
            else:
                out.append(Link(str(v), ""))
        return tuple(out)

    @property
    def verified_on(self) -> dt.date | None:
        value = self.meta.get("verified_on")
        if isinstance(value, dt.datetime):
            return None  # a time of day is not a day: refkb validate says so at the line (annotation-front-matter)
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                return None
        return None


def parse(path: Path, text: str) -> Annotation:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    fm = frontmatter.read(text)
    error, err_line, err_col, fix = "", 1, 1, ""
    if not fm.found:
        error = "no front matter"
    elif fm.error is not None:
        error, fix = f"front matter: {fm.error.what}", fm.error.hint
        err_line, err_col = fm.error.line, fm.error.col
    elif fm.not_mapping:
        error, err_line = "front matter is not a mapping", 2
    meta, meta_lines, body, body_line = fm.meta, fm.lines, fm.body, fm.body_line
    sections: dict[str, str] = {}
    lines: dict[str, int] = {}
    heads = list(_HEADING.finditer(body))
    for i, h in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(body)
        title = _ATTRS.sub("", h.group(1)).strip()  # "Summary {: #summary }" is the Summary section
        sections.setdefault(title, body[h.end() : end].strip())
        lines.setdefault(title, body_line + body.count("\n", 0, h.start()))
    return Annotation(
        path.stem,
        path,
        text,
        meta,
        error,
        body,
        body_line,
        sections,
        lines,
        err_line,
        err_col,
        meta_lines=meta_lines,
        meta_fix=fix,
    )


MAX_BYTES = 1024 * 1024


def read(path: Path, data: bytes | None = None) -> Annotation:
    """Read a page (its bytes, when the caller has read them); a page that is not UTF-8 or is too large comes back
    empty with `meta_code` set."""
    guard.note(path)
    data = path.read_bytes() if data is None else data
    if len(data) > MAX_BYTES:
        return Annotation(
            path.stem,
            path,
            "",
            {},
            f"the page is larger than {MAX_BYTES // 1024} KB",
            "",
            1,
            {},
            {},
            meta_code="input-too-large",
        )
    try:
        text = safeyaml.decode(data)
    except safeyaml.YamlError as exc:
        return Annotation(
            path.stem, path, "", {}, exc.message, "", 1, {}, {}, exc.line, exc.col, meta_code="encoding-not-utf8"
        )
    return parse(path, text)


def scan(folder: Path) -> list[Annotation]:
    """Every annotation page in `folder` (not recursive), sorted by key."""
    return [read(p) for p in pages(folder)]


def pages(folder: Path) -> list[Path]:
    """The annotation pages in `folder` (not recursive), sorted by key."""
    if not folder.is_dir():
        return []
    found = sorted(folder.glob("*.md"), key=lambda p: p.parts)  # as Path sorts, without its __lt__ (~7 us a compare)
    return [p for p in found if p.name != "index.md"]
