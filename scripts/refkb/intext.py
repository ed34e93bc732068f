"""In-text citations and reference lists: each citation formatted by the style's engine and linked to the cited
work's page, and prose from data files with its `[@key]` citations formatted."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from . import citations
from .citations import Citation, Cite
from .engine import CITE_END, CITE_SEP, CITE_START, ClusterCite
from .fragment import fmt, relative_url
from .refs import Ref

_LOCATOR = re.compile(
    r"^,?\s*(?P<label>pp?|pages?|ch|chap|chapters?|sec|sections?|§+|para|paras|paragraphs?|fig|figs|figures?|vol|"
    r"vols|volumes?|n|nn|notes?|l|ll|lines?|tbl|tables?)\.?\s+(?P<value>[^,;]+?)(?P<rest>,.*)?$"
    r"|^,?\s*(?P<bare>\d+(?:\s*[-–]\s*\d+)?)(?P<rest2>,.*)?$",
    re.I,
)
_LABELS = {
    "page": ("page", "p", "pp", "pages"),
    "chapter": ("ch", "chap", "chapter", "chapters"),
    "section": ("sec", "section", "sections", "§"),
    "paragraph": ("para", "paras", "paragraph", "paragraphs"),
    "figure": ("fig", "figs", "figure", "figures"),
    "volume": ("vol", "vols", "volume", "volumes"),
    "note": ("n", "nn", "note", "notes"),
    "line": ("l", "ll", "line", "lines"),
    "table": ("tbl", "table", "tables"),
}
_LABEL_OF = {alias: label for label, aliases in _LABELS.items() for alias in aliases}
# A function that formats citation clusters in a style (styles.Renderer.cluster): works wrapped in markers.
ClusterFn = Callable[[str, Sequence[ClusterCite]], str]


@dataclass(frozen=True)
class Locator:
    """A citation's suffix read as a CSL locator: its label ('page', 'chapter', …), the locator itself ('3-4'), and
    the rest of the suffix, kept as text."""

    label: str = ""
    value: str = ""
    rest: str = ""


def locator(suffix: str) -> Locator:
    """A citation's suffix as a locator: ', pp. 3-4' -> Locator('page', '3-4', ''); the engine writes the label in
    the style's way (APA 'pp. 3–4', Chicago '3–4')."""
    suffix = suffix.strip()
    if not suffix:
        return Locator()
    m = _LOCATOR.match(suffix)
    if not m:
        return Locator(rest=suffix.lstrip(", "))
    if m["bare"] is not None:
        return Locator("page", m["bare"].strip(), (m["rest2"] or "").lstrip(", "))
    label = _LABEL_OF.get(m["label"].lower().rstrip("."), "page")
    return Locator(label, m["value"].strip(), (m["rest"] or "").lstrip(", "))


_WRAPPED = re.compile(re.escape(CITE_START) + "(.*?)" + re.escape(CITE_SEP) + "(.*?)" + re.escape(CITE_END), re.S)
_NO_FORM = "[NO_PRINTED_FORM]"


def _linked(cluster: str, refs: Mapping[str, Ref], style_id: str, current: str) -> Markup:
    """A formatted cluster (safe HTML from the engine) with each work linked to its page."""

    def one(m: re.Match[str]) -> str:
        return str(_link(Markup(m.group(2)), refs.get(m.group(1)), style_id, current))

    return Markup(_WRAPPED.sub(one, cluster.replace(_NO_FORM, "")))


def _cluster_cite(cite: Cite, **flags: bool) -> ClusterCite:
    loc = locator(cite.suffix)
    return ClusterCite(
        cite.key, locator=loc.value, label=loc.label, prefix=cite.prefix.strip(), suffix=loc.rest, **flags
    )


