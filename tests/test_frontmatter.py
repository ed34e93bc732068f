"""refkb.frontmatter: the one reader of a page's front matter, and the keys each kind of page may carry."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from refkb import frontmatter

# (page text, found, meta, error line or 0, not a mapping, body line)
READ_CASES = [
    ("# No front matter\n", False, {}, 0, False, 1),
    ("---\ntitle: A\nhide: [toc]\n---\n# Body\n", True, {"title": "A", "hide": ["toc"]}, 0, False, 5),
    ("---\n---\n", False, {}, 0, False, 1),  # an empty block is not front matter to MkDocs either
    ("---\n\n---\nText\n", True, {}, 0, False, 4),
    ("---\ntitle: [unclosed\n---\n", True, {}, 3, False, 4),
    ("---\n- a\n- b\n---\n", True, {}, 0, True, 5),
    ("---\nverified_on: 2026-11-29\n---\n", True, {"verified_on": dt.date(2026, 11, 29)}, 0, False, 4),
]


@pytest.mark.parametrize(("text", "found", "meta", "error_line", "not_mapping", "body_line"), READ_CASES)
def test_read(
    text: str, found: bool, meta: dict[str, object], error_line: int, not_mapping: bool, body_line: int
) -> None:
    fm = frontmatter.read(text)
    assert (fm.found, fm.meta, fm.not_mapping, fm.body_line) == (found, meta, not_mapping, body_line)
    assert (fm.error.line if fm.error else 0) == error_line


def test_key_lines() -> None:
    assert frontmatter.read("---\ntitle: A\n\ndescription: B\n---\n").lines == {"title": 2, "description": 4}


# (front matter, the keys allowed, the keys reported)
PROBLEM_CASES = [
    ({"title": "A page", "hide": ["toc"], "search": {"boost": 2}, "status": "new"}, frontmatter.PAGE_KEYS, []),
    ({"template": "x.html"}, frontmatter.PAGE_KEYS, ["template"]),
    ({"title": "<script>"}, frontmatter.PAGE_KEYS, ["title"]),
    ({"description": "a" * 501}, frontmatter.PAGE_KEYS, ["description"]),
    ({"hide": ["everything"]}, frontmatter.PAGE_KEYS, ["hide"]),
    ({"search": {"exclude": "yes"}}, frontmatter.PAGE_KEYS, ["search"]),
    ({"status": "old"}, frontmatter.PAGE_KEYS, ["status"]),
    ({"verified_at": "https://a.example/"}, frontmatter.PAGE_KEYS, ["verified_at"]),
    (
        {"verified_at": ["https://a.example/", {"url": "https://b.example/", "note": "why"}]},
        frontmatter.ANNOTATION_KEYS,
        [],
    ),
    ({"verified_at": [{"url": "https://b.example/"}]}, frontmatter.ANNOTATION_KEYS, ["verified_at"]),
    ({"verified_on": dt.datetime(2026, 1, 1, 12, 0)}, frontmatter.ANNOTATION_KEYS, ["verified_on"]),
    ({"content_note": "a\x07b"}, frontmatter.ANNOTATION_KEYS, ["content_note"]),
    ({"appraisal": {"anything": 1}}, frontmatter.ANNOTATION_KEYS, []),
    ({"title": "A"}, frontmatter.ANNOTATION_KEYS, ["title"]),
]


@pytest.mark.parametrize(("meta", "allowed", "keys"), PROBLEM_CASES)
def test_problems(meta: dict[str, object], allowed: frozenset[str], keys: list[str]) -> None:
    assert [p.key for p in frontmatter.problems(meta, allowed)] == keys


# Texts where FRONT's lazy block and TOP_KEY's line starts are easy to get wrong: no block, an empty one, a closing
# line with spaces or at the end, '---' inside a line, a second closing line, keys after comments, quotes and dashes.
SPLIT_TEXTS = [
    "",
    "---",
    "---\n",
    "---\n---\n",
    "---\n\n---",
    "---\n\n---\n",
    "--- \t\na: 1\n--- \t\nbody\n---\nmore",
    "---\na: 1\n---x\nb: 2\n---",
    "---\na: ---\n ---\n---\n",
    "----\na: 1\n---\n",
    " ---\na: 1\n---\n",
    "---\r\na: 1\n---\n",
    "---\n---\n---\n",
    "---\na:\n  - x\n#c: 1\n'q': 2\n-d: 3\nkey :\ne:f\ng:\th\n---\nbody: 1\n",
]


@pytest.mark.parametrize("text", SPLIT_TEXTS)
def test_split_is_front_match(text: str) -> None:
    m = frontmatter.FRONT.match(text)
    assert frontmatter.split(text) == (frontmatter.Split(m.group(1), m.end()) if m else None)


@pytest.mark.parametrize("text", SPLIT_TEXTS)
def test_top_keys_after_a_line_break(text: str) -> None:
    expected = [(m.group(1), m.start()) for m in frontmatter.TOP_KEY.finditer(text)]
    assert [(m.group(1), m.start()) for m in frontmatter._TOP_KEY_LINE.finditer("\n" + text)] == expected


def test_split_on_random_texts() -> None:
    """split and the line-break pattern against FRONT and TOP_KEY on generated texts made of their parts."""
    rnd = random.Random(24)
    parts = ["---", "-", "\n", "\n---\n", " ", "\t", "a", "b: ", ":", "#", "'", ".", "é", "\n\n"]
    for _ in range(20_000):
        text = ("---" if rnd.random() < 0.5 else "") + "".join(rnd.choices(parts, k=rnd.randint(0, 14)))
        m = frontmatter.FRONT.match(text)
        assert frontmatter.split(text) == (frontmatter.Split(m.group(1), m.end()) if m else None), text
        expected = [(k.group(1), k.start()) for k in frontmatter.TOP_KEY.finditer(text)]
        assert [(k.group(1), k.start()) for k in frontmatter._TOP_KEY_LINE.finditer("\n" + text)] == expected, text
