"""Reading and writing .bib files: the only module that talks to bibtexparser.

bibtexparser 2 splits the file into blocks (entries, `@string`, `@preamble`, comments, failed blocks). It is lenient
where BibTeX is not: it merges two fields when a comma is missing, reads a `%` line inside an entry as part of a field
name, drops an entry that repeats a field and accepts keys with spaces. So every entry block is scanned again here
with positions, which finds those defects and gives each field and value its 1-based line and column.

The canonical writer is ours rather than bibtexparser's: its writer turns failed blocks into warning comments (not
idempotent), expands or re-delimits values depending on middleware, and has no notion of a comment belonging to the
entry below it. Ours is a few lines and keeps every byte of meaning.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import bibtexparser
from bibtexparser import model as bp
from bibtexparser.middlewares.names import InvalidNameError, parse_single_name_into_parts, split_multiple_persons_names

from . import children, guard
from .model import BibFile, Directive, Entry, Field, Issue, Level, LineIndex, ValuePart

MONTHS = {
    "jan": "January",
    "feb": "February",
    "mar": "March",
    "apr": "April",
    "may": "May",
    "jun": "June",
    "jul": "July",
    "aug": "August",
    "sep": "September",
    "oct": "October",
    "nov": "November",
    "dec": "December",
}

# Characters BibTeX does not allow in a field name, macro name or entry type.
_NAME = re.compile(r"""[^\s"#%'(),={}]+""")
_WS = re.compile(r"\s*")
_BRACE = re.compile(r"[{}]")
_QUOTE_OR_BRACE = re.compile(r'[{}"]')
_NUMBER = re.compile(r"[0-9]+")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_KEY = re.compile(r"[^,\s{}()]*")
# One well-formed `name = value,` with a single braced (nesting up to three levels), quoted, numeric or macro value.
# Most real fields match it; anything else (missing comma, `%` line, `#`, deep nesting) takes the careful path.
_FAST_FIELD = re.compile(
    r"""\s*([^\s"#%'(),={}]+)\s*=\s*"""
    r"""(\{((?:[^{}]++|\{(?:[^{}]++|\{[^{}]*+\})*+\})*+)\}|"([^"{}]*+)"|([0-9]++)|([^\s"#%'(),={}0-9][^\s"#%'(),={}]*+))"""
    r"""\s*(,|(?=[})]))"""
)
_FAST_END = re.compile(r"\s*[})]")
_SWALLOWED_FIELD = re.compile(r"""\n[ \t]*[^\s"#%'(),={}]+[ \t]*=[ \t]*[{"0-9]""")
# Control characters BibTeX has no use for, anywhere in the file (tab, LF and form feed are white space).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_BRACE_UNSAFE = re.compile(r"\\(?:[{}]|\Z)")
MAX_BYTES = 64 * 1024 * 1024  # a generous limit for one .bib file
MAX_VALUE = 100_000  # characters of one value once its @string macros are expanded
# Text between blocks that BibTeX would read as the start of an entry: `@type` at a line's start without `{`.
_STRAY_AT = re.compile(r"^[^\S\n\r]*@[A-Za-z]+\b(?![^\S\n\r]*[{(])", re.M)  # any blank before: \f too


@dataclass(frozen=True)
class _Scan:
    type: str
    key: str
    key_offset: int
    fields: tuple[tuple[str, int, int, int, tuple[ValuePart, ...]], ...]  # name, name_at, value_at, value_end, parts
    problems: tuple[tuple[int, str, str, str], ...]  # offset, code, message, fix


