"""refkb.styles' worker processes: started before the library is known (a cold build starts them before
validation), given the jobs longest first, and ended when no style needed them."""

from __future__ import annotations

import datetime as dt
import os
import pickle
import subprocess
import sys
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest

from conftest import DATA, ROOT
from refkb import bibfile, csl, kbcite, reader, styles
from refkb.engine import ClusterCite
from refkb.later import NICER, Job, hand_out, queue, settled
from refkb.site.context import Build
from refkb.site.session import OneBuild

ITEMS = [csl.item(e) for e in bibfile.read(DATA / "styles.bib").entries]
CITES = [[ClusterCite("doe2019book"), ClusterCite("roe2020chapter")]]


def test_started_workers_format_as_the_serial_renderer() -> None:
    serial = styles.Renderer(None, workers=1).render(ITEMS, clusters={"apa": CITES})
    started = styles.start_workers(2)
    pooled = styles.Renderer(None, workers=2, started=started)
    pooled.PARALLEL_FROM = 1
    assert pooled.render(ITEMS, clusters={"apa": CITES}) == serial
    assert pooled._started is None  # used once, and ended
    assert pooled._engine is None  # the cluster came with the style: no engine in this process


def test_started_workers_no_style_needs_are_ended() -> None:
    cache = styles.Renderer(None, workers=1)
    cache.render(ITEMS)
    started = styles.start_workers(2)
    again = styles.Renderer(None, workers=2, started=started)
    again.cache = cache.cache  # every style from the cache: nothing for the workers
    again.render(ITEMS)
    assert again.stats.hits == 4
    assert again._started is None
    with pytest.raises(RuntimeError):  # shut down
        started.submit(int)


@pytest.mark.parametrize(
    ("sizes", "later", "first"),
    [
        ({"apa": 0, "mla": 0, "chicago": 0, "harvard": 0}, (), ["chicago", "mla", "apa", "harvard"]),  # a library
        ({"apa": 1791, "mla": 0, "chicago": 0, "harvard": 0}, (), ["apa", "chicago", "mla", "harvard"]),  # grown KB
        ({"apa": 0, "mla": 0, "chicago": 0, "harvard": 5000}, (), ["harvard", "chicago", "mla", "apa"]),
        # the styles needed at once go first, the others after them (a build that goes on without them)
        ({"apa": 0, "mla": 0, "chicago": 0, "harvard": 0}, ("mla", "chicago"), ["apa", "harvard", "chicago", "mla"]),
        (
            {"apa": 1791, "mla": 0, "chicago": 0, "harvard": 0},
            ("mla", "chicago", "harvard"),
            ["apa", "chicago", "mla", "harvard"],
        ),
    ],
)
def test_jobs_go_longest_first(sizes: dict[str, int], later: tuple[str, ...], first: list[str]) -> None:
    items = [{"id": str(i)} for i in range(1000)]
    jobs = [Job(s, items, [[{"id": "0"}]] * n) for s, n in sizes.items()]
    assert [j.style_id for j in queue(jobs, later)] == first


@pytest.mark.parametrize(
    ("later", "order", "giving_way"),
    [
        ((), ["apa", "chicago", "mla", "harvard"], [False] * 4),  # nothing later
        (("mla", "chicago", "harvard"), ["apa", "chicago", "mla", "harvard"], [False, True, True, True]),
        (("chicago", "harvard"), ["apa", "mla", "chicago", "harvard"], [False, False, True, True]),
        (("apa", "mla", "chicago", "harvard"), ["apa", "chicago", "mla", "harvard"], [True] * 4),
    ],
    ids=["nothing-later", "site-style-first", "two-first", "all-later"],
)
def test_styles_are_handed_out_one_at_a_time_and_later_ones_give_way(
    later: tuple[str, ...], order: list[str], giving_way: list[bool]
) -> None:
    """A worker that is done takes the next style (no worker idle while a style waits); the workers of later styles
    are the ones that give way to the build's process."""
    items = [{"id": str(i)} for i in range(1000)]
    jobs = [Job(s, items, [[{"id": "0"}]] * (1791 if s == "apa" else 0)) for s in styles.ORDER]
    handed = hand_out(jobs, later)
    assert [h.job.style_id for h in handed] == order
    assert [h.gives_way for h in handed] == giving_way


