"""Adding a reference: from pasted BibTeX, from a DOI (Crossref) or from fields; normalised, keyed by convention,
checked against duplicates and the validator, written atomically with an annotation scaffold (none for an @xdata
entry: it holds fields for the works that name it and is no work, refkb.inherit.is_work; it keeps the key it was given,
which those works name, and the key convention does not apply to it).

`plan` computes everything and writes nothing; `apply` writes. The CLI prints the plan (or its diff for --dry-run).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz

from . import annotation, bibfile, errors, inherit, keys, values
from .checks.settings import Settings
from .checks.suite import read_bibliography, validate_bib
from .model import BibFile, Entry, Issue, Level, text_lines
from .project import Project


class Refused(errors.RefkbError):
    """The reference cannot be added as it is; the message says why and what to do."""

    def __init__(self, message: str, issues: Sequence[Issue] = ()) -> None:
        super().__init__(message)
        self.issues = tuple(issues)


PASTED = "<pasted>"  # how messages name BibTeX read from standard input


@dataclass(frozen=True)
class Candidate:
    """A new entry before it has its final key: type, the key it came with (may be ''), and field values written as
    BibTeX values (`{...}`, or a macro name). `pasted` is the entry as the user wrote it (BibTeX given to refkb add),
    read from a text named `source`: a problem of the new entry is reported at its place there."""

    type: str
    key: str
    fields: tuple[tuple[str, str], ...]
    pasted: Entry | None = None
    source: str = ""

    def get(self, name: str) -> str:
        for k, v in self.fields:
            if k == name:
                return v
        return ""


def braced(text: str) -> str:
    return "{" + text + "}"


def _inner(value: str) -> str:
    return value[1:-1] if value.startswith("{") and value.endswith("}") else value


def from_bibtex(text: str, source: str = PASTED) -> Candidate:
    """The one entry of pasted BibTeX; `source` names the text in messages (the file it came from, or <pasted>),
    whose lines are the text's own."""
    bib = bibfile.parse_text(text, source)
    errors = [i for i in bib.issues if i.level is Level.ERROR]
    if errors:
        raise Refused("the pasted BibTeX has syntax errors", errors)
    if len(bib.entries) != 1:
        raise Refused(f"paste exactly one entry (found {len(bib.entries)})")
    e = bib.entries[0]
    fields = tuple((f.name, bibfile.canonical_value(f.parts)) for f in e.fields)
    return Candidate(e.type, e.key, fields, e, source)


def _balanced(value: str) -> bool:
    """Whether every unescaped brace in `value` closes one opened before it, and all are closed."""
    depth = 0
    for i, ch in enumerate(value):
        if i and value[i - 1] == "\\":
            continue
        depth += (ch == "{") - (ch == "}")
        if depth < 0:
            return False
    return depth == 0


def from_fields(entry_type: str, pairs: Sequence[str]) -> Candidate:
    fields = []
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise Refused(f"--field {pair[:60]!r}: write name=value")
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", name.strip()):
            raise Refused(f"--field {pair[:60]!r}: a field name is letters, digits, - and _")
        if not _balanced(value):  # "title=A}, keywords = {x" would close the value and open a field of its own
            raise Refused(
                f"--field {pair[:60]!r}: the braces in the value do not pair up; write \\{{ or \\}} for a brace"
            )
        fields.append((name.strip().lower(), braced(value.strip())))
    return Candidate(entry_type.lower(), "", tuple(fields))


def from_doi(doi: str) -> Candidate:
    from . import crossref

    kind, fields = crossref.fetch_fields(doi)
    return Candidate(kind, "", tuple((k, braced(v)) for k, v in fields.items()))


TYPE_ALIASES = {
    "techreport": "report",
    "conference": "inproceedings",
    "electronic": "online",
    "www": "online",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
}
FIELD_ALIASES = {"journal": "journaltitle", "address": "location", "school": "institution"}
DROPPED = frozenset({"file", "mendeley-tags", "owner", "timestamp"})
MONTHS = list(bibfile.MONTHS)


