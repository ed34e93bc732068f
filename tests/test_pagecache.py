"""The page cache keeps a finished page with its search entries, only the pages the last build used, and treats a
damaged cache as empty."""

from __future__ import annotations

from pathlib import Path

from refkb.pagecache import PageCache


def test_a_page_is_kept_with_its_search_entries_and_dropped_when_unused(tmp_path: Path) -> None:
    first = PageCache(tmp_path)
    first.put("a" * 64, "<html>A</html>")
    first.put_search("a" * 64, [{"location": "a/", "text": "A"}])
    first.put("b" * 64, "<html>B</html>")  # no search entries known: not kept
    first.save()
    second = PageCache(tmp_path)
    assert second.get("a" * 64) == ("<html>A</html>", [{"location": "a/", "text": "A"}])
    assert second.get("b" * 64) is None
    second.save()
    third = PageCache(tmp_path)
    third.save()  # used nothing: keeps nothing
    assert list(tmp_path.glob("*.html")) == []
    assert PageCache(tmp_path).get("a" * 64) is None


def test_a_damaged_cache_is_empty(tmp_path: Path) -> None:
    (tmp_path / "search.json").write_text("{not json", encoding="utf-8")
    cache = PageCache(tmp_path)
    assert cache.get("a" * 64) is None
    (tmp_path / "search.json").write_text('{"%s": []}' % ("c" * 64), encoding="utf-8")  # entries, but no page
    assert PageCache(tmp_path).get("c" * 64) is None
