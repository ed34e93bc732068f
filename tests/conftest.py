from __future__ import annotations

import datetime as dt
import filecmp
import http.server
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

# Hypothesis profiles: a fast default locally, the large run under CI=true (tests/test_properties.py sizes its runs
# from FUZZ_EXAMPLES / YAML_EXAMPLES).
CI = os.environ.get("CI") == "true"
hypothesis_settings.register_profile("fast", deadline=None, suppress_health_check=[HealthCheck.too_slow])
# CI explores the same 10,000 examples on every run (derandomized), so a submission passes or fails on its own
# merits; `HYPOTHESIS_EXPLORE=1` draws new ones (and the database keeps what they find) for a deeper search.
hypothesis_settings.register_profile(
    "ci",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=not os.environ.get("HYPOTHESIS_EXPLORE"),
    print_blob=True,
)
hypothesis_settings.load_profile("ci" if CI else "fast")
FUZZ_EXAMPLES = 10_000 if CI else 300
YAML_EXAMPLES = 2_000 if CI else 150

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
CORPORA = ROOT.parent / "shared" / "corpora"
TODAY = dt.date(2026, 11, 29)

TOPICS = [
    "recruitment-grooming",
    "advertising-transactions",
    "communication-coordination",
    "psychological-control",
    "exposure-stigma",
    "detection-monitoring",
    "legal-jurisdiction",
    "technology-responses",
    "awareness-education",
    "collaboration-policy",
    "data-measurement",
]

GOOD = """@article{smith2020study,
  author = {Smith, Jane},
  title = {A Study of Things},
  journaltitle = {Journal of Studies},
  date = {2020},
  keywords = {data-measurement},
  sourcekind = {academic},
}
"""

_EXTENSIONS = "  - attr_list\n  - md_in_html\n  - toc:\n      permalink: true\n"
_FENCES = "  - pymdownx.superfences\n  - pymdownx.tabbed:\n      alternate_style: true\n"


def spans(matches: Iterable[re.Match[str]]) -> list[tuple[int, int]]:
    """Where each match stands: a search and the pattern's own finditer are compared by these."""
    return [m.span() for m in matches]


def site_config(
    name: str = "Test site",
    *,
    features: str = "",
    extensions: bool = False,
    fences: bool = False,
    warn_links: bool = False,
    nav: bool = False,
    refkb: str = "",
) -> str:
    """A test site's mkdocs.yml (Material, search and refkb under the knowledge-base profile, reference pages out of
    the nav) as a template whose `{topics}` (and whatever `refkb` adds under extra.refkb) the test fills in."""
    out = f"site_name: {name}\ndocs_dir: docs\ntheme:\n  name: material\n  font: false\n"
    out += f"  features: [{features}]\n" if features else ""
    out += "plugins:\n  - search\n  - refkb\nnot_in_nav: |\n  /references/*.md\n"
    if extensions:
        out += "markdown_extensions:\n" + _EXTENSIONS + (_FENCES if fences else "")
    out += "validation:\n  links:\n    not_found: warn\n    anchors: warn\n" if warn_links else ""
    out += "nav:\n  - Home: index.md\n" if nav else ""
    return out + "extra:\n  refkb:\n    profile: knowledge-base\n" + refkb + "    topics:\n{topics}\n"


MKDOCS_YML = site_config(nav=True)

ANNOTATION = """---
verified_at:
  - https://example.org/where-it-was-checked
verified_on: 2026-11-29
---
## Summary
A summary.

## Key findings
- A finding.

## Method and data
A method.

## Limitations
A limitation.

## Relevance
Why it matters.
"""