def normalise(c: Candidate, today: dt.date) -> tuple[Candidate, list[str]]:
    """Our conventions: biblatex names for types and fields, an ISO date, a bare DOI, urldate for a URL."""
    notes: list[str] = []
    kind = TYPE_ALIASES.get(c.type, c.type)
    fields: dict[str, str] = {}
    for name, value in c.fields:
        name = FIELD_ALIASES.get(name, name)
        if name in DROPPED or not _inner(value).strip() or name in fields:
            continue
        fields[name] = value
    if c.type in ("phdthesis", "mastersthesis") and "type" not in fields:
        fields["type"] = braced("PhD thesis" if c.type == "phdthesis" else "Master's thesis")
    if c.type == "techreport" and "type" not in fields:
        fields["type"] = braced("Report")
    if "date" not in fields and re.fullmatch(r"\{?\d{4}\}?", fields.get("year", "")):
        year = _inner(fields.pop("year"))
        month = _inner(fields.pop("month", "")).strip().lower()
        number = MONTHS.index(month[:3]) + 1 if month[:3] in MONTHS else int(month) if month.isdigit() else 0
        fields["date"] = braced(f"{year}-{number:02d}" if 1 <= number <= 12 else year)
        notes.append(f"year/month written as date = {fields['date']}")
    if "doi" in fields:
        bare = values.DOI_PREFIX.sub("", _inner(fields["doi"]).strip())
        if bare != _inner(fields["doi"]):
            notes.append("the DOI's resolver prefix was removed")
        fields["doi"] = braced(bare)
    if "url" in fields:
        fields["url"] = braced(_inner(fields["url"]).strip())
        if "urldate" not in fields:
            fields["urldate"] = braced(today.isoformat())
            notes.append(f"urldate set to today ({today.isoformat()}): change it to the day you read the page")
    if "keywords" in fields:
        words = [w.strip() for w in _inner(fields["keywords"]).split(",") if w.strip()]
        fields["keywords"] = braced(", ".join(words))
    return Candidate(kind, c.key, tuple(fields.items()), c.pasted, c.source), notes


# Where a field of the new entry came from in the pasted one: its own name, the name `normalise` replaced, or year
# (and month) for a date made from them.
_FROM = {new: old for old, new in FIELD_ALIASES.items()} | {"date": "year"}


def at_pasted(issue: Issue, entry: Entry, c: Candidate) -> Issue:
    """`issue`, found in `entry` (the new entry as placed in the bibliography), moved to the same place in the
    pasted text: the field it names, at the same character of the value when the value was kept as written; the
    entry's start for the rest. Unchanged when nothing was pasted."""
    pasted = c.pasted
    if pasted is None:
        return issue
    offset = entry.lines.starts[issue.line - 1] + issue.col - 1 if 0 < issue.line <= len(entry.lines.starts) else -1
    inside = [f for f in entry.fields if f.offset <= offset]
    pos = pasted.key_pos if entry.key_offset <= offset < (entry.fields[0].offset if entry.fields else 0) else pasted.pos
    if inside and offset < entry.offset + len(entry.raw):
        new = inside[-1]
        old = pasted.get(new.name) or pasted.get(_FROM.get(new.name, new.name))
        if old is not None and offset >= new.value_offset:
            delta = offset - new.value_offset
            pos = old.position_of(delta) if old.raw == new.raw and delta < len(old.raw) else old.value_pos
        elif old is not None:
            pos = old.pos
    return dataclasses.replace(issue, path=c.source, line=pos.line, col=pos.col)


def _entry(c: Candidate, key: str) -> Entry:
    text = f"@{c.type}{{{key},\n" + "".join(f"  {k} = {v},\n" for k, v in c.fields) + "}\n"
    bib = bibfile.parse_text(text, "<new>")
    errors = [i for i in bib.issues if i.level is Level.ERROR]
    if errors or len(bib.entries) != 1:
        raise Refused("the new entry is not valid BibTeX", errors)
    return bib.entries[0]


