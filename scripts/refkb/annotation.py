"""Annotation pages `docs/references/<key>.md`: YAML front matter (`verified_at`, `verified_on`) and five sections."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: ~10x faster
SECTIONS = ("Summary", "Key findings", "Method and data", "Limitations", "Relevance")
_FRONT = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.S)
_HEADING = re.compile(r"^##[ \t]+(.+?)[ \t]*#*[ \t]*$", re.M)

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

    @property
    def verified_at(self) -> tuple[str, ...]:
        value = self.meta.get("verified_at")
        if isinstance(value, str):
            return (value,)
        if isinstance(value, list):
            return tuple(str(v) for v in value)
        return ()

    @property
    def verified_on(self) -> dt.date | None:
        value = self.meta.get("verified_on")
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                return None
        return None


def parse(path: Path, text: str) -> Annotation:
    meta: dict[str, object] = {}
    error = ""
    body, body_line = text, 1
    m = _FRONT.match(text)
    if m is None:
        error = "no front matter"
    else:
        body = text[m.end() :]
        body_line = text[: m.end()].count("\n") + 1
        try:
            loaded = yaml.load(m.group(1), Loader=_LOADER)
        except yaml.YAMLError as exc:
            error = f"front matter is not valid YAML ({str(exc).splitlines()[0]})"
        else:
            if isinstance(loaded, dict):
                meta = {str(k): v for k, v in loaded.items()}
            elif loaded is not None:
                error = "front matter is not a mapping"
    sections: dict[str, str] = {}
    lines: dict[str, int] = {}
    heads = list(_HEADING.finditer(body))
    for i, h in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(body)
        title = h.group(1).strip()
        sections.setdefault(title, body[h.end() : end].strip())
        lines.setdefault(title, body_line + body[: h.start()].count("\n"))
    return Annotation(path.stem, path, text, meta, error, body, body_line, sections, lines)


def read(path: Path) -> Annotation:
    return parse(path, path.read_text(encoding="utf-8"))


def scan(folder: Path) -> list[Annotation]:
    """Every annotation page in `folder` (not recursive), sorted by key."""
    if not folder.is_dir():
        return []
    return [read(p) for p in sorted(folder.glob("*.md")) if p.name != "index.md"]