class _Scanner:
    """Scans one `@type{key, name = value, ...}` block (or `@string{name = value}`) and notes what BibTeX rejects."""

    def __init__(self, raw: str, has_key: bool) -> None:
        self.raw = raw
        self.i = 0
        self.problems: list[tuple[int, str, str, str]] = []
        self.has_key = has_key

    def problem(self, at: int, code: str, message: str, fix: str) -> None:
        self.problems.append((at, code, message, fix))

    def ws(self) -> None:
        """Skip white space; a `%` at the start of a field position is a line BibTeX would read as text."""
        raw = self.raw
        while True:
            m = _WS.match(raw, self.i)
            assert m is not None
            self.i = m.end()
            if self.i < len(raw) and raw[self.i] == "%":
                end = raw.find("\n", self.i)
                end = len(raw) if end < 0 else end
                self.problem(
                    self.i,
                    "percent-in-entry",
                    "a '%' line inside an entry is not a comment for BibTeX: it is read as part of the next field",
                    "move the comment above the entry or delete it",
                )
                self.i = end
                continue
            return

    def scan(self) -> _Scan:
        raw = self.raw
        m = _NAME.match(raw, 1)
        etype = m.group(0).lower() if m else ""
        self.i = m.end() if m else 1
        self.ws()
        closer = {"{": "}", "(": ")"}.get(raw[self.i : self.i + 1], "")
        if not closer:
            self.problem(self.i, "syntax-error", f"expected '{{' after '@{etype}'", "write '@type{key, ...}'")
            return _Scan(etype, "", self.i, (), tuple(self.problems))
        self.i += 1
        key, key_at = "", self.i
        if self.has_key:
            self.ws()
            key_at = self.i
            km = _KEY.match(raw, self.i)
            assert km is not None
            key = km.group(0)
            self.i = km.end()
            self.ws()
            nxt = raw[self.i : self.i + 1]
            if nxt == "=":
                self.problem(key_at, "missing-key", "the entry has no key", "add a key before the first field")
                self.i = key_at
            elif nxt not in (",", closer):
                self.problem(
                    key_at,
                    "invalid-key",
                    f"BibTeX would reject the key {raw[key_at : self.i + 1].strip()!r}",
                    "a key has no spaces, braces or commas; use letters, digits and hyphens",
                )
                comma = raw.find(",", self.i)
                self.i = comma if comma >= 0 else len(raw)
            if raw[self.i : self.i + 1] == ",":
                self.i += 1
        fields = self.fields(closer)
        return _Scan(etype, key, key_at, fields, tuple(self.problems))

    def fields(self, closer: str) -> tuple[tuple[str, int, int, int, tuple[ValuePart, ...]], ...]:
        fast = self.fast_fields()
        return fast if fast is not None else self.careful_fields(closer)

    def fast_fields(self) -> tuple[tuple[str, int, int, int, tuple[ValuePart, ...]], ...] | None:
        raw, i = self.raw, self.i
        out: list[tuple[str, int, int, int, tuple[ValuePart, ...]]] = []
        match = _FAST_FIELD.match
        while True:
            m = match(raw, i)
            if m is None:
                end = _FAST_END.match(raw, i)
                if end is None or end.end() != len(raw):
                    return None
                self.i = end.end() - 1
                return tuple(out)
            name, _, braced, quoted, number, macro, comma = m.groups()
            if braced is not None:
                part = ValuePart("brace", braced)
            elif quoted is not None:
                part = ValuePart("quote", quoted)
            elif number is not None:
                part = ValuePart("number", number)
            else:
                part = ValuePart("macro", macro)
            i = m.end()
            if not comma and _FAST_END.match(raw, i) is None:
                return None
            if part.text.endswith("\\") and part.kind in ("brace", "quote"):
                return None  # the careful path reports it
            out.append((name.lower(), m.start(1), m.start(2), m.end(2), (part,)))

    def careful_fields(self, closer: str) -> tuple[tuple[str, int, int, int, tuple[ValuePart, ...]], ...]:
        raw = self.raw
        out: list[tuple[str, int, int, int, tuple[ValuePart, ...]]] = []
        seen_comma = True
        while True:
            self.ws()
            if self.i >= len(raw):
                self.unclosed(out, closer)
                return tuple(out)
            ch = raw[self.i]
            if ch == closer:
                return tuple(out)
            if ch == ",":
                self.problem(self.i, "syntax-error", "two commas in a row", "delete one comma")
                self.i += 1
                continue
            m = _NAME.match(raw, self.i)
            if not m:
                self.problem(
                    self.i,
                    "syntax-error",
                    f"unexpected {ch!r} where a field name should be",
                    "remove the stray character",
                )
                self.i += 1
                continue
            name_at = self.i
            if not seen_comma and out:
                end = out[-1][3]
                self.problem(
                    end,
                    "missing-comma",
                    f"no comma between '{out[-1][0]}' and '{m.group(0).lower()}'",
                    f"add ',' after the value of '{out[-1][0]}'",
                )
            self.i = m.end()
            self.ws()
            if raw[self.i : self.i + 1] != "=":
                self.problem(
                    name_at, "syntax-error", f"expected '=' after field name {m.group(0)!r}", "write 'name = {value}'"
                )
                nl = raw.find("\n", self.i)
                self.i = len(raw) if nl < 0 else nl
                seen_comma = True
                continue
            self.i += 1
            self.ws()
            value_at = self.i
            parts = self.value(closer)
            out.append((m.group(0).lower(), name_at, value_at, self.i, parts))
            self.ws()
            seen_comma = raw[self.i : self.i + 1] == ","
            if seen_comma:
                self.i += 1

    def unclosed(self, fields: list[tuple[str, int, int, int, tuple[ValuePart, ...]]], closer: str) -> None:
        """The entry ran to its end without closing. Usually a value's brace was never closed and swallowed the
        fields after it (and the entry's own closing brace): point at that value when one holds `name = {`."""
        for name, _, value_at, value_end, _ in fields:
            if _SWALLOWED_FIELD.search(self.raw, value_at, value_end):
                self.problem(
                    value_at,
                    "unclosed-brace",
                    f"the value of '{name}' is never closed: it runs on into the fields below",
                    "add the matching '}' at the end of the value",
                )
                return
        self.problem(len(self.raw) - 1, "unclosed-entry", "the entry is not closed", f"add '{closer}'")

    def value(self, closer: str) -> tuple[ValuePart, ...]:
        raw = self.raw
        parts: list[ValuePart] = []
        while True:
            ch = raw[self.i : self.i + 1]
            start = self.i
            if ch == "{":
                end = self._braced(start)
                parts.append(ValuePart("brace", raw[start + 1 : end]))
                self.i = end + 1
                self._trailing_backslash(start, parts[-1])
            elif ch == '"':
                end = self._quoted(start)
                parts.append(ValuePart("quote", raw[start + 1 : end]))
                self.i = end + 1
                self._trailing_backslash(start, parts[-1])
            elif ch and ch.isdigit():
                nm = _NUMBER.match(raw, start)
                assert nm is not None
                parts.append(ValuePart("number", nm.group(0)))
                self.i = nm.end()
                tail = _NAME.match(raw, self.i)
                if tail:  # 2020a: BibTeX reads a number, then stumbles on the letters
                    self.problem(
                        start, "syntax-error", f"unquoted value {raw[start : tail.end()]!r}", "put the value in braces"
                    )
                    self.i = tail.end()
            else:
                nm = _NAME.match(raw, start)
                if not nm:
                    self.problem(start, "syntax-error", "a field has no value", "write 'name = {value}'")
                    return tuple(parts)
                parts.append(ValuePart("macro", nm.group(0)))
                self.i = nm.end()
            m = _WS.match(raw, self.i)
            assert m is not None
            if raw[m.end() : m.end() + 1] == "#":
                self.i = m.end() + 1
                self.ws()
                continue
            return tuple(parts)

    def _trailing_backslash(self, start: int, part: ValuePart) -> None:
        if part.text.endswith("\\"):
            self.problem(
                start,
                "syntax-error",
                "the value ends with a backslash, which bibtexparser and biber read as escaping the delimiter",
                "write {\\textbackslash} for a backslash, or remove it",
            )

    def _braced(self, start: int) -> int:
        depth = 0
        raw = self.raw
        for m in _BRACE.finditer(raw, start):
            depth += 1 if m.group(0) == "{" else -1
            if depth == 0:
                return m.start()
        self.problem(start, "unclosed-brace", "this brace is never closed", "add the matching '}'")
        return len(raw) - 1 if raw.endswith(("}", ")")) else len(raw)

    def _quoted(self, start: int) -> int:
        depth = 0
        raw = self.raw
        unbalanced_at = -1
        for m in _QUOTE_OR_BRACE.finditer(raw, start + 1):
            c = m.group(0)
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth < 0 and unbalanced_at < 0:
                    unbalanced_at = m.start()
                    depth = 0
            elif depth == 0:
                if unbalanced_at >= 0:
                    self.problem(
                        unbalanced_at,
                        "unbalanced-braces",
                        "a '}' without its '{' inside a value",
                        "balance the braces or escape them as \\{ \\}",
                    )
                return m.start()
        self.problem(start, "unclosed-quote", "this quote is never closed", "add the closing '\"'")
        return len(raw) - 1 if raw.endswith(("}", ")")) else len(raw)


