"""Checks across the entries of one file: duplicate keys, keys whose slugs collide, and likely duplicate works
(the same DOI or URL, near-identical titles in the same year)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator

from rapidfuzz import fuzz, process

from ..keys import ascii_fold, slug
from ..model import BibFile, Entry, Issue
from ..values import normal_doi, normal_url
from .codes import at_field, issue

_LEADING_ARTICLE = re.compile(r"^(?:the|a|an) ")
_ALNUM_RUN = re.compile(r"[a-z0-9]+")
_YEAR_PREFIX = re.compile(r"\d{4}")


def check_duplicate_keys(bib: BibFile) -> Iterator[Issue]:
    exact: dict[str, Entry] = {}
    folded: dict[str, Entry] = {}
    for e in bib.entries:
        if not e.key:
            continue
        p = e.key_pos
        if e.key in exact:
            yield issue(
                bib.path,
                p.line,
                p.col,
                "duplicate-key",
                e.key,
                f"key {e.key!r} is used again (first on line {exact[e.key].key_pos.line})",
                "give one of the entries another key, or merge them",
            )
        elif e.key.lower() in folded:
            other = folded[e.key.lower()]
            yield issue(
                bib.path,
                p.line,
                p.col,
                "duplicate-key-case",
                e.key,
                f"key {e.key!r} differs only in case from {other.key!r} (line {other.key_pos.line})",
                "keys name pages and files: rename one",
            )
        exact.setdefault(e.key, e)
        folded.setdefault(e.key.lower(), e)


def check_slug_collisions(bib: BibFile) -> Iterator[Issue]:
    """Two keys that differ (other than in case: duplicate-key-case says so) but share a slug (`keys.slug`):
    'Smith:2020' and 'smith-2020' would name the same page and files."""
    seen: dict[str, Entry] = {}
    for e in bib.entries:
        if not e.key:
            continue
        name = slug(e.key)
        first = seen.setdefault(name, e)
        if first is e or first.key.lower() == e.key.lower():
            continue
        p = e.key_pos
        yield issue(
            bib.path,
            p.line,
            p.col,
            "slug-collision",
            e.key,
            f"keys {e.key!r} and {first.key!r} (line {first.key_pos.line}) have the same slug {name!r}: their pages "
            "and files would be one",
            "rename one of the two: a key names its page and files by its slug (lowercase letters, digits and "
            "hyphens), so two keys must differ in more than case and punctuation",
        )


def check_duplicate_identifiers(bib: BibFile) -> Iterator[Issue]:
    for name, code, norm in (("doi", "duplicate-doi", normal_doi), ("url", "duplicate-url", normal_url)):
        seen: dict[str, Entry] = {}
        for e in bib.entries:
            f = e.get(name)
            if f is None or not f.value.strip():
                continue
            value = norm(f.value)
            if value in seen and seen[value].key != e.key:
                first = seen[value]
                yield at_field(
                    bib,
                    e,
                    f,
                    code,
                    f"same {name} as [{first.key}] (line {first.pos.line})",
                    f"if both are the same work, keep one entry; else correct the {name}",
                )
            seen.setdefault(value, e)


def _normal_title(title: str) -> str:
    return " ".join(_ALNUM_RUN.findall(ascii_fold(title)))


def _similar_pairs(titles: list[str], cutoff: float) -> Iterator[tuple[int, int, float]]:
    """(i, j, score) for i < j with fuzz.ratio >= cutoff: plain calls for small blocks, cdist (numpy) for big ones."""
    if len(titles) < 24:
        for i in range(len(titles)):
            for j in range(i + 1, len(titles)):
                score = fuzz.ratio(titles[i], titles[j], score_cutoff=cutoff)
                if score:
                    yield i, j, score
        return
    matrix = process.cdist(titles, titles, scorer=fuzz.ratio, score_cutoff=cutoff, dtype="uint8")
    for i, j in zip(*matrix.nonzero(), strict=True):
        if i < j:
            yield int(i), int(j), float(matrix[i, j])


NEAR_DUPLICATES_PER_BLOCK = 20  # warnings listed one by one in a block; the rest are counted in one summary
_BLOCK_MAX = 2000  # a block larger than this is split again by the title's first word


def check_near_duplicates(bib: BibFile, cutoff: float = 92.0) -> Iterator[Issue]:
    """Near-identical titles within the same year. Blocked by year and by the first letter of the title (leading
    articles dropped), so comparisons stay near-linear; a title with a different first letter is no longer
    'near-identical' at this cutoff anyway. Identical titles are grouped before any comparison (8,000 "Annual
    report"s are one group, not 32 million pairs), a large block is split again by its first word, and each block
    lists at most `NEAR_DUPLICATES_PER_BLOCK` warnings, then one line with the count of the rest."""
    blocks: dict[tuple[str, str], dict[str, list[Entry]]] = defaultdict(dict)
    for e in bib.entries:
        title = e.value("title")
        if not title:
            continue
        m = _YEAR_PREFIX.match((e.value("date") or e.value("year")).strip())
        norm = _LEADING_ARTICLE.sub("", _normal_title(title))
        if norm:
            blocks[(m.group(0) if m else "", norm[0])].setdefault(norm, []).append(e)
    for (year, _), groups in blocks.items():
        if len(groups) > _BLOCK_MAX:
            split: dict[str, dict[str, list[Entry]]] = defaultdict(dict)
            for norm, members in groups.items():
                split[norm.split(" ", 1)[0]][norm] = members
            parts = list(split.values())
        else:
            parts = [groups]
        for part in parts:
            yield from _near_duplicates_in(bib, part, cutoff, year)


def _near_duplicates_in(bib: BibFile, groups: dict[str, list[Entry]], cutoff: float, year: str) -> Iterator[Issue]:
    pairs: list[tuple[Entry, Entry, int]] = []
    total = 0
    for members in groups.values():  # identical titles: each later one against the first
        first = members[0]
        for b in members[1:]:
            if b.key != first.key:
                total += 1
                if len(pairs) < NEAR_DUPLICATES_PER_BLOCK:
                    pairs.append((first, b, 100))
    titles = list(groups)
    if len(titles) > 1 and len(titles) <= _BLOCK_MAX * 4:
        for i, j, score in _similar_pairs(titles, cutoff):
            total += 1
            if len(pairs) < NEAR_DUPLICATES_PER_BLOCK:
                pairs.append((groups[titles[i]][0], groups[titles[j]][0], int(score)))
    for a, b, score in pairs:
        p = b.pos
        yield issue(
            bib.path,
            p.line,
            p.col,
            "near-duplicate-title",
            b.key,
            f"title is near-identical to [{a.key}] (line {a.pos.line}, {score}% alike)",
            "if both are the same work, keep one entry",
        )
    if total > len(pairs):
        a = pairs[0][0]
        p = a.pos
        yield issue(
            bib.path,
            p.line,
            p.col,
            "near-duplicate-title",
            a.key,
            f"… and {total - len(pairs):,} more near-identical titles in {year or 'undated'} entries like [{a.key}] "
            "(not listed one by one)",
            "look for repeated or templated titles, e.g. 'Annual report', and make each title specific",
        )
