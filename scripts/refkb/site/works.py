"""The works in a build: each entry's CSL item and downloads (cached by the entry's text), the library formatted in
every style, who cites what, the library's JSON index, and the download files of the works, the whole library and
the evidence data."""

from __future__ import annotations

import dataclasses
import functools
import logging
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import Files

from .. import (
    annotation,
    children,
    citations,
    coded,
    csl,
    exports,
    headmeta,
    inherit,
    intext,
    keys,
    method,
    reader,
    refpage,
    selection,
    styles,
)
from ..cache import digest
from ..engine import ClusterCite
from ..model import Entry
from ..refs import Ref
from . import kinds
from .assets import Add
from .context import Build
from .session import OneBuild, Scan
from .session import write_downloads as session_write

log = logging.getLogger("mkdocs.plugins.refkb")
Shown = dict[str, tuple[object, ...]]
_PREPARE_CODE = digest(
    *(Path(f).read_text("utf-8", "replace") for f in (csl.__file__, exports.__file__, inherit.__file__))
)


@dataclass
class Written:
    """The download files of this build and the processes writing them."""

    downloads: dict[str, str] = field(default_factory=dict)  # path in the site -> text
    writer: ProcessPoolExecutor | None = None
    jobs: list[Future[int]] = field(default_factory=list)
    shown: Shown = field(default_factory=dict)  # key -> what its reference page shows (serve, page cache)
    renderer: styles.Renderer | None = None  # the build's, settled when the build ends


def _prepared_ok(hit: object) -> TypeGuard[dict[str, Any]]:
    return (
        isinstance(hit, dict)
        and isinstance(hit.get("item"), dict)
        and all(isinstance(hit.get(k), str) for k in ("ris", "json", "bib", "bibtex"))
    )


def _prepare(b: Build, session: OneBuild, out: Written, records: Sequence[Entry]) -> list[csl.CslItem]:
    """CSL items and per-work downloads of the records (refkb.inherit: what each entry inherits through crossref
    and xdata included, the downloads standalone), from the cache when the record is unchanged (TeX decoding is
    costly; a record's text holds what it inherits)."""
    cache = session.entries(b.project.root / ".cache" / "refkb" / "entries.json")
    items = []
    for e in records:
        key = digest(e.raw, sorted(b.bib.macros.items()) if "#" in e.raw or "=" in e.raw else [], _PREPARE_CODE)
        hit = cache.get(key)
        if not _prepared_ok(hit):  # missing, or a record of the wrong shape (a damaged cache): made again
            item = csl.item(e)
            hit = {
                "item": item,
                "ris": exports.ris([item]),
                "json": exports.csl_json([item]),
                "bib": exports.bibtex([e]),
                "bibtex": exports.bibtex_classic([e]),
            }
            cache.put(key, hit)
        items.append(hit["item"])
        base = f"{b.project.folder}/{keys.slug(e.key)}/{keys.slug(e.key)}"
        out.downloads[f"{base}.bib"] = hit["bib"]
        out.downloads[f"{base}.bibtex.bib"] = hit["bibtex"]
        out.downloads[f"{base}.ris"] = hit["ris"]
        out.downloads[f"{base}.json"] = hit["json"]
        record = headmeta.unapi(hit["item"], e)  # Zotero's capture of a work with no URL (headmeta.unapi_record)
        if record is not None:
            out.downloads[f"{base}{headmeta.UNAPI_SUFFIX}"] = headmeta.unapi_record(record, hit[record.download])
    return items


@dataclass(frozen=True)
class PageSource:
    """A page's Markdown as this build read it, and what it cites."""

    text: str
    scan: Scan


Sources = dict[str, PageSource]  # src -> the page's source


def read_pages(session: OneBuild, files: Files, known: Sources | None = None) -> Sources:
    """Every page's Markdown, read once per build (MkDocs' File.content_string reads the file on every call), and
    its citations, found once (in serve, again only when the text changed); the pages in `known` are not read
    again (the generated pages are added after the authors' pages were read)."""
    out: Sources = dict(known or {})
    for f in files.documentation_pages():
        if f.src_uri not in out:
            text = session.page_text(f)
            out[f.src_uri] = PageSource(text, session.scan(f.src_uri, text, f.name))
    return out


def _cluster_requests(b: Build, pages: Sources, known: set[str]) -> list[list[ClusterCite]]:
    """Every citation cluster the site's pages and data pages will ask for, so that a cold build formats them with
    the library in one engine call per style (a page would otherwise load the style into this process); `known`:
    the works' keys."""
    out: list[tuple[ClusterCite, ...]] = []
    for page in pages.values():
        for c in page.scan.found:
            if all(k in known for k in c.keys):
                out.extend(_requests(c))
    for data_page in kinds.DATA_PAGES.values():
        for record in getattr(b.data, data_page.attr):
            cited = tuple(citations.Cite(k) for k in record.keys if k in known)
            if cited:
                out.extend(_requests(citations.Citation(0, 0, 0, 0, cited)))
            for c in citations.find(getattr(record, "note", "")):  # a claim's note cites inline
                if all(k in known for k in c.keys):
                    out.extend(_requests(c))
    return [list(cl) for cl in dict.fromkeys(out)]


