"""What `mkdocs serve` needs beyond MkDocs' own server: it notices every save, shows a broken build in the browser,
and stops cleanly on SIGTERM.

- **Every save.** MkDocs watches with watchdog's polling observer, which compares each file's inode, size and
  modification time: a save that keeps the size and restores the modification time (an editor preserving times,
  `git checkout` of an older version of the same length, `touch -r`) is never seen. `ContentWatcher` polls the
  same paths and compares what the observer cannot change back: the inode-change time (`st_ctime_ns`, which no
  program can set), and then the content's digest. A file whose content changed while its inode, size and
  modification time stayed the same asks the server for a rebuild; every other change is the observer's (so one
  save is never built twice).
- **A broken build shows.** When a rebuild fails, MkDocs keeps serving nothing: every request waits for a site that
  never comes ("the server will appear stuck"). `BuildGuard` wraps the server's builder and its web application:
  while the last build failed, every page is an error page listing the build's error and warning lines (escaped),
  with MkDocs' live-reload script, so the browser shows the error at once and the fixed page as soon as a build
  succeeds; requests that arrive during a build wait for it, as MkDocs' own do.
- **At once.** MkDocs' polling observer looks every 0.5 s, a third of an annotation's save-to-page time.
  `NativeWatcher` also listens to the operating system's own file events (watchdog's `Observer`: inotify, FSEvents,
  ReadDirectoryChangesW) on the same paths; a write makes MkDocs' polling emitters look at once (`poll_now`), so
  the save reaches MkDocs through its own observer and handler, and the emitters' next poll finds nothing new: one
  save, one build. MkDocs polls because native events do not cross some mounts (Docker on macOS, network shares:
  mkdocs#2477); where they are missing, the next poll still sees the save.
- **Garbage collected while idle.** `IdleCollector` freezes what a rebuild leaves alive and collects it once the
  server is idle, so that a rebuild's collections look at its own objects only.
- **SIGTERM** stops the server as Ctrl-C does (MkDocs' shutdown and the plugin's `on_shutdown`, which writes the
  caches), instead of ending the process where it stands.

MkDocs' `LiveReloadServer` has no public interface for any of this; the attributes used are checked once
(`supported`) and the extras are left off, with a debug line, on a server that lacks them.
"""

from __future__ import annotations

import gc
import hashlib
import html
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

log = logging.getLogger("mkdocs.plugins.refkb")

POLL_SECONDS = 1.0
MAX_SHOWN = 60  # error lines on the error page
MAX_LINE = 2000  # characters of one shown line
FAILED = "refkb: the rebuild failed; the browser shows its errors until a build succeeds"
_NEEDS = ("_rebuild_cond", "_epoch_cond", "_inject_js_into_html", "set_app", "serve_request", "builder")

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
App = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def supported(server: object) -> bool:
    return all(hasattr(server, name) for name in _NEEDS)


@dataclass(frozen=True)
class Stat:
    """What watchdog's polling observer compares (inode, size, modification time) and what it does not."""

    ino: int
    size: int
    mtime_ns: int
    ctime_ns: int

    def seen_by_observer(self, other: Stat) -> bool:
        return (self.ino, self.size, self.mtime_ns) != (other.ino, other.size, other.mtime_ns)


