"""Writing the knowledge base's files without losing anything: a lock, all-or-nothing commits, recovery.

- `lock(path)`: an exclusive `fcntl.flock` on the folder that holds the bibliography's target (the bibliography
  itself is replaced on every write, so it cannot carry the lock; a lock file would litter). Every writer (`add`,
  `format`, `check-links --fix-archive`) holds it while it reads, decides and writes, so two writers run one after
  the other and neither loses the other's change. A held lock is waited for, with a message, up to `timeout`.
- `commit({path: text, ...}, anchor)`: each text goes to a temp file in its target's folder (fsynced); with more than
  one file, a journal naming the renames is written (atomically) before any rename, and removed after the last. A
  crash (even `kill -9`) therefore leaves either nothing renamed and no journal, or a journal that the next
  `recover` (run whenever the lock is taken) completes: the entry and its annotation, both or neither.
- Writes go through symlinks to their target (a symlinked references.bib stays a symlink).
- Temp and journal files are named `.<name>.….refkb-tmp` and `.<name>.refkb-journal`, which .gitignore
  covers; stale temp files (from a killed process) are removed when the lock is next taken.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

from .errors import RefkbError

TMP_SUFFIX = ".refkb-tmp"
JOURNAL_SUFFIX = ".refkb-journal"


class LockHeld(RefkbError):
    """Another refkb process kept the lock for longer than the timeout."""


def target_of(path: str | os.PathLike[str]) -> Path:
    """The file a write to `path` must change: symlinks followed (the link itself is kept)."""
    return Path(os.path.realpath(path))


def _journal_path(target: Path) -> Path:
    return target.parent / f".{target.name}{JOURNAL_SUFFIX}"


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def lock(
    path: str | os.PathLike[str],
    timeout: float = 60.0,
    on_wait: Callable[[str], object] | None = None,
    clean: Iterable[Path] = (),
) -> Iterator[None]:
    """Hold the exclusive lock of `path` (its target when a symlink); recover an interrupted commit and remove stale
    temp files of `path` and in the folders `clean` first. Raises LockHeld after `timeout` seconds of waiting."""
    target = target_of(path)
    fd = os.open(target.parent, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait(f"{path}: another refkb process is writing it; waiting (up to {timeout:.0f} s)")
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise LockHeld(
                            f"{path}: another refkb process has held the lock for {timeout:.0f} s; try again when "
                            f"it has finished (the lock is on the folder {target.parent})"
                        ) from None
                    time.sleep(0.02)
        recover(target, clean)
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def try_recover(path: str | os.PathLike[str], clean: Iterable[Path] = ()) -> None:
    """Complete an interrupted commit if no other process holds the lock now (readers call this; never waits)."""
    target = target_of(path)
    if not target.parent.is_dir():
        return
    if not _journal_path(target).exists():
        return
    try:
        fd = os.open(target.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return
        recover(target, clean)
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def recover(target: Path, clean: Iterable[Path] = ()) -> None:
    """Under the lock: roll an interrupted commit forward, then remove stale temp files."""
    journal = _journal_path(target)
    if journal.exists():
        try:
            pairs = json.loads(journal.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pairs = []
        for tmp, dest in pairs if isinstance(pairs, list) else []:
            if os.path.exists(tmp):
                os.replace(tmp, dest)
                _fsync_dir(Path(dest).parent)
        journal.unlink(missing_ok=True)
        _fsync_dir(journal.parent)
    stale = list(target.parent.glob(f".{target.name}.*{TMP_SUFFIX}"))
    for folder in clean:
        if folder.is_dir():
            stale.extend(folder.glob(f".*{TMP_SUFFIX}"))
    for p in stale:
        p.unlink(missing_ok=True)


def _temp(target: Path, text: str) -> str:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TMP_SUFFIX, dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        mode = target.stat().st_mode & 0o7777 if target.exists() else 0o644
        os.chmod(tmp, mode)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


def write_atomic(path: str | os.PathLike[str], text: str) -> None:
    """One file: temp file in the same folder, fsync, `os.replace` onto the target (through symlinks)."""
    commit({Path(path): text}, Path(path))


def commit(files: Mapping[Path, str], anchor: Path) -> None:
    """Write every file or none (see the module's docstring). `anchor` (the bibliography) names the journal."""
    targets = [(target_of(p), text) for p, text in files.items()]
    temps: list[tuple[str, Path]] = []
    try:
        for target, text in targets:
            target.parent.mkdir(parents=True, exist_ok=True)
            temps.append((_temp(target, text), target))
    except BaseException:
        for tmp, _ in temps:
            Path(tmp).unlink(missing_ok=True)
        raise
    if len(temps) == 1:
        tmp, target = temps[0]
        os.replace(tmp, target)
        _fsync_dir(target.parent)
        return
    anchor_target = target_of(anchor)
    journal = _journal_path(anchor_target)
    jtmp = _temp(anchor_target, json.dumps([[t, str(d)] for t, d in temps]))
    os.replace(jtmp, journal)
    _fsync_dir(journal.parent)
    for tmp, target in temps:  # from here on, recover() finishes what a crash interrupts
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    journal.unlink()
    _fsync_dir(journal.parent)