def decode(data: bytes, path: str) -> tuple[str, Issue | None]:
    """Decode UTF-8 (a BOM is fine); on failure, an Issue at the first bad byte."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = data[: exc.start]
        line = good.count(b"\n") + 1
        col = len(good[good.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
        return "", Issue(
            path,
            line,
            col,
            Level.ERROR,
            "encoding-not-utf8",
            "",
            f"byte 0x{data[exc.start]:02x} is not valid UTF-8",
            "save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8)",
        )
    return newlines(text), None


def newlines(text: str) -> str:
    """CRLF and lone CR as LF: one line ending everywhere, so that positions and `format --check` agree."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def _expanded_size(parts: Sequence[ValuePart], macros: Mapping[str, str]) -> int:
    return sum(len(macros.get(p.text.lower(), p.text)) if p.kind == "macro" else len(p.text) for p in parts)


def _join(parts: Sequence[ValuePart], macros: Mapping[str, str]) -> str:
    if len(parts) == 1 and parts[0].kind != "macro":
        return parts[0].text
    if _expanded_size(parts, macros) > MAX_VALUE:
        return ""  # reported as macro-too-large where the value is read
    out = []
    for p in parts:
        out.append(macros.get(p.text.lower(), p.text) if p.kind == "macro" else p.text)
    return "".join(out)


