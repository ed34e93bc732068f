"""Reading and writing .bib files: the only module that talks to bibtexparser.

bibtexparser 2 splits the file into blocks (entries, `@string`, `@preamble`, comments, failed blocks). It is lenient
where BibTeX is not: it merges two fields when a comma is missing, reads a `%` line inside an entry as part of a field
name, drops an entry that repeats a field and accepts keys with spaces. So every entry block is scanned again
(`refkb.bibscan`) with positions, which finds those defects and gives each field and value its 1-based line and
column; @string macros are expanded and checked by `refkb.bibmacros`.

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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import bibtexparser
from bibtexparser import model as bp
from bibtexparser.middlewares.names import InvalidNameError, parse_single_name_into_parts, split_multiple_persons_names

from . import bibmacros, bibmemo, bibscan, children, guard
from .bibscan import Block, Located, Scan, ScannedField
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

_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_BRACE_UNSAFE = re.compile(r"\\(?:[{}]|\Z)")
MAX_BYTES = 64 * 1024 * 1024  # a generous limit for one .bib file


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


def parser_version() -> str:
    """bibtexparser's version: what a cache of findings read through it depends on."""
    return f"bibtexparser {getattr(bibtexparser, '__version__', '')}"


def parse_text(
    text: str,
    path: str,
    macros: Mapping[str, str] | None = None,
    parallel_from: int | None = None,
    cores: int | None = None,
    memo: bibmemo.BlockMemo | None = None,
) -> BibFile:
    """Parse a .bib file's text into a `BibFile`; syntax problems are in `BibFile.issues`. `macros` are @string
    definitions read before this file (another file of the same bibliography, e.g. an abbreviations file). With a
    `memo` of the file's last read, only what changed since is split and scanned (the result is the same; the file
    is read in one process)."""
    text = newlines(text)
    if len(text) > MAX_BYTES:
        return BibFile(path, "", (), (), (), (), (_too_large(path),))
    with no_gc(), _quiet_bibtexparser():
        return _parse_text(text, path, macros or {}, parallel_from, cores, memo)


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


def _split(text: str, line_offset: int = 0) -> list[Block]:
    library = bibtexparser.parse_string(text, parse_stack=[])  # type: ignore[attr-defined]
    out = []
    for b in library.blocks:
        if isinstance(b, bp.ImplicitComment):
            continue
        if isinstance(b, bp.ExplicitComment) and bibscan.block_type(b.raw or "") == "comment":
            continue  # `@comment{...}` is text between blocks; `@commentary{k, ...}` is an entry for BibTeX
        kind = _kind(b)  # a duplicate key is an entry here (refkb reports it): no error, as in one read
        error = str(getattr(b, "error", "")) if kind == "failed" else ""
        out.append(Block(kind, b.raw or "", (b.start_line or 0) + line_offset, error))
    return out


def _split_half(text: str) -> list[Block] | None:
    with no_gc(), _quiet_bibtexparser():
        return _split(text)


