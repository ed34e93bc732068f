"""`mkdocs serve --dirty` on the real knowledge base is never wrong: a server is started on a copy of the project,
the copy is edited in the ways maintainers edit it, and after each rebuild every file the server wrote is compared
with a clean `mkdocs build` of the same state. A removed work whose page still cites it fails the rebuild, and the
served site recovers when the work comes back; while it is broken, the server answers with a page listing the
errors. A save that keeps the file's size and modification time is rebuilt too, and SIGTERM stops the server with
its caches written.

The server writes into a fresh folder of the temporary directory (MkDocs' `mkdtemp`); TMPDIR points it into the
test's own folder, so the test reads the served site from disk (no live-reload script, which is injected into
responses only). Nothing here shares code with refkb: the edits are text replacements and the comparison is byte
for byte (the search index as a set of entries: a dirty build merges it in another order)."""

from __future__ import annotations

import filecmp
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import ROOT, after_its_tick

ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
TIMEOUT = 240  # seconds for one rebuild (the first build of the server is a whole cold build)


def copy_project(dest: Path) -> Path:
    dest.mkdir()
    for name in ("docs", "overrides"):
        shutil.copytree(ROOT / name, dest / name)
    for name in ("mkdocs.yml", "references.bib", "coding.yml", "CITATION.cff"):
        shutil.copy(ROOT / name, dest / name)
    (dest / "node_modules").symlink_to(ROOT / "node_modules")
    if (
        ROOT / ".cache" / "refkb"
    ).is_dir():  # a warm start: the formatted styles (the served site does not depend on it)
        shutil.copytree(ROOT / ".cache" / "refkb", dest / ".cache" / "refkb", ignore=shutil.ignore_patterns("pages"))
    return dest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """`mkdocs serve --dirty` in a subprocess, its log read line by line."""

    root: Path
    tmp: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[str] | None = None
    lines: list[str] = field(default_factory=list)

    def start(self) -> None:
        env = {**ENV, "TMPDIR": str(self.tmp)}
        command = [
            sys.executable,
            "-X",
            "faulthandler",
            "-m",
            "mkdocs",
            "serve",
            "--dirty",
            "-a",
            f"127.0.0.1:{self.port}",
        ]
        self.proc = subprocess.Popen(
            command, cwd=self.root, env=env, stderr=subprocess.STDOUT, stdout=subprocess.PIPE, text=True
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc is not None
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)

    @staticmethod
    def _outcome(line: str) -> str:
        if "Serving on http" in line or "Reloading browsers" in line:
            return "built"
        if "An error happened during the rebuild" in line:
            return "failed"
        return ""

    def outcomes(self) -> list[str]:
        """'built' or 'failed', one per build the server ran (the first one ends with "Serving on", a rebuild
        with "Reloading browsers" or, when it failed, "An error happened during the rebuild")."""
        return [o for o in map(self._outcome, list(self.lines)) if o]

    def wait(self, after: int) -> str:
        """The outcome of the first build after the `after`-th one."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            found = self.outcomes()
            if len(found) > after:
                time.sleep(0.3)  # the rest of a failed build's lines
                return found[after]
            assert self.proc is not None
            assert self.proc.poll() is None, "".join(self.lines[-40:])
            time.sleep(0.2)
        raise AssertionError("no rebuild within the time limit:\n" + "".join(self.lines[-40:]))

    def settle(self, after: int) -> str:
        """The outcome of the last build once the server is quiet: an edit of several files may reach it as more
        than one batch of changes, each rebuilt."""
        outcome = self.wait(after)
        seen = len(self.outcomes())
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            time.sleep(2.0)
            found = self.outcomes()
            busy = self._building()
            if len(found) == seen and not busy:
                return found[-1] if found else outcome
            seen = len(found)
        raise AssertionError("the server never became quiet:\n" + "".join(self.lines[-40:]))

    def _building(self) -> bool:
        """A build started after the last one ended."""
        lines = list(self.lines)
        started = [i for i, line in enumerate(lines) if "Building documentation" in line]
        ended = [i for i, line in enumerate(lines) if self._outcome(line)]
        return bool(started) and (not ended or started[-1] > ended[-1])

    def site(self) -> Path:
        (found,) = [p for p in self.tmp.glob("mkdocs_*") if p.is_dir()]
        return found

    def get(self, path: str) -> tuple[int, str]:
        """What a browser gets from the server now (the status and the page)."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=60) as answer:
                return int(answer.status), answer.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return int(error.code), error.read().decode("utf-8")

    def terminate(self) -> None:
        """SIGTERM, as a service manager or `kill` stops the server: it shuts down as on Ctrl-C."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=60)
        time.sleep(0.3)  # the reader thread's last lines

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def clean_build(root: Path, out: Path, port: int) -> None:
    """A clean build of the same state, with the address the server gives the site (serve sets site_url)."""
    config = root / "clean.yml"  # beside mkdocs.yml (docs_dir is relative to it), in no folder the server watches
    config.write_text(f"INHERIT: mkdocs.yml\nsite_url: http://127.0.0.1:{port}/\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(out)],
        cwd=root,
        env={**ENV, "REFKB_PAGE_CACHE": "0"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]


def differences(served: Path, clean: Path) -> list[str]:
    out: list[str] = []
    stack = [filecmp.dircmp(served, clean)]
    while stack:
        d = stack.pop()
        out += [f"only served: {d.left}/{n}" for n in d.left_only]
        out += [f"only in the clean build: {d.right}/{n}" for n in d.right_only]
        _, mismatch, errors = filecmp.cmpfiles(d.left, d.right, d.common_files, shallow=False)
        out += [str(Path(d.left, n).relative_to(served)) for n in mismatch + errors]
        stack.extend(d.subdirs.values())
    index = "search/search_index.json"
    if index in out:
        out.remove(index)
        a, b = set(search_entries(served)), set(search_entries(clean))
        out += [f"search entry only served: {e[0]} {e[1]!r}" for e in sorted(a - b)]
        out += [f"search entry only in the clean build: {e[0]} {e[1]!r}" for e in sorted(b - a)]
        many = Counter(search_entries(served))
        many.subtract(Counter(search_entries(clean)))
        out += [f"search entry {n:+d} times: {e[0]} {e[1]!r}" for e, n in sorted(many.items()) if n]
    return sorted(out)


def search_entries(site: Path) -> list[tuple[str, str, str]]:
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    return sorted((d["location"], d["title"], d["text"]) for d in index["docs"])


def replace(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def entry(bib: str, key: str) -> str:
    m = re.search(r"^@\w+\{" + re.escape(key) + r",.*?^\}\n", bib, re.M | re.S)
    assert m, key
    return m.group(0)


# Each edit: (name, what to do to the project). Cumulative: each starts from the state the previous one left.
Edit = Callable[[Path], None]


def _annotation(root: Path) -> None:
    replace(
        root / "docs/references/amnesty2025someone.md", "is the product of some 18 months", "came out of some 18 months"
    )


def _title(root: Path) -> None:
    replace(
        root / "references.bib", "title = {Video games and online chats are", "title = {Video games and chat rooms are"
    )


def _title_reordering_mla(root: Path) -> None:
    """Thorn's 2015 work now sorts after its 2018 one by title: MLA (ordered by author, then title) gives the 2018
    work the author's name and the 2015 one the dash that repeats it; APA (ordered by year) is unchanged. Another
    work changes in one style only (its page shows each style's one-item bibliography, which has no dash)."""
    replace(
        root / "references.bib",
        "title = {Spotlight tool aids in recovery of child sex trafficking victims}",
        "title = {Tracking tool aids in recovery of child sex trafficking victims}",
    )


def _coding_value(root: Path) -> None:
    replace(
        root / "references.bib",
        "platforms = {minecraft, fortnite, roblox, discord, gaming-platforms}",
        "platforms = {minecraft, fortnite, roblox, gaming-platforms}",
    )


def _coding_file(root: Path) -> None:
    replace(root / "coding.yml", "label: Messaging,", "label: Messaging apps,")


def _topic_page(root: Path) -> None:
    page = root / "docs/topics/exposure-stigma.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nA closing line added while serving.\n", encoding="utf-8")


