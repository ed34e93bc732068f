"""refkb.site.liveserver: the content watcher sees exactly the saves MkDocs' polling observer cannot, the
operating system's file events make MkDocs' observer look at once (writes, not reads; one save, one event), a
failed build is shown as an escaped error page (requests never hang), and SIGTERM stops like Ctrl-C. The end-to-end
checks on the real knowledge base are in tests/test_site_serve.py."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from refkb.site import liveserver


def _same_size_same_mtime(path: Path) -> None:
    st = path.stat()
    path.write_text(path.read_text(encoding="utf-8").replace("alpha", "omega"), encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def _new_mtime(path: Path) -> None:
    st = path.stat()
    path.write_text("omega beta\n", encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


def _touch_only(path: Path) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # the inode-change time moves, the content does not


def _chmod_only(path: Path) -> None:
    path.chmod(0o600)


def _same_content_rewritten(path: Path) -> None:
    st = path.stat()
    path.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def _new_file(path: Path) -> None:
    (path.parent / "new.md").write_text("new\n", encoding="utf-8")


def _deleted(path: Path) -> None:
    path.unlink()


def _in_hidden_folder(path: Path) -> None:
    hidden = path.parent / ".git"
    hidden.mkdir()
    (hidden / "HEAD").write_text("x\n", encoding="utf-8")


def _replaced_same_stat(path: Path) -> None:
    """`git checkout` writes a new file (a new inode): the observer sees that one."""
    st = path.stat()
    tmp = path.with_suffix(".tmp")
    tmp.write_text("omega beta\n", encoding="utf-8")
    os.replace(tmp, path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


POLLS: list[tuple[str, Callable[[Path], None], bool]] = [  # name, change, the watcher asks for a rebuild
    ("content changed, size and mtime kept", _same_size_same_mtime, True),
    ("content and mtime changed (the observer's)", _new_mtime, False),
    ("touched to the same mtime", _touch_only, False),
    ("mode changed", _chmod_only, False),
    ("same content written again, mtime kept", _same_content_rewritten, False),
    ("a new file (the observer's)", _new_file, False),
    ("a deleted file (the observer's)", _deleted, False),
    ("a file in a hidden folder", _in_hidden_folder, False),
]


@pytest.mark.parametrize(("name", "change", "expected"), POLLS, ids=[p[0] for p in POLLS])
def test_watcher_sees_what_the_observer_cannot(
    tmp_path: Path, name: str, change: Callable[[Path], None], expected: bool
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    page = docs / "page.md"
    page.write_text("alpha beta\n", encoding="utf-8")
    watcher = liveserver.ContentWatcher(lambda: [str(docs)], lambda: None)
    assert watcher.poll() is False
    change(page)
    assert watcher.poll() is expected, name
    assert watcher.poll() is False, "a change is reported once"


def test_a_replaced_file_is_left_to_the_observer(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("alpha beta\n", encoding="utf-8")
    watcher = liveserver.ContentWatcher(lambda: [str(page)], lambda: None)
    watcher.poll()
    before = page.stat().st_ino
    _replaced_same_stat(page)
    assert watcher.poll() is (page.stat().st_ino == before)


def test_watcher_thread_asks_for_a_rebuild(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("alpha beta\n", encoding="utf-8")
    asked = threading.Event()
    watcher = liveserver.ContentWatcher(lambda: [str(page)], asked.set, every=0.05)
    watcher.start()
    try:
        _same_size_same_mtime(page)
        assert asked.wait(5.0)
    finally:
        watcher.stop()


class FakeServer:
    """The attributes of MkDocs' LiveReloadServer that refkb uses."""

    def __init__(self, builder: Callable[..., None]) -> None:
        self.builder = builder
        self._rebuild_cond = threading.Condition()
        self._want_rebuild = False
        self._epoch_cond = threading.Condition()
        self._wanted_epoch = 2
        self._visible_epoch = 1
        self.app: Any = None
        self.observer: Any = None

    def set_app(self, app: Any) -> None:
        self.app = app

    def serve_request(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/html")])
        return [b"<html><body>the site</body></html>"]

    def _inject_js_into_html(self, content: bytes, epoch: int) -> bytes:
        return content.replace(b"</body>", b"<script>livereload(%d)</script></body>" % epoch)


def _get(server: FakeServer, path: str = "/page/") -> tuple[str, bytes]:
    status: list[str] = []
    body = b"".join(server.app({"PATH_INFO": path}, lambda s, h: status.append(s)))
    return status[0], body


def _fail() -> None:
    import logging

    logging.getLogger("mkdocs.plugins.refkb").error("docs/a.md:3:1: error unknown-key [x] <script>alert(1)</script>")
    raise SystemExit("Aborted with a build error")


def test_a_failed_build_is_shown_escaped_and_the_browsers_reload() -> None:
    server = FakeServer(_fail)
    guard = liveserver.BuildGuard(server)
    guard.install()
    with pytest.raises(SystemExit):
        server.builder()
    status, body = _get(server)
    assert status.startswith("500")
    text = body.decode()
    assert "docs/a.md:3:1: error unknown-key [x] &lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "Aborted with a build error" in text
    assert "<script>alert" not in text
    assert "<script>livereload(2)</script>" in text, "the error page reloads when a build succeeds"
    assert server._visible_epoch == 2, "open pages reload to the error page"
    assert _get(server, "/livereload/1/5")[1] == b"<html><body>the site</body></html>", "live-reload polls pass"


def test_a_good_build_serves_the_site_again() -> None:
    outcome: list[Callable[[], None]] = [_fail]
    server = FakeServer(lambda: outcome[0]())
    liveserver.BuildGuard(server).install()
    with pytest.raises(SystemExit):
        server.builder()
    outcome[0] = lambda: None
    server.builder()
    assert _get(server) == ("200 OK", b"<html><body>the site</body></html>")


def test_a_request_during_a_build_waits_for_its_outcome() -> None:
    started, release = threading.Event(), threading.Event()

    def slow() -> None:
        started.set()
        release.wait(5.0)
        raise SystemExit("failed")

    server = FakeServer(slow)
    liveserver.BuildGuard(server).install()

    def build_it() -> None:
        with pytest.raises(SystemExit):
            server.builder()

    build = threading.Thread(target=build_it)
    build.start()
    assert started.wait(5.0)
    got: list[tuple[str, bytes]] = []
    request = threading.Thread(target=lambda: got.append(_get(server)))
    request.start()
    request.join(0.3)
    assert request.is_alive(), "the request waits while the build runs"
    release.set()
    request.join(5.0)
    build.join(5.0)
    assert len(got) == 1
    assert got[0][0].startswith("500")


def _write(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "more\n", encoding="utf-8")


def _read(path: Path) -> None:
    path.read_text(encoding="utf-8")


def _replace(path: Path) -> None:  # an editor's save: a new file renamed over the old one
    new = path.with_name(path.name + ".tmp")
    new.write_text("replaced\n", encoding="utf-8")
    os.replace(new, path)


def _hidden_write(path: Path) -> None:
    (path.parent / ".git").mkdir(exist_ok=True)
    (path.parent / ".git" / "index").write_text("x", encoding="utf-8")


def _sibling_write(path: Path) -> None:  # beside a watched file, not watched itself
    (path.parent.parent / "notes.txt").write_text("x", encoding="utf-8")


NATIVE = [  # (what is done, to which watched thing, asks for a rebuild)
    (_write, "docs/page.md", True),
    (_write, "references.bib", True),
    (_replace, "docs/page.md", True),
    (_replace, "references.bib", True),
    (_read, "docs/page.md", False),
    (_read, "references.bib", False),
    (_hidden_write, "docs/page.md", False),
    (_sibling_write, "docs/page.md", False),
]


@pytest.mark.parametrize(("act", "target", "asks"), NATIVE, ids=[f"{a.__name__}-{t}" for a, t, _ in NATIVE])
def test_native_events_ask_for_a_rebuild_at_once(
    tmp_path: Path, act: Callable[[Path], None], target: str, asks: bool
) -> None:
    (tmp_path / "docs").mkdir()
    for name in ("docs/page.md", "references.bib"):
        (tmp_path / name).write_text("alpha\n", encoding="utf-8")
    asked = threading.Event()
    watcher = liveserver.NativeWatcher(
        [str(tmp_path / "docs"), str(tmp_path / "references.bib")], lambda paths: asked.set()
    )
    assert watcher.start(), "inotify is available on the machines refkb is tested on"
    try:
        act(tmp_path / target)
        assert asked.wait(0.5 if asks else 0.3) is asks
    finally:
        watcher.stop()


def test_a_save_reaches_mkdocs_observer_at_once_and_once(tmp_path: Path) -> None:
    """poll_now: MkDocs' polling emitter (here polling every 30 s) reports a save as soon as the native event
    comes, through its own handler, and its next poll finds nothing new."""
    from watchdog.events import FileSystemEvent, FileSystemEventHandler
    from watchdog.observers.polling import PollingObserver

    (tmp_path / "docs").mkdir()
    page = tmp_path / "docs" / "page.md"
    page.write_text("alpha\n", encoding="utf-8")
    seen: list[str] = []
    asked = threading.Event()

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event: FileSystemEvent) -> None:
            if not event.is_directory:
                seen.append(event.event_type)
                asked.set()

    server = FakeServer(lambda: None)
    server.observer = PollingObserver(timeout=30)
    server.observer.schedule(Handler(), str(tmp_path / "docs"), recursive=True)
    server.observer.start()
    native = liveserver.NativeWatcher([str(tmp_path / "docs")], lambda paths: liveserver.poll_now(server, paths))
    assert native.start()
    try:
        _write(page)
        assert asked.wait(2.0), "seen long before the emitter's next poll"
        time.sleep(0.3)
        assert seen == ["modified"]
        for emitter in server.observer.emitters:
            emitter.queue_events(0)  # the emitter's own next poll
        time.sleep(0.1)
        assert seen == ["modified"], "one save, one event"
    finally:
        native.stop()
        server.observer.stop()
        server.observer.join(5.0)