@functools.lru_cache(maxsize=1 << 16)
def _requests(citation: citations.Citation) -> tuple[tuple[ClusterCite, ...], ...]:
    """intext.cluster_requests, once per citation (a serve rebuild asks again for every page's citations)."""
    return tuple(tuple(cl) for cl in intext.cluster_requests(citation))


@dataclass(frozen=True)
class Formatted:
    """The works as one build formatted them: each work's `Ref`, the engine that formatted them, and each work's
    own download files (path in the site -> text)."""

    refs: dict[str, Ref]
    renderer: styles.Renderer
    downloads: dict[str, str]


def format_works(b: Build, session: OneBuild, pages: Sources, out: Written) -> None:
    """Every work formatted in every style (from the cache when unchanged), as `b.refs`: the works' records
    (refkb.inherit; an @xdata entry is no work, only its fields reach the entries that name it). Under `mkdocs
    serve`, kept from the last rebuild while the bibliography, the settings and the pages' citations are the same."""
    records = inherit.resolve(b.bib.entries).works
    clusters = _cluster_requests(b, pages, {e.key for e in records})

    def make() -> Formatted:
        own = Written()
        items = _prepare(b, session, own, records)
        renderer = session.renderer(b.project.root / ".cache" / "refkb")
        rendered = session.kept(  # an edit that changes no CSL item (a coding field, a comment) formats nothing
            "rendered",
            (items, b.project, clusters),
            # the pages need the site's style at once, and APA's order (Ref.sort_key); the other styles show only
            # in the reference pages' cite blocks, put in after the theme (refkb.later)
            lambda: renderer.render(items, clusters={b.project.style: clusters}, first=(b.project.style, "apa")),
        )
        refs = {
            e.key: Ref(e, it, rendered[e.key], folder=b.project.folder) for e, it in zip(records, items, strict=True)
        }
        return Formatted(refs, renderer, own.downloads)

    warming = session.warm_page_citer(b)
    made = session.kept("formatted", (b.bib, b.project, clusters), make)
    if warming is not None:
        warming.wait()
    b.renderer = out.renderer = made.renderer
    session.works_formatted(made.renderer)
    b.refs = dict(made.refs)  # who_cites replaces refs in b.refs, never in the kept dict
    out.downloads.update(made.downloads)


def add_downloads(add: Add, b: Build, out: Written) -> None:
    """The whole library's files, joined from each work's own, and each work's records for exporting a selection."""
    per = [f"{b.project.folder}/{keys.slug(k)}/{keys.slug(k)}" for k in b.refs]
    d = out.downloads
    add("downloads/references.bib", exports.joined_bibtex([d[f"{p}.bib"] for p in per]))
    add("downloads/references.bibtex.bib", exports.joined_bibtex([d[f"{p}.bibtex.bib"] for p in per]))
    add("downloads/references.ris", exports.joined_ris([d[f"{p}.ris"] for p in per]))
    add("downloads/references.json", exports.joined_csl_json([d[f"{p}.json"] for p in per]))
    engine = b.renderer.engine_items() if b.renderer is not None else {}
    parts = (
        selection.WorkRecord(k, d[f"{p}.bib"], d[f"{p}.ris"], d[f"{p}.json"], r.csl_item, engine.get(k))
        for p, (k, r) in zip(per, b.refs.items(), strict=True)
    )
    add(selection.RECORDS, selection.records(parts))  # the library's and the map's export of the shown works


def write_downloads(out: Written, session: OneBuild, site: Path, dirty: bool) -> None:
    """Each work's downloads (thousands of small files), written by a second process while MkDocs renders the pages
    (the site folder was cleaned before on_files; on_post_build waits for it) — or, in a dirty serve rebuild, only
    those that changed, here. A thread would wait for the GIL between every two files."""
    if session.downloads_written(site, out.downloads, dirty):
        return
    out.writer = children.pool(1, "fork")
    out.jobs.append(out.writer.submit(session_write, site, dict(out.downloads)))


def who_cites(b: Build, files: Files, pages: Sources) -> dict[str, set[str]]:
    """Before any page is rendered: each work's "cited on" list, and the topics whose pages discuss it. Returns
    key -> the pages citing it."""
    citers: dict[str, set[str]] = defaultdict(set)
    cited_on: dict[str, list[refpage.CitingPage]] = defaultdict(list)
    for f in files.documentation_pages():
        scan = pages[f.src_uri].scan
        if not scan.found:
            continue
        topic = f.src_uri[len("topics/") : -3] if f.src_uri.startswith("topics/") else ""
        seen: set[str] = set()
        for c in scan.found:
            for key in c.keys:
                citers[key].add(f.src_uri)
                if key in b.refs and key not in seen:
                    seen.add(key)
                    cited_on[key].append(refpage.CitingPage(f.url, scan.title))
                    if topic:
                        ref = b.refs[key]
                        b.refs[key] = dataclasses.replace(ref, discussed_in=(*ref.discussed_in, topic))
    for src, data_page in kinds.DATA_PAGES.items():
        for key in dict.fromkeys(k for record in getattr(b.data, data_page.attr) for k in record.keys):
            if key in b.refs:
                cited_on[key].append(refpage.CitingPage(src[:-3] + "/", data_page.title))
    for key in cited_on:
        cited_on[key].sort(key=lambda p: p.url)
    b.cited_on = dict(cited_on)
    return citers


