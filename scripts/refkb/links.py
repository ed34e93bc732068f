"""Link-rot defence.

Offline: every internal link and anchor of a built site resolves (MkDocs' own `validation:` covers links written
in Markdown; this also covers the HTML refkb generates). Online: every URL in references.bib answers, checked with
timeouts, retries and a polite per-host pace; for a dead one, the Wayback Machine's availability API is asked for
an archived copy, which `fix_archive` can write into the entry's `archiveurl`.

Base URLs come from the environment (`REFKB_WAYBACK_URL`), so tests run against a server on 127.0.0.1.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import posixpath
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from . import __version__, bibfile, citations, profiles, values
from .checks.codes import issue
from .checks.settings import Settings
from .checks.suite import validate_bib
from .model import BibFile, Entry, Issue, Level, Position
from .project import Project

USER_AGENT = f"refkb-linkcheck/{__version__} (+link-rot check of a research knowledge base)"
DEFAULT_WAYBACK = "https://archive.org"

# ---------------------------------------------------------------------------------------------------------------
# Offline: the built site


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[str, str]] = []  # (attribute, value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in ("id", "name") and (name == "id" or tag == "a"):
                self.ids.add(value)
            elif (name == "href" and tag in ("a", "link", "area")) or (
                name == "src" and tag in ("img", "script", "source", "iframe", "audio", "video")
            ):
                self.links.append((tag, value))


@dataclass(frozen=True)
class SiteProblem:
    page: str  # site-relative path of the HTML file
    link: str
    code: str  # broken-link | broken-anchor
    message: str

    def as_issue(self) -> Issue:
        return issue(
            self.page,
            1,
            1,
            self.code,
            "",
            f"{self.message}: {self.link!r}",
            "correct the link or the page it points to",
        )


_EXTERNAL = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//)")


def check_site(site: Path) -> list[SiteProblem]:
    pages: dict[str, _Page] = {}
    for path in sorted(site.rglob("*.html")):
        parser = _Page()
        parser.feed(path.read_text(encoding="utf-8", errors="replace"))
        pages[path.relative_to(site).as_posix()] = parser
    problems = []
    for rel, parsed in pages.items():
        base = posixpath.dirname(rel)
        for _, link in parsed.links:
            if _EXTERNAL.match(link) or (link.startswith("#") and not link[1:]):
                continue
            target, _, fragment = link.partition("#")
            target = urllib.parse.unquote(target.split("?", 1)[0])
            if target.startswith("/"):
                resolved = target.lstrip("/")
            else:
                resolved = posixpath.normpath(posixpath.join(base, target)) if target else rel
            if resolved.startswith(".."):
                problems.append(SiteProblem(rel, link, "broken-link", "points outside the site"))
                continue
            file = site / resolved
            if target.endswith("/") or file.is_dir():
                file = file / "index.html"
                resolved = posixpath.join(resolved, "index.html") if resolved != "." else "index.html"
            if not file.exists():
                problems.append(SiteProblem(rel, link, "broken-link", "no such file in the site"))
                continue
            if fragment:
                key = posixpath.normpath(resolved)
                ids = pages[key].ids if key in pages else None
                if ids is not None and urllib.parse.unquote(fragment) not in ids:
                    problems.append(SiteProblem(rel, link, "broken-anchor", "no such anchor on the page"))
    return problems


# ---------------------------------------------------------------------------------------------------------------
# Online: the URLs of references.bib


@dataclass(frozen=True)
class UrlResult:
    key: str
    field: str
    url: str
    line: int
    col: int
    status: str  # ok | redirect | dead | error
    code: int | None = None
    final_url: str = ""
    message: str = ""
    archive: str = ""
    cited_on: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}

    def as_issue(self, path: str) -> Issue:
        code = {"redirect": "moved-link", "dead": "dead-link"}.get(self.status, "unreachable-link")
        fix = (
            f"archived copy: {self.archive} (refkb check-links --online --fix-archive writes it)"
            if self.archive
            else f"update {self.field} to {self.final_url}"
            if self.status == "redirect"
            else "find the page's new address or an archived copy"
        )
        cited = f"; cited on {', '.join(self.cited_on)}" if self.cited_on else ""
        return issue(path, self.line, self.col, code, self.key, f"{self.field} {self.url!r} {self.message}{cited}", fix)


@dataclass
class Checker:
    """HTTP checks with timeouts, retries with back-off, and at most one request per host every `delay` seconds."""

    timeout: float = 10.0
    retries: int = 2
    delay: float = 1.0
    backoff: float = 1.0
    workers: int = 4
    _last: dict[str, float] = field(default_factory=dict)
    _locks: dict[str, threading.Lock] = field(default_factory=lambda: defaultdict(threading.Lock))
    _guard: threading.Lock = field(default_factory=threading.Lock)

    def _pace(self, url: str) -> threading.Lock:
        host = urllib.parse.urlsplit(url).netloc
        with self._guard:
            return self._locks[host]

    def _request(self, url: str, method: str) -> tuple[int, str]:
        request = urllib.request.Request(url, method=method, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
        lock = self._pace(url)
        with lock:
            host = urllib.parse.urlsplit(url).netloc
            wait = self._last.get(host, 0.0) + self.delay - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    if method == "GET":
                        response.read(65536)
                    return int(response.status), str(response.geturl())
            except urllib.error.HTTPError as exc:
                return int(exc.code), str(exc.geturl() or url)
            finally:
                self._last[host] = time.monotonic()

    def check(self, url: str) -> tuple[str, int | None, str, str]:
        """(status, HTTP code, final URL, message)."""
        last_error = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                code, final = self._request(url, "HEAD")
                if code in (400, 403, 405, 501):  # servers that refuse HEAD
                    code, final = self._request(url, "GET")
            except (urllib.error.URLError, TimeoutError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                last_error = f"did not answer ({reason})"
                if isinstance(reason, OSError) and getattr(reason, "errno", None) in (-2, -3, -5, 111):
                    return "dead", None, url, last_error  # no such host, connection refused
                continue
            if code in (429,) or code >= 500:
                last_error = f"answered HTTP {code}"
                continue
            if code in (404, 410):
                return "dead", code, final, f"answered HTTP {code}"
            if code >= 400:
                return "error", code, final, f"answered HTTP {code}"
            if final.rstrip("/") != url.rstrip("/"):
                return "redirect", code, final, f"redirects to {final}"
            return "ok", code, final, f"answered HTTP {code}"
        return "error", None, url, last_error or "did not answer"


def wayback(url: str, when: str = "", timeout: float = 10.0) -> str:
    """The closest archived copy of `url` (around `when`, YYYY-MM-DD) that the Wayback Machine has, or ''."""
    base = os.environ.get("REFKB_WAYBACK_URL", DEFAULT_WAYBACK).rstrip("/")
    query = {"url": url}
    if when:
        query["timestamp"] = when.replace("-", "")
    request = urllib.request.Request(
        f"{base}/wayback/available?{urllib.parse.urlencode(query)}", headers={"User-Agent": USER_AGENT}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data = json.loads(response.read().decode("utf-8"))
    except (urllib.error.URLError, TimeoutError, OSError, ValueError):
        return ""
    closest = (data.get("archived_snapshots") or {}).get("closest") or {}
    snapshot = str(closest.get("url", ""))
    if closest.get("available") and str(closest.get("status", "200")) == "200" and not values.url_problem(snapshot):
        return snapshot.replace("http://web.archive.org/", "https://web.archive.org/")
    return ""


def citing_pages(project: Project) -> dict[str, list[str]]:
    """key -> docs pages that cite it."""
    out: dict[str, list[str]] = defaultdict(list)
    if project.docs.is_dir():
        for md in sorted(project.docs.rglob("*.md")):
            for c in citations.find(md.read_text(encoding="utf-8")):
                for key in c.keys:
                    page = project.relative(md)
                    if page not in out[key]:
                        out[key].append(page)
    return out


def check_urls(
    bib: BibFile,
    checker: Checker,
    cited: Mapping[str, Sequence[str]] | None = None,
    progress: Callable[[], None] | None = None,
    archive: bool = True,
) -> list[UrlResult]:
    jobs = []
    for e in bib.entries:
        for name in values.URL_FIELDS:
            f = e.get(name)
            if f is not None and f.value.strip() and not values.url_problem(f.value.strip()):
                jobs.append((e, name, values.url_value(f.value), f.value_pos))

    def run(job: tuple[Entry, str, str, Position]) -> UrlResult:
        e, name, url, pos = job
        status, code, final, message = checker.check(url)
        snapshot = ""
        if archive and status in ("dead", "error") and name == "url" and not e.value("archiveurl"):
            snapshot = wayback(url, e.value("urldate").strip())
        if progress:
            progress()
        return UrlResult(
            e.key,
            name,
            url,
            pos.line,
            pos.col,
            status,
            code,
            final,
            message,
            snapshot,
            tuple((cited or {}).get(e.key, ())),
        )

    with ThreadPoolExecutor(max_workers=max(1, checker.workers)) as pool:
        return list(pool.map(run, jobs))


def fix_archive(path: Path, results: Iterable[UrlResult], today: dt.date | None = None) -> list[str]:
    """Write each found archived copy into its entry's `archiveurl`; returns the keys changed. Atomic; refuses a
    file with syntax errors or a change that would not validate."""
    wanted = {r.key: r.archive for r in results if r.archive and r.status in ("dead", "error")}
    if not wanted:
        return []
    bib = bibfile.read(path)
    if bib.has_errors:
        raise ValueError(f"{path} has syntax errors: nothing was written")
    pieces, last, changed = [], 0, []
    for e in sorted(bib.entries, key=lambda e: e.offset):
        if e.key in wanted and "archiveurl" not in e:
            pieces.append(bib.text[last : e.offset])
            body = bibfile.entry_text(e)
            pieces.append(body[: body.rfind("}")] + f"  archiveurl = {{{wanted[e.key]}}},\n}}")
            last = e.offset + len(e.raw)
            changed.append(e.key)
    pieces.append(bib.text[last:])
    new = bibfile.parse_text("".join(pieces), str(path))
    problems = [
        i
        for i in validate_bib(new, Settings(today or dt.date.today(), profile=profiles.BIBTEX))
        if i.level is Level.ERROR and i.key in changed
    ]
    if new.has_errors or problems:
        raise ValueError(f"the archived URLs would not validate: {[i.render() for i in problems][:3]}")
    bibfile.write_atomic(path, bibfile.format_text(new))
    return changed