def _stat(path: str) -> Stat | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return Stat(st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _digest(path: str) -> str | None:
    h = hashlib.blake2b(digest_size=16)
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()


def files_under(paths: Iterable[str]) -> Iterator[str]:
    """Every file of the watched paths (a folder recursively; hidden folders such as .git skipped)."""
    for root in sorted(set(paths)):
        if os.path.isfile(root):
            yield root
            continue
        for folder, dirs, names in os.walk(root):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(names):
                yield os.path.join(folder, name)


@dataclass(frozen=True)
class Seen:
    stat: Stat
    digest: str | None


class ContentWatcher:
    """Polls the watched files; a content change the polling observer cannot see calls `changed`."""

    def __init__(self, paths: Callable[[], Iterable[str]], changed: Callable[[], None], every: float = POLL_SECONDS):
        self._paths = paths
        self._changed = changed
        self._every = every
        self._seen: dict[str, Seen] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="refkb-content-watcher", daemon=True)

    def start(self) -> None:
        self.poll()  # the first look records the state the first build saw
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            try:
                if self.poll():
                    self._changed()
            except Exception:  # a watcher that dies would silently stop noticing saves
                log.debug("refkb: the content watcher's poll failed", exc_info=True)

    def poll(self) -> bool:
        """Look once; True when some file's content changed behind the observer's back."""
        hidden = False
        now: dict[str, Seen] = {}
        for path in files_under(self._paths()):
            st = _stat(path)
            if st is None:
                continue
            before = self._seen.get(path)
            if before is not None and before.stat == st:
                now[path] = before
                continue
            seen = Seen(st, _digest(path))
            now[path] = seen
            if before is not None and not st.seen_by_observer(before.stat) and seen.digest != before.digest:
                log.info("refkb: %s changed with its size and modification time kept", path)
                hidden = True
        self._seen = now
        return hidden


WRITES = frozenset({"created", "modified", "moved", "deleted", "closed"})  # "closed" after writing, not reads


def _parents(paths: Iterable[str]) -> dict[str, frozenset[str]]:
    """Each watched file's folder with the files watched in it; a folder watched whole maps to an empty set."""
    paths = sorted(set(paths))
    whole = [p for p in paths if os.path.isdir(p)]
    folders: dict[str, set[str]] = {}
    for path in paths:
        parent = os.path.dirname(path)
        covered = any(path == w or path.startswith(w + os.sep) for w in whole)
        if path not in whole and not covered and os.path.isdir(parent):
            folders.setdefault(parent, set()).add(path)
    out = {folder: frozenset(names) for folder, names in folders.items() if folder not in whole}
    out.update({folder: frozenset() for folder in whole})
    return out


class NativeWatcher:
    """The operating system's file events on the watched paths; a write asks for a rebuild at once.

    Only writes are asked for (created, modified, moved, deleted, closed after writing): a rebuild opens and reads
    every page, and the opened and closed-without-writing events of a thousand files, handled in Python threads,
    took a third of a core from the rebuild. The events of a burst (an editor's save is several) are handed on
    together, once, from the watcher's own thread. A watched file is followed through its folder (a save that writes
    a new file and renames it over the old one would end a watch on the file itself)."""

    def __init__(self, paths: Iterable[str], changed: Callable[[frozenset[str]], None], settle: float = 0.01) -> None:
        self._folders = _parents(paths)
        self._changed = changed
        self._settle = settle
        self._observer: Any = None
        self._pending: set[str] = set()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()

    def wanted(self, event: Any) -> str:
        """The watched path an event writes ("" for a read, a folder's own event or a path not watched)."""
        if event.is_directory or event.event_type not in WRITES:
            return ""
        for path in (str(event.src_path), str(getattr(event, "dest_path", "") or "")):
            for folder, names in self._folders.items():
                inside = path.startswith(folder + os.sep)
                if inside and (not names or path in names) and not _hidden(path[len(folder) :]):
                    return path
        return ""

    def seen(self, path: str) -> None:
        with self._lock:
            self._pending.add(path)
        self._wake.set()

    def _run(self) -> None:
        while self._wake.wait() and not self._stop.is_set():
            time.sleep(self._settle)  # the rest of the burst
            self._wake.clear()
            with self._lock:
                paths, self._pending = frozenset(self._pending), set()
            if paths:
                try:
                    self._changed(paths)
                except Exception:  # a watcher that dies would silently stop noticing saves
                    log.debug("refkb: handing on a file event failed", exc_info=True)

    def start(self) -> bool:
        """Listen; False (with a debug line) where the platform's events cannot be had, MkDocs' polling stays."""
        try:
            from watchdog import events
            from watchdog.observers import Observer

            watcher = self

            class Handler(events.FileSystemEventHandler):
                def on_any_event(self, event: events.FileSystemEvent) -> None:
                    path = watcher.wanted(event)
                    if path:
                        watcher.seen(path)

            writes: list[type[events.FileSystemEvent]] = [
                events.FileCreatedEvent,
                events.FileModifiedEvent,
                events.FileMovedEvent,
                events.FileDeletedEvent,
                events.FileClosedEvent,
            ]
            observer = Observer()
            for folder, names in sorted(self._folders.items()):
                observer.schedule(Handler(), folder, recursive=not names, event_filter=writes)
            observer.daemon = True
            observer.start()
        except Exception:  # no inotify (limits, platforms): MkDocs' polling observer still sees every save
            log.debug(
                "refkb: the operating system's file events are not available; saves are seen by polling", exc_info=True
            )
            return False
        self._observer = observer
        threading.Thread(target=self._run, name="refkb-file-events", daemon=True).start()
        return True

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._observer is not None:
            self._observer.stop()


