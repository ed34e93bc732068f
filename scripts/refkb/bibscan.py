"""The scanner of one BibTeX block, and the checks of the text between blocks.

bibtexparser is lenient where BibTeX is not: it merges two fields when a comma is missing, reads a `%` line inside an
entry as part of a field name, drops an entry that repeats a field and accepts keys with spaces. So every block it
splits off is scanned again here with positions, which finds those defects and gives each field and value its
offset; `refkb.bibfile` turns offsets into 1-based lines and columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .model import Issue, Level, LineIndex, ValuePart

# Characters BibTeX does not allow in a field name, macro name or entry type.
_NAME = re.compile(r"""[^\s"#%'(),={}]+""")
_WS = re.compile(r"\s*")
_BRACE = re.compile(r"[{}]")
_QUOTE_OR_BRACE = re.compile(r'[{}"]')
_NUMBER = re.compile(r"[0-9]+")
_KEY = re.compile(r"[^,\s{}()]*")
# One well-formed `name = value,` with a single braced (nesting up to three levels), quoted, numeric or macro value.
# Most real fields match it; anything else (missing comma, `%` line, `#`, deep nesting) takes the careful path.
_FAST_FIELD = re.compile(
    r"""\s*([^\s"#%'(),={}]+)\s*=\s*"""
    r"""(\{((?:[^{}]++|\{(?:[^{}]++|\{[^{}]*+\})*+\})*+)\}|"([^"{}]*+)"|([0-9]++)|([^\s"#%'(),={}0-9][^\s"#%'(),={}]*+))"""
    r"""\s*(,|(?=[})]))"""
)
_FAST_END = re.compile(r"\s*[})]")
# A brace as bibtexparser and biber read it: one after a backslash is escaped for them (not for BibTeX).
_UNESCAPED_BRACE = re.compile(r"(?<!\\)[{}]")
_SWALLOWED_FIELD = re.compile(r"""\n[ \t]*[^\s"#%'(),={}]+[ \t]*=[ \t]*[{"0-9]""")
# Control characters BibTeX has no use for, anywhere in the file (tab, LF and form feed are white space).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# Text between blocks that BibTeX would read as the start of an entry: `@type` at a line's start without `{`.
_STRAY_AT = re.compile(r"^[^\S\n\r]*@[A-Za-z]+\b(?![^\S\n\r]*[{(])", re.M)  # any blank before: \f too
_STRAY_AT_START = re.compile(r"[^\S\n\r]*@[A-Za-z]+\b(?![^\S\n\r]*[{(])")


@dataclass(frozen=True)
class ScannedField:
    """One `name = value` of a block, with its offsets in the block's text (the value's raw text runs from
    `value_at` to `value_end`)."""

    name: str
    name_at: int
    value_at: int
    value_end: int
    parts: tuple[ValuePart, ...]


@dataclass(frozen=True)
class ScanProblem:
    """Something BibTeX rejects, at an offset in the block's text, with how to fix it."""

    at: int
    code: str
    message: str
    fix: str


@dataclass(frozen=True)
class Scan:
    """What the scanner read in one block: its type and key (with the key's offset), its fields and problems."""

    type: str
    key: str
    key_offset: int
    fields: tuple[ScannedField, ...]
    problems: tuple[ScanProblem, ...]


@dataclass(frozen=True)
class Block:
    """What refkb takes from bibtexparser's splitter for each block: its kind ('entry', 'string', 'preamble' or
    'failed'), its text, its (0-based) first line and, for a block that failed, why."""

    kind: str
    raw: str
    start_line: int
    error: str


@dataclass(frozen=True)
class Located:
    """A block, the offset in the file's text where it starts, and what the scanner read in it (None for a
    @preamble, which holds no fields)."""

    block: Block
    offset: int
    scan: Scan | None


def block_type(raw: str) -> str:
    """The lower-cased name after a block's '@' ('' when there is none): `article`, `string`, `preamble`..."""
    m = _NAME.match(raw, 1)
    return m.group(0).lower() if m else ""