def _topic_title(root: Path) -> None:
    page = root / "docs/topics/exposure-stigma.md"
    text = page.read_text(encoding="utf-8")
    h1 = re.search(r"^# (.+)$", text, re.M)
    assert h1
    page.write_text(text.replace(h1.group(0), h1.group(0) + " (revised)", 1), encoding="utf-8")


def _claims(root: Path) -> None:
    replace(
        root / "docs/claims.yml",
        "social media have given traffickers new ways",
        "social media have handed traffickers new ways",
    )


def _glossary(root: Path) -> None:
    replace(
        root / "docs/glossary.yml", "Europol's distinction between traffickers", "Europol's line between traffickers"
    )


def _timeline(root: Path) -> None:
    replace(root / "docs/timeline.yml", "The UN General Assembly adopts", "The UN General Assembly adopted")


def _extra_refkb(root: Path) -> None:
    text = (root / "mkdocs.yml").read_text(encoding="utf-8")
    m = re.search(r"stale_after_months: (\d+)", text)
    if m:
        replace(root / "mkdocs.yml", m.group(0), f"stale_after_months: {int(m.group(1)) - 6}")
    else:
        replace(root / "mkdocs.yml", "  refkb:\n", "  refkb:\n    stale_after_months: 6\n")


def _searches(root: Path) -> None:
    replace(root / "docs/searches.yml", "looked_at: 8\n    yielded: []", "looked_at: 9\n    yielded: []")