def conventional_key(c: Candidate, taken: set[str]) -> tuple[str, str]:
    """(key, note): `<author><year><title word>`, with a second title word or a -2 suffix when taken."""
    probe = _entry(c, "probe")
    parts = keys.key_parts(probe)
    short = keys.ascii_fold(probe.value("shortauthor"))
    prefix = re.sub(r"[^a-z0-9]", "", short) if short else _preferred(parts.prefixes, probe)
    words = [w[:24] for w in parts.titles[0]] if parts.titles else []  # a key names files: at most keys.MAX_KEY
    prefix = (prefix or "anon")[:24]
    base = f"{prefix}{parts.year}{words[0] if words else 'untitled'}"
    if base.lower() not in taken:
        return base, ""
    if len(words) > 1 and (base + words[1]).lower() not in taken and len(base + words[1]) <= keys.MAX_KEY:
        return base + words[1], f"{base} is taken: used {base + words[1]}"
    n = 2
    while f"{base}-{n}".lower() in taken:
        n += 1
    return f"{base}-{n}", f"{base} is taken: used {base}-{n}"


def _preferred(prefixes: frozenset[str], e: Entry) -> str:
    people = " ".join((e.value("author") or e.value("editor")).split())
    first = (values.split_names(people) or [""])[0].strip()
    if first.startswith("{"):
        words = [w for w in re.findall(r"[a-z0-9]+", keys.ascii_fold(first)) if w not in keys.STOPWORDS]
        return "".join(w[0] for w in words) if len(words) >= 3 else (words[0] if words else "org")
    names = keys.family_names(first) if first else []
    return re.sub(r"[^a-z0-9]", "", keys.ascii_fold(names[0])) if names else sorted(prefixes or {"anon"})[0]


@dataclass
class Plan:
    key: str
    entry: Entry
    bib_path: Path
    old_text: str
    new_text: str
    note_path: Path | None  # None: an @xdata entry, no work, has no annotation page
    note_text: str | None  # None: the annotation page exists already, or there is none to write
    notes: list[str] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)

    def diff(self, root: Path) -> str:
        def rel(p: Path) -> str:
            try:
                return p.relative_to(root).as_posix()
            except ValueError:
                return str(p)

        out = list(
            difflib.unified_diff(
                text_lines(self.old_text),
                text_lines(self.new_text),
                f"a/{rel(self.bib_path)}",
                f"b/{rel(self.bib_path)}",
            )
        )
        if self.note_path is not None and self.note_text is not None:
            out += difflib.unified_diff([], text_lines(self.note_text), "/dev/null", f"b/{rel(self.note_path)}")
        return "".join(out)

    @property
    def left_to_do(self) -> tuple[str, ...]:
        """What the user does next: a work's verification, annotation and topics; an @xdata entry's use."""
        if inherit.is_work(self.entry):
            return LEFT_TO_DO
        return (
            f"name it in the xdata field of each entry that shares its fields: xdata = {{{self.key}}}",
            LEFT_TO_DO[-1],
        )


