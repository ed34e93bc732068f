"""refkb.site.samerefs: which works a serve rebuild keeps as the last rebuild made them — for now, where styles are
still being formatted in the background, and settled once they are here."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from mkdocs.structure.files import File, Files

from refkb import bibfile, csl
from refkb.later import Later, WorkStyles
from refkb.refs import Ref
from refkb.site import kinds, works
from refkb.site.context import Build
from refkb.site.samerefs import SameRefs, shown_same
from refkb.stylerecords import Rendered

_ONE = (
    "@string{pub = {Polaris}}\n\n"
    "@report{polaris2018onramps,\n  author = pub,\n  title = {On-Ramps},\n  year = {2018}\n}\n"
)
SAME_AS_SHOWN = [  # (what changed in the file, whether the work reads the same on every page)
    ("nothing", _ONE, True),
    ("a blank line above it (it moved in the file)", "\n" + _ONE.replace("\n\n@report", "\n\n\n@report"), True),
    ("an entry above it", _ONE.replace("@report", "@misc{a2020b,\n  title = {B}\n}\n\n@report"), True),
    ("its title", _ONE.replace("On-Ramps", "Off-Ramps"), False),
    ("a macro it uses", _ONE.replace("{Polaris}", "{Polaris Project}"), False),
    ("its entry type", _ONE.replace("@report", "@techreport"), False),
    ("a comment before it", _ONE.replace("\n\n@report", "\n\n% checked 2026\n@report"), False),
]


def _ref(source: str, rendered: Any = None) -> Ref:
    entry = next(e for e in bibfile.parse_text(source, "references.bib").entries if e.key == "polaris2018onramps")
    return Ref(entry, csl.item(entry), rendered if rendered is not None else {})


@pytest.mark.parametrize(("edit", "text", "same"), SAME_AS_SHOWN, ids=[e for e, _, _ in SAME_AS_SHOWN])
def test_a_work_that_only_moved_in_the_file_is_kept(edit: str, text: str, same: bool) -> None:
    assert shown_same(_ref(_ONE), _ref(text)) is same


def test_shown_same_compares_every_field_of_a_work() -> None:
    """A field added to Ref must be compared by shown_same (or the rebuild would keep a work showing it stale)."""
    assert [f.name for f in dataclasses.fields(Ref)] == ["entry", "csl_item", "rendered", "discussed_in", "folder"]


def _rec(style: str, html: str) -> Rendered:
    return Rendered("polaris2018onramps", style, html, html, "(Polaris, 2018)")


class _Pending:
    """A work's styles with some still being formatted: `finish` puts them (what the background thread does)."""

    def __init__(self, ready: dict[str, str], later: dict[str, str]) -> None:
        self.later = later
        self.waited = threading.Event()
        pending = Later(tuple(later), self.finish) if later else None
        self.work: WorkStyles[Rendered] = WorkStyles((*ready, *later), pending)
        for style, html in ready.items():
            self.work.put(style, _rec(style, html))

    def finish(self) -> None:
        self.waited.set()
        for style, html in self.later.items():
            self.work.put(style, _rec(style, html))


OLD = {"apa": _rec("apa", "A"), "mla": _rec("mla", "M")}
WITH_STYLES = [  # (the styles ready now, those formatted later, shown_same, whether it waited for them)
    ({"apa": "A"}, {"mla": "M"}, None, False),  # the same so far: kept for now, not waited for
    ({"apa": "A2"}, {"mla": "M"}, False, False),  # a style formatted so far differs: not the same, at once
    ({"apa": "A", "mla": "M"}, {}, True, False),  # every style here
    ({"apa": "A", "mla": "M2"}, {}, False, False),
]


@pytest.mark.parametrize(("ready", "later", "same", "waited"), WITH_STYLES)
def test_styles_still_being_formatted_are_not_waited_for(
    ready: dict[str, str], later: dict[str, str], same: bool | None, waited: bool
) -> None:
    pending = _Pending(ready, later)
    assert shown_same(_ref(_ONE, OLD), _ref(_ONE, pending.work)) is same
    assert pending.waited.is_set() is waited


def _site(tmp_path: Path) -> tuple[Files, File, kinds.Layout]:
    page = File("references/polaris2018onramps.md", str(tmp_path / "docs"), str(tmp_path / "site"), True)
    other = File("topics/t.md", str(tmp_path / "docs"), str(tmp_path / "site"), True)
    layout = kinds.Layout(
        "references",
        {"polaris2018onramps": "polaris2018onramps"},
        {},
        {},
        frozenset(),
        "references.bib",
        "docs",
        "docs/references",
    )
    return Files([page, other]), page, layout


@pytest.mark.parametrize(("later_html", "changed"), [("M", False), ("M2", True)])
def test_a_work_kept_for_now_takes_its_new_formatting_when_its_other_styles_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, later_html: str, changed: bool
) -> None:
    """`keep` keeps the last rebuild's work while its other styles are formatted; `settle` waits for them, and a
    work whose other styles changed takes its new `Ref` (in the build, in what pages show of it, and for the next
    rebuild) and has its reference page made again."""
    files, page, layout = _site(tmp_path)
    old = _ref(_ONE, OLD)
    same = SameRefs(last={"polaris2018onramps": old})
    pending = _Pending({"apa": "A"}, {"mla": later_html})
    new = _ref(_ONE, pending.work)
    refs = {"polaris2018onramps": new}
    same.keep(refs)
    assert refs["polaris2018onramps"] is old  # for now
    assert not pending.waited.is_set()
    build = cast(Build, SimpleNamespace(refs=refs, where=lambda: layout))
    monkeypatch.setattr(works, "shown_by_work", lambda b: {k: ("shown", r) for k, r in b.refs.items()})
    shown: dict[str, Any] = {"polaris2018onramps": ("shown", old)}
    recomposed: list[str] = []
    same.settle(build, files, shown, lambda f: recomposed.append(f.src_uri))
    assert pending.waited.is_set()
    kept = new if changed else old
    assert (refs["polaris2018onramps"], same.last["polaris2018onramps"]) == (kept, kept)
    assert refs["polaris2018onramps"] is kept
    assert shown == {"polaris2018onramps": ("shown", kept)}
    assert recomposed == ([page.src_uri] if changed else [])
    assert same.unsure == {}