def _appraisal(root: Path) -> None:
    replace(
        root / "docs/references/amnesty2025someone.md", 'independent: {answer: "yes"', 'independent: {answer: "unclear"'
    )


NEW = "bowles2019video-b"


def _new_key(root: Path) -> None:
    bib = (root / "references.bib").read_text(encoding="utf-8")
    old = entry(bib, "bowles2019video")
    new = old.replace("{bowles2019video,", "{" + NEW + ",").replace(
        "nytimes.com/interactive/2019/12/07/", "nytimes.com/interactive/2019/12/08/"
    )
    new = new.replace("title = {Video games and chat rooms are", "title = {Online games and chat rooms are")
    (root / "references.bib").write_text(bib + "\n" + new, encoding="utf-8")
    shutil.copy(root / "docs/references/bowles2019video.md", root / f"docs/references/{NEW}.md")
    replace(root / "docs/searches.yml", "looked_at: 9\n    yielded: []", f"looked_at: 9\n    yielded: [{NEW}]")
    replace(
        root / "docs/topics/exposure-stigma.md",
        "A closing line added while serving.",
        f"A closing line added while serving [@{NEW}].",
    )


def _remove_key(root: Path) -> None:
    bib = (root / "references.bib").read_text(encoding="utf-8")
    (root / "removed.bib").write_text(entry(bib, NEW), encoding="utf-8")
    (root / "references.bib").write_text(bib.replace("\n" + entry(bib, NEW), ""), encoding="utf-8")


def _restore_key(root: Path) -> None:
    bib = (root / "references.bib").read_text(encoding="utf-8")
    (root / "references.bib").write_text(
        bib + "\n" + (root / "removed.bib").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (root / "removed.bib").unlink()


RENAMED = "bowles2019video-c"


def _rename_key(root: Path) -> None:
    for path in [
        root / "references.bib",
        *sorted((root / "docs").rglob("*.md")),
        *sorted((root / "docs").glob("*.yml")),
    ]:
        text = path.read_text(encoding="utf-8")
        if NEW in text:
            path.write_text(text.replace(NEW, RENAMED), encoding="utf-8")
    (root / f"docs/references/{NEW}.md").rename(root / f"docs/references/{RENAMED}.md")


def _kept_size_and_mtime(root: Path) -> None:
    """Saved as an editor that keeps times does (or `git checkout` restoring them): MkDocs' observer sees no change."""
    page = root / "docs/references/amnesty2025someone.md"
    st = page.stat()
    replace(page, "came out of some 18 months", "grew out of some 18 months")
    assert page.stat().st_size == st.st_size
    os.utime(page, ns=(st.st_atime_ns, st.st_mtime_ns))


def _help_page(root: Path) -> None:
    page = root / "docs/help.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nOne more line of help.\n", encoding="utf-8")