def _hidden(relative: str) -> bool:
    """A path inside a hidden folder (.git, an editor's .swp folder); the content watcher skips them too."""
    parts = relative.strip(os.sep).split(os.sep)
    return any(part.startswith(".") for part in parts[:-1])


@dataclass(frozen=True)
class Failure:
    lines: tuple[str, ...]


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if len(self.lines) < MAX_SHOWN:
            with_level = f"{record.levelname}: {record.getMessage()}"
            self.lines.append(with_level[:MAX_LINE])


def error_page(failure: Failure) -> bytes:
    items = "\n".join(f"<li><pre>{html.escape(line)}</pre></li>" for line in failure.lines)
    body = (
        "<!doctype html>\n<html lang=en><head><meta charset=utf-8><title>Build failed</title>"
        "<style>body{font:16px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem}"
        "pre{white-space:pre-wrap;margin:0}li{margin:.5rem 0;padding:.5rem;background:#fdecea;color:#5f2120}"
        "</style></head><body><main><h1>The site could not be rebuilt</h1>"
        "<p>The last save left the project with errors. Fix them and save: this page reloads by itself.</p>"
        f"<ol>{items}</ol></main></body></html>"
    )
    return body.encode("utf-8")


class BuildGuard:
    """The server's builder and web application, wrapped: the last build's failure is remembered and shown."""

    def __init__(self, server: Any) -> None:
        self._server = server
        self._builder: Callable[..., None] = server.builder
        self._app: App = server.serve_request
        self._cond = threading.Condition()
        self._building = False
        self.failure: Failure | None = None

    def install(self) -> None:
        self._server.builder = self.build
        self._server.set_app(self.app)

    def build(self, *args: Any, **kwargs: Any) -> None:
        collect = _Collect()
        root = logging.getLogger("mkdocs")
        root.addHandler(collect)
        with self._cond:
            self._building = True
        failure: Failure | None = None
        try:
            self._builder(*args, **kwargs)
        except (Exception, SystemExit) as exc:
            failure = Failure((*collect.lines, f"ERROR: {exc}"[:MAX_LINE]))
            log.error(FAILED)
            raise
        finally:
            root.removeHandler(collect)
            with self._cond:
                self._building = False
                self.failure = failure
                self._cond.notify_all()
            if failure is not None:
                self._show_to_browsers()

    def _show_to_browsers(self) -> None:
        """Open pages reload (to the error page): the visible epoch moves to the failed build's."""
        server = self._server
        with server._epoch_cond:
            server._visible_epoch = server._wanted_epoch
            server._epoch_cond.notify_all()

    def app(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        if path.startswith("/livereload/"):
            return self._app(environ, start_response)
        with self._cond:
            self._cond.wait_for(lambda: not self._building)
            failure = self.failure
        if failure is None:
            return self._app(environ, start_response)
        page = self._server._inject_js_into_html(error_page(failure), self._server._visible_epoch)
        start_response(
            "500 Internal Server Error",
            [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(page)))],
        )
        return [page]


def poll_now(server: Any, paths: Iterable[str]) -> None:
    """MkDocs' polling emitters watching any of `paths` look now instead of at their next poll: each takes its
    snapshot and reports what changed through MkDocs' own handler (an emitter serialises its polls with a lock), so
    its next poll finds nothing new. Emitters not yet running are left alone: they take their first snapshot when
    they start."""
    paths = list(paths)
    for emitter in list(getattr(getattr(server, "observer", None), "emitters", ())):
        watched = str(emitter.watch.path)
        inside = any(p == watched or p.startswith(watched.rstrip(os.sep) + os.sep) for p in paths)
        if inside and emitter.is_alive():
            emitter.queue_events(0)


