"""`crossref` and `xdata` inheritance as biber resolves them: each entry as the record the rest of refkb reads
(required-field checks, CSL items and citations, the reference pages and the downloads), with the fields it
inherits, and the problems that stop an entry from inheriting (`Problem`s; checks/inheritance.py makes Issues).

Sources (read 2026-12-05; plk/biblatex at d11aa549, plk/biber at c29ec7f7):

- The rules are biblatex's defaults, `\\DefaultInheritance{all=true,override=false}` and the
  `\\DeclareDataInheritance` blocks of tex/latex/biblatex/biblatex.def (plk/biblatex, section "DATA INHERITANCE
  (CROSSREF)"), tabulated in the biblatex manual, appendix "Default Inheritance Setup" (§B).
- The algorithm is biber's, lib/Biber/Entry.pm (plk/biber): `inherit_from` (crossref: first the fields a matching
  type pair renames or skips, then every other field of the parent the child lacks; a parent inherits from its own
  parent first; a cycle is an error) and `resolve_xdata` (xdata: every field of the @xdata entry but `ids` is set
  on the entry, an @xdata entry may itself name others, a key that names no @xdata entry is not resolved).

So: an @incollection inherits title as booktitle from a @collection or @reference, not from a @book (biblatex
renames title to booktitle only from @book into @inbook, @bookinbook and @suppbook); the child's own fields win
over its crossref parent's; xdata is copied as it is, over the entry's own field of the same name (biber's
`set_datafield`, unconditional). Deliberate differences: a child with any of date, year or month keeps its own date
whole (biber splits the date into parts first and, for a legacy `year`, could take the parent's month); BibTeX's
aliases (journal, address, school; @conference, @phdthesis…) are biblatex's names when deciding what the child
already has; granular xdata references inside a value (`xdata=key-field-n`) and per-entry `noinherit` options are
not modelled. A record's `raw` is its canonical text (bibfile.entry_text), so that caches keyed by the entry's text
see a change in its parent.

An @xdata entry is no work (`is_work`): biblatex never prints it and it may not be cited (biblatex manual, entry
type @xdata: "entries of this type only serve as data containers"), so refkb gives it no page, no library row, no
download, no count and none of a work's checks; its fields reach the entries that name it. `Resolution.works` and
`works` are the list of works every reader takes.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from . import bibfile
from .checks.datamodel import ALIASES
from .model import BibFile, Entry, Field

ANY: frozenset[str] = frozenset()  # a rule's `*`


@dataclass(frozen=True)
class Rename:
    """`\\inherit{source}{target}`: the parent's `source` field becomes the child's `target`."""

    source: str
    target: str


@dataclass(frozen=True)
class Rule:
    """One `\\DeclareDataInheritance{parents}{children}{...}` of biblatex.def (an empty set is `*`)."""

    parents: frozenset[str]
    children: frozenset[str]
    renames: tuple[Rename, ...] = ()
    skip: frozenset[str] = frozenset()  # `\noinherit{field}`

    def applies(self, parent: str, child: str) -> bool:
        return (not self.parents or parent in self.parents) and (not self.children or child in self.children)


def _titles(prefix: str) -> tuple[Rename, ...]:
    return tuple(Rename(f, prefix + f) for f in ("title", "subtitle", "titleaddon"))


_SHORT_TITLES = frozenset({"shorttitle", "sorttitle", "indextitle", "indexsorttitle"})
NEVER = frozenset(
    {
        "ids",
        "crossref",
        "xref",
        "entryset",
        "entrysubtype",
        "execute",
        "label",
        "options",
        "presort",
        "related",
        "relatedoptions",
        "relatedstring",
        "relatedtype",
        "shorthand",
        "shorthandintro",
        "sortkey",
    }
)
RULES: tuple[Rule, ...] = (
    Rule(
        frozenset({"mvbook", "book"}),
        frozenset({"inbook", "bookinbook", "suppbook"}),
        (
            Rename("author", "author"),
            Rename("author", "bookauthor"),
        ),
    ),
    Rule(
        frozenset({"mvbook"}), frozenset({"book", "inbook", "bookinbook", "suppbook"}), _titles("main"), _SHORT_TITLES
    ),
    Rule(
        frozenset({"mvcollection", "mvreference"}),
        frozenset({"collection", "reference", "incollection", "inreference", "suppcollection"}),
        _titles("main"),
        _SHORT_TITLES,
    ),
    Rule(frozenset({"mvproceedings"}), frozenset({"proceedings", "inproceedings"}), _titles("main"), _SHORT_TITLES),
    Rule(frozenset({"book"}), frozenset({"inbook", "bookinbook", "suppbook"}), _titles("book"), _SHORT_TITLES),
    Rule(
        frozenset({"collection", "reference"}),
        frozenset({"incollection", "inreference", "suppcollection"}),
        _titles("book"),
        _SHORT_TITLES,
    ),
    Rule(frozenset({"proceedings"}), frozenset({"inproceedings"}), _titles("book"), _SHORT_TITLES),
    Rule(frozenset({"periodical"}), frozenset({"article", "suppperiodical"}), _titles("journal"), _SHORT_TITLES),
    Rule(ANY, ANY, (), NEVER),
)
CONSUMED = frozenset({"crossref", "xdata"})  # read by the resolution; a record does not carry them
_DATE = frozenset({"date", "year", "month"})


def name(field_or_type: str) -> str:
    """A field or type under biblatex's name (BibTeX's aliases mapped: journal → journaltitle, @conference →
    @inproceedings…)."""
    return ALIASES.get(field_or_type, field_or_type)


@dataclass(frozen=True)
class Problem:
    """Why an entry cannot inherit: at the key its crossref or xdata field names."""

    code: str  # crossref-missing | crossref-cycle | xdata-missing | xdata-wrong-type | xdata-cycle
    entry: Entry
    field: Field
    offset: int  # of the named key in field.raw
    message: str
    fix: str


def is_work(e: Entry) -> bool:
    """Whether the entry is a work biblatex can cite and print: any type but @xdata, a container of fields that
    other entries name in their xdata field."""
    return e.type != "xdata"


def works(entries: Iterable[Entry]) -> tuple[Entry, ...]:
    """The entries that are works (`is_work`), in the order given."""
    return tuple(e for e in entries if is_work(e))


@dataclass(frozen=True)
class Resolution:
    """The entries as records (in the order given; an entry that inherits nothing is itself), and the problems."""

    entries: tuple[Entry, ...]
    problems: tuple[Problem, ...]

    @property
    def works(self) -> tuple[Entry, ...]:
        """The records of the works: what refkb formats, pages, lists, counts and lets pages cite."""
        return works(self.entries)


@dataclass(frozen=True)
class _Link:
    """One key a crossref or xdata field names, where it stands, and the entry it resolves to (-1: none)."""

    field: Field
    key: str
    offset: int
    target: int


Fields = dict[str, Field]  # biblatex name -> the field (its own name kept)


def _own(e: Entry) -> Fields:
    out: Fields = {}
    for f in e.fields:
        out.setdefault(name(f.name), f)  # the first of a repeated field wins, as Entry.get
    return out


class _Graph:
    """The entries by key (and by their `ids` aliases), and each entry's crossref and xdata links."""

    def __init__(self, entries: Sequence[Entry]) -> None:
        self.entries = entries
        self.index: dict[str, int] = {}
        for i, e in enumerate(entries):
            self.index.setdefault(e.key, i)
        for i, e in enumerate(entries):
            for alias in e.value("ids").split(","):
                if alias.strip():
                    self.index.setdefault(alias.strip(), i)
        self.crossref = [self._links(e, "crossref") for e in entries]
        self.xdata = [self._links(e, "xdata") for e in entries]

    def _links(self, e: Entry, field: str) -> tuple[_Link, ...]:
        f = e.get(field)
        if f is None:
            return ()
        keys = [f.value.strip()] if field == "crossref" else [k.strip() for k in f.value.split(",")]
        out, start = [], 0
        for key in (k for k in keys if k):
            offset = f.raw.find(key, start)  # not found: a macro stands for the key; point at the value
            start = offset + len(key) if offset >= 0 else start
            out.append(_Link(f, key, max(offset, 0), self.index.get(key, -1)))
        return tuple(out)

    def xdata_targets(self, i: int) -> list[int]:
        return [link.target for link in self.xdata[i] if link.target >= 0 and self.entries[link.target].type == "xdata"]

    def crossref_targets(self, i: int) -> list[int]:
        return [link.target for link in self.crossref[i] if link.target >= 0]