class Scanner:
    """Scans one `@type{key, name = value, ...}` block (or `@string{name = value}`) and notes what BibTeX rejects."""

    def __init__(self, raw: str, has_key: bool) -> None:
        self.raw = raw
        self.i = 0
        self.problems: list[ScanProblem] = []
        self.has_key = has_key

    def problem(self, at: int, code: str, message: str, fix: str) -> None:
        self.problems.append(ScanProblem(at, code, message, fix))

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

    def scan(self) -> Scan:
        raw = self.raw
        m = _NAME.match(raw, 1)
        etype = m.group(0).lower() if m else ""
        self.i = m.end() if m else 1
        if m is None:
            self.problem(0, "syntax-error", "'@' is not followed by an entry type", "write '@type{key, ...}'")
        self.ws()
        closer = {"{": "}", "(": ")"}.get(raw[self.i : self.i + 1], "")
        if not closer:
            self.problem(self.i, "syntax-error", f"expected '{{' after '@{etype}'", "write '@type{key, ...}'")
            return Scan(etype, "", self.i, (), tuple(self.problems))
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
            elif nxt and nxt not in (",", closer):  # at the block's end: reported as unclosed below
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
        if self.i < len(raw) - 1 and not any(p.code == "unbalanced-braces" for p in self.problems):
            self.closed_early(closer)  # (a value's unbalanced braces, reported, are why)
        if not self.has_key and len(fields) > 1:
            self.problem(
                fields[1].name_at,
                "syntax-error",
                f"@string defines one macro: BibTeX stops after '{fields[0].name}' and rejects the rest",
                "write one @string{name = value} per macro",
            )
        return Scan(etype, key, key_at, fields, tuple(self.problems))

    def closed_early(self, closer: str) -> None:
        """BibTeX closes the entry before the end of bibtexparser's block: the two read a brace or quote after a
        backslash differently (`{\\}}`), and what one reads as a value the other reads as text after the entry."""
        self.problem(
            self.i,
            "syntax-error",
            f"BibTeX closes the entry at this '{closer}', but other readers (bibtexparser, biber) read on to "
            f"{self.raw[-1]!r}: a backslash does not escape a brace or quote for BibTeX",
            'balance the braces inside each value (write \\{ and \\} only in pairs, {\\"o} rather than \\"o)',
        )

    def fields(self, closer: str) -> tuple[ScannedField, ...]:
        fast = self.fast_fields()
        return fast if fast is not None else self.careful_fields(closer)

    def fast_fields(self) -> tuple[ScannedField, ...] | None:
        raw, i = self.raw, self.i
        out: list[ScannedField] = []
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
            if part.kind in ("brace", "quote") and (part.text.endswith("\\") or not escapes_agree(part.text)):
                return None  # the careful path reports it
            out.append(ScannedField(name.lower(), m.start(1), m.start(2), m.end(2), (part,)))

    def careful_fields(self, closer: str) -> tuple[ScannedField, ...]:
        raw = self.raw
        out: list[ScannedField] = []
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
                before = out[-1]
                self.problem(
                    before.value_end,
                    "missing-comma",
                    f"no comma between '{before.name}' and '{m.group(0).lower()}'",
                    f"add ',' after the value of '{before.name}'",
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
            out.append(ScannedField(m.group(0).lower(), name_at, value_at, self.i, parts))
            self.ws()
            seen_comma = raw[self.i : self.i + 1] == ","
            if seen_comma:
                self.i += 1

    def unclosed(self, fields: list[ScannedField], closer: str) -> None:
        """The entry ran to its end without closing. Usually a value's brace was never closed and swallowed the
        fields after it (and the entry's own closing brace): point at that value when one holds `name = {`."""
        for f in fields:
            if _SWALLOWED_FIELD.search(self.raw, f.value_at, f.value_end):
                self.problem(
                    f.value_at,
                    "unclosed-brace",
                    f"the value of '{f.name}' is never closed: it runs on into the fields below",
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
                self._backslashes(start, parts[-1])
            elif ch == '"':
                end = self._quoted(start)
                parts.append(ValuePart("quote", raw[start + 1 : end]))
                self.i = end + 1
                self._backslashes(start, parts[-1])
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

    def _backslashes(self, start: int, part: ValuePart) -> None:
        """A backslash that BibTeX reads as a character and bibtexparser and biber as an escape: at the value's
        end (before its delimiter), or before a brace that only balances the value for one of them."""
        if part.text.endswith("\\"):
            self.problem(
                start,
                "syntax-error",
                "the value ends with a backslash, which bibtexparser and biber read as escaping the delimiter",
                "write {\\textbackslash} for a backslash, or remove it",
            )
        elif not escapes_agree(part.text):
            self.problem(
                start,
                "unbalanced-braces",
                "the value's braces balance for BibTeX, which counts '\\{' and '\\}' as braces, but not for "
                "bibtexparser and biber, which read them as escaped",
                "write '\\{' and '\\}' in pairs, or {\\textbraceleft} and {\\textbraceright}",
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


def escapes_agree(text: str) -> bool:
    """Whether a value's text (its braces balanced as BibTeX counts them) also balances with the braces after a
    backslash read as escaped, as bibtexparser and biber read them."""
    if "\\{" not in text and "\\}" not in text:
        return True
    depth = 0
    for m in _UNESCAPED_BRACE.finditer(text):
        depth += 1 if m.group(0) == "{" else -1
        if depth < 0:
            return False
    return depth == 0


def stray_control(text: str, start: int, end: int, lines: LineIndex, path: str, issues: list[Issue]) -> None:
    """Control characters (NUL runs, escapes) in the text between blocks: one error per run."""
    m = CONTROL.search(text, start, end)
    while m is not None:
        p = lines.pos(m.start())
        run = m.start()
        while run < end and CONTROL.match(text, run):
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
        m = CONTROL.search(text, run, end)


def stray_bom(text: str, start: int, end: int, lines: LineIndex, path: str, issues: list[Issue]) -> None:
    """Byte order marks in the text between blocks (`decode` drops the file's first): left where two files saved
    with one were joined. Invisible, and the formatter cannot keep one: written first in the file, it would be read
    as the file's own next time, and dropping one can move an '@' to a line's start (a block for bibtexparser)."""
    at = text.find("\ufeff", start, end)
    while at >= 0:
        p = lines.pos(at)
        issues.append(
            Issue(
                path,
                p.line,
                p.col,
                Level.ERROR,
                "control-character",
                "",
                "a byte order mark (U+FEFF, invisible) between entries: were two files saved with one joined?",
                "delete it (an editor that shows invisible characters shows it)",
            )
        )
        run = at
        while run < end and text[run] == "\ufeff":
            run += 1
        at = text.find("\ufeff", run, end)


def stray_at(text: str, start: int, end: int, lines: LineIndex, path: str, issues: list[Issue]) -> None:
    """An `@word` with no '{' in the text between blocks, at a line's start or right after the block before it
    (`@preamble{x}@A`): BibTeX reads both as entries, and the formatter would put the second on a line of its own."""
    first = _STRAY_AT_START.match(text, start, end)
    found = [first] if first is not None and start > 0 and text[start - 1] not in "\n\r" else []
    for m in [*found, *_STRAY_AT.finditer(text, start, end)]:
        at = m.group(0).index("@")
        word = m.group(0)[at:]
        if word.lower() in ("@comment", "@preamble", "@string"):
            continue
        p = lines.pos(m.start() + at)
        issues.append(
            Issue(
                path,
                p.line,
                p.col,
                Level.ERROR,
                "syntax-error",
                "",
                f"'{word}' is not followed by '{{': BibTeX cannot read this entry",
                "write '@type{key, ...}', or remove the '@' from a comment",
            )
        )