EDITS: list[tuple[str, Edit, str]] = [  # name, edit, the rebuild's outcome
    ("annotation text", _annotation, "built"),
    ("a work's title", _title, "built"),
    ("a title that changes another work in one style only", _title_reordering_mla, "built"),
    ("a coding value", _coding_value, "built"),
    ("coding.yml", _coding_file, "built"),
    ("a topic page", _topic_page, "built"),
    ("a topic page's title (the navigation)", _topic_title, "built"),
    ("claims data", _claims, "built"),
    ("glossary data", _glossary, "built"),
    ("timeline data", _timeline, "built"),
    ("mkdocs.yml extra.refkb", _extra_refkb, "built"),
    ("the search log", _searches, "built"),
    ("an appraisal answer", _appraisal, "built"),
    ("a new key, cited on a topic page", _new_key, "built"),
    ("a removed key its citing page still cites", _remove_key, "failed"),
    ("the key restored", _restore_key, "built"),
    ("a renamed key", _rename_key, "built"),
    ("a plain page", _help_page, "built"),
    ("an annotation saved with its size and modification time kept", _kept_size_and_mtime, "built"),
]


# name -> the pages (built HTML, besides the theme's 404 page) the rebuild may write: an edit of an annotation's text
# is shown on its work's page only, so no other page is made again (the pages refkb generates included: MkDocs
# counts them modified in every dirty build)
REWRITTEN = {"annotation text": {"references/amnesty2025someone/index.html"}}
# edits after which every page the rebuild wrote reads differently from before: a page of the whole library that
# shows a changed input but not the changed work (a topic's evidence list without it) is not made again
ONLY_CHANGED = {"annotation text", "a work's title", "a coding value", "a topic page", "claims data", "glossary data"}


def _pages(site: Path) -> dict[str, tuple[int, bytes]]:
    return {
        str(p.relative_to(site)): (p.stat().st_mtime_ns, p.read_bytes())
        for p in site.rglob("*.html")
        if p.name != "404.html"
    }


def _rewritten(before: dict[str, tuple[int, bytes]], after: dict[str, tuple[int, bytes]]) -> set[str]:
    return {p for p, (t, _) in after.items() if p not in before or before[p][0] != t}


@pytest.mark.slow
def test_serve_dirty_equals_a_clean_build_after_every_edit(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "kb")
    (tmp_path / "tmp").mkdir()
    server = Server(root, tmp_path / "tmp")
    server.start()
    try:
        assert server.wait(0) == "built", "".join(server.lines[-40:])
        builds = 1
        for i, (name, edit, outcome) in enumerate(EDITS):
            time.sleep(1.1)  # a new modification time (MkDocs compares them by the second on some file systems)
            before = _pages(server.site())
            edit(root)
            got = server.settle(builds)
            builds = len(server.outcomes())
            assert got == outcome, f"{name}: {got}\n" + "".join(server.lines[-30:])
            if outcome != "built":
                status, page = server.get("/topics/exposure-stigma/")
                assert status == 500, name
                assert "The site could not be rebuilt" in page, page[-3000:]
                assert NEW in page, page[-3000:]
                continue
            clean = tmp_path / f"clean{i}"
            clean_build(root, clean, server.port)
            served = server.site()
            found = differences(served, clean)
            assert not found, name + ":\n" + "\n".join(found)
            after = _pages(served)
            if name in REWRITTEN:
                assert _rewritten(before, after) == REWRITTEN[name]
            if name in ONLY_CHANGED:
                same = sorted(p for p in _rewritten(before, after) if p in before and before[p][1] == after[p][1])
                assert same == [], f"{name}: written again as they were"
            nones = [
                str(p.relative_to(served)) for p in served.rglob("*.html") if ">None<" in p.read_text(encoding="utf-8")
            ]
            assert nones == [], name
        assert server.get("/")[0] == 200
        server.terminate()
        assert server.proc is not None
        assert server.proc.returncode == 0, "".join(server.lines[-20:])
        assert any("refkb: caches written" in line for line in server.lines), "".join(server.lines[-20:])
    finally:
        server.stop()


