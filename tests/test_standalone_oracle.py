"""The oracle of the standalone citations (what a reader copies from a work's page): pandoc's citeproc formatting the
work as a one-item bibliography (`nocite` naming that work alone, reading references.bib itself), against refkb's
standalone entry (`Rendered.standalone`, refkb.standalone).

tests/test_styles.py holds each standalone entry equal to a one-item citeproc-js engine, the engine refkb uses; this
oracle shares nothing with it but the CSL files. It covers the cells where the standalone entry differs from the
work's entry in the library's list (a year letter, names added to tell namesakes apart, MLA's repeated-author dash):
everywhere else the standalone entry is the list's entry, which tests/test_styles_oracle.py holds to pandoc's list.
Markup is compared in one canonical form, and the same accepted differences and rules apply as to the list's entry
(a rule that does not apply to the work alone fails here too), but for what only a list has: the order of one
author's works, from which the year letters and MLA's dash follow (`LIST_ONLY_RULES`, `LIST_ONLY_FAILURES`).
"""

from __future__ import annotations

import pytest

from markup import canonical
from refkb import styles
from test_styles_oracle import _BIB, _PANDOC_ENTRY, ACCEPTED, ENTRIES, KNOWN_FAILURES, RULES, _pandoc, library

pytestmark = pytest.mark.slow
# Accepted differences about a list's order (pandoc files a work under its title's article): a work alone has none.
LIST_ONLY_RULES = frozenset({"leading-article"})
# Known failures of a list entry that a work alone has not (MLA's dash after an entry of other authors).
LIST_ONLY_FAILURES = frozenset({("ecpatndsummary", "mla")})


def _alone_cells() -> list[object]:
    """Every (work, style) whose standalone entry is not its list entry, from refkb's formatting of references.bib."""
    lib = library()
    out: list[object] = []
    for key in ENTRIES:
        for style in styles.ORDER:
            if lib.ours[key][style].alone:
                failing = (key, style) not in LIST_ONLY_FAILURES and KNOWN_FAILURES.get((key, style))
                marks = [pytest.mark.xfail(strict=True, reason=failing)] if failing else []
                out.append(pytest.param(key, style, marks=marks, id=f"{key}-{style}"))
    return out


def pandoc_alone(key: str, style: str) -> str:
    """pandoc's entry for `key` formatted as the only work of a bibliography, canonical, with the accepted rules."""
    found = _PANDOC_ENTRY.findall(_pandoc(style, f"---\nnocite: '@{key}'\n---\n", _BIB))
    assert [k for k, _ in found] == [key]
    text = canonical(found[0][1])
    for rule in ACCEPTED.get((key, style), ()):
        if rule not in LIST_ONLY_RULES:
            text = RULES[rule].rewrite(text, ENTRIES[key], style)
    return text


@pytest.mark.parametrize(("key", "style"), _alone_cells())
def test_a_standalone_entry_equals_pandocs_one_item_bibliography(key: str, style: str) -> None:
    ours = canonical(library().ours[key][style].standalone)
    assert ours == pandoc_alone(key, style), ACCEPTED.get((key, style), "no accepted difference")


def test_the_list_only_tables_name_rules_and_failures_of_the_oracle() -> None:
    assert set(RULES) >= LIST_ONLY_RULES
    assert set(KNOWN_FAILURES) >= LIST_ONLY_FAILURES
    lib = library()
    assert all(lib.ours[k][s].alone for k, s in LIST_ONLY_FAILURES), "a list-only failure is a cell formatted alone"
    assert any(r.alone for by_style in lib.ours.values() for r in by_style.values()), "no work formatted alone"
