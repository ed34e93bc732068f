"""A style's records: each work as a style formats it (`Rendered`), made from the engine's bibliography, kept in
the disk cache, and made back into a bibliography (an engine that registers the library takes it as formatted:
`engine.Citeproc.register`)."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from . import engine, htmlpolicy


@dataclass(frozen=True)
class Rendered:
    """One work in one style."""

    key: str
    style: str
    html: str  # the reference-list entry, safe HTML
    text: str  # the same as plain text
    intext: str  # the work's own parenthetical citation, safe HTML, e.g. "(Polaris, 2018a)"
    order: int = 0  # position in the style's reference list
    # the work as a one-item bibliography (what a reader copies alone: no year suffix, no names added to tell it
    # from another work, no repeated-author dash), "" when that is `html`
    alone: str = ""

    @property
    def standalone(self) -> str:
        return self.alone or self.html


_TAG = re.compile(r"<[^>]+>")
_ENTRY_DIV = re.compile(r'^<div class="csl-entry">(.*)</div>$', re.S)


def to_text(fragment: str) -> str:
    """Plain text of a rendered fragment (tags dropped, entities decoded)."""
    return html.unescape(_TAG.sub("", fragment))


def entry_html(raw: str) -> str:
    """An entry of citeproc-js's bibliography without its `csl-entry` div, its spaces as a page shows them."""
    m = _ENTRY_DIV.match(raw.strip())
    # citeproc-js leaves two spaces where a name part it does not print stood ("boyd,  danah").
    return re.sub(r" {2,}", " ", (m.group(1) if m else raw).strip())


RECORD_FIELDS = {"key": str, "style": str, "html": str, "text": str, "intext": str, "order": int, "alone": str}


def kept_records(hit: object) -> list[Rendered] | None:
    """A style's records as the cache kept them, when every one has Rendered's fields and types and no HTML in them
    would run as script; None (a miss: formatted again) otherwise."""
    if not isinstance(hit, list):
        return None
    out = []
    for r in hit:
        if not isinstance(r, dict) or set(r) != set(RECORD_FIELDS):
            return None
        if not all(isinstance(r[k], t) and not isinstance(r[k], bool) for k, t in RECORD_FIELDS.items()):
            return None
        if any(htmlpolicy.runs_script(r[k]) for k in ("html", "intext", "alone")):
            return None
        out.append(Rendered(**r))
    return out


def records_of(style_id: str, keys: Sequence[str], bib: engine.Bibliography) -> list[Rendered]:
    """Each work of `keys` as the style's bibliography formats it, in the order of `keys`."""
    position = {k: i for i, k in enumerate(bib.order)}
    out = []
    for k in keys:
        entry = entry_html(bib.entries.get(k, ""))
        alone = entry_html(bib.alone[k]) if k in bib.alone else ""
        label, at = bib.labels.get(k, ""), position.get(k, len(position))
        out.append(Rendered(k, style_id, entry, to_text(entry), label, at, "" if alone == entry else alone))
    return out


def bibliography(records: Sequence[Rendered]) -> engine.Bibliography:
    """The bibliography the records were made from (`records_of`), as far as they say it: the order, each entry, label
    and work alone that is not empty (made into records again, it gives the same records)."""
    return engine.Bibliography(
        tuple(r.key for r in sorted(records, key=lambda r: r.order)),
        {r.key: r.html for r in records if r.html},
        {r.key: r.intext for r in records if r.intext},
        {r.key: r.alone for r in records if r.alone},
    )