# A style worker's priority after a job that does not give way, then two that do: lowered by NICER, once.
_PRIORITY = """
import os, sys
sys.path.insert(0, "scripts")
from refkb import bibfile, csl, styles
from refkb.later import Handed, Job

items = [csl.engine_item(csl.item(e)) for e in bibfile.read(sys.argv[1]).entries]
base = os.nice(0)
seen = []
for gives_way in (False, True, True):
    styles._format_job(Handed(Job("harvard", items, []), gives_way))
    seen.append(os.nice(0) - base)
print(base, *seen)
"""


@pytest.mark.skipif(not hasattr(os, "nice"), reason="the system has no nice")
def test_a_worker_formatting_later_styles_gives_way_once() -> None:
    command = [sys.executable, "-c", _PRIORITY, str(DATA / "styles.bib")]
    out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    base, *seen = (int(x) for x in out.stdout.split())
    lowered = min(base + NICER, 19) - base  # 19: the lowest priority there is
    assert seen == [0, lowered, lowered]


@pytest.mark.parametrize("first", [("apa",), ("mla", "apa"), ("apa", "mla", "chicago", "harvard")])
def test_styles_not_needed_first_are_read_when_asked(tmp_path: Path, first: tuple[str, ...]) -> None:
    serial = styles.Renderer(None, workers=1).render(ITEMS, clusters={"apa": CITES})
    pooled = styles.Renderer(tmp_path, workers=2)
    pooled.PARALLEL_FROM = 1
    got = pooled.render(ITEMS, clusters={"apa": CITES}, first=first)
    later = [s for s in styles.ORDER if s not in first]
    assert pooled.pending is bool(later)
    work = got[str(ITEMS[0]["id"])]
    assert all(work[s] == serial[str(ITEMS[0]["id"])][s] for s in first)  # here without waiting
    assert pooled.pending is bool(later)
    assert got == serial  # reading any other style waits for them all
    assert not pooled.pending
    assert [list(w) for w in got.values()] == [list(w) for w in serial.values()]  # the styles in the same order
    pooled.settle()  # nothing left: does nothing
    again = styles.Renderer(tmp_path, workers=1)  # and the disk cache holds every style
    assert again.render(ITEMS, clusters={"apa": CITES}) == serial
    assert again.stats.hits == 4
    assert again.stats.misses == 0


def test_a_build_that_reads_no_later_style_keeps_them_all(tmp_path: Path) -> None:
    pooled = styles.Renderer(tmp_path, workers=2)
    pooled.PARALLEL_FROM = 1
    got = pooled.render(ITEMS, first=("apa",))
    assert all(not settled(w) for w in got.values())
    pooled.settle()  # the end of the build
    assert all(settled(w) for w in got.values())
    again = styles.Renderer(tmp_path, workers=1)
    again.render(ITEMS)
    assert again.stats.hits == 4


def test_a_work_in_every_style_pickles_as_a_plain_dict(tmp_path: Path) -> None:
    pooled = styles.Renderer(None, workers=2)
    pooled.PARALLEL_FROM = 1
    work = pooled.render(ITEMS, first=("apa",))[str(ITEMS[0]["id"])]
    copy = pickle.loads(pickle.dumps(work))
    assert type(copy) is dict
    assert copy == work
    assert list(copy) == list(styles.ORDER)


@pytest.mark.parametrize(
    ("text", "parallel"),
    [
        ("", False),
        ("@book{a,}\n" * 299, False),
        ("@book{a,}\n" * 300, True),
        ("% a comment\n" + "@article{a, title={x}}\n\n" * 400, True),
        ("@book{a, note={@ not at a line's start}}\n" * 100, False),
    ],
)
def test_a_library_is_parallel_from_its_count_of_entries(tmp_path: Path, text: str, parallel: bool) -> None:
    bib = tmp_path / "references.bib"
    bib.write_text(text, encoding="utf-8")
    assert styles.parallel_library(bib) is parallel
    assert styles.parallel_library(tmp_path / "missing.bib") is False