@dataclass(frozen=True)
class _Walk:
    """Entries in an order where each comes after those it inherits from (a cycle's back edge apart), and the
    cycles met, each as the entries along it (first == last)."""

    order: tuple[int, ...]
    cycles: tuple[tuple[int, ...], ...]


def _walk(count: int, succ: Callable[[int], list[int]]) -> _Walk:
    """Iterative depth-first post-order (a chain of thousands of crossrefs needs no recursion)."""
    state = [0] * count  # 0 unseen, 1 on the stack, 2 done
    order: list[int] = []
    cycles: list[tuple[int, ...]] = []
    for root in range(count):
        if state[root]:
            continue
        state[root] = 1
        stack = [(root, iter(succ(root)))]
        path = [root]
        while stack:
            node, rest = stack[-1]
            nxt = next(rest, None)
            if nxt is None:
                stack.pop()
                path.pop()
                state[node] = 2
                order.append(node)
            elif state[nxt] == 1:
                cycles.append((*path[path.index(nxt) :], nxt))
            elif state[nxt] == 0:
                state[nxt] = 1
                stack.append((nxt, iter(succ(nxt))))
                path.append(nxt)
    return _Walk(tuple(order), tuple(cycles))


def _xdata_stage(graph: _Graph, walk: _Walk) -> list[Fields]:
    """Each entry's fields after xdata: its own, then each named @xdata entry's (resolved first), over them."""
    fields = [_own(e) for e in graph.entries]
    done = [False] * len(graph.entries)
    for i in walk.order:
        for t in graph.xdata_targets(i):
            if done[t]:
                for n, f in fields[t].items():
                    if n not in ("ids", "xdata"):
                        fields[i][n] = f
        done[i] = True
    return fields