def _comments(gap: str) -> list[str]:
    """Paragraphs of comment text in the space between two blocks (lines right-stripped)."""
    text = "\n".join(line.rstrip() for line in gap.strip("\n").split("\n")).strip()
    return [p.strip("\n") for p in _BLANK_LINE.split(text) if p.strip()] if text else []


_ENTRY_BLOCKS = (bp.Entry, bp.DuplicateBlockKeyBlock, bp.DuplicateFieldKeyBlock)


@contextlib.contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector: a parse makes ~15 acyclic objects per field, and the collector's passes
    over them cost more than the parse itself (measured: 2.9 s instead of 1.35 s for 10,000 entries)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Captured(logging.Handler):
    """bibtexparser logs its own complaints (0-based lines, thousands on one bad input): they are kept here, never
    printed. Every defect they describe is found again, with its 1-based position, by the scanner."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.records += 1


@contextlib.contextmanager
def _quiet_bibtexparser() -> Iterator[_Captured]:
    logger = logging.getLogger("bibtexparser")
    handler = _Captured()
    old = (logger.handlers[:], logger.propagate)
    logger.handlers = [handler]
    logger.propagate = False
    try:
        yield handler
    finally:
        logger.handlers, logger.propagate = old


def parse_text(
    text: str,
    path: str,
    macros: Mapping[str, str] | None = None,
    parallel_from: int | None = None,
    cores: int | None = None,
) -> BibFile:
    """Parse a .bib file's text into a `BibFile`; syntax problems are in `BibFile.issues`. `macros` are @string
    definitions read before this file (another file of the same bibliography, e.g. an abbreviations file)."""
    text = newlines(text)
    if len(text) > MAX_BYTES:
        return BibFile(path, "", (), (), (), (), (_too_large(path),))
    with no_gc(), _quiet_bibtexparser():
        return _parse_text(text, path, macros or {}, parallel_from, cores)


def _too_large(path: str) -> Issue:
    return Issue(
        path,
        1,
        1,
        Level.ERROR,
        "input-too-large",
        "",
        f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB",
        "split the bibliography into several files",
    )


def _string_references(scanned: list[tuple[_Block, str, int, _Scan | None]]) -> dict[str, set[str]]:
    """Every @string name with the macro names its value uses (for cycle detection)."""
    graph: dict[str, set[str]] = {}
    for _, _, _, scan in scanned:
        if scan is not None and scan.type == "string":
            for name, _, _, _, parts in scan.fields:
                graph.setdefault(name, set()).update(p.text.lower() for p in parts if p.kind == "macro")
    return graph


def _cycle(graph: dict[str, set[str]], start: str, first: str) -> list[str]:
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


# What refkb takes from bibtexparser's splitter for each block: its kind, its text and its (0-based) first line, and
# for a block that failed, why.
_Block = tuple[str, str, int, str]
PARALLEL_FROM = 1_500_000  # characters: a larger file is split in two halves, read by two processes


def _kind(block: bp.Block) -> str:
    if isinstance(block, _ENTRY_BLOCKS):
        return "entry"
    if isinstance(block, bp.ParsingFailedBlock):
        return "failed"
    if isinstance(block, bp.String):
        return "string"
    if isinstance(block, bp.Preamble):
        return "preamble"
    return "entry"


def _split(text: str, line_offset: int = 0) -> list[_Block]:
    library = bibtexparser.parse_string(text, parse_stack=[])  # type: ignore[attr-defined]
    out = []
    for b in library.blocks:
        if not isinstance(b, bp.ImplicitComment | bp.ExplicitComment):
            kind = _kind(b)  # a duplicate key is an entry here (refkb reports it): no error, as in one read
            error = str(getattr(b, "error", "")) if kind == "failed" else ""
            out.append((kind, b.raw or "", (b.start_line or 0) + line_offset, error))
    return out


def _split_half(text: str) -> list[_Block] | None:
    with no_gc(), _quiet_bibtexparser():
        return _split(text)


def split_blocks(text: str, parallel_from: int | None = None, cores: int | None = None) -> list[_Block]:
    """bibtexparser's blocks of `text`. A large file on a machine with two cores is read in two halves at once, cut
    at a line that starts with '@' near the middle; the halves' blocks are the whole file's when the first half's
    last block closed before the cut (the splitter reads on from a closed block as from the start of a text), and
    otherwise the file is read again in one piece."""
    two = (cores if cores is not None else os.cpu_count() or 1) > 1
    big = len(text) >= (PARALLEL_FROM if parallel_from is None else parallel_from)
    cut = text.find("\n@", len(text) // 2) + 1 if two and big else 0
    if cut <= 0:
        return _split(text)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(
        1, mp_context=multiprocessing.get_context("fork"), initializer=children.die_with_parent, initargs=(os.getpid(),)
    ) as pool:
        first_half = pool.submit(_split_half, text[:cut])
        second = _split(text[cut:], text.count("\n", 0, cut))
        try:
            first = first_half.result()
        except Exception:  # the child could not send its blocks back: read the file in one piece
            first = None
    if first is None or (first and first[-1][0] == "failed"):
        return _split(text)
    return first + second


def _parse_text(
    text: str, path: str, outer: Mapping[str, str], parallel_from: int | None = None, cores: int | None = None
) -> BibFile:
    lines = LineIndex(text)
    blocks = split_blocks(text, parallel_from, cores)
    issues: list[Issue] = []
    scanned: list[tuple[_Block, str, int, _Scan | None]] = []
    macros: dict[str, str] = {**MONTHS, **outer}
    macro_fields: dict[str, Field] = {}
    cursor = 0
    for kind, raw, start_line, error in blocks:
        # Located by position: from the block's line, and never before the end of the block before it, so that two
        # identical blocks (even on one line) are two blocks.
        line_start = lines.starts[min(start_line, len(lines.starts) - 1)]
        offset = text.find(raw, max(line_start, cursor))
        if offset < 0:
            offset = text.find(raw, cursor)
        if offset < 0:
            offset = cursor
        cursor = offset + len(raw)
        is_string = kind == "string" or raw[1:8].lower().startswith("string")
        is_preamble = kind == "preamble"
        scan = None if is_preamble else _Scanner(raw, has_key=not is_string).scan()
        scanned.append(((kind, raw, start_line, error), raw, offset, scan))
    graph = _string_references(scanned)
    for _block, raw, offset, scan in scanned:
        if scan is not None and scan.type == "string":
            for name, name_at, value_at, value_end, parts in scan.fields:
                fld = _field(raw, offset, lines, name, name_at, value_at, value_end, parts, macros)
                for part in parts:
                    ref = part.text.lower()
                    if part.kind != "macro" or ref in macros:
                        continue
                    loop = _cycle(graph, name, ref)
                    later = ref in graph
                    code = "macro-cycle" if loop else "undefined-macro"
                    message = (
                        f"@string {name} is defined through itself ({' -> '.join(loop)})"
                        if loop
                        else f"@string {name} uses '{part.text}', defined only further down (BibTeX reads in order)"
                        if later
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
                if _expanded_size(parts, macros) > MAX_VALUE:
                    issues.append(_too_big(path, fld, "", f"@string {name}"))
                if name in macro_fields:
                    issues.append(
                        Issue(
                            path,
                            fld.pos.line,
                            fld.pos.col,
                            Level.WARNING,
                            "duplicate-macro",
                            "",
                            f"@string {name} is defined twice (first on line {macro_fields[name].pos.line})",
                            "keep one definition",
                        )
                    )
                macro_fields[name] = fld
                macros[name] = fld.value

    entries: list[Entry] = []
    directives: list[Directive] = []
    header: list[str] = []
    prev_end = 0
    for n, (block, raw, offset, scan) in enumerate(scanned):
        _stray_control(text, prev_end, offset, lines, path, issues)
        paragraphs = _comments(text[prev_end:offset])
        if n == 0 and paragraphs:
            gap = text[prev_end:offset]
            attached_last = not re.search(r"\n[ \t]*\n[ \t]*$", gap)
            header = paragraphs[:-1] if attached_last else paragraphs
            paragraphs = paragraphs[-1:] if attached_last else []
        _stray_at(text, prev_end, offset, lines, path, issues)
        prev_end = offset + len(raw)
        if scan is None:
            directives.append(Directive("preamble", raw, lines.pos(offset), (), tuple(paragraphs)))
            continue
        for at, code, message, fix in scan.problems:
            p = lines.pos(offset + at)
            issues.append(Issue(path, p.line, p.col, Level.ERROR, code, scan.key, message, fix))
        for name, name_at, _, _, _ in scan.fields:
            bad = _CONTROL.search(name)
            if bad:
                p = lines.pos(offset + name_at + bad.start())
                issues.append(
                    Issue(
                        path,
                        p.line,
                        p.col,
                        Level.ERROR,
                        "control-character",
                        scan.key,
                        f"the field name {name!r} holds a control character (U+{ord(bad.group(0)):04X})",
                        "retype the field name",
                    )
                )
        if block[0] == "failed" and not scan.problems:
            reason = block[3] or "BibTeX cannot read this block"
            pos = lines.pos(offset)
            issues.append(
                Issue(
                    path,
                    pos.line,
                    pos.col,
                    Level.ERROR,
                    "syntax-error",
                    scan.key,
                    reason.splitlines()[0][:200],
                    "check the braces, quotes and commas of this block",
                )
            )
        fields = tuple(
            Field(
                name,
                raw[value_at:value_end],
                parts,
                parts[0].text if len(parts) == 1 and parts[0].kind != "macro" else _join(parts, macros),
                offset + name_at,
                offset + value_at,
                lines,
            )
            for name, name_at, value_at, value_end, parts in scan.fields
        )
        if scan.type == "string":
            directives.append(Directive("string", raw, lines.pos(offset), fields, tuple(paragraphs)))
            continue
        if len({f.name for f in fields}) == len(fields) and not any(
            p.kind == "macro" for f in fields for p in f.parts
        ):  # the usual case: no repeated field, no macro to check
            entries.append(
                Entry(scan.type, scan.key, fields, offset, offset + scan.key_offset, raw, lines, tuple(paragraphs))
            )
            continue
        seen: dict[str, Field] = {}
        for f in fields:
            if f.name in seen:
                issues.append(
                    Issue(
                        path,
                        f.pos.line,
                        f.pos.col,
                        Level.ERROR,
                        "duplicate-field",
                        scan.key,
                        f"field '{f.name}' appears twice (first on line {seen[f.name].pos.line})",
                        "keep one of the two values",
                    )
                )
            else:
                seen[f.name] = f
            if len(f.parts) > 1 and _expanded_size(f.parts, macros) > MAX_VALUE:
                issues.append(_too_big(path, f, scan.key, f"'{f.name}'"))
            for part in f.parts:
                if part.kind == "macro" and part.text.lower() not in macros:
                    issues.append(
                        Issue(
                            path,
                            f.value_pos.line,
                            f.value_pos.col,
                            Level.ERROR,
                            "undefined-macro",
                            scan.key,
                            f"macro '{part.text}' in '{f.name}' is not defined",
                            "define it with @string or put the value in braces",
                        )
                    )
        entries.append(
            Entry(scan.type, scan.key, fields, offset, offset + scan.key_offset, raw, lines, tuple(paragraphs))
        )
    _stray_at(text, prev_end, len(text), lines, path, issues)
    _stray_control(text, prev_end, len(text), lines, path, issues)
    trailer = _comments(text[prev_end:])
    if not blocks:
        header, trailer = [], _comments(text)
    return BibFile(
        path,
        text,
        tuple(entries),
        tuple(directives),
        tuple(header),
        tuple(trailer),
        tuple(sorted(issues, key=Issue.sort_key)),
        macros,
    )


def _too_big(path: str, f: Field, key: str, what: str) -> Issue:
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


def _stray_control(text: str, start: int, end: int, lines: LineIndex, path: str, issues: list[Issue]) -> None:
    """Control characters (NUL runs, escapes) in the text between blocks: one error per run."""
    m = _CONTROL.search(text, start, end)
    while m is not None:
        p = lines.pos(m.start())
        run = m.start()
        while run < end and _CONTROL.match(text, run):
            run += 1
        issues.append(
            Issue(
                path,
                p.line,
                p.col,
                Level.ERROR,
                "control-character",
                "",
                f"{run - m.start()} control character(s) (U+{ord(m.group(0)):04X}) between entries",
                "delete them: the file is damaged or not a text file",
            )
        )
        m = _CONTROL.search(text, run, end)


_STRAY_AT_START = re.compile(r"[^\S\n\r]*@[A-Za-z]+\b(?![^\S\n\r]*[{(])")


def _stray_at(text: str, start: int, end: int, lines: LineIndex, path: str, issues: list[Issue]) -> None:
    """An `@word` with no '{' in the text between blocks, at a line's start or right after the block before it
    (`@preamble{x}@A`): BibTeX reads both as entries, and the formatter would put the second on a line of its own."""
    first = _STRAY_AT_START.match(text, start, end)
    found = [first] if first is not None and start > 0 and text[start - 1] not in "\n\r" else []
    for m in [*found, *_STRAY_AT.finditer(text, start, end)]:
        if m.group(0).strip().lower() in ("@comment", "@preamble", "@string"):
            continue
        p = lines.pos(m.start() + len(m.group(0)) - len(m.group(0).lstrip()))
        issues.append(
            Issue(
                path,
                p.line,
                p.col,
                Level.ERROR,
                "syntax-error",
                "",
                f"'{m.group(0).strip()}' is not followed by '{{': BibTeX cannot read this entry",
                "write '@type{key, ...}', or remove the '@' from a comment",
            )
        )


def _field(
    raw: str,
    base: int,
    lines: LineIndex,
    name: str,
    name_at: int,
    value_at: int,
    value_end: int,
    parts: tuple[ValuePart, ...],
    macros: Mapping[str, str],
) -> Field:
    return Field(
        name, raw[value_at:value_end].rstrip(), parts, _join(parts, macros), base + name_at, base + value_at, lines
    )


def read(path: str | os.PathLike[str], display: str | None = None, macros: Mapping[str, str] | None = None) -> BibFile:
    """Read and parse a .bib file (with @string `macros` from files read before it). Raises OSError when it cannot
    be read."""
    shown = display if display is not None else str(path)
    guard.note(shown)
    p = Path(path)
    if p.stat().st_size > MAX_BYTES:
        return BibFile(shown, "", (), (), (), (), (_too_large(shown),))
    data = p.read_bytes()
    text, problem = decode(data, shown)
    if problem is not None:
        return BibFile(shown, "", (), (), (), (), (problem,))
    return parse_text(text, shown, macros)


def read_set(paths: Sequence[str | os.PathLike[str]], display: Sequence[str] | None = None) -> list[BibFile]:
    """Several files of one bibliography, read in order as BibTeX does: each file sees the @string macros of the
    files before it (e.g. `abbrv.bib` then `refs.bib`)."""
    out: list[BibFile] = []
    macros: dict[str, str] = {}
    for i, path in enumerate(paths):
        bib = read(path, display[i] if display else None, macros)
        out.append(bib)
        macros.update({k: v for k, v in bib.macros.items() if k not in MONTHS or k in macros or v != MONTHS[k]})
    return out


# ---------------------------------------------------------------------------------------------------------------
# Canonical writing

FIELD_GROUPS: tuple[tuple[str, ...], ...] = (
    ("author", "editor", "translator", "bookauthor", "editora", "editorb", "editorc", "holder", "shortauthor"),
    ("title", "subtitle", "titleaddon", "shorttitle", "origtitle"),
    (
        "journaltitle",
        "journal",
        "journalsubtitle",
        "booktitle",
        "booksubtitle",
        "maintitle",
        "eventtitle",
        "series",
        "volume",
        "number",
        "issue",
        "eid",
        "chapter",
        "pages",
        "pagetotal",
        "edition",
        "type",
        "howpublished",
    ),
    ("publisher", "institution", "organization", "school", "location", "address", "venue"),
    ("date", "year", "month", "day", "origdate", "eventdate"),
    ("doi", "isbn", "issn", "eprint", "eprinttype", "eprintclass", "archiveprefix", "primaryclass", "pmid", "pmcid"),
    ("url", "urldate", "archiveurl"),
)
_RANK = {name: (g, i) for g, names in enumerate(FIELD_GROUPS) for i, name in enumerate(names)}
_REST = len(FIELD_GROUPS)


def field_order(name: str) -> tuple[int, int, str]:
    """Sort key: the fixed groups first, then every other field alphabetically."""
    g, i = _RANK.get(name, (_REST, 0))
    return (g, i, name)


def canonical_value(parts: Iterable[ValuePart]) -> str:
    """Braces as delimiters; numbers braced; macros kept; `#` between parts."""
    out = []
    for p in parts:
        if p.kind == "macro":
            out.append(p.text)
        elif p.kind == "quote" and _BRACE_UNSAFE.search(p.text):
            out.append('"' + p.text + '"')  # braced, a trailing '\\' or a '\\}' would read differently
        else:
            out.append("{" + p.text + "}")
    return " # ".join(out)


def entry_text(entry: Entry) -> str:
    """One entry in canonical form (no trailing newline)."""
    fields = sorted(entry.fields, key=lambda f: field_order(f.name))
    body = "".join(f"  {f.name} = {canonical_value(f.parts)},\n" for f in fields)
    return f"@{entry.type}{{{entry.key},\n{body}}}"


def _directive_text(d: Directive) -> str:
    if d.kind == "string" and d.fields:
        return "\n".join(f"@string{{{f.name} = {canonical_value(f.parts)}}}" for f in d.fields)
    return d.raw.strip()


def _with_comments(comments: Sequence[str], body: str) -> str:
    return "\n\n".join(comments) + "\n" + body if comments else body


def format_text(bib: BibFile) -> str:
    """The canonical text of a parsed file. Only meaningful when `bib` has no syntax errors."""
    chunks: list[str] = []
    if bib.header:
        chunks.append("\n\n".join(bib.header))
    for d in bib.directives:
        chunks.append(_with_comments(d.comments, _directive_text(d)))
    for e in sorted(bib.entries, key=lambda e: (e.key.lower(), e.key)):
        chunks.append(_with_comments(e.comments, entry_text(e)))
    if bib.trailer:
        chunks.append("\n\n".join(bib.trailer))
    return "\n\n".join(chunks) + "\n" if chunks else ""


def write_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write `text` to `path` (through symlinks) via a temp file in the same folder, fsync, then `os.replace`.
    Callers that read, decide and write hold `writes.lock(path)` around all three."""
    from . import writes

    writes.write_atomic(path, text)


# Names, as BibTeX reads them (bibtexparser's splitter: this module is the only one that imports bibtexparser).


@dataclass(frozen=True)
class NameParts:
    """One BibTeX name in its four parts (each a list of words)."""

    first: tuple[str, ...]
    von: tuple[str, ...]
    last: tuple[str, ...]
    jr: tuple[str, ...]


class BadName(ValueError):
    """A name BibTeX cannot read (unbalanced braces, too many commas)."""


def split_names(value: str) -> list[str]:
    """A name list ("A and B and {C and D}") split into its names, as BibTeX splits it."""
    return list(split_multiple_persons_names(value))


def name_parts(name: str) -> NameParts:
    """One name's parts; raises BadName when BibTeX cannot read it."""
    try:
        p = parse_single_name_into_parts(name)
    except InvalidNameError as exc:
        raise BadName(str(exc)) from None
    return NameParts(tuple(p.first), tuple(p.von), tuple(p.last), tuple(p.jr))
