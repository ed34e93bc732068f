"""The on-disk cache: what a run used is what it writes; a carried cache (mkdocs serve) starts from the last run's
keys without reading the file, and writes only what changed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import json
from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import Path, PurePath, PurePosixPath
from types import MappingProxyType
from typing import NamedTuple

import pytest
from markupsafe import Markup

from refkb import cache
from refkb.cache import JsonCache


def _on_disk(path: Path) -> dict[str, object]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


def test_a_run_writes_the_keys_it_used_and_nothing_when_nothing_changed(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    first = JsonCache(path)
    first.put("a", 1)
    first.put("b", 2)
    first.save()
    second = JsonCache(path)
    assert second.get("a") == 1
    second.save()  # "b" was not used: dropped
    assert _on_disk(path) == {"a": 1}
    path.write_text('{"a": 1, "tampered": true}', encoding="utf-8")
    third = JsonCache(path)
    assert third.get("a") == 1
    third.save()
    assert _on_disk(path) == {"a": 1}


def test_a_carried_cache_reads_nothing_and_writes_only_changes(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    run = JsonCache(path)
    run.put("a", 1)
    run.save()
    path.unlink()  # a carried cache does not read the file again
    nxt = run.carry()
    assert nxt.get("a") == 1
    assert nxt.misses == 0
    nxt.save()
    assert not path.exists()  # nothing changed: nothing written
    unsaved = nxt.carry()
    assert unsaved.get("a") == 1
    unsaved.put("b", 2)  # changed, not saved ...
    carried = unsaved.carry()
    assert carried.get("a") == 1
    assert carried.get("b") == 2
    carried.save()  # ... written by the next run
    assert _on_disk(path) == {"a": 1, "b": 2}


def test_digest_is_the_same_in_every_process_whatever_the_hash_seed() -> None:
    """Sets iterate in hash-seed order: `digest` sorts them, so a key made in one process is found in the next."""
    import subprocess
    import sys

    from conftest import ROOT

    code = (
        "import sys; sys.path.insert(0, 'scripts'); from refkb import cache, project; "
        "print(cache.digest(frozenset({'quantitative', 'qualitative', 'mixed-methods', 'x', 'y'}), "
        "project.load('.')))"
    )
    keys = set()
    for seed in ("0", "1", "2", "3"):
        run = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env={"PYTHONHASHSEED": seed}, capture_output=True, text=True
        )
        assert run.returncode == 0, run.stderr
        keys.add(run.stdout)
    assert len(keys) == 1


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ({"b": 1, "a": 2}, {"a": 2, "b": 1}),
        (frozenset({"x", "y", "z"}), frozenset({"z", "y", "x"})),
        ((1, 2), [1, 2]),
    ],
)
def test_equal_data_gives_equal_digests(a: object, b: object) -> None:
    assert cache.digest(a) == cache.digest(b)


def _canonical_as_written(value: object) -> object:
    """The canonical form as first written (isinstance tests, in the order of the docstring): the fast path that
    tests exact types first must give the same data for every kind of value."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: _canonical_as_written(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"__type__": type(value).__name__, **fields}
    if isinstance(value, Mapping):
        return {str(k): _canonical_as_written(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        items = [_canonical_as_written(v) for v in value]
        return sorted(items, key=lambda x: json.dumps(x, sort_keys=True, ensure_ascii=False))
    if isinstance(value, list | tuple):
        return [_canonical_as_written(v) for v in value]
    if isinstance(value, PurePath):
        return value.as_posix()
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


@dataclasses.dataclass(frozen=True)
class _Inner:
    name: str
    tags: frozenset[str]


@dataclasses.dataclass(frozen=True)
class _Outer:
    inner: _Inner
    items: tuple[object, ...]
    where: Path


class _Colour(enum.StrEnum):
    RED = "red"


class _Point(NamedTuple):
    x: int
    y: float


@pytest.mark.parametrize(
    "value",
    [
        "text",
        Markup("<em>kept</em>"),
        _Colour.RED,
        True,
        0,
        -1.5,
        None,
        (1, "a", None),
        [[], {}],
        {"k": (1, 2), 3: "int key"},
        OrderedDict(b=1, a=2),
        MappingProxyType({"x": frozenset({"b", "a"})}),
        frozenset({("a", 1), ("b", 2)}),
        {"x", "y"},
        _Point(1, 2.0),
        PurePosixPath("a/b"),
        dt.date(2024, 2, 29),
        dt.datetime(2024, 2, 29, 12, 0),
        _Outer(_Inner("n", frozenset({"t2", "t1"})), (_Inner("m", frozenset()), 1.0), Path("docs/x.md")),
        _Inner,  # a dataclass type, not an instance: its text
        complex(1, 2),
    ],
)
def test_canonical_is_the_same_data_as_first_written(value: object) -> None:
    assert cache.canonical(value) == _canonical_as_written(value)
    assert (
        cache.digest(value)
        == hashlib.sha256(
            json.dumps([_canonical_as_written(value)], sort_keys=True, ensure_ascii=False).encode()
        ).hexdigest()
    )


def _folder_at_the_file(path: Path) -> None:
    path.mkdir(parents=True)
    (path / "inside").write_text("x", encoding="utf-8")


def _file_at_the_folder(path: Path) -> None:
    path.parent.parent.mkdir(parents=True, exist_ok=True)
    path.parent.write_text("not a folder", encoding="utf-8")


PLACES: list[tuple[str, Callable[[Path], None]]] = [
    ("nothing there", lambda p: None),
    ("a folder where the file goes", _folder_at_the_file),
    ("a file where its folder goes", _file_at_the_folder),
]


@pytest.mark.parametrize(("name", "prepare"), PLACES, ids=[p[0] for p in PLACES])
def test_store_clears_its_place_and_writes(tmp_path: Path, name: str, prepare: Callable[[Path], None]) -> None:
    path = tmp_path / "cache" / "pages" / "search.json"
    prepare(path)
    assert cache.store(path, '{"a": 1}') is None, name
    assert cache.load_json(path) == {"a": 1}
    assert [p.name for p in path.parent.iterdir()] == ["search.json"], "no temporary file left"


@pytest.mark.parametrize(
    "text",
    ["", '{"a": ', "[" * 100_000 + "]" * 100_000, "\0\0\0"],
    ids=["empty", "truncated", "nested too deep", "NUL bytes"],
)
def test_load_json_of_a_damaged_file_is_none(tmp_path: Path, text: str) -> None:
    path = tmp_path / "c.json"
    path.write_text(text, encoding="utf-8")
    assert cache.load_json(path) is None


def test_load_json_of_bytes_that_are_not_utf8_is_none(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_bytes(b"\xff\xfe{}")
    assert cache.load_json(path) is None
    assert cache.load_json(tmp_path / "missing.json") is None