def inherit(child_type: str, child: Fields, parent_type: str, parent: Fields) -> Fields:
    """biber's `inherit_from` with biblatex's default rules: the child's fields and what it takes from the parent."""
    out = dict(child)
    ct, pt = name(child_type), name(parent_type)
    processed: set[str] = set()
    for rule in RULES:
        if not rule.applies(pt, ct):
            continue
        for r in rule.renames:
            f = parent.get(r.source)
            if f is None:
                continue
            processed.add(r.source)
            if r.target not in out:
                out[r.target] = dataclasses.replace(f, name=r.target)
        processed.update(n for n in rule.skip if n in parent)
    dated = any(n in child for n in _DATE)
    for n, f in parent.items():
        if n in processed or n in CONSUMED or (dated and n in _DATE):
            continue
        out.setdefault(n, f)
    return out


def _crossref_stage(graph: _Graph, walk: _Walk, fields: list[Fields]) -> list[Fields]:
    done = [False] * len(graph.entries)
    out = list(fields)
    for i in walk.order:
        for p in graph.crossref_targets(i):
            if done[p]:
                out[i] = inherit(graph.entries[i].type, out[i], graph.entries[p].type, out[p])
        done[i] = True
    return out


def _record(e: Entry, fields: Fields) -> Entry:
    """The entry with what it inherits, without the fields the resolution consumed; its raw text canonical."""
    if not any(name(f.name) in CONSUMED for f in e.fields):
        return e
    kept = tuple(  # own fields xdata did not replace
        f for f in e.fields if name(f.name) not in CONSUMED and fields.get(name(f.name)) is f
    )
    own = {id(f) for f in kept}
    added = tuple(f for n, f in fields.items() if n not in CONSUMED and id(f) not in own)
    record = dataclasses.replace(e, fields=kept + added)
    return dataclasses.replace(record, raw=bibfile.entry_text(record))


