"""A small on-disk cache: one JSON file of key -> value, read once, written atomically, holding only the keys the
last run used (so it never grows with stale entries)."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path, PurePath
from typing import Any

_FIELDS: dict[type, tuple[str, ...]] = {}  # a dataclass type -> its field names, looked up once


def _field_names(t: type) -> tuple[str, ...] | None:
    names = _FIELDS.get(t)
    if names is None and dataclasses.is_dataclass(t):
        names = _FIELDS[t] = tuple(f.name for f in dataclasses.fields(t))
    return names


def canonical(value: Any) -> Any:
    """`value` as JSON data that is the same in every process: dataclasses as their fields, mappings with text keys,
    sets sorted (their iteration order follows the hash seed, so `repr()` of a frozenset is not a key), paths in
    POSIX form, dates in ISO form; anything else as its text. (The commonest kinds are tested first, by exact type:
    a rebuild under `mkdocs serve` makes some ten thousand keys.)"""
    t = type(value)
    if t is str or t is int or value is None or t is bool or t is float:
        return value
    if t is tuple or t is list:
        return [canonical(v) for v in value]
    if t is dict:
        return {str(k): canonical(v) for k, v in value.items()}
    names = _field_names(t)
    if names is not None:
        fields = {n: canonical(getattr(value, n)) for n in names}
        return {"__type__": t.__name__, **fields}
    if isinstance(value, Mapping):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        items = [canonical(v) for v in value]
        return sorted(items, key=lambda x: json.dumps(x, sort_keys=True, ensure_ascii=False))
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    if isinstance(value, PurePath):
        return value.as_posix()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)


def digest(*parts: Any) -> str:
    """A stable key for parts of any shape (see `canonical`): equal data gives the same key in every process."""
    blob = json.dumps(canonical(parts), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def _clear_way(path: Path) -> bool:
    """A cache file's place held by the wrong kind of thing (a folder where the file goes, a file where its folder
    goes): removed. Only refkb's own cache paths reach here."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
        return True
    parent = path.parent
    if parent.exists() and not parent.is_dir():
        parent.unlink()
        return True
    return False


def store(path: Path, text: str) -> str | None:
    """Write a cache file atomically (a temporary file beside it, then `os.replace`), clearing its place once if
    something else holds it. A cache is never worth a failed build: what could not be written is returned as a
    reason (None when written) and the next build makes it again."""
    for attempt in (1, 2):
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, path)
            return None
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
            try:
                if attempt == 1 and _clear_way(path):
                    continue
            except OSError:
                pass
            return f"{path}: {exc.strerror or exc}"
    return None


def load_json(path: Path) -> Any:
    """A cache file's JSON, or None when it is missing, unreadable, not UTF-8, not JSON or nested too deeply to
    read (json raises RecursionError there)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None


class JsonCache:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._old: dict[str, Any] | None = None
        self._used: dict[str, Any] = {}
        self._changed = False
        self.hits = 0
        self.misses = 0
        self.problem: str | None = None  # why the last save wrote nothing

    def _load(self) -> dict[str, Any]:
        if self._old is None:
            self._old = {}
            if self.path is not None:
                data = load_json(self.path)
                self._old = data if isinstance(data, dict) else {}
        return self._old

    def carry(self) -> JsonCache:
        """The cache of a next run in this process: this run's keys, without reading the file again (what `save`
        writes, or wrote)."""
        nxt = JsonCache(self.path)
        nxt._changed = self._changed or len(self._used) != len(self._load())  # not written yet
        nxt._old = dict(self._used)
        return nxt

    def get(self, key: str) -> Any | None:
        old = self._load()
        if key in self._used:
            return self._used[key]
        if key in old:
            self.hits += 1
            self._used[key] = old[key]
            return old[key]
        self.misses += 1
        return None

    def put(self, key: str, value: Any) -> None:
        self._used[key] = value
        self._changed = True

    def save(self) -> None:
        """Write the keys used in this run, atomically; nothing when nothing changed."""
        if self.path is None or (not self._changed and len(self._used) == len(self._load())):
            return
        self.problem = store(self.path, json.dumps(self._used, ensure_ascii=False, sort_keys=True))
        self._old, self._changed = dict(self._used), self.problem is not None
