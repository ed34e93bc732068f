"""Which works a `mkdocs serve` rebuild keeps as the last rebuild made them.

A work whose `Ref` reads the same as the last rebuild's keeps the last one, with what it worked out lazily (the
public CSL item, names, sort keys): after an edit of one entry the pages and files of the whole library ask those of
every work again, and what is unchanged is then the very object the last rebuild held, so the memos of the rebuild
compare it by one identity test.

A work's formatting is part of how it reads. Under serve the kept engines format the styles a rebuild needs at once
(the site's style and APA) and return; the other styles are formatted in the background while the rebuild goes on
(refkb.later.Behind). Only a work's own reference page shows those styles (its cite block, made when the page is
written). So a work whose entry, CSL item and styles formatted so far read the same is kept *for now* (`keep`), and
the plan, once it has composed the pages of the whole library, compares the other styles (`settle`, which waits for
them): a work whose other styles changed takes its new `Ref`, and its reference page is made again."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mkdocs.structure.files import File, Files

from ..later import WorkStyles, settled
from ..refs import Ref
from ..stylerecords import Rendered
from . import kinds, works
from .context import Build


def shown_same(old: Ref, new: Ref) -> bool | None:
    """The same work as pages show it: its entry but for where it stands in the file (offsets), its CSL item, its
    formatting in every style, the topics discussing it and its folder. None: the same in all of that but the styles
    still being formatted (the new work's `WorkStyles`), which are not waited for here."""
    a, b = old.entry, new.entry
    same_entry = a is b or (
        a.raw == b.raw
        and a.type == b.type
        and a.key == b.key
        and a.comments == b.comments
        and [(f.name, f.value) for f in a.fields] == [(f.name, f.value) for f in b.fields]
    )
    if not (
        same_entry
        and old.csl_item == new.csl_item
        and old.discussed_in == new.discussed_in
        and old.folder == new.folder
    ):
        return False
    return _same_styles(old.rendered, new.rendered)


def _same_styles(old: Mapping[str, Rendered], new: Mapping[str, Rendered]) -> bool | None:
    if old is new or settled(new):
        return old == new
    assert isinstance(new, WorkStyles)
    ready = new.ready()
    if any(old.get(style) != value for style, value in ready.items()):
        return False
    return None


@dataclass
class SameRefs:
    """The works as the last rebuild showed them, and this rebuild's works kept for now (`keep`) whose other styles
    are still being formatted: key -> the work as this rebuild made it."""

    last: dict[str, Ref] = field(default_factory=dict)
    unsure: dict[str, Ref] = field(default_factory=dict)

    def keep(self, refs: dict[str, Ref]) -> None:
        """Each work that reads the same as the last rebuild's takes the last one, in `refs` (for now: `settle`)."""
        self.unsure = {}
        for key, ref in refs.items():
            old = self.last.get(key)
            if old is None or old is ref:
                continue
            same = shown_same(old, ref)
            if same is None:
                self.unsure[key] = ref
            if same is not False:
                refs[key] = old
        self.last = dict(refs)

    def settle(self, b: Build, files: Files, shown: dict[str, Any], recompose: Callable[[File], None]) -> None:
        """The works kept for now compared in every style (waiting for the styles being formatted): one whose other
        styles changed takes its new `Ref` (in `b.refs`, `shown` and the works kept for the next rebuild), and its
        reference page is marked to be made again (`recompose`)."""
        unsure, self.unsure = self.unsure, {}
        changed = {}
        for key, new in unsure.items():
            old = b.refs.get(key)
            if old is not None and dict(old.rendered) != dict(new.rendered):
                changed[key] = new
        if not changed:
            return
        for key, new in changed.items():
            b.refs[key] = self.last[key] = new
        again = works.shown_by_work(b)  # what pages show of those works, now with their new formatting
        shown.update({key: again[key] for key in changed if key in shown})
        layout = b.where()
        for f in files.documentation_pages():
            if kinds.ref_key(layout, f.src_uri) in changed:
                recompose(f)
