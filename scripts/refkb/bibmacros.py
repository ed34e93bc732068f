"""@string macros: their expansion, the limit on an expanded value, and the checks of their definitions and uses
(undefined, defined further down, defined through themselves, defined twice, too large once expanded)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .bibscan import Located, ScannedField
from .model import Field, Issue, Level, LineIndex, ValuePart

MAX_VALUE = 100_000  # characters of one value once its @string macros are expanded


def expanded_size(parts: Sequence[ValuePart], macros: Mapping[str, str]) -> int:
    return sum(len(macros.get(p.text.lower(), p.text)) if p.kind == "macro" else len(p.text) for p in parts)


def join(parts: Sequence[ValuePart], macros: Mapping[str, str]) -> str:
    """A value's parts joined, each macro expanded ('' when the whole is too large: reported where it is read)."""
    if len(parts) == 1 and parts[0].kind != "macro":
        return parts[0].text
    if expanded_size(parts, macros) > MAX_VALUE:
        return ""  # reported as macro-too-large where the value is read
    out = []
    for p in parts:
        out.append(macros.get(p.text.lower(), p.text) if p.kind == "macro" else p.text)
    return "".join(out)


def too_big(path: str, f: Field, key: str, what: str) -> Issue:
    p = f.value_pos
    return Issue(
        path,
        p.line,
        p.col,
        Level.ERROR,
        "macro-too-large",
        key,
        f"{what} expands to more than {MAX_VALUE:,} characters",
        "macros that double each other are a bomb: write the value out",
    )


def string_references(located: Sequence[Located]) -> dict[str, set[str]]:
    """Every @string name with the macro names its value uses (for cycle detection)."""
    graph: dict[str, set[str]] = {}
    for loc in located:
        if loc.scan is not None and loc.scan.type == "string":
            for f in loc.scan.fields:
                graph.setdefault(f.name, set()).update(p.text.lower() for p in f.parts if p.kind == "macro")
    return graph


def cycle(graph: dict[str, set[str]], start: str, first: str) -> list[str]:
    """A path first -> ... -> start through the graph, if there is one (iterative, no recursion)."""
    stack = [(first, [start, first])]
    seen = {first}
    while stack:
        node, path = stack.pop()
        if node == start:
            return path
        for nxt in graph.get(node, ()):
            if nxt == start:
                return [*path, start]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, [*path, nxt]))
    return []


def read_strings(located: Sequence[Located], lines: LineIndex, path: str, macros: dict[str, str]) -> list[Issue]:
    """Read every @string definition in file order into `macros` (which holds the macros known before the file),
    and return the problems of the definitions."""
    graph = string_references(located)
    issues: list[Issue] = []
    defined: dict[str, Field] = {}
    for loc in located:
        if loc.scan is None or loc.scan.type != "string":
            continue
        for scanned in loc.scan.fields:
            fld = _string_field(loc, scanned, lines, macros)
            issues.extend(_definition_issues(fld, graph, macros, path))
            if scanned.name in defined:
                issues.append(_defined_twice(path, fld, defined[scanned.name]))
            defined[scanned.name] = fld
            macros[scanned.name] = fld.value
    return issues


def _string_field(loc: Located, f: ScannedField, lines: LineIndex, macros: Mapping[str, str]) -> Field:
    raw = loc.block.raw[f.value_at : f.value_end].rstrip()
    return Field(f.name, raw, f.parts, join(f.parts, macros), loc.offset + f.name_at, loc.offset + f.value_at, lines)


def _definition_issues(fld: Field, graph: dict[str, set[str]], macros: Mapping[str, str], path: str) -> list[Issue]:
    name = fld.name
    issues = []
    for part in fld.parts:
        ref = part.text.lower()
        if part.kind != "macro" or ref in macros:
            continue
        loop = cycle(graph, name, ref)
        code = "macro-cycle" if loop else "undefined-macro"
        message = (
            f"@string {name} is defined through itself ({' -> '.join(loop)})"
            if loop
            else f"@string {name} uses '{part.text}', defined only further down (BibTeX reads in order)"
            if ref in graph
            else f"@string {name} uses '{part.text}', which is not defined"
        )
        issues.append(
            Issue(
                path,
                fld.value_pos.line,
                fld.value_pos.col,
                Level.ERROR,
                code,
                "",
                message,
                "define each macro before the macros and entries that use it",
            )
        )
    if expanded_size(fld.parts, macros) > MAX_VALUE:
        issues.append(too_big(path, fld, "", f"@string {name}"))
    return issues


def _defined_twice(path: str, fld: Field, first: Field) -> Issue:
    return Issue(
        path,
        fld.pos.line,
        fld.pos.col,
        Level.WARNING,
        "duplicate-macro",
        "",
        f"@string {fld.name} is defined twice (first on line {first.pos.line})",
        "keep one definition",
    )


def use_issues(f: Field, key: str, macros: Mapping[str, str], path: str) -> list[Issue]:
    """The problems of an entry's field with macros: an undefined macro, a value too large once expanded."""
    issues = []
    if len(f.parts) > 1 and expanded_size(f.parts, macros) > MAX_VALUE:
        issues.append(too_big(path, f, key, f"'{f.name}'"))
    for part in f.parts:
        if part.kind == "macro" and part.text.lower() not in macros:
            issues.append(
                Issue(
                    path,
                    f.value_pos.line,
                    f.value_pos.col,
                    Level.ERROR,
                    "undefined-macro",
                    key,
                    f"macro '{part.text}' in '{f.name}' is not defined",
                    "define it with @string or put the value in braces",
                )
            )
    return issues
