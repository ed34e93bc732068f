"""`name-variant`: one person written two ways across the bibliography.

citeproc-js tells authors apart by their given names: where "Musto, J." and "Musto, Jennifer L." both appear, every
in-text citation of either gains initials ("J. Musto et al., 2020; J. L. Musto & boyd, 2014") as if they were two
people. Two given-name forms of one family name are reported when they can be the same person: the same first
initial, and each form's initials a prefix of the other's with no full name that disagrees.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from .. import csl
from ..model import BibFile, Issue
from .codes import issue

NAME_FIELDS = ("author", "editor", "translator", "bookauthor")
_PART = re.compile(r"[^\W\d_][\w'’]*\.?|[^\W\d_]\.", re.U)


@dataclass(frozen=True)
class Use:
    key: str
    line: int
    col: int
    given: str


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


def _parts(given: str) -> list[str]:
    """'Jennifer L.' -> ['jennifer', 'l.']; 'J.-P.' -> ['j.', 'p.']."""
    return [_fold(p) for p in _PART.findall(given.replace("-", " "))]


def same_person(a: str, b: str) -> bool:
    """Whether given names `a` and `b` (different strings) can belong to one person."""
    pa, pb = _parts(a), _parts(b)
    if not pa or not pb or pa == pb:
        return False
    for x, y in zip(pa, pb, strict=False):
        if x[0] != y[0]:
            return False
        full_x, full_y = not x.endswith(".") and len(x) > 1, not y.endswith(".") and len(y) > 1
        if full_x and full_y and x != y:
            return False
    return True


def check(bib: BibFile) -> Iterator[Issue]:
    uses: dict[str, list[Use]] = defaultdict(list)
    shown: dict[str, str] = {}
    for e in bib.entries:
        for name in NAME_FIELDS:
            f = e.get(name)
            if f is None:
                continue
            for p in csl.people(f.value):
                if p.corporate or not p.given:
                    continue
                fam = _fold(f"{p.prefix} {p.family}".strip())
                shown.setdefault(fam, f"{p.prefix} {p.family}".strip())
                pos = f.value_pos
                uses[fam].append(Use(e.key, pos.line, pos.col, p.given))
    for fam, found in sorted(uses.items()):
        forms: dict[str, Use] = {}
        for u in found:
            forms.setdefault(u.given, u)
        names = sorted(forms)
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                if not same_person(a, b):
                    continue
                ua, ub = forms[a], forms[b]
                first, second = sorted((ua, ub), key=lambda u: (u.line, u.col))
                yield issue(
                    bib.path,
                    second.line,
                    second.col,
                    "name-variant",
                    second.key,
                    f"'{shown[fam]}, {second.given}' here and '{shown[fam]}, {first.given}' in [{first.key}] "
                    f"(line {first.line}) can be one person spelt two ways: citations will add initials to tell "
                    "them apart",
                    "write the name the same way in both entries, as the stored pages show it",
                )
