"""A small on-disk cache: one JSON file of key -> value, read once, written atomically, holding only the keys the
last run used (so it never grows with stale entries)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path, PurePath
from typing import Any


def canonical(value: Any) -> Any:
    """`value` as JSON data that is the same in every process: dataclasses as their fields, mappings with text keys,
    sets sorted (their iteration order follows the hash seed, so `repr()` of a frozenset is not a key), paths in
    POSIX form, dates in ISO form; anything else as its text."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"__type__": type(value).__name__, **fields}
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
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def digest(*parts: Any) -> str:
    """A stable key for parts of any shape (see `canonical`): equal data gives the same key in every process."""
    blob = json.dumps(canonical(parts), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


class JsonCache:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._old: dict[str, Any] | None = None
        self._used: dict[str, Any] = {}
        self._changed = False
        self.hits = 0
        self.misses = 0

    def _load(self) -> dict[str, Any]:
        if self._old is None:
            self._old = {}
            if self.path is not None:
                try:
                    data = json.loads(self.path.read_text(encoding="utf-8"))
                    self._old = data if isinstance(data, dict) else {}
                except (OSError, ValueError):
                    self._old = {}
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
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(self._used, ensure_ascii=False, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.path)
        self._old, self._changed = dict(self._used), False