def intext(citation: Citation, refs: Mapping[str, Ref], style_id: str, current: str, clusters: ClusterFn) -> Markup:
    """One citation as it reads in the text, formatted by the style's engine (order, collapsing, locators), each
    work linked to its page. A narrative citation (`@key`) is the author, then the year in the style's
    parentheses, as pandoc writes it."""
    if citation.narrative:
        parts = []
        for cite in citation.cites:
            author = clusters(style_id, [_cluster_cite(cite, author_only=True)])
            year = clusters(style_id, [_cluster_cite(cite, suppress_author=True)])
            if _NO_FORM in author or not _WRAPPED.sub(r"\2", author).strip():
                author = clusters(style_id, [_cluster_cite(cite)])
                year = ""
            if style_id == "apa":
                author = author.replace(" &#38; ", " and ")
            year = year.replace(_NO_FORM, "")
            text = _linked(author, refs, style_id, current)
            if _shown(year):
                text += Markup(" ") + _linked(year, refs, style_id, current)
            elif CITE_START not in author:  # MLA names the author alone: the name is the link
                text = _link(text, refs.get(cite.key), style_id, current)
            parts.append(text)
        return fmt('<span class="refkb-citation">{}</span>', Markup("; ").join(parts))
    cluster = [_cluster_cite(c, suppress_author=c.suppress_author) for c in citation.cites]
    formatted = clusters(style_id, cluster)
    if not _shown(formatted) and any(c.suppress_author for c in cluster):
        # MLA prints nothing for `[-@key]` without a page (the author is named in the prose): the citation is then
        # the whole parenthetical, so that it still shows and links the work.
        formatted = clusters(style_id, _unsuppressed(citation))
    return fmt('<span class="refkb-citation">{}</span>', _linked(formatted, refs, style_id, current))


def _shown(cluster: str) -> bool:
    """True when a formatted cluster prints something besides its parentheses."""
    return bool(_WRAPPED.sub(r"\2", cluster.replace(_NO_FORM, "")).strip("() "))


def _unsuppressed(citation: Citation) -> list[ClusterCite]:
    return [_cluster_cite(c) for c in citation.cites]


def _link(text: Markup, ref: Ref | None, style_id: str, current: str) -> Markup:
    """`text` (safe HTML) as one link to the work's page."""
    if ref is None:
        return text
    return fmt(
        '<a class="refkb-cite" href="{}" data-key="{}" title="{}">{}</a>',
        relative_url(ref.url, current),
        ref.key,
        ref.rendered[style_id].text,
        text,
    )


def cluster_requests(citation: Citation) -> list[list[ClusterCite]]:
    """The clusters `intext` asks the engine for (a narrative citation: author, then year; with a fallback to the
    whole citation for a work with no author), so that a build can format them all with the library."""
    if citation.narrative:
        out = []
        for cite in citation.cites:
            out += [
                [_cluster_cite(cite, author_only=True)],
                [_cluster_cite(cite, suppress_author=True)],
                [_cluster_cite(cite)],
            ]
        return out
    asked = [[_cluster_cite(c, suppress_author=c.suppress_author) for c in citation.cites]]
    return [*asked, _unsuppressed(citation)] if any(c.suppress_author for c in citation.cites) else asked


def reference_list(refs: Iterable[Ref], style_id: str, current: str, css: str = "refkb-bibliography") -> Markup:
    """The works in the style's order, each with its anchor (`ref-<slug>`) and a link to its page."""
    items = sorted(refs, key=lambda r: r.rendered[style_id].order)
    return fmt(
        '<div class="{}">{}</div>',
        css,
        Markup("").join(
            fmt(
                '<p class="refkb-entry" id="ref-{}">{} <a class="refkb-more" href="{}" title="{}">{}</a></p>',
                r.slug,
                Markup(r.rendered[style_id].html),
                relative_url(r.url, current),
                "About this source",
                Markup("&rarr;"),
            )
            for r in items
        ),
    )


def cite_keys(keys: Sequence[str], refs: Mapping[str, Ref], style_id: str, current: str, clusters: ClusterFn) -> Markup:
    """A parenthetical citation of `keys` (those that exist), linked to their pages."""
    known = tuple(Cite(k) for k in keys if k in refs)
    if not known:
        return Markup("")
    return intext(Citation(0, 0, 0, 0, known), refs, style_id, current, clusters)


def cited_text(text: str, refs: Mapping[str, Ref], style_id: str, current: str, clusters: ClusterFn) -> Markup:
    """Prose from a data file with its `[@key]` citations formatted and linked (the rest escaped)."""
    out, at = Markup(""), 0
    for c in citations.find(text):
        if not all(k in refs for k in c.keys):
            continue
        out += escape(text[at : c.start]) + intext(c, refs, style_id, current, clusters)
        at = c.end
    return out + escape(text[at:])