def resolve(entries: Sequence[Entry]) -> Resolution:
    """Every entry as the record refkb reads, and why some could not inherit."""
    if not any("crossref" in e or "xdata" in e for e in entries):
        return Resolution(tuple(entries), ())
    graph = _Graph(entries)
    xwalk = _walk(len(entries), graph.xdata_targets)
    cwalk = _walk(len(entries), graph.crossref_targets)
    fields = _crossref_stage(graph, cwalk, _xdata_stage(graph, xwalk))
    records = tuple(_record(e, f) for e, f in zip(entries, fields, strict=True))
    problems = [
        *_link_problems(graph),
        *_cycle_problems(graph, cwalk, "crossref"),
        *_cycle_problems(graph, xwalk, "xdata"),
    ]
    return Resolution(records, tuple(problems))


def resolved(bib: BibFile) -> BibFile:
    """The file with its entries as records (for readers of a whole BibFile)."""
    return dataclasses.replace(bib, entries=resolve(bib.entries).entries)


def _near(graph: _Graph, key: str) -> str:
    lower = key.lower()
    same = next((k for k in graph.index if k.lower() == lower), "")
    return f"did you mean '{same}'? keys are case-sensitive; " if same else ""


def _link_problems(graph: _Graph) -> Iterable[Problem]:
    for i, e in enumerate(graph.entries):
        for link in graph.crossref[i]:
            if link.target < 0:
                yield Problem(
                    "crossref-missing",
                    e,
                    link.field,
                    link.offset,
                    f"crossref names '{link.key}', which is no entry of this file",
                    _near(graph, link.key) + "add the parent entry, or correct the key",
                )
        for link in graph.xdata[i]:
            if link.target < 0:
                yield Problem(
                    "xdata-missing",
                    e,
                    link.field,
                    link.offset,
                    f"xdata names '{link.key}', which is no entry of this file",
                    _near(graph, link.key) + "add an @xdata entry with that key, or correct the key",
                )
            elif graph.entries[link.target].type != "xdata":
                kind = graph.entries[link.target].type
                yield Problem(
                    "xdata-wrong-type",
                    e,
                    link.field,
                    link.offset,
                    f"xdata names '{link.key}', an @{kind} entry: biber takes data only from @xdata entries",
                    f"make '{link.key}' an @xdata entry, or use crossref = {{{link.key}}} to inherit from a parent",
                )


def _cycle_problems(graph: _Graph, walk: _Walk, field: str) -> Iterable[Problem]:
    """Each entry on a cycle, at the link to the next entry along it (a self-reference is a cycle of one)."""
    links = graph.crossref if field == "crossref" else graph.xdata
    seen: set[int] = set()
    for cycle in walk.cycles:
        keys = " → ".join(graph.entries[i].key for i in cycle)
        for here, nxt in itertools.pairwise(cycle):
            if here in seen:
                continue
            seen.add(here)
            link = next(lk for lk in links[here] if lk.target == nxt)
            what = "names itself" if len(cycle) == 2 else f"is part of a cycle: {keys}"
            yield Problem(
                "crossref-cycle" if field == "crossref" else "xdata-cycle",
                graph.entries[here],
                link.field,
                link.offset,
                f"{field} {what}; biber stops with an error",
                f"remove {field} from one of the entries" if len(cycle) > 2 else f"remove {field} = {{{link.key}}}",
            )