def split_blocks(text: str, parallel_from: int | None = None, cores: int | None = None) -> list[Block]:
    """bibtexparser's blocks of `text`. A large file on a machine with two cores is read in two halves at once, cut
    at a line that starts with '@' near the middle; the halves' blocks are the whole file's when the first half's
    last block closed before the cut (the splitter reads on from a closed block as from the start of a text), and
    otherwise the file is read again in one piece."""
    two = (cores if cores is not None else os.cpu_count() or 1) > 1
    big = len(text) >= (PARALLEL_FROM if parallel_from is None else parallel_from)
    cut = text.find("\n@", len(text) // 2) + 1 if two and big else 0
    if cut <= 0:
        return _split(text)
    with children.pool(1, "fork") as pool:
        first_half = pool.submit(_split_half, text[:cut])
        second = _split(text[cut:], text.count("\n", 0, cut))
        try:
            first = first_half.result()
        except Exception:  # the child could not send its blocks back: read the file in one piece
            first = None
    if first is None or (first and first[-1].kind == "failed"):
        return _split(text)
    return first + second


def _parse_text(
    text: str,
    path: str,
    outer: Mapping[str, str],
    parallel_from: int | None = None,
    cores: int | None = None,
    memo: bibmemo.BlockMemo | None = None,
) -> BibFile:
    lines = LineIndex(text)
    if memo is None:
        located = _locate(text, lines, split_blocks(text, parallel_from, cores), _scan)
    else:
        located = _locate(text, lines, memo.blocks(text, _split), memo.scan)
    macros: dict[str, str] = {**MONTHS, **outer}
    issues = bibmacros.read_strings(located, lines, path, macros)
    entries: list[Entry] = []
    directives: list[Directive] = []
    header: list[str] = []
    prev_end = 0
    for n, loc in enumerate(located):
        raw, offset, scan = loc.block.raw, loc.offset, loc.scan
        bibscan.stray_control(text, prev_end, offset, lines, path, issues)
        bibscan.stray_bom(text, prev_end, offset, lines, path, issues)
        paragraphs = _comments(text[prev_end:offset])
        if n == 0 and paragraphs:
            opening = _opening(text[prev_end:offset], paragraphs)
            header, paragraphs = opening.header, opening.comments
        bibscan.stray_at(text, prev_end, offset, lines, path, issues)
        prev_end = offset + len(raw)
        if scan is None:
            directives.append(Directive("preamble", raw, lines.pos(offset), (), tuple(paragraphs)))
            continue
        issues.extend(_block_issues(loc, scan, lines, path))
        fields = tuple(_entry_field(loc, f, lines, macros) for f in scan.fields)
        if scan.type == "string":
            directives.append(Directive("string", raw, lines.pos(offset), fields, tuple(paragraphs)))
            continue
        issues.extend(_field_issues(fields, scan.key, macros, path))
        entries.append(
            Entry(scan.type, scan.key, fields, offset, offset + scan.key_offset, raw, lines, tuple(paragraphs))
        )
    bibscan.stray_at(text, prev_end, len(text), lines, path, issues)
    bibscan.stray_control(text, prev_end, len(text), lines, path, issues)
    bibscan.stray_bom(text, prev_end, len(text), lines, path, issues)
    trailer = _comments(text[prev_end:])
    if not located:
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


def _scan(raw: str, has_key: bool) -> Scan:
    return bibscan.Scanner(raw, has_key).scan()


def _locate(text: str, lines: LineIndex, blocks: Sequence[Block], scan: Callable[[str, bool], Scan]) -> list[Located]:
    """Each block found in the text and scanned. Located by position: from the block's line, and never before the
    end of the block before it, so that two identical blocks (even on one line) are two blocks."""
    out = []
    cursor = 0
    for block in blocks:
        raw = block.raw
        offset = _find_block(text, raw, lines.starts[min(block.start_line, len(lines.starts) - 1)], cursor)
        cursor = offset + len(raw)
        # bibtexparser takes every `@string...` for @string and `@preamble...` for @preamble; BibTeX reads
        # `@stringx{k, ...}` and `@preamblex{k, ...}` as entries (the name must be the directive's, whole)
        etype = bibscan.block_type(raw)
        scanned: Scan | None = None
        if etype != "preamble" or block.kind != "preamble":
            scanned = scan(raw, etype != "string")
        out.append(Located(block, offset, scanned))
    return out


def _find_block(text: str, raw: str, line_start: int, cursor: int) -> int:
    """Where a block's text starts: from its line, and never before the end of the block before it. A block that
    bibtexparser aborted ends past the '@' that starts the next (`@{@{` is `@{@` then `@{`): then the next block
    starts inside the one before it, at its last occurrence there. Always a place inside the text."""
    offset = text.find(raw, max(line_start, cursor))
    if offset < 0:
        offset = text.find(raw, cursor)
    if offset < 0:
        offset = text.rfind(raw, 0, cursor + len(raw) - 1)
    return offset if offset >= 0 else max(0, min(cursor, len(text) - len(raw)))


@dataclass(frozen=True)
class _Opening:
    """The comments before the first block: the file's header, and those that belong to the block."""

    header: list[str]
    comments: list[str]


def _opening(gap: str, paragraphs: list[str]) -> _Opening:
    """The last paragraph before the first block belongs to the block when it sits right above it (no blank line
    between); the others are the file's header."""
    attached_last = not re.search(r"\n[ \t]*\n[ \t]*$", gap)
    if attached_last:
        return _Opening(paragraphs[:-1], paragraphs[-1:])
    return _Opening(paragraphs, [])


def _block_issues(loc: Located, scan: Scan, lines: LineIndex, path: str) -> list[Issue]:
    """What the scanner found in a block, control characters in its field names, and why bibtexparser could not
    read it when the scanner found nothing."""
    issues = []
    for problem in scan.problems:
        p = lines.pos(loc.offset + problem.at)
        issues.append(Issue(path, p.line, p.col, Level.ERROR, problem.code, scan.key, problem.message, problem.fix))
    for f in scan.fields:
        bad = bibscan.CONTROL.search(f.name)
        if bad:
            p = lines.pos(loc.offset + f.name_at + bad.start())
            issues.append(
                Issue(
                    path,
                    p.line,
                    p.col,
                    Level.ERROR,
                    "control-character",
                    scan.key,
                    f"the field name {f.name!r} holds a control character (U+{ord(bad.group(0)):04X})",
                    "retype the field name",
                )
            )
    if loc.block.kind == "failed" and not scan.problems:
        reason = loc.block.error or "BibTeX cannot read this block"
        pos = lines.pos(loc.offset)
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
    return issues


def _entry_field(loc: Located, f: ScannedField, lines: LineIndex, macros: Mapping[str, str]) -> Field:
    parts = f.parts
    value = parts[0].text if len(parts) == 1 and parts[0].kind != "macro" else bibmacros.join(parts, macros)
    raw = loc.block.raw[f.value_at : f.value_end]
    return Field(f.name, raw, parts, value, loc.offset + f.name_at, loc.offset + f.value_at, lines)


def _field_issues(fields: Sequence[Field], key: str, macros: Mapping[str, str], path: str) -> list[Issue]:
    """An entry's repeated fields and the problems of its macros."""
    if len({f.name for f in fields}) == len(fields) and not any(p.kind == "macro" for f in fields for p in f.parts):
        return []  # the usual case: no repeated field, no macro to check
    issues = []
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
                    key,
                    f"field '{f.name}' appears twice (first on line {seen[f.name].pos.line})",
                    "keep one of the two values",
                )
            )
        else:
            seen[f.name] = f
        issues.extend(bibmacros.use_issues(f, key, macros, path))
    return issues