@pytest.mark.parametrize(
    ("entries", "cached", "starts"),
    [
        (400, False, True),  # a cold build of a large library
        (400, True, False),  # the formatted library kept: it may format nothing
        (10, False, False),  # a small library is formatted in this process
    ],
)
def test_a_build_starts_the_style_workers_only_when_cold_and_large(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entries: int, cached: bool, starts: bool
) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    bib = tmp_path / "references.bib"
    bib.write_text("@book{a,}\n" * entries, encoding="utf-8")
    cache_dir = tmp_path / ".cache"
    cache_dir.mkdir()
    if cached:
        (cache_dir / "citations.json").write_text("{}", encoding="utf-8")
    session = OneBuild()
    session.start_engines(cache_dir, bib)
    started = session._workers
    assert (started is not None) is starts
    renderer = session.renderer(cache_dir)
    assert renderer._started is started
    assert session._workers is None
    renderer.close()
    session.shutdown()


def test_a_server_starts_no_style_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from refkb.site.serve import Serving

    monkeypatch.setattr("os.cpu_count", lambda: 2)
    bib = tmp_path / "references.bib"
    bib.write_text("@book{a,}\n" * 400, encoding="utf-8")
    session = Serving()
    session.start_engines(tmp_path, bib)  # its engines stay in its own process between rebuilds
    assert session._workers is None


@pytest.mark.parametrize("cold", [True, False])
def test_a_cold_build_warms_the_page_citer_with_the_cite_page_item(monkeypatch: pytest.MonkeyPatch, cold: bool) -> None:
    """While the styles are formatted, the page citer formats the cite page's item (the one render.kb_cite_block asks
    for), on a thread that stays until the build ends; a build that started no style workers warms nothing."""
    asked: list[tuple[object, dict[str, object]]] = []

    def formatted(citer: object, item: dict[str, object]) -> dict[str, str]:
        asked.append((citer, item))
        return {}

    monkeypatch.setattr(kbcite, "formatted", formatted)
    meta = reader.KbMeta("A knowledge base", "1.2", dt.date(2026, 1, 2), ("Doe, J.",))
    citer = object()
    build = SimpleNamespace(
        meta=meta,
        site_name="Site",
        site_url="https://example.org/",
        kb_updated=lambda: dt.date(2026, 3, 4),
        page_citer=lambda: citer,
        citer=lambda: citer,
    )
    session = OneBuild()
    if cold:
        session._workers = styles.start_workers(1)
    ready = session.warm_page_citer(cast(Build, build))
    assert (ready is not None) is cold
    if ready is not None:
        assert ready.wait(30)
        item = kbcite.kb_item(meta, "Site", "https://example.org/", dt.date(2026, 3, 4))
        assert asked == [(citer, item)]
        assert any(t.name == "refkb-page-citer" for t in threading.enumerate())  # it started the page engine
    session.shutdown()
    session.finished()
    assert not any(t.name == "refkb-page-citer" and t.is_alive() for t in _joined(threading.enumerate()))


def _joined(threads: list[threading.Thread]) -> list[threading.Thread]:
    for t in threads:
        if t.name == "refkb-page-citer":
            t.join(10)
    return threads


# A style formatted as a style worker formats it (started by `_ready`), and by a process that kept V8's defaults:
# the peak and the resident memory after the engine closed (MB). V8 keeps the pages of a freed heap for its next
# engine unless told not to; a worker that has formatted its styles waits for the build's end.
_AFTER_CLOSE = """
import sys
sys.path.insert(0, "scripts")
from refkb import bibfile, csl, styles
from refkb.later import Job

items = [csl.engine_item(csl.item(e)) for e in bibfile.read(sys.argv[2]).entries]
job = Job("apa", items, [])
if sys.argv[1] == "worker":
    styles._ready()
styles._format_style(job)
status = dict(line.split(":", 1) for line in open("/proc/self/status", encoding="ascii"))
print(int(status["VmHWM"].split()[0]) // 1024, int(status["VmRSS"].split()[0]) // 1024)
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the resident set from Linux's /proc")
@pytest.mark.parametrize(
    ("how", "given_back"), [("worker", True), ("defaults", False)], ids=["style-worker", "v8-defaults"]
)
def test_a_style_worker_gives_its_engines_memory_back(how: str, given_back: bool) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _AFTER_CLOSE, how, str(DATA / "styles.bib")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    peak, now = (int(x) for x in done.stdout.split())
    assert (peak - now >= 60) is given_back, (peak, now)  # about 115 MB back against about 10 (8 works, APA)