def test_a_burst_of_writes_is_handed_on_once(tmp_path: Path) -> None:
    pages = [tmp_path / f"p{i}.md" for i in range(5)]
    for page in pages:
        page.write_text("alpha\n", encoding="utf-8")
    batches: list[frozenset[str]] = []
    watcher = liveserver.NativeWatcher([str(tmp_path)], batches.append, settle=0.2)
    assert watcher.start()
    try:
        for page in pages:
            _write(page)
        for page in pages:
            _read(page)
        time.sleep(0.6)
    finally:
        watcher.stop()
    assert batches == [frozenset(str(p) for p in pages)]


def test_no_native_events_leaves_the_polling_observer(tmp_path: Path) -> None:
    watcher = liveserver.NativeWatcher([str(tmp_path / "missing")], lambda paths: None)
    assert watcher.start() is True  # nothing to watch is no failure
    watcher.stop()


def test_an_unknown_server_is_left_alone() -> None:
    assert liveserver.attach(object(), []) is None


@pytest.mark.parametrize("observer", [True, False], ids=["with-mkdocs-observer", "without"])
def test_native_events_only_for_a_server_with_an_observer(
    observer: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """poll_now needs MkDocs' observer: a server without one gets the other extras and MkDocs' polling alone."""
    monkeypatch.setattr(liveserver, "stop_on_sigterm", lambda: True)
    server = FakeServer(lambda: None)
    if not observer:
        del server.observer
    extras = liveserver.attach(server, [str(tmp_path)])
    assert extras is not None
    try:
        assert (extras.native is not None) is observer
    finally:
        extras.watcher.stop()
        if extras.native is not None:
            extras.native.stop()


def test_sigterm_stops_like_ctrl_c() -> None:
    code = (
        "import os, signal, time\n"
        "from refkb.site import liveserver\n"
        "assert liveserver.stop_on_sigterm()\n"
        "try:\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    time.sleep(5)\n"
        "except KeyboardInterrupt:\n"
        "    print('stopped cleanly')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "stopped cleanly"


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def _wait(until: Callable[[], bool], limit: float = 10.0) -> bool:
    start = time.monotonic()
    while not until() and time.monotonic() - start < limit:
        time.sleep(0.01)
    return until()


def test_what_a_rebuild_leaves_is_frozen_and_collected_when_idle() -> None:
    collector = liveserver.IdleCollector(idle=0.2)
    gc.disable()  # no collection but the collector's
    try:
        dropped = weakref.ref(_Cycle())  # garbage that only a collection of cycles frees
        collector.rebuilt()
        assert gc.get_freeze_count() > 0
        assert dropped() is not None  # a rebuild's end collects nothing: it only freezes
        assert _wait(lambda: collector.collections == 1)
        assert dropped() is None  # collected once the server was idle
        assert gc.get_freeze_count() > 0  # what is alive is frozen again
    finally:
        collector.stop()
        gc.enable()
    assert gc.get_freeze_count() == 0


class _SlowCollector(liveserver.IdleCollector):
    """A collection that takes a while, to stop the server in the middle of one."""

    started = threading.Event()

    def collect(self) -> None:
        self.started.set()
        time.sleep(0.5)
        super().collect()


def test_the_servers_end_waits_for_a_collection_under_way_and_allows_no_more() -> None:
    collector = _SlowCollector(idle=0.05)
    collector.rebuilt()
    assert collector.started.wait(5)
    collector.stop()  # while collecting
    assert collector.collections == 1
    assert gc.get_freeze_count() == 0
    collector.rebuilt()  # after the end: nothing frozen, no timer
    time.sleep(0.2)
    assert gc.get_freeze_count() == 0
    assert collector.collections == 1


def test_a_rebuild_that_starts_cancels_the_idle_collection() -> None:
    collector = liveserver.IdleCollector(idle=0.3)
    try:
        collector.rebuilt()
        collector.rebuilding()
        time.sleep(0.6)
        assert collector.collections == 0
        collector.rebuilt()
        assert _wait(lambda: collector.collections == 1)
    finally:
        collector.stop()