def read(
    path: str | os.PathLike[str],
    display: str | None = None,
    macros: Mapping[str, str] | None = None,
    memo: bibmemo.BlockMemo | None = None,
) -> BibFile:
    """Read and parse a .bib file (with @string `macros` from files read before it; with the `memo` of its last
    read, see `parse_text`). Raises OSError when it cannot be read."""
    shown = display if display is not None else str(path)
    guard.note(shown)
    p = Path(path)
    if p.stat().st_size > MAX_BYTES:
        return BibFile(shown, "", (), (), (), (), (_too_large(shown),))
    data = p.read_bytes()
    text, problem = decode(data, shown)
    if problem is not None:
        return BibFile(shown, "", (), (), (), (), (problem,))
    return parse_text(text, shown, macros, memo=memo)


def read_set(
    paths: Sequence[str | os.PathLike[str]],
    display: Sequence[str] | None = None,
    reader: bibmemo.Reader | None = None,
) -> list[BibFile]:
    """Several files of one bibliography, read in order as BibTeX does: each file sees the @string macros of the
    files before it (e.g. `abbrv.bib` then `refs.bib`). A `reader` keeps what each file's read made for the next
    read (`refkb.bibmemo`)."""
    out: list[BibFile] = []
    macros: dict[str, str] = {}
    for i, path in enumerate(paths):
        memo = reader.memo(str(path)) if reader is not None else None
        bib = read(path, display[i] if display else None, macros, memo)
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