def plan(project: Project, candidate: Candidate, today: dt.date | None = None) -> Plan:
    """Everything `refkb add` would do, without writing. Raises Refused."""
    today = today or dt.date.today()
    bib, macro_issues = read_bibliography(project)
    errors = [i for i in [*macro_issues, *bib.issues] if i.level is Level.ERROR]
    if errors:
        raise Refused(f"{bib.path} has syntax errors: fix them first (refkb validate)", errors)
    c, notes = normalise(candidate, today)
    taken = {e.key.lower() for e in bib.entries}
    by_key = {e.key.lower(): e for e in bib.entries}
    if c.key and c.key.lower() in taken:
        other = by_key[c.key.lower()]
        raise Refused(f"[{c.key}] is already in {bib.path} (line {other.pos.line}): nothing was added")
    _refuse_duplicates(bib, c)
    key = _final_key(c, taken, notes)
    entry = _entry(c, key)
    old_text = bib.text
    joined = (old_text.rstrip("\n") + "\n\n" if old_text.strip() else "") + bibfile.entry_text(entry) + "\n"
    new_bib = bibfile.parse_text(joined, bib.path)
    new_text = bibfile.format_text(new_bib)
    settings = Settings(
        today,
        project.topic_slugs or None,
        frozenset(project.sourcekinds),
        project.titles == "sentence-case",
        project.profile,
    )
    added = next(e for e in new_bib.entries if e.key == key)
    found = [at_pasted(i, added, c) for i in validate_bib(new_bib, settings) if i.key == key]
    problems = [i for i in found if i.level is Level.ERROR]
    if problems:
        raise Refused(f"[{key}] would not validate: nothing was written", problems)
    warnings = [i for i in found if i.code not in ("missing-topic", "missing-sourcekind")]
    for e in bib.entries:
        ratio = fuzz.ratio(keys.ascii_fold(e.value("title")), keys.ascii_fold(entry.value("title")))
        if entry.value("title") and ratio >= 90:
            warnings.append(
                Issue(
                    bib.path,
                    e.pos.line,
                    e.pos.col,
                    Level.WARNING,
                    "near-duplicate-title",
                    key,
                    f"title is {int(ratio)}% alike to [{e.key}]",
                    "check that this is not the same work",
                )
            )
    note_path = project.annotations / f"{key}.md" if inherit.is_work(entry) else None
    note_text = None if note_path is None or note_path.exists() else annotation.TEMPLATE
    final = bibfile.parse_text(new_text, bib.path)
    placed = next(e for e in final.entries if e.key == key)
    return Plan(key, placed, project.bibliography, old_text, new_text, note_path, note_text, notes, warnings)


def _final_key(c: Candidate, taken: set[str], notes: list[str]) -> str:
    """The new entry's key: the one it came with when safe and conventional, else the convention's (announced in
    `notes`). An @xdata entry keeps its own, in any form the validator takes: the works that share its fields name
    it, and it names no page or file."""
    if c.type == "xdata":
        if not c.key:
            raise Refused(
                "an @xdata entry needs a key the works that share its fields can name (xdata = {key}): "
                "add it as BibTeX with one, e.g. @xdata{fieldpress, publisher = {Field Press}}"
            )
        return c.key
    if c.key and keys.SAFE_KEY.match(c.key) and not _off_convention(c, c.key):
        return c.key
    key, note = conventional_key(c, taken)
    notes.insert(
        0,
        f"key {key} generated by the convention"
        + (f" ({note})" if note else "")
        + (f"; the pasted key {c.key!r} was replaced" if c.key else ""),
    )
    return key


def _off_convention(c: Candidate, key: str) -> bool:
    return not keys.key_follows(key, keys.key_parts(_entry(c, key)))


def _refuse_duplicates(bib: BibFile, c: Candidate) -> None:
    doi = values.normal_doi(_inner(c.get("doi")))
    url = values.normal_url(_inner(c.get("url")))
    for e in bib.entries:
        if doi and values.normal_doi(e.value("doi")) == doi:
            raise Refused(f"DOI {doi} is already in {bib.path} as [{e.key}] (line {e.pos.line}): nothing was added")
        if url and e.value("url") and values.normal_url(e.value("url")) == url:
            raise Refused(f"URL {url} is already in {bib.path} as [{e.key}] (line {e.pos.line}): nothing was added")


def apply(p: Plan) -> None:
    """Write references.bib and the annotation scaffold, both or neither (`writes.commit`). The caller holds
    `writes.lock(bib_path)` from before `plan` read the file."""
    from . import writes

    files = {p.bib_path: p.new_text}
    if p.note_path is not None and p.note_text is not None:
        files[p.note_path] = p.note_text
    writes.commit(files, p.bib_path)


LEFT_TO_DO = (
    "verify the record on a stored or live copy of the publisher's page; list the pages under verified_at and set "
    "verified_on",
    "write the annotation in your own words: Summary, Key findings, Method and data, Limitations, Relevance",
    "add topics (keywords, from extra.refkb.topics) and sourcekind",
    "run refkb validate",
)
