"""refkb.engine's V8 is started only when citeproc-js is there, and stopped before the interpreter exits: a context
mini-racer frees during finalization can wait forever for V8's thread (`mkdocs build` with citeproc-js missing hung
at exit about one run in six on two busy cores). tests/test_citeproc_glue.py and tests/test_styles.py check what
the engine prints."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import py_mini_racer
import pytest

from conftest import ROOT
from refkb import engine


class _Counted(py_mini_racer.MiniRacer):
    """mini-racer's context, counting how many were started and closed."""

    started = 0
    closed = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        type(self).started += 1
        super().__init__(*args, **kwargs)

    def close(self, *args: Any, **kwargs: Any) -> None:
        if self._ctx is not None:
            type(self).closed += 1
        super().close(*args, **kwargs)


def _missing(tmp: Path) -> str:
    return str(tmp / "nowhere" / "citeproc_commonjs.js")


def _damaged(tmp: Path) -> str:
    path = tmp / "citeproc_commonjs.js"
    path.write_text("module.exports = {\n  half a file", encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("script", "said", "line", "started"),
    [
        pytest.param(_missing, "citeproc-js is not there (REFKB_CITEPROC_JS names this file)", 0, 0, id="missing"),
        pytest.param(_damaged, "citeproc-js did not load: SyntaxError: Unexpected identifier", 2, 1, id="damaged"),
    ],
)
def test_an_engine_that_cannot_load_leaves_no_v8_running(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    script: Callable[[Path], str],
    said: str,
    line: int,
    started: int,
) -> None:
    monkeypatch.setattr(py_mini_racer, "MiniRacer", _Counted)
    monkeypatch.setattr(_Counted, "started", 0)
    monkeypatch.setattr(_Counted, "closed", 0)
    path = script(tmp_path)
    monkeypatch.setenv("REFKB_CITEPROC_JS", path)
    with pytest.raises(engine.EngineError) as caught:
        engine.Citeproc()
    assert caught.value.what.startswith(said)
    assert (caught.value.path, caught.value.line) == (path, line)
    assert (_Counted.started, _Counted.closed) == (started, started)


def test_leave_all_marks_every_open_engine_closed_and_frees_none() -> None:
    engines = [engine.Citeproc(), engine.Citeproc()]
    contexts = [js._ctx for js in engines]
    held = [sys.getrefcount(ctx) for ctx in contexts]
    assert all(js in engine._live for js in engines)
    engine.leave_all()
    assert [js.closed for js in engines] == [True, True]
    assert not any(js in engine._live for js in engines)
    assert [sys.getrefcount(ctx) for ctx in contexts] == [n + 1 for n in held]  # one reference never given back
    engines[0].close()  # closed already: nothing happens
    engines[1].leave()
    assert [sys.getrefcount(ctx) for ctx in contexts] == [n + 1 for n in held]