def write_project(
    root: Path, bib: str, annotations: dict[str, str] | None = None, pages: dict[str, str] | None = None
) -> Path:
    """A tiny knowledge-base project: mkdocs.yml, references.bib, docs/index.md and annotation pages."""
    topics = "\n".join(f"      - {{slug: {t}, title: {t}, section: S}}" for t in TOPICS)
    hook = ROOT / "scripts" / "mkdocs_hooks.py"
    (root / "mkdocs.yml").write_text(MKDOCS_YML.format(hook=hook, topics=topics), encoding="utf-8")
    (root / "references.bib").write_text(bib, encoding="utf-8")
    docs = root / "docs"
    (docs / "references").mkdir(parents=True, exist_ok=True)
    (docs / "index.md").write_text("# Home\n", encoding="utf-8")
    for key, text in (annotations or {}).items():
        (docs / "references" / f"{key}.md").write_text(text, encoding="utf-8")
    for name, text in (pages or {}).items():
        path = docs / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def corpus_files() -> list[Path]:
    return sorted(CORPORA.glob("*.bib"))


@pytest.fixture
def corpus_copy(tmp_path: Path):
    def copy(src: Path) -> Path:
        dst = tmp_path / src.name
        shutil.copyfile(src, dst)
        dst.chmod(0o644)
        return dst

    return copy


# ---------------------------------------------------------------------------------------------------------------
# A local HTTP server for tests of network code: never the internet.

Route = tuple[int, dict[str, str], bytes]


class LocalServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route | list[Route] | Callable[[str, str], Route]] = {}
        self.log: list[tuple[str, str]] = []
        handler = self._handler()
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return None

            def handle_one(self, method: str) -> None:
                server.log.append((method, self.path))
                path = self.path.split("?", 1)[0]
                route = server.routes.get(path)
                if callable(route):
                    status, headers, body = route(method, self.path)
                elif isinstance(route, list):
                    status, headers, body = route.pop(0) if len(route) > 1 else route[0]
                elif route is None:
                    status, headers, body = 404, {}, b"not found"
                else:
                    status, headers, body = route
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if method != "HEAD":
                    self.wfile.write(body)

            def do_GET(self) -> None:
                self.handle_one("GET")

            def do_HEAD(self) -> None:
                self.handle_one("HEAD")

        return Handler

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[LocalServer]:
    s = LocalServer()
    try:
        yield s
    finally:
        s.close()


def codes_found(root: Path, settings: str, codes: set[str]) -> list[str]:
    """`refkb validate` on a project written by write_project, with `settings` added under extra.refkb (lines of
    YAML, each indented by four spaces): "line code" of each issue whose code is in `codes`."""
    from refkb import project
    from refkb.checks import suite

    config = (root / "mkdocs.yml").read_text(encoding="utf-8")
    (root / "mkdocs.yml").write_text(config.replace("  refkb:\n", "  refkb:\n" + settings), encoding="utf-8")
    _, issues = suite.validate_project(project.load(root), today=TODAY)
    return [f"{i.line} {i.code}" for i in issues if i.code in codes]


def tree_differences(a: Path, b: Path) -> list[str]:
    """The files that differ between two built sites, byte for byte, or are in one only ([] when they are the same)."""
    out = []
    stack = [filecmp.dircmp(a, b)]
    while stack:
        d = stack.pop()
        out += [f"only in {a.name}: {d.left}/{n}" for n in d.left_only]
        out += [f"only in {b.name}: {d.right}/{n}" for n in d.right_only]
        _, mismatch, errors = filecmp.cmpfiles(d.left, d.right, d.common_files, shallow=False)
        out += [f"{d.left}/{n}" for n in mismatch + errors]
        stack.extend(d.subdirs.values())
    return sorted(out)


def after_its_tick(path: Path) -> None:
    """Wait until a file written now would get a later change time than `path`'s: an edit within the same coarse
    clock tick keeps a file's status (the racy case, which a test's settled clock would hide)."""
    probe = path.with_name(f".{path.name}.tick")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        probe.write_bytes(b"")
        later = probe.stat().st_ctime_ns > path.stat().st_ctime_ns
        probe.unlink()
        if later:
            return
        time.sleep(0.005)
    raise AssertionError(f"the file system's change time did not move in 5 s ({path})")
