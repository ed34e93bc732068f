"""Reading a .bib file again after an edit (`mkdocs serve`): what was split and scanned of its text last time is
kept, by text, so that a save that changed one entry splits and scans that entry alone.

bibtexparser's splitter ends every block, read or failed, at the latest where a line starts with a block's start
(`@type{` or `@type(` at a line's start: its `_BLOCK_START` mark, at which a block still open aborts). So the text
is cut into chunks at those lines, and a chunk's blocks are the whole text's, their lines moved by the chunk's
first line, when the chunk before it ended in a closed block: then the splitter reads on from the cut as from the
start of a text (the reasoning of `bibfile.split_blocks` for its two halves). A chunk whose last block failed may
have run on into the next chunk: it is read together with the next, until the last block of the piece read closed
(or the text ended). `tests/test_bibmemo.py` compares the blocks and the whole read with a fresh read after edits
of every kind, on the knowledge base's files and on real bibliographies.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .bibscan import Block, Scan, Scanner

_CUT = re.compile(r"^@\w*[ \t]*(?=[{(])", re.M)  # bibtexparser's block start, at a line's start
MAX_MERGED = 16  # chunks read together when their blocks keep failing: then the rest of the text in one piece

Split = Callable[[str], list[Block]]  # bibtexparser's blocks of a text, lines counted from its first


@dataclass(frozen=True)
class _Chunk:
    """A piece of the text starting at a cut: its first line (0-based) in the text and its end offset."""

    start: int
    end: int
    line: int


def _chunks(text: str) -> list[_Chunk]:
    cuts = [m.start() for m in _CUT.finditer(text)]
    if not cuts or cuts[0] != 0:
        cuts.insert(0, 0)
    cuts.append(len(text))
    out = []
    line = 0
    for start, end in itertools.pairwise(cuts):
        out.append(_Chunk(start, end, line))
        line += text.count("\n", start, end)
    return out


def _moved(blocks: list[Block] | tuple[Block, ...], lines: int) -> list[Block]:
    return [Block(b.kind, b.raw, b.start_line + lines, b.error) for b in blocks] if lines else list(blocks)


def _open(blocks: list[Block] | tuple[Block, ...]) -> bool:
    """Whether the piece's last block may have run on past the piece's end (it failed)."""
    return bool(blocks) and blocks[-1].kind == "failed"


@dataclass
class BlockMemo:
    """One file's blocks by chunk text and scans by block text, as of its last read (only those are kept)."""

    chunks: dict[str, tuple[Block, ...]] = field(default_factory=dict)  # lines counted from the chunk's first
    scans: dict[tuple[str, bool], Scan] = field(default_factory=dict)
    _next_scans: dict[tuple[str, bool], Scan] = field(default_factory=dict)

    def blocks(self, text: str, split: Split) -> list[Block]:
        """The blocks of `text`, as reading it whole gives them: the chunks read before are taken from the memo, the
        others read with `split` (a first read reads every chunk: as quick as reading the text whole)."""
        chunks = _chunks(text)
        self.scans, self._next_scans = self._next_scans, {}
        kept: dict[str, tuple[Block, ...]] = {}
        out: list[Block] = []
        i = 0
        while i < len(chunks):
            first = chunks[i]
            end = i + 1
            piece = text[first.start : chunks[end - 1].end]
            found = self._read(piece, split, kept)
            while _open(found) and end < len(chunks):
                end = end + 1 if end - i < MAX_MERGED else len(chunks)
                piece = text[first.start : chunks[end - 1].end]
                found = self._read(piece, split, kept)
            out.extend(_moved(found, first.line))
            i = end
        self.chunks = kept
        return out

    def _read(self, piece: str, split: Split, kept: dict[str, tuple[Block, ...]]) -> tuple[Block, ...]:
        found = self.chunks.get(piece)
        if found is None:
            found = tuple(split(piece))
        kept[piece] = found
        return found

    def scan(self, raw: str, has_key: bool) -> Scan:
        """What the scanner reads in a block (`bibscan.Scanner`), from the memo when the block was read before."""
        found = self.scans.get((raw, has_key))
        if found is None:
            found = Scanner(raw, has_key).scan()
        self._next_scans[raw, has_key] = found
        return found


@dataclass
class Reader:
    """What `mkdocs serve` keeps of the bibliography's files between rebuilds: a `BlockMemo` per file."""

    files: dict[str, BlockMemo] = field(default_factory=dict)

    def memo(self, path: str) -> BlockMemo:
        return self.files.setdefault(path, BlockMemo())