def test_a_forked_child_leaves_its_parents_engine_alone() -> None:
    js = engine.Citeproc()
    pid = os.fork()
    if pid == 0:  # the child (the downloads writer is one): freeing would wait forever for the parent's V8 thread
        import gc

        js.close()
        disowned = js.closed and len(engine._inherited) == 1  # held to the child's end, never freed
        del js
        gc.collect()  # the engine dropped and collected: its context is not freed (this hung before)
        os._exit(0 if disowned else 1)
    deadline = time.monotonic() + 30
    while (done := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    if done[0] == 0:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    assert done[0] == pid, "the child did not end"
    assert os.waitstatus_to_exitcode(done[1]) == 0
    assert js.load("apa", engine.style_path("apa").read_text(encoding="utf-8"), "en-US", [{"id": "a"}]).order == ("a",)
    js.close()


# An engine in a reference cycle (as a traceback holds a failed constructor's frame) and an engine held by a module
# global, left open at exit: neither is freed, before finalization (freeing from an atexit hook crashed now and
# then) or during it (it hung); the process ends at once, exit status 0. The hook registered first runs last.
AT_EXIT = """
import atexit
import sys
import py_mini_racer
from py_mini_racer._dll import init_mini_racer

atexit.register(lambda: print("contexts left", init_mini_racer(ignore_duplicate_init=True).mr_context_count()))
sys.path.insert(0, "scripts")
from refkb import engine

close = py_mini_racer.MiniRacer.close
def said(self, *args):
    if self._ctx is not None:  # not closed yet (MiniRacer.__del__ closes again)
        print("freed", "finalizing" if sys.is_finalizing() else "before finalizing", flush=True)
    close(self, *args)
py_mini_racer.MiniRacer.close = said

js = engine.Citeproc()
js.me = js
kept = engine.Citeproc()
kept.load("apa", engine.style_path("apa").read_text(encoding="utf-8"), "en-US", [{"id": "a"}])
del js
"""


@pytest.mark.parametrize("run", range(3))
def test_an_engine_left_open_at_exit_is_never_freed(run: int) -> None:
    done = subprocess.run([sys.executable, "-c", AT_EXIT], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n") == ["contexts left 2", ""]


# Whether a style's list entries can read a work's disambiguate flag (refkbTestsDisambiguate): a `disambiguate`
# condition in the bibliography or a macro it calls, however deep; a macro it names and the style lacks is a yes.
_CONDITION = "<choose><if disambiguate='true'><text value='x'/></if></choose>"


@pytest.mark.parametrize(
    ("style", "tests"),
    [
        ("<style><bibliography><layout><text value='a'/></layout></bibliography></style>", False),
        (f"<style><bibliography><layout>{_CONDITION}</layout></bibliography></style>", True),
        (
            f'<style><macro name="cite">{_CONDITION}</macro><citation><layout><text macro="cite"/></layout></citation>'
            "<bibliography><layout><text value='a'/></layout></bibliography></style>",
            False,
        ),
        (
            f'<style><macro name=\'a\'><text macro="b"/></macro><macro name="b">{_CONDITION}</macro>'
            "<bibliography><layout><text macro='a'/></layout></bibliography></style>",
            True,
        ),
        (
            f"<style><macro name='b'>{_CONDITION}</macro><bibliography><sort><key macro='b'/></sort>"
            "<layout><text value='a'/></layout></bibliography></style>",
            True,
        ),
        ("<style><bibliography><layout><text macro='missing'/></layout></bibliography></style>", True),
    ],
    ids=["none", "in-layout", "citation-only", "two-macros-deep", "in-sort", "unknown-macro"],
)
def test_a_styles_list_reads_the_disambiguate_flag(style: str, tests: bool) -> None:
    js = engine.Citeproc()
    try:
        assert js._ctx.call("refkbTestsDisambiguate", style) is tests
    finally:
        js.close()


@pytest.mark.parametrize(
    ("style", "alone"),
    [("apa", {"Hint76", "HashZack88", "BoweEtal79", "BoweEtal69"}), ("harvard", set())],
)
def test_only_works_whose_entry_reads_the_library_are_formatted_alone(style: str, alone: set[str]) -> None:
    """A work shares its first author with another, but its entry is the one it has alone (no year suffix, no names
    added, no substitute, no namesake in a global given-name rule): the engine does not format it alone
    (tests/test_styles.py holds every standalone entry to a one-item engine)."""
    from refkb import bibfile, csl, styles

    items = [
        csl.engine_item(csl.item(e))
        for e in bibfile.read(ROOT / "tests/data/standalone/names-across-groups.bib").entries
    ]
    js = engine.Citeproc()
    try:
        bib = js.load(style, styles._style_xml(style), styles.STYLES[style].locale, items)
    finally:
        js.close()
    assert set(bib.alone) == alone


# Work the engine spares itself, which must print what it printed before: the works alone but for MLA's repeated-
# author dash are formatted again in the library's engine with the dash off (refkbUndashed), not registered in the
# engine of works alone; a cluster of one work and nothing else is that work's label (refkbClusters).
_UNSPARED = """
refkbUndashed = function (eng, dashed, out, layers) { dashed.forEach(function (id) { layers.push([id]); }); };
var refkbClustersOwn = refkbClusters;
refkbClusters = function (name, json) { REFKB.styles[name].labels = {}; return refkbClustersOwn(name, json); };
"""
_COUNTED = """
var refkbUndashedSeen = 0, refkbUndashedOwn = refkbUndashed;
refkbUndashed = function (eng, dashed) {
  refkbUndashedSeen += dashed.length;
  return refkbUndashedOwn.apply(this, arguments);
};
"""


def _person(family: str, given: str) -> dict[str, str]:
    return {"family": family, "given": given}


_SAME_AUTHORS: list[dict[str, Any]] = [
    {
        "id": "b1",
        "type": "book",
        "title": "It's Complicated",
        "author": [_person("boyd", "danah")],
        "issued": {"date-parts": [[2014]]},
        "publisher": "Yale University Press",
    },
    {
        "id": "b2",
        "type": "article-journal",
        "title": "Social Network Sites",
        "author": [_person("boyd", "danah"), _person("Ellison", "Nicole B.")],
        "issued": {"date-parts": [[2007]]},
        "container-title": "Journal of Computer-Mediated Communication",
        "volume": "13",
        "issue": "1",
        "page": "210-230",
    },
    {
        "id": "b3",
        "type": "article-journal",
        "title": "Critical Questions for Big Data",
        "author": [_person("boyd", "danah"), _person("Crawford", "Kate")],
        "issued": {"date-parts": [[2012]]},
        "container-title": "Information, Communication & Society",
        "volume": "15",
        "issue": "5",
        "page": "662-679",
    },
    {
        "id": "b4",
        "type": "report",
        "title": "Taken Out of Context",
        "author": [_person("boyd", "danah")],
        "issued": {"date-parts": [[2008]]},
        "publisher": "University of California, Berkeley",
    },
    {
        "id": "b5",
        "type": "chapter",
        "title": "Why Youth Heart Social Network Sites",
        "author": [_person("boyd", "danah")],
        "issued": {"date-parts": [[2008]]},
        "container-title": "Youth, Identity, and Digital Media",
        "editor": [_person("Buckingham", "David")],
        "publisher": "MIT Press",
        "page": "119-142",
    },
    {
        "id": "c1",
        "type": "book",
        "title": "Atlas of AI",
        "author": [_person("Crawford", "Kate")],
        "issued": {"date-parts": [[2021]]},
        "publisher": "Yale University Press",
    },
    {
        "id": "c2",
        "type": "article-journal",
        "title": "The Trouble with Bias",
        "author": [_person("Crawford", "Kate")],
        "issued": {"date-parts": [[2021]]},
        "container-title": "Keynote",
    },
    {
        "id": "o1",
        "type": "report",
        "title": "World Migration Report 2020",
        "author": [{"literal": "IOM"}],
        "issued": {"date-parts": [[2019]]},
        "publisher": "IOM",
    },
    {
        "id": "o2",
        "type": "report",
        "title": "World Migration Report 2022",
        "author": [{"literal": "IOM"}],
        "issued": {"date-parts": [[2021]]},
        "publisher": "IOM",
    },
]


def _formatted(
    style: str, items: list[dict[str, Any]], extra: str, edited: dict[str, Any] | None = None
) -> tuple[engine.Bibliography, list[str], int]:
    """The style's bibliography and a few clusters (singles first), in an engine with `extra` JS; then, with `edited`
    given, the same after that work changed (mkdocs serve: a load that formats again only what can have changed).
    Also how many works refkbUndashed was given."""
    from refkb import styles

    ids = [str(it["id"]) for it in items]
    clusters = [[engine.ClusterCite(k)] for k in ids] + [
        [engine.ClusterCite(ids[0], locator="12")],
        [engine.ClusterCite(ids[1], prefix="see "), engine.ClusterCite(ids[2])],
        [engine.ClusterCite(ids[3], suppress_author=True)],
    ]
    js = engine.Citeproc()
    try:
        js._ctx.eval(_COUNTED + extra)
        xml, lang = styles._style_xml(style), styles.STYLES[style].locale
        bib = js.load(style, xml, lang, items)
        if edited is not None:
            bib = js.load(style, xml, lang, [edited if it["id"] == edited["id"] else it for it in items])
        return bib, js.clusters(style, clusters), int(str(js._ctx.eval("refkbUndashedSeen")))
    finally:
        js.close()


@pytest.mark.parametrize(
    ("style", "edited", "undashed"),
    [
        ("mla", None, 4),
        ("mla", {**_SAME_AUTHORS[3], "title": "Out of Context"}, 6),
        ("apa", None, 0),
        ("chicago", None, 0),
        ("harvard", None, 0),
        ("chicago", {**_SAME_AUTHORS[6], "issued": {"date-parts": [[2020]]}}, 0),
    ],
    ids=["mla", "mla-edited", "apa", "chicago", "harvard", "chicago-edited"],
)
def test_spared_work_prints_what_the_engine_printed_without_it(
    style: str, edited: dict[str, Any] | None, undashed: int
) -> None:
    spared = _formatted(style, _SAME_AUTHORS, "", edited)
    unspared = _formatted(style, _SAME_AUTHORS, _UNSPARED, edited)
    assert spared[2] == undashed
    assert (spared[0], spared[1]) == (unspared[0], unspared[1])
