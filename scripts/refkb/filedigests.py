"""Files' content digests kept in one process between rebuilds (`mkdocs serve`): a file is read and hashed again only
when its status changed, and a folder is listed once a rebuild.

A file's status is its device, inode, size, modification and change times. An edit that keeps the size and sets the
modification time back (an editor, `git checkout`, `touch -r`) still moves the change time, which no program can
set, and an editor that saves by renaming gives a new inode. What the status cannot show is a second write within
the clock tick of the first (a file system's timestamps are coarse): a digest is trusted on its status alone only
when the file had not changed for `SETTLED_NS` before it was read (git's "racy" entries, handled the same way), and
a file changed more recently is read again at every rebuild until it has settled.

Within a rebuild (between two `new_round` calls) a file's digest and a folder's listing are taken once: the checks
that read every page of docs/ share them."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

SETTLED_NS = 2_000_000_000  # two seconds: coarser than any file system's timestamps (FAT's two-second times)


@dataclass(frozen=True)
class Status:
    """What `os.stat` says of a file that changes with its content."""

    device: int
    inode: int
    size: int
    modified_ns: int
    changed_ns: int

    @staticmethod
    def of(st: os.stat_result) -> Status:
        return Status(st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


@dataclass(frozen=True)
class Seen:
    """A file's content digest, with its status when it was read and whether that status alone vouches for it."""

    status: Status
    digest: str
    settled: bool  # the file had not changed for SETTLED_NS when it was read


@dataclass
class FileDigests:
    """Content digests by path, read again only when a file's status changed (see the module's docstring)."""

    clock: Callable[[], int] = time.time_ns  # the wall clock file systems stamp files with
    _seen: dict[str, Seen] = field(default_factory=dict)
    _round: dict[str, str] = field(default_factory=dict)  # path -> digest, this rebuild
    _listings: dict[str, list[Path]] = field(default_factory=dict)  # folder -> its files, this rebuild
    reads: int = 0  # files read and hashed (for tests)

    def new_round(self) -> None:
        """A rebuild starts: files may have changed since the last one."""
        self._round.clear()
        self._listings.clear()

    def digest(self, path: Path) -> str:
        """The file's SHA-256 ("" when it cannot be read)."""
        name = str(path)
        found = self._round.get(name)
        if found is None:
            found = self._round[name] = self._digest(path, name)
        return found

    def _digest(self, path: Path, name: str) -> str:
        try:
            status = Status.of(path.stat())
        except OSError:
            self._seen.pop(name, None)
            return ""
        old = self._seen.get(name)
        if old is not None and old.settled and old.status == status:
            return old.digest
        read_at = self.clock()
        try:
            data = path.read_bytes()
        except OSError:
            self._seen.pop(name, None)
            return ""
        self.reads += 1
        found = hashlib.sha256(data).hexdigest()
        try:
            after = Status.of(path.stat())
        except OSError:
            after = None
        if after == status:  # not changed while it was read
            settled = read_at - max(status.modified_ns, status.changed_ns) > SETTLED_NS
            self._seen[name] = Seen(status, found, settled)
        else:
            self._seen.pop(name, None)
        return found

    def files(self, folder: Path) -> list[Path]:
        """Every file under `folder` (symbolic links to folders not followed, as `Path.rglob`), in path order by
        parts; [] when it is no folder."""
        name = str(folder)
        found = self._listings.get(name)
        if found is None:
            found = self._listings[name] = files_under(folder)
        return list(found)


def files_under(folder: Path) -> list[Path]:
    """Every file under `folder`, in path order by parts ([] when it is no folder)."""
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.rglob("*") if p.is_file()), key=lambda p: p.parts)