def shown_by_work(b: Build) -> Shown:
    """For each work, what its reference page and the pages citing it show of it besides the annotation."""
    claims: dict[str, list[str]] = defaultdict(list)
    for claim, made in zip(b.data.claims, _digests(b.data.claims), strict=True):
        for key in claim.keys:  # a reference page lists the claims citing its work, with their text and verdict
            claims[key].append(made)
    settings = digest(b.project)
    return {
        key: (
            ref.entry.raw,
            ref.rendered,  # a mapping (compared and digested as one): read only when compared, see refkb.later
            ref.discussed_in,
            tuple((p.url, p.title) for p in b.cited_on.get(key, [])),
            tuple(claims.get(key, [])),
            settings,
            str(b.notes[key].verified_on) if key in b.notes else "",
        )
        for key, ref in b.refs.items()
    }


@functools.lru_cache(maxsize=2)
def _digests(claims: tuple[object, ...]) -> tuple[str, ...]:
    """Each claim's digest, once while the ledger is the same (a serve rebuild asks again)."""
    return tuple(digest(c) for c in claims)


def summary(note: annotation.Annotation | None) -> str:
    """The annotation's Summary as plain text (for the library's text filter)."""
    if note is None:
        return ""
    text = note.sections.get("Summary", "")
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return " ".join(re.sub(r"[*_`#>]", "", text).split())


def index(b: Build, session: OneBuild, shown: Shown) -> list[dict[str, object]]:
    """The library's JSON index, with each work's topics (tagged, or discussed on the topic's page)."""
    return [session.index_record(r, summary(b.notes.get(r.key)), shown.get(r.key, ())) for r in b.refs.values()]


def add_evidence_files(add: Add, b: Build, session: OneBuild, shown: Mapping[str, tuple[object, ...]]) -> None:
    """The coding's CSV and JSON, and the data package of the method (coding, appraisal, searches, screening);
    under `mkdocs serve` made again only when what they are made from changed."""
    if b.project.coding is None:
        return
    for name, content in session.evidence_files(b, shown, lambda: evidence_files(b)).items():
        add(f"downloads/{name}", content)


def evidence_files(b: Build) -> dict[str, str]:
    scheme = b.project.coding
    assert scheme is not None
    srcs = b.evidence_sources()
    rows = coded.export_rows(srcs, scheme, b.site_url)
    coding_csv = coded.coding_csv(srcs, scheme, b.site_url, rows)
    out = {"coding.csv": coding_csv, "coding.json": coded.coding_json(srcs, scheme, b.site_url, rows)}
    log_ = b.search_log()
    if log_ is not None:
        out.update(method.data_package(list(b.refs), b.appraisals(), log_, coding_csv, b.site_url))
    return out


def install_picker(b: Build, session: OneBuild, out: Written, site: Path) -> None:
    """The style picker's files (when citeproc-js is installed), written beside the downloads."""
    if reader.engine_source(b.project.root) is None:
        log.info("refkb: node_modules/citeproc is missing (npm ci): reference pages get no style picker")
        return
    style_index = session.style_index(b.project.root / ".cache" / "refkb")
    b.picker_styles = len(style_index)
    if session.picker_written(site, style_index):
        return  # a dirty serve rebuild: the site folder has them from the last build
    if out.writer is not None:  # written by the downloads' process while MkDocs renders the pages
        out.jobs.append(out.writer.submit(reader.install_picker, site, b.project.root, style_index))
    else:
        reader.install_picker(site, b.project.root, style_index)


def no_more_writes(out: Written) -> None:
    """Every write has been handed to the downloads' process: it ends as soon as they are done instead of with the
    build. It is a fork of this process made in on_files, and kept to on_post_build it held its copy of the build's
    memory while MkDocs rendered the pages (135 MB at 1,000 grown works, 484 MB at 5,000)."""
    if out.writer is not None:
        out.writer.shutdown(wait=False)  # its jobs still run; wait_for_writes takes their results


def wait_for_writes(out: Written) -> None:
    """The downloads and the picker's files are written before the build ends, and every style is formatted (a
    build that read none of those formatted later still keeps them in the disk cache)."""
    if out.renderer is not None:
        out.renderer.settle()
    try:
        for job in out.jobs:
            job.result()
    except OSError as exc:
        raise PluginError(f"refkb: cannot write the downloads or the style picker's files: {exc}") from exc
    finally:
        if out.writer is not None:
            out.writer.shutdown()