def _request_rebuild(server: Any) -> None:
    with server._rebuild_cond:
        server._want_rebuild = True
        server._rebuild_cond.notify_all()


class IdleCollector:
    """The server's garbage collection out of the reader's way. What a rebuild leaves alive (the memo, the pages'
    objects, the engines' results: a third of a million objects at 1,000 works) is frozen when the rebuild ends
    (`gc.freeze`, no copy), so that the collections a rebuild triggers look at its own new objects only: a full
    collection over everything took up to a quarter of a second of CPU in the middle of a rebuild, at random. What
    was frozen is looked at again once the server has been idle for `idle` seconds (unfrozen, collected, frozen
    again), when no one waits: the cycles a later rebuild let go of (the last build's pages and files) are freed
    then. A rebuild that starts cancels a collection not yet begun; the server's end waits for one under way (a
    collection runs finalizers, citeproc-js's among them, which must not meet the interpreter's own end)."""

    def __init__(self, idle: float = 2.0) -> None:
        self.idle = idle
        self._timer: threading.Timer | None = None
        self._last: threading.Timer | None = None  # the last timer started, which may be collecting
        self._stopped = False
        self._lock = threading.Lock()
        self.collections = 0  # full collections done while idle

    def rebuilding(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

    def rebuilt(self) -> None:
        with self._lock:
            if self._stopped:
                return
            gc.freeze()
            if self._timer is not None:
                self._timer.cancel()
            self._timer = self._last = threading.Timer(self.idle, self.collect)
            self._timer.name = "refkb-idle-gc"
            self._timer.daemon = True
            self._timer.start()

    def collect(self) -> None:
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        self.collections += 1

    def stop(self) -> None:
        """No collection after this; one under way ends first."""
        with self._lock:
            self._stopped = True
            last, self._timer = self._last, None
        if last is not None:
            last.cancel()
            if last is not threading.current_thread():
                last.join()
        gc.unfreeze()


def stop_on_sigterm() -> bool:
    """SIGTERM raises KeyboardInterrupt in the main thread, as Ctrl-C does, when nobody else handles it."""
    if threading.current_thread() is not threading.main_thread():
        return False
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return False

    def interrupt(signum: int, frame: FrameType | None) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a second SIGTERM ends the process at once
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    return True


@dataclass
class Extras:
    """What `attach` installed, to stop it again."""

    guard: BuildGuard
    watcher: ContentWatcher
    native: NativeWatcher | None  # None: the server has no observer refkb knows (saves seen at MkDocs' next poll)
    started: float


def attach(server: Any, watched: Sequence[str]) -> Extras | None:
    """Install the content watcher, the build guard and the SIGTERM handler on MkDocs' live-reload server."""
    if not supported(server):
        log.debug("refkb: this server has no live-reload internals refkb knows; serve runs without its extras")
        return None

    def paths() -> list[str]:
        own = getattr(server, "_watched_paths", {})
        return sorted({*watched, *(str(p) for p in own)})

    guard = BuildGuard(server)
    guard.install()
    watcher = ContentWatcher(paths, lambda: _request_rebuild(server))
    watcher.start()
    native = None
    if hasattr(server, "observer"):  # poll_now asks its emitters to look at once
        native = NativeWatcher(paths(), lambda changed: poll_now(server, changed))
        native.start()
    else:
        log.debug("refkb: this server has no observer refkb knows; a save is seen at MkDocs' next poll")
    stop_on_sigterm()
    return Extras(guard, watcher, native, time.monotonic())


def watched_paths(config_file: str | None, docs_dir: str, extra: Iterable[Path]) -> list[str]:
    paths = [os.path.abspath(docs_dir), *(os.path.abspath(p) for p in extra)]
    if config_file:
        paths.append(os.path.abspath(config_file))
    return sorted(set(paths))
