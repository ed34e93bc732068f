"""The on-disk cache: what a run used is what it writes; a carried cache (mkdocs serve) starts from the last run's
keys without reading the file, and writes only what changed."""

from __future__ import annotations

import json
from pathlib import Path

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