# -- which works a rebuild may keep as the last one made them (refkb.site.serve._shown_same) ---------------------

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


@pytest.mark.parametrize(("edit", "text", "same"), SAME_AS_SHOWN, ids=[e for e, _, _ in SAME_AS_SHOWN])
def test_a_work_that_only_moved_in_the_file_is_kept(edit: str, text: str, same: bool) -> None:
    from refkb import bibfile, csl
    from refkb.refs import Ref
    from refkb.site.serve import _shown_same

    def ref(source: str) -> Ref:
        entry = next(e for e in bibfile.parse_text(source, "references.bib").entries if e.key == "polaris2018onramps")
        return Ref(entry, csl.item(entry), {})

    assert _shown_same(ref(_ONE), ref(text)) is same


def test_shown_same_compares_every_field_of_a_work() -> None:
    """A field added to Ref must be compared by _shown_same (or the rebuild would keep a work showing it stale)."""
    import dataclasses

    from refkb.refs import Ref

    assert [f.name for f in dataclasses.fields(Ref)] == ["entry", "csl_item", "rendered", "discussed_in", "folder"]


def _page_edits() -> list[tuple[str, Callable[[Path], None], str]]:
    def kept_size_and_mtime(page: Path) -> None:
        st = page.stat()
        page.write_text("# Other\n", encoding="utf-8")
        os.utime(page, ns=(st.st_atime_ns, st.st_mtime_ns))

    def renamed_over(page: Path) -> None:
        new = page.with_name("new.tmp")
        new.write_text("# Other\n", encoding="utf-8")
        new.replace(page)

    return [
        ("unchanged", lambda page: None, "# Title\n"),
        ("same size and modification time", kept_size_and_mtime, "# Other\n"),
        ("renamed over", renamed_over, "# Other\n"),
    ]


@pytest.mark.parametrize(("edit", "change", "text"), _page_edits(), ids=[e for e, _, _ in _page_edits()])
def test_a_pages_markdown_is_read_again_when_its_file_changed(
    tmp_path: Path, edit: str, change: Callable[[Path], None], text: str
) -> None:
    """Serving.page_text: a page's Markdown as its file holds it after any edit, and not read again while its file's
    status vouches for it (refkb.filedigests; the file settled: the clock read two minutes on)."""
    from mkdocs.structure.files import File

    from refkb.site.serve import Serving

    docs = tmp_path / "docs"
    docs.mkdir()
    page = docs / "page.md"
    page.write_text("# Title\n", encoding="utf-8")
    session = Serving()
    files = session.memo.pages.files
    files.clock = lambda: time.time_ns() + 120_000_000_000
    f = File("page.md", str(docs), str(tmp_path / "site"), use_directory_urls=True)
    assert session.page_text(f) == "# Title\n"
    after_its_tick(page)
    change(page)
    files.new_round()
    assert session.page_text(f) == text
    assert files.reads == (1 if edit == "unchanged" else 2)
    session.shutdown()


def test_the_style_engines_start_loading_once_the_works_are_formatted(tmp_path: Path) -> None:
    """A first serve build that takes every style from the disk cache loads no engine: the server starts loading them
    as soon as the works are formatted (`works_formatted`), while the build goes on, not after it."""
    from conftest import DATA
    from refkb import bibfile, csl, styles
    from refkb.site.serve import Serving
    from refkb.site.session import OneBuild

    items = [csl.item(e) for e in bibfile.read(DATA / "styles.bib").entries]
    styles.Renderer(tmp_path).render(items)  # the disk cache
    one = styles.Renderer(tmp_path, keep_engines=True)
    one.render(items)
    OneBuild().works_formatted(one)
    assert one._warming is None  # mkdocs build: nothing loaded in the background
    session = Serving()
    renderer = session.renderer(tmp_path)
    renderer.render(items)
    session.works_formatted(renderer)
    assert renderer._warming is not None
    renderer._warming.join(timeout=120)
    assert renderer._loaded == set(styles.ORDER)
    session.shutdown()
